"""The registrant change page's timeline and note form, per role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assemblies.models import Registrant, RegistrantNote, RegistrantStatus
from assemblies.services.notes import registrant_note_add
from assemblies.services.registrants import registrant_status_change

pytestmark = pytest.mark.django_db

TEXT = "Called: will attend, needs a hearing loop."


@pytest.fixture
def member(small_assembly):
    """P01 on the panel."""
    registrant = Registrant.objects.get(assembly=small_assembly, external_id="P01")
    registrant.status = RegistrantStatus.SELECTED
    registrant.save()
    return registrant


def _note_url(registrant):
    return reverse("admin:assemblies_registrant_note", args=[registrant.pk])


def _change_url(registrant):
    return reverse("admin:assemblies_registrant_change", args=[registrant.pk])


def test_note_form_caller_adds_note_shown_on_timeline(client, caller, member):
    client.force_login(caller)
    response = client.post(_note_url(member), {"kind": "access_needs", "text": TEXT})
    assert response.status_code == 302 and response["Location"] == _change_url(member)
    note = RegistrantNote.objects.get(registrant=member)
    assert (note.kind, note.text, note.author) == ("access_needs", TEXT, caller)
    page = client.get(_change_url(member)).content.decode()
    assert 'id="note-form"' in page
    assert "Note: Access needs" in page and "needs a hearing loop" in page


def test_note_form_caller_sees_status_changes_newest_first(client, caller, member):
    registrant_status_change(
        registrant_id=member.pk, status=RegistrantStatus.CONFIRMED, actor=caller
    )
    registrant_note_add(registrant_id=member.pk, kind="call_outcome", text=TEXT, actor=caller)
    client.force_login(caller)
    page = client.get(_change_url(member)).content.decode()
    assert page.index("Note: Call outcome") < page.index("Status: Selected → Confirmed")


def test_note_form_manager_adds_note(client, manager, member):
    client.force_login(manager)
    client.post(_note_url(member), {"kind": "call_outcome", "text": TEXT})
    assert RegistrantNote.objects.filter(registrant=member, author=manager).count() == 1


def test_note_form_viewer_refused_but_sees_timeline(client, viewer, caller, member):
    registrant_note_add(registrant_id=member.pk, kind="availability", text=TEXT, actor=caller)
    client.force_login(viewer)
    response = client.post(_note_url(member), {"kind": "other", "text": "mine"})
    assert response.status_code == 403
    assert list(RegistrantNote.objects.values_list("text", flat=True)) == [TEXT]
    page = client.get(_change_url(member)).content.decode()
    assert 'id="note-form"' not in page and "Note: Availability" in page


def test_note_form_outsider_gets_404(client, outsider, member):
    client.force_login(outsider)
    response = client.post(_note_url(member), {"kind": "other", "text": TEXT})
    assert response.status_code == 404
    assert not RegistrantNote.objects.exists()


def test_note_form_refusal_is_a_message(client, caller, member):
    client.force_login(caller)
    response = client.post(_note_url(member), {"kind": "other", "text": "a\x00b"}, follow=True)
    assert not RegistrantNote.objects.exists()
    assert "Note not added" in response.content.decode()


def test_note_form_get_not_allowed(client, caller, member):
    client.force_login(caller)
    assert client.get(_note_url(member)).status_code == 405


def test_note_form_erased_registrant_has_no_form_and_no_note_text(client, manager, member):
    client.force_login(manager)
    client.post(_note_url(member), {"kind": "access_needs", "text": TEXT})
    client.post(
        reverse("admin:assemblies_registrant_changelist"),
        {"action": "erase", "_selected_action": [member.pk], "confirm": "yes"},
    )
    member.refresh_from_db()
    assert member.status == RegistrantStatus.DELETED
    page = client.get(_change_url(member)).content.decode()
    assert "hearing loop" not in page and 'id="note-form"' not in page
    assert "its text was erased" in page
    assert not RegistrantNote.objects.exists()
