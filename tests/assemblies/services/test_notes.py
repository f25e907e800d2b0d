"""Organisers' notes on a registrant: who may write them, what text is accepted, what the
audit log keeps (the kind, never the text) and erasure deleting them."""

from __future__ import annotations

import pytest

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import (
    NOTE_MAX_LENGTH,
    NoteKind,
    Registrant,
    RegistrantNote,
    RegistrantStatus,
)
from assemblies.services.notes import registrant_note_add
from assemblies.services.registrants import registrant_erase, registrant_erase_by_link
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import RegistrantNoteFactory

pytestmark = pytest.mark.django_db

TEXT = "Called at 10:00; needs step-free access.\nPrefers mornings."


@pytest.fixture
def registrant(small_assembly):
    """A panel member of the small assembly."""
    registrant = Registrant.objects.get(assembly=small_assembly, external_id="P01")
    registrant.status = RegistrantStatus.SELECTED
    registrant.save()
    return registrant


def test_registrant_note_add_by_caller_records_author_kind_and_text(registrant, caller):
    note = registrant_note_add(
        registrant_id=registrant.pk, kind=NoteKind.ACCESS_NEEDS, text=f"  {TEXT}\r\n", actor=caller
    )
    note.refresh_from_db()
    assert (note.registrant, note.author, note.kind, note.text) == (
        registrant,
        caller,
        NoteKind.ACCESS_NEEDS,
        TEXT,
    )


def test_registrant_note_add_by_manager_and_system(registrant, manager):
    registrant_note_add(registrant_id=registrant.pk, kind="other", text="a", actor=manager)
    registrant_note_add(registrant_id=registrant.pk, kind="other", text="b")
    assert RegistrantNote.objects.filter(registrant=registrant).count() == 2


def test_registrant_note_add_audits_the_kind_never_the_text(registrant, caller):
    note = registrant_note_add(
        registrant_id=registrant.pk, kind=NoteKind.CALL_OUTCOME, text=TEXT, actor=caller
    )
    event = AuditEvent.objects.get(action="assemblies.registrant.note_added")
    assert event.data == {
        "assembly_id": registrant.assembly_id,
        "public_id": str(registrant.public_id),
        "note_id": note.pk,
        "kind": "call_outcome",
    }
    assert event.actor == caller
    assert "step-free" not in str(event.data) + event.target_label


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_registrant_note_add_refused_for_viewer_and_outsider(registrant, role, request):
    user = request.getfixturevalue(role)
    with pytest.raises(Forbidden):
        registrant_note_add(registrant_id=registrant.pk, kind="other", text=TEXT, actor=user)
    assert not RegistrantNote.objects.exists()
    assert not AuditEvent.objects.filter(action="assemblies.registrant.note_added").exists()


@pytest.mark.parametrize(
    "text",
    ["", "  \n ", "x" * (NOTE_MAX_LENGTH + 1), "a\x00b", "a\tb", "a\u2028b", "a\x1bb"],
)
def test_registrant_note_add_refuses_bad_text(registrant, caller, text):
    with pytest.raises(InvalidInput):
        registrant_note_add(registrant_id=registrant.pk, kind="other", text=text, actor=caller)
    assert not RegistrantNote.objects.exists()


def test_registrant_note_add_keeps_text_of_max_length(registrant, caller):
    note = registrant_note_add(
        registrant_id=registrant.pk, kind="other", text="x" * NOTE_MAX_LENGTH, actor=caller
    )
    assert len(note.text) == NOTE_MAX_LENGTH


def test_registrant_note_add_refuses_unknown_kind(registrant, caller):
    with pytest.raises(InvalidInput):
        registrant_note_add(registrant_id=registrant.pk, kind="gossip", text=TEXT, actor=caller)


def test_registrant_note_add_refused_when_erased(registrant, manager):
    registrant_erase(registrant_id=registrant.pk, actor=manager)
    with pytest.raises(ServiceError):
        registrant_note_add(registrant_id=registrant.pk, kind="other", text=TEXT, actor=manager)


def test_registrant_erase_deletes_note_text(registrant, manager):
    RegistrantNoteFactory(registrant=registrant, text=TEXT)
    other = RegistrantNoteFactory(registrant__assembly=registrant.assembly, text="kept")
    registrant_erase(registrant_id=registrant.pk, actor=manager)
    assert not RegistrantNote.objects.filter(registrant=registrant).exists()
    assert not RegistrantNote.objects.filter(text__contains="step-free").exists()
    assert RegistrantNote.objects.get(pk=other.pk).text == "kept"


def test_registrant_erase_by_link_deletes_note_text(registrant):
    RegistrantNoteFactory(registrant=registrant, text=TEXT)
    registrant_erase_by_link(assembly_id=registrant.assembly_id, public_id=registrant.public_id)
    assert not RegistrantNote.objects.filter(registrant=registrant).exists()
