"""The selection pages: request a run, watch its progress, read and download its result."""

import json

import pytest
from django.urls import reverse

from assemblies.models import RegistrantStatus, RunStatus, SelectionRun
from assemblies.services.execution import selection_run_execute
from assemblies.services.registrants import registrant_status_change
from assemblies.services.runs import selection_run_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def test_select_form_starts_a_run_and_redirects_to_its_page(
    as_manager,
    small_assembly,
    fake_draw,
    django_capture_on_commit_callbacks,
):
    url = reverse("admin:assemblies_assembly_select", args=[small_assembly.pk])
    page = as_manager.get(url).content.decode()
    assert 'value="leximin" selected' in page and 'name="test_run"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager.post(url, {"algorithm": "leximin", "seed": "s1", "test_run": "on"})
    run = SelectionRun.objects.get()
    assert response["Location"] == reverse("admin:assemblies_selectionrun_change", args=[run.pk])
    assert run.kind == "test" and run.seed == "s1" and run.requested_by is not None
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED  # eager worker


def test_double_post_makes_one_run(as_manager, small_assembly):
    url = reverse("admin:assemblies_assembly_select", args=[small_assembly.pk])
    as_manager.post(url, {"algorithm": "leximin"})
    as_manager.post(url, {"algorithm": "leximin"})
    assert SelectionRun.objects.count() == 1


def test_running_page_has_progress_bar_poll_and_no_inline_script(as_manager, small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    SelectionRun.objects.filter(pk=run.pk).update(
        status="running", phase="column generation", progress_done=3, progress_total=10
    )
    page = as_manager.get(
        reverse("admin:assemblies_selectionrun_change", args=[run.pk])
    ).content.decode()
    assert '<progress id="run-progress-bar" max="100" value="30">' in page
    assert "assemblies/run_progress.js" in page
    assert '<noscript><meta http-equiv="refresh"' in page
    assert "Cancel the run" in page
    assert "<script>" not in page.replace(" ", "")  # no inline script
    progress = as_manager.get(
        reverse("admin:assemblies_selectionrun_progress", args=[run.pk])
    ).json()
    assert progress | {"seconds_elapsed": None} == {
        "status": "running",
        "status_display": "Running",
        "phase": "column generation",
        "done": 3,
        "total": 10,
        "fraction": 0.3,
        "percent": 30,
        "seconds_elapsed": None,
        "seconds_left": None,  # never started by a worker: no elapsed time, no estimate
        "text": "Phase: column generation — 30 % — estimating the time left",
        "finished": False,
        "cancel_requested": False,
    }


def test_cancel_button_cancels(as_manager, small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    url = reverse("admin:assemblies_selectionrun_cancel", args=[run.pk])
    assert "Cancel the run" in as_manager.get(url).content.decode()
    as_manager.post(url)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


def test_result_page_shows_panel_fairness_quotas_chart_and_downloads(
    as_manager,
    small_assembly,
    fake_draw,
):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    run = selection_run_execute(run_id=run.pk)
    page = as_manager.get(
        reverse("admin:assemblies_selectionrun_change", args=[run.pk])
    ).content.decode()
    assert "Minimum selection probability" in page and "0.3333" in page
    assert "Ann One" in page and "Gus Seven" in page  # panel members
    assert "<svg" in page and "equal share 33.3%" in page
    for name in ("panel.csv", "pool.csv", "report.json", "distribution.csv"):
        assert f"/download/{name}" in page
    assert "Verify: re-draw" in page

    def download(name):
        return as_manager.get(
            reverse("admin:assemblies_selectionrun_download", args=[run.pk, name])
        )

    panel = download("panel.csv").content.decode().splitlines()
    assert len(panel) == 5 and panel[0].startswith("id,name")
    pool = download("pool.csv").content.decode().splitlines()
    assert len(pool) == 9
    report = json.loads(download("report.json").content)
    assert report["seed"] == run.seed
    distribution = download("distribution.csv").content.decode().splitlines()
    assert distribution[0] == "panel,probability,weight,type,drawn,type_size,type_members"
    assert len(distribution) == 5


def test_caller_gets_panel_but_not_pool_download(client, caller, small_assembly, fake_draw):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    run = selection_run_execute(run_id=run.pk)
    client.force_login(caller)

    def status(name):
        url = reverse("admin:assemblies_selectionrun_download", args=[run.pk, name])
        return client.get(url).status_code

    assert (status("panel.csv"), status("pool.csv"), status("report.json")) == (200, 403, 200)


def test_replacements_page_and_run(as_manager, small_assembly, fake_draw):
    run = selection_run_execute(
        run_id=selection_run_start(assembly_id=small_assembly.pk, enqueue=False).pk
    )
    member = run.selected_registrants.first()
    registrant_status_change(registrant_id=member.pk, status="withdrawn")
    url = reverse("admin:assemblies_assembly_replacements", args=[small_assembly.pk])
    page = as_manager.get(url).content.decode()
    assert "1 seat to fill" in page
    as_manager.post(url, {"count": 1, "algorithm": "leximin"})
    replacement = SelectionRun.objects.get(kind="replacement")
    assert replacement.panel_size == 1
    selection_run_execute(run_id=replacement.pk)
    assert small_assembly.registrants.filter(status=RegistrantStatus.SELECTED).count() == 4


def test_verify_button_re_draws_and_shows_outcome(as_manager, small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    run = selection_run_execute(run_id=run.pk)  # the real engine
    assert run.status == RunStatus.SUCCEEDED, run.error
    url = reverse("admin:assemblies_selectionrun_verify", args=[run.pk])
    assert as_manager.get(url).status_code == 302  # GET changes nothing
    run.refresh_from_db()
    assert run.verified_at is None
    response = as_manager.post(url, follow=True)
    page = response.content.decode()
    assert "Verified: the same inputs and seed give the same panel." in page
    assert "ok: re-drawing from the stored distribution and seed gives the stored panel" in page
    run.refresh_from_db()
    assert run.verification["ok"] is True


def test_manager_edits_registrant_contact_details(as_manager, small_assembly):
    from assemblies.models import Registrant
    from opendlp.core.models import AuditEvent

    registrant = Registrant.objects.get(external_id="P05")
    url = reverse("admin:assemblies_registrant_change", args=[registrant.pk])
    response = as_manager.post(
        url,
        {
            "external_id": "P05",
            "status": "pool",
            "name": "Eve Renamed",
            "email": "eve@example.org",
            "postcode": "AB5",
        },
    )
    assert response.status_code == 302
    registrant.refresh_from_db()
    assert registrant.name == "Eve Renamed" and registrant.answers["gender"] == "woman"
    event = AuditEvent.objects.get(action="assemblies.registrant.changed")
    assert event.data["fields"] == ["name"]


@pytest.mark.django_db(transaction=True)
def test_select_form_with_broker_unreachable_shows_message_not_500(
    client, manager, small_assembly, unreachable_broker
):
    client.force_login(manager)
    url = reverse("admin:assemblies_assembly_select", args=[small_assembly.pk])
    response = client.post(url, {"algorithm": "leximin", "test_run": "on"}, follow=True)
    assert response.status_code == 200
    run = SelectionRun.objects.get()
    assert run.status == RunStatus.FAILED and "job queue is unreachable" in run.error
    shown = [str(m) for m in response.context["messages"]]
    assert any("job queue is unreachable" in m for m in shown), shown
    assert not any("requested" in m for m in shown)
