"""Transparent lotteries stored with runs: ``selection_run_start(panels=M)``, the ticket drawn
from the seed or, in a ceremony, picked in public and entered with the seed."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from assemblies.errors import InvalidInput
from assemblies.models import MAX_PANELS, Registrant, RegistrantStatus, RunStatus, SelectionRun
from assemblies.selectors.runs import run_report
from assemblies.services.ceremony import selection_run_seed_enter
from assemblies.services.execution import selection_run_execute, selection_run_verify
from assemblies.services.runs import selection_run_start
from opendlp.core.models import AuditEvent
from selection.transparent import MAX_PANELS as ENGINE_MAX_PANELS

pytestmark = pytest.mark.django_db


def selected(assembly):
    return Registrant.objects.filter(assembly=assembly, status=RegistrantStatus.SELECTED).count()


@pytest.fixture
def awaiting_lottery(small_assembly):
    """A ceremony run with a 50-ticket lottery, phase 1 done."""
    run = selection_run_start(
        assembly_id=small_assembly.pk, enqueue=False, ceremony=True, panels=50
    )
    return selection_run_execute(run_id=run.pk)


def test_panel_run_with_panels_stores_the_lottery_and_its_ticket(small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, panels=100, seed="s")
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.input_snapshot["panels"] == 100
    report = run_report(run=run)
    assert report.extra["ticket_panels"] == 100 and report.extra["ticket_source"] == "seed"
    assert run.ticket == report.extra["ticket"] and 1 <= run.ticket <= 100
    assert selected(small_assembly) == run.panel_size
    assert sorted(
        str(pid)
        for pid in Registrant.objects.filter(
            assembly=small_assembly, status=RegistrantStatus.SELECTED
        ).values_list("public_id", flat=True)
    ) == sorted(report.panel)
    outcome = selection_run_verify(run_id=run.pk)
    assert outcome.ok, outcome.message()
    assert f"ok: the panel is ticket {run.ticket}'s" in outcome.findings
    requested = AuditEvent.objects.get(action="assemblies.selection.requested")
    assert requested.data["panels"] == 100


def test_run_without_panels_keeps_its_snapshot_and_report_as_before(small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="s")
    run = selection_run_execute(run_id=run.pk)
    assert "panels" not in run.input_snapshot
    assert "tickets" not in (run.result.get("extra") or {})
    assert run.panels is None and run.ticket is None


@pytest.mark.parametrize(
    "options,match",
    [
        ({"panels": 0}, "from 1 to"),
        ({"panels": MAX_PANELS + 1}, "from 1 to"),
        ({"panels": True}, "whole number"),
        ({"panels": 10, "algorithm": "legacy"}, "not legacy"),
        ({"panels": 10, "kind": "replacement"}, "replacement"),
    ],
)
def test_selection_run_start_refuses_bad_panels_and_stores_nothing(small_assembly, options, match):
    with pytest.raises(InvalidInput, match=match):
        selection_run_start(assembly_id=small_assembly.pk, enqueue=False, **options)
    assert not SelectionRun.objects.exists()


def test_max_panels_is_the_engines():
    assert MAX_PANELS == ENGINE_MAX_PANELS


def test_run_ticket_beyond_its_panels_refused_by_the_database(small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, panels=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        SelectionRun.objects.filter(pk=run.pk).update(ticket=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        SelectionRun.objects.filter(pk=run.pk).update(panels=None, ticket=1)


def test_ceremony_lottery_phase_one_fixes_the_tickets(awaiting_lottery):
    run = awaiting_lottery
    assert run.status == RunStatus.AWAITING_SEED
    assert run.prepared["lottery"]["ticket_panels"] == 50
    assert len(run.prepared["lottery_sha256"]) == 64
    assert run.ticket is None and selected(run.assembly) == 0


def test_ceremony_lottery_draws_the_ticket_picked_in_public(awaiting_lottery):
    run = selection_run_seed_enter(run_id=awaiting_lottery.pk, seed="3 1 4", ticket="37")
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.ticket == 37
    report = run_report(run=run)
    assert report.extra["ticket"] == 37 and report.extra["ticket_source"] == "public"
    assert report.extra["lottery_sha256"] == awaiting_lottery.prepared["lottery_sha256"]
    assert selected(run.assembly) == run.panel_size
    outcome = selection_run_verify(run_id=run.pk)
    assert outcome.ok, outcome.message()
    entered = AuditEvent.objects.get(action="assemblies.selection.seed_entered")
    assert entered.data["ticket"] == 37


@pytest.mark.parametrize("ticket", [None, "", "0", "51", "7.5", "seven", "٣"])
def test_ceremony_lottery_refuses_a_missing_or_bad_ticket(awaiting_lottery, ticket):
    with pytest.raises(InvalidInput, match="ticket"):
        selection_run_seed_enter(run_id=awaiting_lottery.pk, seed="3 1 4", ticket=ticket)
    awaiting_lottery.refresh_from_db()
    assert awaiting_lottery.status == RunStatus.AWAITING_SEED and not awaiting_lottery.seed


def test_ceremony_without_lottery_refuses_a_ticket(small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, ceremony=True)
    run = selection_run_execute(run_id=run.pk)
    with pytest.raises(InvalidInput, match="no transparent lottery"):
        selection_run_seed_enter(run_id=run.pk, seed="3 1 4", ticket=3)
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_SEED
