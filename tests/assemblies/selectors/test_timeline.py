"""A registrant's timeline: status changes, notes, draws and overrides merged newest first, in
a number of queries that does not grow with the number of events."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assemblies.models import Registrant, RegistrantStatus, RunStatus
from assemblies.selectors.timeline import registrant_timeline
from assemblies.services.notes import registrant_note_add
from assemblies.services.overrides import registrant_seat_override
from assemblies.services.registrants import registrant_erase, registrant_status_change
from assemblies.services.voiding import selection_run_void
from tests.assemblies.factories import EmailSendFactory, SelectionRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(small_assembly, manager):
    """P01, drawn by a succeeded panel run requested by the manager."""
    run = SelectionRunFactory(
        assembly=small_assembly,
        status=RunStatus.SUCCEEDED,
        requested_by=manager,
        finished_at=timezone.now() - timezone.timedelta(days=1),
    )
    registrant = Registrant.objects.get(assembly=small_assembly, external_id="P01")
    registrant.status = RegistrantStatus.SELECTED
    registrant.selected_by = run
    registrant.save()
    return registrant


def _calls(registrant, caller, rounds):
    """``rounds`` times: confirm, note, withdraw, note, back to selected."""
    for n in range(rounds):
        registrant_status_change(
            registrant_id=registrant.pk, status=RegistrantStatus.CONFIRMED, actor=caller
        )
        registrant_note_add(
            registrant_id=registrant.pk, kind="call_outcome", text=f"call {n}", actor=caller
        )
        registrant_status_change(
            registrant_id=registrant.pk, status=RegistrantStatus.WITHDRAWN, actor=caller
        )
        registrant_note_add(
            registrant_id=registrant.pk, kind="availability", text=f"away {n}", actor=caller
        )
        registrant_status_change(
            registrant_id=registrant.pk, status=RegistrantStatus.SELECTED, actor=caller
        )


def test_registrant_timeline_merges_newest_first(drawn, caller):
    _calls(drawn, caller, 1)
    entries = registrant_timeline(registrant=drawn)
    assert [e.kind for e in entries] == ["status", "note", "status", "note", "status", "draw"]
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert entries[0].title == "Status: Withdrawn → Selected (by caller)"
    assert entries[1].text == "away 0" and entries[1].title == "Note: Availability"
    assert entries[1].who == str(caller)
    assert entries[-1].run_id == drawn.selected_by_id


def test_registrant_timeline_shows_override_with_reason(small_assembly, manager):
    registrant = Registrant.objects.get(assembly=small_assembly, external_id="P02")
    registrant_seat_override(
        registrant_id=registrant.pk, reason="Wrongly withdrawn.", actor=manager
    )
    registrant.refresh_from_db()
    entries = registrant_timeline(registrant=registrant)
    overrides = [e for e in entries if e.kind == "override"]
    assert len(overrides) == 1 and overrides[0].text == "Wrongly withdrawn."
    assert overrides[0].who == str(manager)


def test_registrant_timeline_after_erasure_keeps_no_note_text(drawn, caller, manager):
    _calls(drawn, caller, 1)
    registrant_erase(registrant_id=drawn.pk, actor=manager)
    drawn.refresh_from_db()
    entries = registrant_timeline(registrant=drawn)
    assert entries[0].kind == "erased"
    assert [e.kind for e in entries].count("note_erased") == 2
    assert not any("call 0" in e.text + e.title or "away" in e.text + e.title for e in entries)


def test_registrant_timeline_query_count_does_not_grow_with_events(drawn, caller, small_assembly):
    other = Registrant.objects.get(assembly=small_assembly, external_id="P03")
    other.status = RegistrantStatus.SELECTED
    other.selected_by = drawn.selected_by
    other.save()
    _calls(drawn, caller, 1)
    _calls(other, caller, 8)
    for _ in range(3):
        EmailSendFactory(registrant=other)
    registrant_timeline(registrant=drawn)  # warm the content-type cache
    with CaptureQueriesContext(connection) as few:
        small = registrant_timeline(registrant=drawn)
    with CaptureQueriesContext(connection) as many:
        large = registrant_timeline(registrant=other)
    assert (len(small), len(large)) == (6, 44)  # 5 events per round, emails, and the draw
    assert len(many.captured_queries) == len(few.captured_queries) <= 5


def test_registrant_timeline_shows_a_voided_draw_with_its_reason(small_assembly, manager):
    """Drawn, voided, drawn again: both draws, the void with who and why, in five queries."""
    registrant = Registrant.objects.get(assembly=small_assembly, external_id="P01")
    first = SelectionRunFactory(
        assembly=small_assembly,
        status=RunStatus.SUCCEEDED,
        requested_by=manager,
        finished_at=timezone.now() - timezone.timedelta(days=2),
        result={"panel": [str(registrant.public_id)]},
    )
    voided = selection_run_void(run_id=first.pk, reason="Wrong quotas.", actor=manager)
    SelectionRunFactory(  # voided too, but it did not draw this registrant
        assembly=small_assembly,
        status=RunStatus.SUCCEEDED,
        voided_at=timezone.now(),
        void_reason="Other.",
        result={"panel": ["someone-else"]},
    )
    second = SelectionRunFactory(
        assembly=small_assembly, status=RunStatus.SUCCEEDED, finished_at=timezone.now()
    )
    Registrant.objects.filter(pk=registrant.pk).update(
        status=RegistrantStatus.SELECTED, selected_by=second
    )
    registrant.refresh_from_db()
    registrant_timeline(registrant=registrant)  # warm the content-type cache
    with CaptureQueriesContext(connection) as queries:
        entries = registrant_timeline(registrant=registrant)
    assert len(queries.captured_queries) <= 5
    draws = [(e.kind, e.run_id) for e in entries if e.kind in ("draw", "voided")]
    assert draws == [("draw", second.pk), ("voided", first.pk), ("draw", first.pk)]
    void = next(e for e in entries if e.kind == "voided")
    assert void.text == "Wrong quotas." and void.who == str(manager)
    assert void.at == voided.voided_at
    assert next(e for e in entries if e.run_id == first.pk and e.kind == "draw").title == (
        f"Drawn by selection run #{first.pk} (panel) (since voided)"
    )
