"""Selection runs through the services, with the engine's draw replaced by a predictable
stand-in (the real engine is exercised in test_engine.py and test_end_to_end.py)."""

from datetime import timedelta

import pytest
from billiard.einfo import ExceptionInfo
from billiard.exceptions import WorkerLostError
from celery import uuid
from celery.worker.request import Request
from django.utils import timezone
from kombu import Connection

from assemblies import engine
from assemblies.errors import ServiceError
from assemblies.models import (
    AssemblyStatus,
    Registrant,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.services import execution
from assemblies.services.assemblies import assemblies_close_due, assembly_open_registration
from assemblies.services.execution import (
    selection_run_execute,
    selection_run_fail,
    selection_runs_fail_stale,
)
from assemblies.services.registrants import registrant_status_change
from assemblies.services.runs import replacements_select, selection_run_cancel, selection_run_start
from assemblies.tasks import fail_stale_runs, run_selection
from opendlp.celery import app as celery_app
from opendlp.core.models import AuditEvent
from selection.errors import SelectionCancelled
from tests.assemblies.conftest import first_fit
from tests.assemblies.factories import AssemblyFactory

pytestmark = pytest.mark.django_db


def statuses(assembly):
    return dict(Registrant.objects.filter(assembly=assembly).values_list("external_id", "status"))


def start(assembly, **kwargs):
    kwargs.setdefault("enqueue", False)
    return selection_run_start(assembly_id=assembly.pk, **kwargs)


def test_double_start_makes_one_run(small_assembly):
    first = start(small_assembly, kind=RunKind.PANEL)
    second = start(small_assembly, kind=RunKind.PANEL)
    assert first.pk == second.pk
    assert SelectionRun.objects.count() == 1
    assert first.status == RunStatus.PENDING and len(first.seed) == 64


def test_other_run_while_active_refused(small_assembly):
    start(small_assembly, kind=RunKind.TEST)
    with pytest.raises(ServiceError, match="already in progress"):
        start(small_assembly, kind=RunKind.PANEL)


def test_unknown_algorithm_refused(small_assembly):
    with pytest.raises(ServiceError, match="Unknown algorithm"):
        start(small_assembly, algorithm="coin-toss")


def test_pool_smaller_than_panel_refused(small_assembly):
    small_assembly.panel_size = 13
    small_assembly.save()
    with pytest.raises(ServiceError, match="fewer than"):
        start(small_assembly)


def test_panel_run_on_open_assembly_closes_registration(small_assembly):
    assembly_open_registration(assembly_id=small_assembly.pk)
    start(small_assembly)
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.CLOSED


def test_panel_run_selects_panel_in_one_step(small_assembly, fake_draw):
    run = start(small_assembly, seed="fixed")
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    after = statuses(small_assembly)
    assert sorted(k for k, v in after.items() if v == "selected") == ["P01", "P02", "P07", "P08"]
    assert all(v == "pool" for k, v in after.items() if k not in ("P01", "P02", "P07", "P08"))
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.SELECTED
    assert run.input_sha256 == engine.snapshot_digest(run.input_snapshot)
    assert run.input_snapshot["seed"] == "fixed" and len(run.input_snapshot["pool"]) == 12
    assert Registrant.objects.filter(selected_by=run).count() == 4
    codes = list(AuditEvent.objects.values_list("action", flat=True))
    assert "assemblies.selection.requested" in codes
    assert "assemblies.selection.started" in codes
    assert "assemblies.selection.succeeded" in codes


def test_second_panel_run_refused_once_selected(small_assembly, fake_draw):
    selection_run_execute(run_id=start(small_assembly).pk)
    with pytest.raises(ServiceError, match="replacements"):
        start(small_assembly)


def test_test_run_changes_no_registrant(small_assembly, fake_draw):
    before = statuses(small_assembly)
    run = selection_run_execute(run_id=start(small_assembly, kind=RunKind.TEST).pk)
    assert run.status == RunStatus.SUCCEEDED
    assert statuses(small_assembly) == before
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.DRAFT


def test_engine_failure_leaves_pool_intact(small_assembly, fake_draw):
    def explode(snapshot, should_cancel):
        raise RuntimeError("solver on fire")

    fake_draw.behaviour = explode
    before = statuses(small_assembly)
    run = selection_run_execute(run_id=start(small_assembly).pk)
    assert run.status == RunStatus.FAILED and "solver on fire" in run.error
    assert statuses(small_assembly) == before
    assert AuditEvent.objects.filter(action="assemblies.selection.failed").exists()


def test_execute_twice_runs_once(small_assembly, fake_draw):
    run = start(small_assembly, kind=RunKind.TEST)
    selection_run_execute(run_id=run.pk)
    selection_run_execute(run_id=run.pk)
    assert len(fake_draw.calls) == 1


def test_progress_is_saved_while_running(small_assembly, fake_draw):
    seen = {}

    def look(snapshot, should_cancel):
        run = SelectionRun.objects.get()
        seen.update(status=run.status, phase=run.phase, done=run.progress_done)
        return first_fit(snapshot)

    fake_draw.behaviour = look
    selection_run_execute(run_id=start(small_assembly, kind=RunKind.TEST).pk)
    assert seen == {"status": "running", "phase": "testing", "done": 1}


def test_cancel_pending_run(small_assembly, fake_draw):
    run = start(small_assembly)
    run = selection_run_cancel(run_id=run.pk)
    assert run.status == RunStatus.CANCELLED
    selection_run_execute(run_id=run.pk)
    assert fake_draw.calls == []


def test_cancel_running_run_stops_it_and_selects_nobody(small_assembly, fake_draw):
    before = statuses(small_assembly)

    def wait_for_cancel(snapshot, should_cancel):
        selection_run_cancel(run_id=SelectionRun.objects.get().pk)
        if should_cancel():
            raise SelectionCancelled("stopped")
        return first_fit(snapshot)

    fake_draw.behaviour = wait_for_cancel
    run = selection_run_execute(run_id=start(small_assembly).pk)
    assert run.status == RunStatus.CANCELLED
    assert statuses(small_assembly) == before


def test_pool_change_during_run_fails_it(small_assembly, fake_draw):
    before = statuses(small_assembly)

    def withdraw_someone(snapshot, should_cancel):
        report = first_fit(snapshot)
        Registrant.objects.filter(public_id=report["panel"][0]).update(status="withdrawn")
        return report

    fake_draw.behaviour = withdraw_someone
    run = selection_run_execute(run_id=start(small_assembly).pk)
    assert run.status == RunStatus.FAILED and "pool changed" in run.error
    after = statuses(small_assembly)
    assert [k for k in after if after[k] != before[k]] == ["P01"]  # only the outside change


def test_stale_running_run_is_failed_by_sweep(small_assembly):
    run = start(small_assembly)
    old = timezone.now() - timedelta(hours=1)
    SelectionRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=old)
    assert selection_runs_fail_stale() == [run.pk]
    assert selection_runs_fail_stale() == []
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "heartbeat" in run.error


