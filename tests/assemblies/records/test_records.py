"""Public draw records: publishing (service and admin), the public page and its bundle."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from django.urls import reverse

from assemblies.errors import ServiceError
from assemblies.models import AssemblyStatus, Registrant, Role, RunKind, RunStatus
from assemblies.services.execution import selection_run_execute
from assemblies.services.records import selection_run_publish
from assemblies.services.runs import selection_run_start
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import AssemblyMembershipFactory, SelectionRunFactory
from tests.selection.conftest import PROJECT_ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(small_assembly):
    """The small assembly, closed, with a succeeded panel run (the real engine)."""
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="public seed")
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def record_url(run):
    return reverse("assemblies:record", args=[run.assembly.slug, run.pk])


def bundle_url(run):
    return reverse("assemblies:record_bundle", args=[run.assembly.slug, run.pk])


def test_draw_record_is_not_found_until_published(client, drawn):
    assert client.get(record_url(drawn)).status_code == 404
    assert client.get(bundle_url(drawn)).status_code == 404
    selection_run_publish(run_id=drawn.pk)
    assert client.get(record_url(drawn)).status_code == 200


def test_selection_run_publish_twice_keeps_the_first_time(drawn):
    first = selection_run_publish(run_id=drawn.pk).published_at
    again = selection_run_publish(run_id=drawn.pk).published_at
    assert first == again
    assert AuditEvent.objects.filter(action="assemblies.selection.published").count() == 1


def test_selection_run_publish_refused_for_callers(drawn):
    caller = AssemblyMembershipFactory(assembly=drawn.assembly, role=Role.CALLER).user
    with pytest.raises(Forbidden):
        selection_run_publish(run_id=drawn.pk, actor=caller)
    drawn.refresh_from_db()
    assert drawn.published_at is None


@pytest.mark.parametrize(
    ("kind", "status"), [(RunKind.TEST, RunStatus.SUCCEEDED), (RunKind.PANEL, RunStatus.FAILED)]
)
def test_selection_run_publish_refused_without_a_panel(small_assembly, kind, status):
    run = SelectionRunFactory(assembly=small_assembly, kind=kind, status=status)
    with pytest.raises(ServiceError):
        selection_run_publish(run_id=run.pk)


def test_draw_record_page_shows_the_evidence_and_no_personal_data(client, drawn):
    selection_run_publish(run_id=drawn.pk)
    page = client.get(record_url(drawn)).content.decode()
    result = drawn.result
    assert result["seed"] in page and result["input_digest"] in page
    for pid in result["panel"]:
        assert pid in page
    for registrant in Registrant.objects.filter(assembly=drawn.assembly):
        assert str(registrant.public_id) in page
        for personal in (registrant.name, registrant.email, registrant.external_id):
            assert personal and personal not in page
    assert bundle_url(drawn) in page


def test_landing_page_links_published_draws(client, drawn):
    landing = reverse("assemblies:landing", args=[drawn.assembly.slug])
    assert record_url(drawn) not in client.get(landing).content.decode()
    selection_run_publish(run_id=drawn.pk)
    assert record_url(drawn) in client.get(landing).content.decode()


def test_draw_record_bundle_verifies_with_the_selection_package_alone(client, drawn, tmp_path):
    """The issue's test from outside: no account, download the bundle, verify elsewhere."""
    selection_run_publish(run_id=drawn.pk)
    response = client.get(bundle_url(drawn))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    bundle = json.loads(response.content)
    assert bundle["report"]["input_digest"] == drawn.result["input_digest"]
    shutil.copytree(
        PROJECT_ROOT / "selection",
        tmp_path / "selection",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    path = tmp_path / "bundle.json"
    path.write_bytes(response.content)
    command = [sys.executable, "-m", "selection", "verify", "--bundle", str(path)]
    ok = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "NOT VERIFIED" not in ok.stdout, ok.stdout + ok.stderr
    bundle["pool"][0]["answers"] = {k: v + "x" for k, v in bundle["pool"][0]["answers"].items()}
    path.write_text(json.dumps(bundle), encoding="utf-8")
    bad = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "NOT VERIFIED" in bad.stdout


def test_admin_publish_asks_then_publishes(client, drawn):
    manager = AssemblyMembershipFactory(assembly=drawn.assembly, role=Role.MANAGER).user
    client.force_login(manager)
    url = reverse("admin:assemblies_selectionrun_publish", args=[drawn.pk])
    asked = client.get(url)
    assert asked.status_code == 200 and "Publish this draw record?" in asked.content.decode()
    drawn.refresh_from_db()
    assert drawn.published_at is None
    done = client.post(url, follow=True)
    assert record_url(drawn) in done.content.decode()
    drawn.refresh_from_db()
    assert drawn.published_at is not None


def test_admin_publish_refused_for_callers(client, drawn):
    caller = AssemblyMembershipFactory(assembly=drawn.assembly, role=Role.CALLER).user
    client.force_login(caller)
    url = reverse("admin:assemblies_selectionrun_publish", args=[drawn.pk])
    assert client.post(url).status_code in (403, 404)
    drawn.refresh_from_db()
    assert drawn.published_at is None


def test_draw_record_lists_manual_overrides_after_the_draw(client, drawn):
    from assemblies.services.overrides import registrant_seat_override
    from assemblies.services.registrants import registrant_status_change

    selection_run_publish(run_id=drawn.pk)
    leaving = Registrant.objects.filter(assembly=drawn.assembly, status="selected").first()
    registrant_status_change(registrant_id=leaving.pk, status="withdrawn")
    seated = Registrant.objects.filter(assembly=drawn.assembly, status="pool").first()
    registrant_seat_override(registrant_id=seated.pk, reason="Seat kept for a local member.")
    page = client.get(record_url(drawn)).content.decode()
    assert "Manual changes after this draw" in page
    assert str(seated.public_id) in page and "Seat kept for a local member." in page
    assert seated.name not in page


def test_ceremony_run_end_to_end_from_the_admin(client, small_assembly):
    """Request a ceremony run, publish while it awaits the seed (the public record shows the
    distribution digest and nobody drawn), enter the seed in front of witnesses, and the
    record then shows both times and a bundle that verifies."""
    from assemblies.models import SelectionRun
    from assemblies.services.execution import selection_run_execute

    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    manager = AssemblyMembershipFactory(assembly=small_assembly, role=Role.MANAGER).user
    client.force_login(manager)
    select = reverse("admin:assemblies_assembly_select", args=[small_assembly.pk])
    client.post(select, {"algorithm": "leximin", "seed": "", "ceremony": "on"})
    run = SelectionRun.objects.get(assembly=small_assembly)
    assert run.ceremony and run.seed == ""
    run = selection_run_execute(run_id=run.pk)  # the worker's phase 1
    assert run.status == RunStatus.AWAITING_SEED
    page = client.get(reverse("admin:assemblies_selectionrun_change", args=[run.pk]))
    assert "Draw the panel with this seed" in page.content.decode()
    client.post(reverse("admin:assemblies_selectionrun_publish", args=[run.pk]))
    public = client.get(record_url(run)).content.decode()
    assert "Awaiting the seed" in public and run.distribution_sha256 in public
    assert client.get(bundle_url(run)).status_code == 404
    distribution = client.get(
        reverse("assemblies:record_distribution", args=[small_assembly.slug, run.pk])
    ).json()
    assert distribution["distribution_sha256"] == run.distribution_sha256
    assert not Registrant.objects.filter(assembly=small_assembly, status="selected").exists()
    client.post(
        reverse("admin:assemblies_selectionrun_seed", args=[run.pk]),
        {"seed": "4 2 6 6 1 3", "witnesses": "Two residents"},
    )
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.seed == "4 2 6 6 1 3"
    assert Registrant.objects.filter(assembly=small_assembly, status="selected").count() == 4
    public = client.get(record_url(run)).content.decode()
    assert "Seed made in public and entered" in public and "Two residents" in public
    bundle = client.get(bundle_url(run)).json()
    assert bundle["report"]["extra"]["distribution_sha256"] == run.distribution_sha256
    from selection.bundle import verify_bundle

    assert verify_bundle(bundle).ok


@pytest.mark.parametrize("households", [False, True])
def test_run_inputs_csv_and_report_verify_with_the_command_line(
    client, small_assembly, tmp_path, households
):
    """The organiser's own files: report.json plus the run's inputs as CSV verify with
    ``python -m selection verify --report`` (ids are the random public ids; households are
    the salted hashes the engine saw)."""
    import io

    from assemblies.models import Assembly
    from selection.cli import main

    if households:
        Assembly.objects.filter(pk=small_assembly.pk).update(
            household_check=True, household_columns=["postcode"]
        )
        for n in range(1, 13):
            Registrant.objects.filter(external_id=f"P{n:02d}").update(postcode=f"H{n % 7}")
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="own files")
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    manager = AssemblyMembershipFactory(assembly=small_assembly, role=Role.MANAGER).user
    client.force_login(manager)
    for name in ("report.json", "inputs-quotas.csv", "inputs-pool.csv"):
        url = reverse("admin:assemblies_selectionrun_download", args=[run.pk, name])
        (tmp_path / name).write_bytes(client.get(url).content)
    args = ["verify", "--report", str(tmp_path / "report.json"),
            "--categories", str(tmp_path / "inputs-quotas.csv"),
            "--respondents", str(tmp_path / "inputs-pool.csv"), "--id-column", "id"]  # fmt: skip
    if households:
        args += ["--household-columns", "household"]
    out, err = io.StringIO(), io.StringIO()
    assert main(args, out=out, err=err) == 0, out.getvalue() + err.getvalue()
    assert out.getvalue().strip().endswith("VERIFIED")


def test_draw_record_page_in_french(client, drawn):
    selection_run_publish(run_id=drawn.pk)
    page = client.get(record_url(drawn), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Comment ce tirage a été fait" in page and "Télécharger le paquet" in page
