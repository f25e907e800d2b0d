"""The run page's "Void this panel…" button and its confirmation page asking the reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assemblies.models import AssemblyStatus, RegistrantStatus, RunStatus
from assemblies.services.execution import selection_run_execute
from assemblies.services.registrants import registrant_status_change
from assemblies.services.runs import selection_run_start
from opendlp.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel_run(small_assembly):
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    run = selection_run_execute(
        run_id=selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="s").pk
    )
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def page_url(run):
    return reverse("admin:assemblies_selectionrun_change", args=[run.pk])


def void_url(run):
    return reverse("admin:assemblies_selectionrun_void", args=[run.pk])


def test_run_page_offers_void_to_managers_only(client, panel_run, manager, caller):
    client.force_login(manager)
    assert void_url(panel_run) in client.get(page_url(panel_run)).content.decode()
    client.force_login(caller)
    assert void_url(panel_run) not in client.get(page_url(panel_run)).content.decode()
    assert client.get(void_url(panel_run)).status_code == 403


def test_void_page_asks_the_reason_then_voids(client, panel_run, manager, small_assembly):
    client.force_login(manager)
    form = client.get(void_url(panel_run)).content.decode()
    assert 'name="reason"' in form and "required" in form
    response = client.post(void_url(panel_run), {"reason": "Wrong quotas."})
    assert response.status_code == 302 and response["Location"] == page_url(panel_run)
    panel_run.refresh_from_db()
    assert panel_run.void_reason == "Wrong quotas." and panel_run.voided_by == manager
    assert not small_assembly.registrants.filter(status=RegistrantStatus.SELECTED).exists()
    page = client.get(page_url(panel_run)).content.decode()
    assert "Voided on" in page and "Wrong quotas." in page
    assert void_url(panel_run) not in page  # nothing left to void


def test_void_page_without_a_reason_changes_nothing(client, panel_run, manager):
    client.force_login(manager)
    response = client.post(void_url(panel_run), {"reason": "  "})
    assert response.status_code == 200
    assert "reason is required" in response.content.decode()
    panel_run.refresh_from_db()
    assert panel_run.voided_at is None


def test_void_refused_when_confirmed_shows_the_error(client, panel_run, manager):
    member = panel_run.selected_registrants.first()
    registrant_status_change(
        registrant_id=member.pk, status=RegistrantStatus.CONFIRMED, actor=manager
    )
    client.force_login(manager)
    response = client.post(void_url(panel_run), {"reason": "Wrong quotas."}, follow=True)
    assert "have confirmed" in response.content.decode()
    panel_run.refresh_from_db()
    assert panel_run.voided_at is None
    assert not AuditEvent.objects.filter(action="assemblies.selection.voided").exists()


def test_voided_run_reads_succeeded_voided_everywhere(client, panel_run, manager, small_assembly):
    """The run page's heading, the runs list, the assembly page and the progress poll all
    say "Succeeded (voided)" (they said "Succeeded" while the body said "Voided")."""
    client.force_login(manager)
    client.post(void_url(panel_run), {"reason": "Wrong quotas."})
    run_page = client.get(page_url(panel_run)).content.decode()
    assert '<span id="run-status">Succeeded (voided)</span>' in run_page
    runs = client.get(reverse("admin:assemblies_selectionrun_changelist")).content.decode()
    assert "Succeeded (voided)" in runs
    change = reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    assert "<td>Succeeded (voided)</td>" in client.get(change).content.decode()
    progress = reverse("admin:assemblies_selectionrun_progress", args=[panel_run.pk])
    assert client.get(progress).json()["status_display"] == "Succeeded (voided)"
