"""Two-phase (public ceremony) panel runs: the distribution is fixed and published before the
seed exists; the seed entered later draws from exactly that distribution."""

from __future__ import annotations

import pytest

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import Registrant, RegistrantStatus, Role, RunStatus
from assemblies.selectors.runs import run_report
from assemblies.services.ceremony import selection_run_seed_enter
from assemblies.services.execution import selection_run_execute, selection_run_verify
from assemblies.services.runs import selection_run_cancel, selection_run_start
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import AssemblyMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting(small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, ceremony=True)
    assert run.seed == ""
    return selection_run_execute(run_id=run.pk)


def selected(assembly):
    return Registrant.objects.filter(assembly=assembly, status=RegistrantStatus.SELECTED).count()


def test_ceremony_phase_one_fixes_the_distribution_and_selects_nobody(awaiting):
    assert awaiting.status == RunStatus.AWAITING_SEED
    assert len(awaiting.distribution_sha256) == 64 and awaiting.distribution_fixed_at
    assert awaiting.prepared["distribution_sha256"] == awaiting.distribution_sha256
    assert selected(awaiting.assembly) == 0
    event = AuditEvent.objects.get(action="assemblies.selection.distribution_fixed")
    assert event.data["distribution_sha256"] == awaiting.distribution_sha256


def test_ceremony_seed_draws_from_the_fixed_distribution_and_verifies(awaiting):
    run = selection_run_seed_enter(run_id=awaiting.pk, seed="3 5 6 1 2 4", witnesses="A. Notary")
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.seed == "3 5 6 1 2 4" and run.seed_entered_at > run.distribution_fixed_at
    assert selected(run.assembly) == run.panel_size
    report = run_report(run=run)
    assert report.extra["distribution_sha256"] == awaiting.distribution_sha256
    assert report.seed == "3 5 6 1 2 4"
    assert selection_run_verify(run_id=run.pk).ok


def test_ceremony_seed_entered_twice_keeps_the_first(awaiting):
    first = selection_run_seed_enter(run_id=awaiting.pk, seed="1 1 1")
    again = selection_run_seed_enter(run_id=awaiting.pk, seed="6 6 6")
    assert again.seed == "1 1 1" and again.result == first.result
    assert AuditEvent.objects.filter(action="assemblies.selection.seed_entered").count() == 1


@pytest.mark.parametrize("seed", ["", "   ", "1\n2", "x" * 201])
def test_ceremony_seed_must_be_one_clean_line(awaiting, seed):
    with pytest.raises(InvalidInput):
        selection_run_seed_enter(run_id=awaiting.pk, seed=seed)
    awaiting.refresh_from_db()
    assert awaiting.status == RunStatus.AWAITING_SEED


def test_ceremony_seed_refused_for_callers(awaiting):
    caller = AssemblyMembershipFactory(assembly=awaiting.assembly, role=Role.CALLER).user
    with pytest.raises(Forbidden):
        selection_run_seed_enter(run_id=awaiting.pk, seed="1 2 3", actor=caller)


def test_ceremony_awaiting_seed_holds_the_assembly_and_can_be_cancelled(awaiting):
    with pytest.raises(ServiceError, match="in progress"):
        selection_run_start(assembly_id=awaiting.assembly_id, kind="test", enqueue=False)
    run = selection_run_cancel(run_id=awaiting.pk)
    assert run.status == RunStatus.CANCELLED and selected(run.assembly) == 0
    with pytest.raises(ServiceError, match="not waiting"):
        selection_run_seed_enter(run_id=run.pk, seed="1 2 3")


@pytest.mark.parametrize(
    "options", [{"algorithm": "legacy"}, {"seed": "chosen now"}, {"kind": "test"}]
)
def test_ceremony_refuses_what_would_defeat_it(small_assembly, options):
    with pytest.raises(ServiceError, match="public ceremony"):
        selection_run_start(assembly_id=small_assembly.pk, enqueue=False, ceremony=True, **options)