def test_live_run_is_left_alone_by_sweep(small_assembly):
    run = start(small_assembly)
    SelectionRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now())
    assert fail_stale_runs.delay().get() == []


def test_pending_run_never_picked_up_is_failed(small_assembly):
    run = start(small_assembly)
    SelectionRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert selection_runs_fail_stale() == [run.pk]


def test_late_result_of_swept_run_is_ignored(small_assembly, fake_draw):
    before = statuses(small_assembly)

    def swept(snapshot, should_cancel):
        selection_run_fail(run_id=SelectionRun.objects.get().pk, message="swept")
        return first_fit(snapshot)

    fake_draw.behaviour = swept
    run = selection_run_execute(run_id=start(small_assembly).pk)
    assert run.status == RunStatus.FAILED and run.error == "swept"
    assert statuses(small_assembly) == before


# --- replacements -----------------------------------------------------------------------------


def test_replacements_reduce_quotas_by_kept_members(small_assembly, fake_draw):
    selection_run_execute(run_id=start(small_assembly).pk)
    p01 = Registrant.objects.get(external_id="P01")  # woman, young
    registrant_status_change(registrant_id=p01.pk, status="withdrawn")
    p02 = Registrant.objects.get(external_id="P02")
    registrant_status_change(registrant_id=p02.pk, status="confirmed")
    run = replacements_select(assembly_id=small_assembly.pk, enqueue=False)
    assert run.kind == RunKind.REPLACEMENT and run.panel_size == 1
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    snapshot = fake_draw.calls[-1]
    reduced = {(q["category"], q["value"]): (q["min"], q["max"]) for q in snapshot["quotas"]}
    # kept: P02 woman/old (confirmed), P07 man/young, P08 man/old
    assert reduced == {
        ("gender", "woman"): (1, 1),
        ("gender", "man"): (0, 0),
        ("age", "young"): (0, 2),
        ("age", "old"): (0, 1),
    }
    assert snapshot["panel_size"] == 1 and len(snapshot["pool"]) == 8
    new = Registrant.objects.get(selected_by=run)
    assert new.answers["gender"] == "woman" and new.status == RegistrantStatus.SELECTED
    assert (
        Registrant.objects.filter(
            assembly=small_assembly, status__in=["selected", "confirmed"]
        ).count()
        == 4
    )


def test_replacements_refused_without_a_panel(small_assembly):
    with pytest.raises(ServiceError, match="no panel"):
        replacements_select(assembly_id=small_assembly.pk, count=1, enqueue=False)


def test_replacements_refused_when_panel_full(small_assembly, fake_draw):
    selection_run_execute(run_id=start(small_assembly).pk)
    with pytest.raises(ServiceError, match="withdraw someone"):
        replacements_select(assembly_id=small_assembly.pk, enqueue=False)


# --- tasks and schedules ----------------------------------------------------------------------


