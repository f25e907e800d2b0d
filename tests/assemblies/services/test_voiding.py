"""Redoing a panel: a manager voids the current panel (and its replacements) before anyone is
confirmed, with a public reason; its members return to the pool and a new panel run can start
(issue 16, item 3)."""

from __future__ import annotations

import pytest

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import (
    AssemblyStatus,
    PanelOverride,
    Registrant,
    RegistrantStatus,
    Role,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.services.execution import selection_run_execute
from assemblies.services.overrides import registrant_seat_override
from assemblies.services.registrants import registrant_status_change
from assemblies.services.runs import replacements_select, selection_run_start
from assemblies.services.voiding import selection_run_void
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import AssemblyMembershipFactory

pytestmark = pytest.mark.django_db

REASON = "The age quotas were typed the wrong way round."


def draw(assembly, *, kind=RunKind.PANEL, seed="seed one"):
    """Start and execute a run now (the real engine); return it succeeded."""
    if kind == RunKind.REPLACEMENT:
        run = replacements_select(assembly_id=assembly.pk, enqueue=False, seed=seed)
    else:
        run = selection_run_start(assembly_id=assembly.pk, enqueue=False, seed=seed)
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.fixture
def panel_run(small_assembly):
    """The small assembly, closed, with a drawn panel of 4."""
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    return draw(small_assembly)


def selected(assembly):
    return set(
        Registrant.objects.filter(assembly=assembly, status=RegistrantStatus.SELECTED).values_list(
            "pk", flat=True
        )
    )


def test_selection_run_void_returns_the_panel_to_the_pool_and_reopens_the_draw(
    small_assembly, panel_run, manager
):
    members = selected(small_assembly)
    assert len(members) == 4
    run = selection_run_void(run_id=panel_run.pk, reason=REASON, actor=manager)
    assert run.voided_at is not None and run.void_reason == REASON and run.voided_by == manager
    assert run.status == RunStatus.SUCCEEDED  # the draw happened; it stays verifiable
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.CLOSED
    back = Registrant.objects.filter(pk__in=members)
    assert {r.status for r in back} == {RegistrantStatus.POOL}
    assert {r.selected_by_id for r in back} == {None}
    event = AuditEvent.objects.get(action="assemblies.selection.voided")
    assert event.data["reason"] == REASON and event.data["returned"] == 4
    assert event.data["from"] == "selected" and event.data["to"] == "closed"
    assert event.actor == manager


def test_selection_run_void_then_a_new_panel_run_starts_and_draws_fresh(small_assembly, panel_run):
    selection_run_void(run_id=panel_run.pk, reason=REASON)
    fresh = draw(small_assembly, seed="seed two")
    assert fresh.kind == RunKind.PANEL and fresh.pk != panel_run.pk
    assert fresh.input_snapshot["panel_size"] == 4
    assert len(fresh.input_snapshot["pool"]) == 12  # everyone drawable again
    assert "kept" not in fresh.input_snapshot or not fresh.input_snapshot["kept"]
    new_members = Registrant.objects.filter(assembly=small_assembly, selected_by=fresh)
    assert new_members.count() == 4
    assert selected(small_assembly) == set(new_members.values_list("pk", flat=True))
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.SELECTED


def test_selection_run_start_still_refuses_a_second_panel_without_voiding(
    small_assembly, panel_run
):
    with pytest.raises(ServiceError, match="already been selected"):
        selection_run_start(assembly_id=small_assembly.pk, enqueue=False)


def test_selection_run_void_refused_when_someone_is_confirmed(small_assembly, panel_run, manager):
    member = Registrant.objects.filter(selected_by=panel_run).first()
    registrant_status_change(
        registrant_id=member.pk, status=RegistrantStatus.CONFIRMED, actor=manager
    )
    with pytest.raises(ServiceError, match="confirmed"):
        selection_run_void(run_id=panel_run.pk, reason=REASON, actor=manager)
    panel_run.refresh_from_db()
    assert panel_run.voided_at is None
    assert len(selected(small_assembly)) == 3
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.SELECTED
    assert not AuditEvent.objects.filter(action="assemblies.selection.voided").exists()


def test_selection_run_void_twice_is_harmless(small_assembly, panel_run):
    first = selection_run_void(run_id=panel_run.pk, reason=REASON)
    again = selection_run_void(run_id=panel_run.pk, reason="another reason")
    assert again.voided_at == first.voided_at and again.void_reason == REASON
    assert AuditEvent.objects.filter(action="assemblies.selection.voided").count() == 1


def test_selection_run_void_also_voids_replacements_and_returns_overrides(
    small_assembly, panel_run, manager
):
    leaver = Registrant.objects.filter(selected_by=panel_run).first()
    registrant_status_change(
        registrant_id=leaver.pk, status=RegistrantStatus.WITHDRAWN, actor=manager
    )
    replacement = draw(small_assembly, kind=RunKind.REPLACEMENT, seed="replace")
    replaced = Registrant.objects.get(selected_by=replacement)
    # a second leaver, seated back by a manager's override
    other = Registrant.objects.filter(selected_by=panel_run, status="selected").first()
    registrant_status_change(
        registrant_id=other.pk, status=RegistrantStatus.WITHDRAWN, actor=manager
    )
    registrant_seat_override(registrant_id=other.pk, reason="Withdrawn by mistake.", actor=manager)
    selection_run_void(run_id=panel_run.pk, reason=REASON, actor=manager)
    replacement.refresh_from_db()
    assert replacement.voided_at is not None and replacement.void_reason == REASON
    assert Registrant.objects.get(pk=replaced.pk).status == RegistrantStatus.POOL
    assert Registrant.objects.get(pk=other.pk).status == RegistrantStatus.POOL
    assert PanelOverride.objects.filter(registrant=other).exists()  # history kept
    assert Registrant.objects.get(pk=leaver.pk).status == RegistrantStatus.WITHDRAWN
    assert not selected(small_assembly)
    event = AuditEvent.objects.get(action="assemblies.selection.voided")
    assert event.data["replacement_run_ids"] == [replacement.pk]
    # a replacement run cannot start on a voided panel; a new panel run can
    with pytest.raises(ServiceError, match="no panel"):
        replacements_select(assembly_id=small_assembly.pk, enqueue=False)
    draw(small_assembly, seed="seed two")


def test_selection_run_void_refused_for_a_replacement_or_test_run(small_assembly, panel_run):
    test_run = selection_run_execute(
        run_id=SelectionRun.objects.create(
            assembly=small_assembly, kind=RunKind.TEST, panel_size=4, seed="t"
        ).pk
    )
    with pytest.raises(ServiceError, match="panel run"):
        selection_run_void(run_id=test_run.pk, reason=REASON)


def test_selection_run_void_refused_while_a_run_is_active(small_assembly, panel_run):
    SelectionRun.objects.create(
        assembly=small_assembly, kind=RunKind.TEST, panel_size=4, status=RunStatus.RUNNING
    )
    with pytest.raises(ServiceError, match="in progress"):
        selection_run_void(run_id=panel_run.pk, reason=REASON)
    assert len(selected(small_assembly)) == 4


@pytest.mark.parametrize("reason", ["", "   ", "x\x00y", "x" * 1001])
def test_selection_run_void_needs_a_clean_reason(small_assembly, panel_run, reason):
    with pytest.raises(InvalidInput):
        selection_run_void(run_id=panel_run.pk, reason=reason)
    assert len(selected(small_assembly)) == 4


@pytest.mark.parametrize("role", [Role.CALLER, Role.VIEWER])
def test_selection_run_void_refused_for_non_managers(small_assembly, panel_run, role):
    user = AssemblyMembershipFactory(assembly=small_assembly, role=role).user
    with pytest.raises(Forbidden):
        selection_run_void(run_id=panel_run.pk, reason=REASON, actor=user)
    assert len(selected(small_assembly)) == 4


def test_selection_run_void_refused_for_a_failed_panel_run(small_assembly):
    run = SelectionRun.objects.create(
        assembly=small_assembly, kind=RunKind.PANEL, panel_size=4, status=RunStatus.FAILED
    )
    with pytest.raises(ServiceError, match="drawn"):
        selection_run_void(run_id=run.pk, reason=REASON)


def test_selection_run_void_a_withdrawn_member_cannot_return_to_the_next_panel(
    small_assembly, panel_run, manager
):
    leaver = Registrant.objects.filter(selected_by=panel_run).first()
    registrant_status_change(
        registrant_id=leaver.pk, status=RegistrantStatus.WITHDRAWN, actor=manager
    )
    selection_run_void(run_id=panel_run.pk, reason=REASON)
    leaver.refresh_from_db()
    assert leaver.status == RegistrantStatus.WITHDRAWN and leaver.selected_by_id is None
    with pytest.raises(ServiceError, match="never drawn"):
        registrant_status_change(
            registrant_id=leaver.pk, status=RegistrantStatus.SELECTED, actor=manager
        )
