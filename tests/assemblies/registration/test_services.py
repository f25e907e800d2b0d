"""Register, confirm, withdraw, erase and the confirmation email (registration services)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from assemblies.errors import InvalidInput, RegistrantNotFound, RegistrationClosed, ServiceError
from assemblies.models import AssemblyStatus, Registrant, RegistrantSource, RegistrantStatus
from assemblies.services.confirmation import confirmation_email_send
from assemblies.services.registrants import (
    registrant_confirm,
    registrant_erase_by_link,
    registrant_withdraw,
)
from assemblies.services.registration import registrant_register
from assemblies.states import WITHDRAWABLE_STATUSES
from assemblies.tokens import Purpose, link_token_read
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.assemblies.registration.factories import (
    RegistrantFactory,
    open_assembly,
)

ANSWERS = {"gender": "Woman", "age": "30-44"}
CONTACT = {"name": "Ada Lovelace", "email": "Ada@example.org", "phone": "01632 960 001"}
BASE = "https://dlp.example.org"


def register(assembly, **kwargs):
    return registrant_register(
        assembly=assembly,
        answers=kwargs.pop("answers", ANSWERS),
        contact=kwargs.pop("contact", CONTACT),
        base_url=BASE,
        **kwargs,
    )


def status_events(*, to: str) -> int:
    """How many registrant status changes to ``to`` the audit log holds."""
    return AuditEvent.objects.filter(
        action=AuditAction.REGISTRANT_STATUS_CHANGED, data__to=to
    ).count()


def test_registrant_register_creates_pending_form_registrant(assembly):
    outcome = register(assembly)
    registrant = Registrant.objects.get()
    assert outcome.created and outcome.registrant == registrant
    assert registrant.status == RegistrantStatus.PENDING
    assert registrant.source == RegistrantSource.FORM
    assert registrant.answers == ANSWERS
    assert (registrant.name, registrant.email) == ("Ada Lovelace", "Ada@example.org")
    assert registrant.consent_at is not None and registrant.email_confirmed_at is None


def test_registrant_register_emails_signed_links_after_commit(
    assembly, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = register(assembly)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["Ada@example.org"]
    assert assembly.title in message.subject
    for purpose in Purpose:
        line = next(x for x in message.body.splitlines() if f"/{purpose.value}/" in x)
        assert line.startswith(f"{BASE}/a/{assembly.slug}/{purpose.value}/")
        token = line.rstrip("/").rsplit("/", 1)[1]
        assert link_token_read(purpose=purpose, token=token).public_id == (
            outcome.registrant.public_id
        )


def test_registrant_register_again_creates_nothing_and_resends(
    assembly, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = register(assembly)
    other = {**CONTACT, "email": "ADA@EXAMPLE.ORG", "name": "Someone else"}
    with django_capture_on_commit_callbacks(execute=True):
        again = register(assembly, contact=other, answers={"gender": "Man", "age": "65+"})
    assert not again.created and again.registrant.pk == first.registrant.pk
    assert Registrant.objects.count() == 1
    assert Registrant.objects.get().answers == ANSWERS  # nothing was changed
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["Ada@example.org"]


def test_registrant_register_same_email_other_assembly_creates_second(assembly):
    register(assembly)
    register(open_assembly(slug="other"))
    assert Registrant.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({"status": AssemblyStatus.DRAFT}, "draft"),
        ({"status": AssemblyStatus.CLOSED}, "closed"),
        ({"registration_closes_at": timezone.now() - dt.timedelta(minutes=1)}, "closed"),
        (
            {
                "registration_opens_at": timezone.now() + dt.timedelta(days=1),
                "registration_closes_at": timezone.now() + dt.timedelta(days=2),
            },
            "not_yet",
        ),
    ],
)
def test_registrant_register_refused_outside_window(assembly, mailoutbox, changes, state):
    type(assembly).objects.filter(pk=assembly.pk).update(**changes)
    with pytest.raises(RegistrationClosed) as caught:
        register(assembly)  # the stale instance still says "open": the service re-reads
    assert caught.value.state == state
    assert Registrant.objects.count() == 0 and mailoutbox == []


def test_registrant_register_requires_email(assembly):
    with pytest.raises(InvalidInput):
        register(assembly, contact={**CONTACT, "email": " "})
    assert Registrant.objects.count() == 0


def test_registrant_register_audits_without_personal_data(assembly):
    outcome = register(assembly)
    event = AuditEvent.objects.get(action=AuditAction.REGISTRANT_REGISTERED)
    assert event.data["public_id"] == str(outcome.registrant.public_id)
    dumped = f"{event.data} {event.target_label} {event.actor_label}"
    for secret in ("Ada", "example.org", "01632"):
        assert secret not in dumped


def test_registrant_confirm_moves_pending_to_pool(assembly):
    registrant = RegistrantFactory(assembly=assembly)
    confirmed = registrant_confirm(assembly_id=assembly.pk, public_id=registrant.public_id)
    registrant.refresh_from_db()
    assert confirmed.status == registrant.status == RegistrantStatus.POOL
    assert registrant.email_confirmed_at is not None
    assert status_events(to="pool") == 1


def test_registrant_confirm_twice_changes_nothing(assembly):
    registrant = RegistrantFactory(assembly=assembly)
    registrant_confirm(assembly_id=assembly.pk, public_id=registrant.public_id)
    first = Registrant.objects.get().email_confirmed_at
    registrant_confirm(assembly_id=assembly.pk, public_id=registrant.public_id)
    assert Registrant.objects.get().email_confirmed_at == first
    assert status_events(to="pool") == 1


@pytest.mark.parametrize("status", [RegistrantStatus.WITHDRAWN, RegistrantStatus.DELETED])
def test_registrant_confirm_leaves_withdrawn_and_deleted(assembly, status):
    registrant = RegistrantFactory(assembly=assembly, status=status)
    registrant_confirm(assembly_id=assembly.pk, public_id=registrant.public_id)
    assert Registrant.objects.get().status == status


def test_registrant_confirm_unknown_raises(assembly):
    registrant = RegistrantFactory()  # another assembly
    with pytest.raises(RegistrantNotFound):
        registrant_confirm(assembly_id=assembly.pk, public_id=registrant.public_id)


@pytest.mark.parametrize("status", WITHDRAWABLE_STATUSES)
def test_registrant_withdraw_from_active_status(assembly, status):
    registrant = RegistrantFactory(assembly=assembly, status=status)
    registrant_withdraw(assembly_id=assembly.pk, public_id=registrant.public_id)
    assert Registrant.objects.get().status == RegistrantStatus.WITHDRAWN
    event = AuditEvent.objects.get(action=AuditAction.REGISTRANT_STATUS_CHANGED)
    assert event.data["from"] == status and event.data["by"] == "registrant"


def test_registrant_withdraw_twice_audits_once(assembly):
    registrant = RegistrantFactory(assembly=assembly)
    for _ in range(2):
        registrant_withdraw(assembly_id=assembly.pk, public_id=registrant.public_id)
    assert status_events(to="withdrawn") == 1


def test_registrant_withdraw_leaves_erased(assembly):
    registrant = RegistrantFactory(assembly=assembly, status=RegistrantStatus.DELETED)
    registrant_withdraw(assembly_id=assembly.pk, public_id=registrant.public_id)
    assert Registrant.objects.get().status == RegistrantStatus.DELETED


def test_registrant_erase_blanks_personal_data_and_keeps_row(assembly):
    registrant = RegistrantFactory(
        assembly=assembly,
        status=RegistrantStatus.POOL,
        address_line_1="1 High St",
        town="Leeds",
        postcode="LS1 1AA",
        extra={"notes": "call after 6"},
    )
    registrant_erase_by_link(assembly_id=assembly.pk, public_id=registrant.public_id)
    erased = Registrant.objects.get()
    assert erased.public_id == registrant.public_id
    assert erased.answers == registrant.answers
    assert erased.status == RegistrantStatus.DELETED and erased.erased_at is not None
    for field in ("name", "email", "phone", "address_line_1", "address_line_2", "town", "postcode"):
        assert getattr(erased, field) == ""
    assert erased.extra == {}


def test_registrant_erase_twice_keeps_first_time(assembly):
    registrant = RegistrantFactory(assembly=assembly)
    registrant_erase_by_link(assembly_id=assembly.pk, public_id=registrant.public_id)
    first = Registrant.objects.get().erased_at
    registrant_erase_by_link(assembly_id=assembly.pk, public_id=registrant.public_id)
    assert Registrant.objects.get().erased_at == first
    assert AuditEvent.objects.filter(action="assemblies.registrant.erased").count() == 1


def test_confirmation_email_send_skips_erased(assembly, mailoutbox):
    registrant = RegistrantFactory(assembly=assembly)
    registrant_erase_by_link(assembly_id=assembly.pk, public_id=registrant.public_id)
    assert confirmation_email_send(registrant_id=registrant.pk, base_url=BASE) is False
    assert mailoutbox == []


def test_confirmation_email_send_in_requested_language(assembly, mailoutbox):
    registrant = RegistrantFactory(assembly=assembly)
    assert confirmation_email_send(registrant_id=registrant.pk, base_url=BASE, language="fr")
    assert "Confirmez votre inscription" in mailoutbox[0].subject


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_registrant_register_concurrent_same_email_makes_one(assembly):
    """Eight threads register the same email at once: the assembly lock lets one create."""
    barrier = threading.Barrier(8)
    outcomes, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            outcomes.append(register(assembly).created)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(outcomes) == [False] * 7 + [True]
    assert Registrant.objects.filter(assembly=assembly).count() == 1


def test_registrant_register_email_sent_by_celery_task(
    assembly, mailoutbox, django_capture_on_commit_callbacks
):
    from celery.signals import task_postrun

    ran: list[str] = []

    def record(sender=None, **kwargs):
        ran.append(sender.name)

    task_postrun.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            register(assembly)
    finally:
        task_postrun.disconnect(record)
    assert ran == ["assemblies.send_email"] and len(mailoutbox) == 1


def test_registrant_register_broker_unreachable_sends_in_request(
    assembly, mailoutbox, django_capture_on_commit_callbacks, unreachable_broker, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = register(assembly)
    assert Registrant.objects.filter(pk=outcome.registrant.pk).exists()
    assert len(mailoutbox) == 1  # sent in the request instead of by a worker
    assert "job queue is unreachable" in caplog.text


def test_registrant_register_broker_and_mail_down_keeps_registration(
    assembly, mailoutbox, django_capture_on_commit_callbacks, unreachable_broker, caplog, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with django_capture_on_commit_callbacks(execute=True):
        outcome = register(assembly)
    assert Registrant.objects.filter(pk=outcome.registrant.pk).exists()
    assert "not sent" in caplog.text


# --- rules that hold whichever entry point calls the service ----------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        {"gender": "Woman"},  # an answer missing
        {"gender": "Woman", "age": "150+"},  # not a value of the quota table
        {"gender": "Woman", "age": "30-44", "shoe": "42"},  # not a question
    ],
)
def test_registrant_register_answers_not_in_quotas_refused(assembly, mailoutbox, answers):
    with pytest.raises(InvalidInput):
        register(assembly, answers=answers)
    assert Registrant.objects.count() == 0 and mailoutbox == []


@pytest.mark.parametrize("status", [AssemblyStatus.SELECTED, AssemblyStatus.ARCHIVED])
def test_registrant_confirm_refused_once_panel_selected_or_archived(assembly, status):
    registrant = RegistrantFactory(assembly=assembly)
    type(assembly).objects.filter(pk=assembly.pk).update(status=status)
    with pytest.raises(ServiceError, match="no longer takes confirmations"):
        registrant_confirm(assembly_id=assembly.pk, public_id=registrant.public_id)
    assert Registrant.objects.get().status == RegistrantStatus.PENDING
    assert status_events(to="pool") == 0