def test_start_enqueues_task_after_commit(
    small_assembly, fake_draw, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = selection_run_start(assembly_id=small_assembly.pk, kind=RunKind.TEST)
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED


def test_task_runs_in_eager_mode(small_assembly, fake_draw):
    run = start(small_assembly, kind=RunKind.TEST)
    assert run_selection.delay(run.pk).get() == RunStatus.SUCCEEDED


def test_task_failure_handler_marks_run_failed(small_assembly, monkeypatch):
    run = start(small_assembly, kind=RunKind.TEST)
    SelectionRun.objects.filter(pk=run.pk).update(status="running")

    def crash(*, run_id):
        raise MemoryError("worker out of memory")

    monkeypatch.setattr(execution, "selection_run_execute", crash)
    result = run_selection.apply(args=[run.pk], throw=False)  # as a worker would run it
    assert isinstance(result.result, MemoryError)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "MemoryError" in run.error


def test_close_due_with_auto_select_starts_one_draw(small_assembly, fake_draw):
    assembly_open_registration(assembly_id=small_assembly.pk)
    small_assembly.refresh_from_db()
    small_assembly.auto_select = True
    small_assembly.registration_closes_at = timezone.now() - timedelta(minutes=5)
    small_assembly.save()
    first = assemblies_close_due()
    second = assemblies_close_due()
    assert first.closed == [small_assembly.pk] and len(first.runs_started) == 1
    assert second.closed == [] and second.runs_started == []
    assert SelectionRun.objects.filter(assembly=small_assembly, kind="panel").count() == 1


def test_periodic_tasks_are_registered():
    from assemblies.schedules import periodic_tasks
    from opendlp.celery import app

    for spec in periodic_tasks():
        assert spec.task in app.tasks


def _delivered_run_message(run_id):
    """A run_selection message as a worker receives it: published to and read back from
    kombu's in-memory transport (a real message, so the worker's ack/reject really runs)."""
    task_message = celery_app.amqp.as_task_v2(uuid(), "assemblies.run_selection", args=(run_id,))
    with Connection("memory://") as connection:
        queue = connection.SimpleQueue(f"worker-lost-{run_id}")
        queue.put(
            task_message.body,
            headers=task_message.headers,
            serializer="json",
            **task_message.properties,
        )
        message = queue.get(timeout=5)
        queue.close()
    return message


def test_run_fails_at_once_when_worker_process_is_lost(small_assembly):
    run = start(small_assembly, kind=RunKind.TEST)
    SelectionRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now())
    request = Request(
        _delivered_run_message(run.pk),
        app=celery_app,
        task=celery_app.tasks["assemblies.run_selection"],
    )
    try:  # what the prefork pool reports when the child running the task is killed
        raise WorkerLostError("Worker exited prematurely: signal 9 (SIGKILL) Job: 0.")
    except WorkerLostError:
        request.on_failure(ExceptionInfo(), send_failed_event=False)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "worker process running this selection was lost" in run.error
    assert AuditEvent.objects.filter(action="assemblies.selection.failed").exists()


# --- outages: broker down, pending runs never picked up --------------------------------------


def test_start_with_broker_unreachable_fails_run_visibly(
    small_assembly, unreachable_broker, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        run = selection_run_start(assembly_id=small_assembly.pk, kind=RunKind.TEST)
    assert run.status == RunStatus.FAILED and "job queue is unreachable" in run.error
    stored = SelectionRun.objects.get(pk=run.pk)
    assert stored.status == RunStatus.FAILED and stored.error == run.error
    assert "job queue is unreachable" in caplog.text
    assert AuditEvent.objects.filter(action="assemblies.selection.failed").exists()
    # nothing stays blocked: the next run can be asked for at once
    assert start(small_assembly, kind=RunKind.PANEL).status == RunStatus.PENDING


def test_pending_run_not_picked_up_is_failed_within_minutes(small_assembly, settings):
    settings.SELECTION_PENDING_TIMEOUT = 300
    run = start(small_assembly)
    SelectionRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    assert selection_runs_fail_stale() == [run.pk]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "No worker picked the run up" in run.error


def test_pending_run_younger_than_timeout_is_left_alone(small_assembly, settings):
    settings.SELECTION_PENDING_TIMEOUT = 300
    run = start(small_assembly)
    SelectionRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=4))
    assert selection_runs_fail_stale() == []


def test_pending_run_waiting_behind_a_live_run_is_left_alone(small_assembly, settings):
    settings.SELECTION_PENDING_TIMEOUT = 300
    other = AssemblyFactory(slug="busy", title="Busy assembly")
    busy = SelectionRun.objects.create(
        assembly=other, kind=RunKind.TEST, algorithm="leximin", seed="s", panel_size=1
    )
    SelectionRun.objects.filter(pk=busy.pk).update(status="running", heartbeat_at=timezone.now())
    run = start(small_assembly)
    SelectionRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    assert selection_runs_fail_stale() == []  # the workers may be busy with the live run


def test_running_timeout_is_a_setting(small_assembly, settings):
    settings.SELECTION_HEARTBEAT_TIMEOUT = 120
    run = start(small_assembly)
    old = timezone.now() - timedelta(minutes=3)
    SelectionRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=old)
    assert selection_runs_fail_stale() == [run.pk]
