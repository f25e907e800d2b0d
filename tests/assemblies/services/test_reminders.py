"""Staff confirmations and the reminder to confirm (services/registrants.py
``registrant_staff_confirm``, services/notifications.py ``registrants_remind``, and the registrant
admin's actions that call them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.errors import ServiceError
from assemblies.models import AssemblyStatus, EmailSend, RegistrantStatus
from assemblies.selectors.timeline import registrant_timeline
from assemblies.services.notifications import registrants_remind
from assemblies.services.registrants import registrant_staff_confirm
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import EmailTemplateFactory, RegistrantFactory

pytestmark = pytest.mark.django_db

BASE = "https://dlp.test"


@pytest.fixture
def open_small(small_assembly):
    small_assembly.status = AssemblyStatus.OPEN
    small_assembly.save()
    return small_assembly


@pytest.fixture
def pending(open_small):
    """Three pending registrants: in English, in French, and one without an email."""
    return [
        RegistrantFactory(assembly=open_small, status="pending", language="en"),
        RegistrantFactory(assembly=open_small, status="pending", language="fr"),
        RegistrantFactory(assembly=open_small, status="pending", email="", phone="01632 960 007"),
    ]


# --- staff confirmation -------------------------------------------------------------------


def test_registrant_staff_confirm_moves_pending_to_pool_and_audits(pending, caller):
    registrant = registrant_staff_confirm(registrant_id=pending[2].pk, actor=caller)
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.POOL
    assert registrant.staff_confirmed_by == caller and registrant.staff_confirmed_at
    assert registrant.email_confirmed_at is None
    event = AuditEvent.objects.get(action="assemblies.registrant.staff_confirmed")
    assert event.actor == caller
    assert event.data["from"] == "pending" and event.data["to"] == "pool"
    assert event.data["public_id"] == str(registrant.public_id)


def test_registrant_staff_confirm_twice_changes_nothing(pending, caller):
    registrant_staff_confirm(registrant_id=pending[0].pk, actor=caller)
    registrant_staff_confirm(registrant_id=pending[0].pk, actor=caller)
    assert AuditEvent.objects.filter(action="assemblies.registrant.staff_confirmed").count() == 1


def test_registrant_staff_confirm_refused_for_viewer(pending, viewer):
    with pytest.raises(Forbidden):
        registrant_staff_confirm(registrant_id=pending[0].pk, actor=viewer)
    pending[0].refresh_from_db()
    assert pending[0].status == RegistrantStatus.PENDING


def test_registrant_staff_confirm_refused_once_panel_selected(pending, manager):
    pending[0].assembly.status = AssemblyStatus.SELECTED
    pending[0].assembly.save()
    with pytest.raises(ServiceError, match="no longer takes confirmations"):
        registrant_staff_confirm(registrant_id=pending[0].pk, actor=manager)


# --- reminders ----------------------------------------------------------------------------


def _remind(assembly, callbacks, **kwargs):
    with callbacks(execute=True):
        return registrants_remind(assembly_id=assembly.pk, base_url=BASE, **kwargs)


def test_registrants_remind_emails_pending_with_address_in_their_language(
    open_small, pending, manager, mailoutbox, django_capture_on_commit_callbacks
):
    EmailTemplateFactory(
        assembly=open_small,
        kind="reminder",
        language="fr",
        subject="Rappel",
        text_body="Confirmez : {{ confirm_link }}",
    )
    outcome = _remind(open_small, django_capture_on_commit_callbacks, actor=manager)
    assert (outcome.created, outcome.already_today, outcome.without_email) == (2, 0, 1)
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects[pending[1].email] == "Rappel"
    assert subjects[pending[0].email].startswith("Reminder: confirm your registration")
    assert set(subjects) == {pending[0].email, pending[1].email}
    event = AuditEvent.objects.get(action="assemblies.registrants.reminded")
    assert event.data == {
        "assembly_id": open_small.pk,
        "created": 2,
        "already_today": 0,
        "to_call": 1,
    }


def test_registrants_remind_once_a_day_at_most(
    open_small, pending, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    _remind(open_small, django_capture_on_commit_callbacks, now=now)
    again = _remind(open_small, django_capture_on_commit_callbacks, now=now)
    assert (again.created, again.already_today) == (0, 2)
    assert len(mailoutbox) == 2
    tomorrow = _remind(open_small, django_capture_on_commit_callbacks, now=now + dt.timedelta(1))
    assert tomorrow.created == 2 and len(mailoutbox) == 4
    assert EmailSend.objects.filter(kind="reminder").count() == 4


def test_registrants_remind_leaves_out_confirmed_and_unselected(
    open_small, pending, mailoutbox, django_capture_on_commit_callbacks
):
    outcome = _remind(
        open_small,
        django_capture_on_commit_callbacks,
        registrant_ids=[
            pending[0].pk,
            *open_small.registrants.filter(status="pool").values_list("pk", flat=True),
        ],
    )
    assert outcome.created == 1 and [m.to for m in mailoutbox] == [[pending[0].email]]


def test_registrants_remind_refused_for_caller(open_small, pending, caller):
    with pytest.raises(Forbidden):
        registrants_remind(assembly_id=open_small.pk, base_url=BASE, actor=caller)
    assert not EmailSend.objects.exists()


def test_registrants_remind_refused_for_draft(small_assembly):
    with pytest.raises(ServiceError, match="open or closed"):
        registrants_remind(assembly_id=small_assembly.pk, base_url=BASE)


# --- the registrant admin's actions -----------------------------------------------------------


def _action(client, action, registrants):
    return client.post(
        reverse("admin:assemblies_registrant_changelist"),
        {"action": action, "_selected_action": [r.pk for r in registrants]},
        follow=True,
    )


def test_admin_record_confirmation_by_caller(staff_client, caller, pending):
    response = _action(staff_client(caller), "registrant_staff_confirm", pending[2:])
    assert "1 registrant(s) confirmed by you" in response.content.decode()
    pending[2].refresh_from_db()
    assert pending[2].status == RegistrantStatus.POOL
    assert pending[2].staff_confirmed_by == caller


def test_admin_send_reminder_twice_sends_once(
    staff_client, manager, pending, mailoutbox, django_capture_on_commit_callbacks
):
    client = staff_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        first = _action(client, "send_reminder", pending).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        second = _action(client, "send_reminder", pending).content.decode()
    assert "2 reminder(s) sent" in first and "1 pending without an email" in first
    assert "0 reminder(s) sent; 2 already reminded today" in second
    assert len(mailoutbox) == 2


def test_admin_send_reminder_not_offered_to_callers(staff_client, caller, pending):
    page = staff_client(caller).get(reverse("admin:assemblies_registrant_changelist"))
    html = page.content.decode()
    assert "registrant_staff_confirm" in html and "send_reminder" not in html


def test_timeline_shows_the_staff_confirmation(pending, caller):
    registrant_staff_confirm(registrant_id=pending[2].pk, actor=caller)
    titles = [entry.title for entry in registrant_timeline(registrant=pending[2])]
    assert "Confirmation taken by staff (phone, letter): in the pool" in titles
    assert not any("staff_confirmed" in title for title in titles)
