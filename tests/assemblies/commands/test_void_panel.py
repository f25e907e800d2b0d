"""``manage.py void_panel RUN_ID --reason TEXT``: a thin wrapper over selection_run_void."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from assemblies.models import AssemblyStatus, RegistrantStatus, RunStatus
from assemblies.services.execution import selection_run_execute
from assemblies.services.runs import selection_run_start

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def panel_run(small_assembly):
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    run_ = selection_run_execute(
        run_id=selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="s").pk
    )
    assert run_.status == RunStatus.SUCCEEDED, run_.error
    return run_


def test_void_panel_command_voids_and_says_so(panel_run, small_assembly):
    out = run("void_panel", str(panel_run.pk), "--reason", "Quotas were wrong.")
    assert f"Voided the panel of run {panel_run.pk}" in out
    panel_run.refresh_from_db()
    assert panel_run.void_reason == "Quotas were wrong."
    assert not small_assembly.registrants.filter(status=RegistrantStatus.SELECTED).exists()


def test_void_panel_command_needs_a_reason_and_a_run(panel_run):
    with pytest.raises(CommandError, match="reason is required"):
        run("void_panel", str(panel_run.pk), "--reason", " ")
    with pytest.raises(CommandError, match="no selection run"):
        run("void_panel", "999999", "--reason", "x")
    with pytest.raises(CommandError, match="NUL"):
        run("void_panel", str(panel_run.pk), "--reason", "a\x00b")
