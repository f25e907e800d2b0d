"""The public record of a run with a transparent lottery: its M tickets panel by panel
(paginated), the change in probability in plain words, the ticket drawn, and a bundle that
the ``selection`` package alone verifies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assemblies.models import AssemblyStatus, Role, RunStatus, SelectionRun
from assemblies.records import views
from assemblies.selectors.records import draw_lottery
from assemblies.services.execution import selection_run_execute
from assemblies.services.records import selection_run_publish
from assemblies.services.runs import selection_run_start
from selection.bundle import verify_bundle
from tests.assemblies.factories import AssemblyMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lottery_run(small_assembly):
    """A published, succeeded panel run with a 40-ticket lottery (ticket from the seed)."""
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="s", panels=40)
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return selection_run_publish(run_id=run.pk)


def record_url(run):
    return reverse("assemblies:record", args=[run.assembly.slug, run.pk])


def test_draw_lottery_lists_every_ticket_once_and_marks_the_drawn_one(lottery_run):
    lottery = draw_lottery(run=lottery_run)
    assert lottery.panels == 40 and lottery.ticket == lottery_run.ticket
    assert lottery.source == "seed" and lottery.digest == ""
    assert [r.first for r in lottery.rows][0] == 1 and lottery.rows[-1].last == 40
    assert sum(r.tickets for r in lottery.rows) == 40
    assert [r for r in lottery.rows if r.drawn] == [
        r for r in lottery.rows if r.first <= lottery_run.ticket <= r.last
    ]
    assert all(sum(count for count, _, _ in r.members) == 4 for r in lottery.rows)


def test_draw_lottery_none_without_panels(small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="s")
    run = selection_run_execute(run_id=run.pk)
    assert draw_lottery(run=run) is None


def test_record_shows_the_lottery_ticket_and_change_in_plain_words(client, lottery_run):
    page = client.get(record_url(lottery_run)).content.decode()
    assert "Transparent lottery" in page
    assert "rounded to 40 equally likely tickets" in page
    assert "percentage points" in page
    assert f"<strong>{lottery_run.ticket}</strong> (drawn from the seed)" in page


def test_record_lottery_paginated(client, lottery_run, monkeypatch):
    monkeypatch.setattr(views, "LOTTERY_ROWS_PER_PAGE", 1)
    rows = draw_lottery(run=lottery_run).rows
    assert len(rows) >= 2
    first = client.get(record_url(lottery_run)).content.decode()
    second = client.get(record_url(lottery_run) + "?tickets=2").content.decode()
    assert f"Page 1 of {len(rows)}" in first and f"Page 2 of {len(rows)}" in second
    label = f"<td>{rows[1].first}"
    assert label in second and label not in first


def test_record_bundle_of_a_lottery_verifies_with_the_package_alone(client, lottery_run):
    bundle = client.get(
        reverse("assemblies:record_bundle", args=[lottery_run.assembly.slug, lottery_run.pk])
    ).json()
    assert bundle["report"]["extra"]["ticket"] == lottery_run.ticket
    outcome = verify_bundle(bundle)
    assert outcome.ok, outcome.message()
    assert f"ok: the panel is ticket {lottery_run.ticket}'s" in outcome.findings


def test_ceremony_lottery_end_to_end_from_the_admin(client, small_assembly):
    """Ask for a ceremony with 30 tickets, publish while it awaits the pick (the record shows
    the tickets and their digest, nobody drawn), enter ticket and seed, and the record then
    names the ticket picked in public."""
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    client.force_login(AssemblyMembershipFactory(assembly=small_assembly, role=Role.MANAGER).user)
    client.post(
        reverse("admin:assemblies_assembly_select", args=[small_assembly.pk]),
        {"algorithm": "leximin", "seed": "", "ceremony": "on", "panels": "30"},
    )
    run = SelectionRun.objects.get(assembly=small_assembly)
    assert run.ceremony and run.panels == 30
    run = selection_run_execute(run_id=run.pk)
    admin_page = client.get(reverse("admin:assemblies_selectionrun_change", args=[run.pk]))
    assert 'name="ticket"' in admin_page.content.decode()
    selection_run_publish(run_id=run.pk)
    waiting = client.get(record_url(run)).content.decode()
    assert "not yet picked" in waiting and run.prepared["lottery_sha256"] in waiting
    seed_url = reverse("admin:assemblies_selectionrun_seed", args=[run.pk])
    client.post(seed_url, {"seed": "6 6 1", "ticket": "31"})  # out of range: refused
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_SEED
    client.post(seed_url, {"seed": "6 6 1", "ticket": "12"})
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.ticket == 12
    drawn = client.get(record_url(run)).content.decode()
    assert "<strong>12</strong> (picked in public)" in drawn
