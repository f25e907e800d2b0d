"""The run page's one overall progress: phase, fraction, time elapsed and time left."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assemblies.models import RunStatus, SelectionRun
from assemblies.selectors.run_progress import run_progress, time_left_text
from assemblies.services import execution
from assemblies.services.runs import selection_run_start
from tests.assemblies.factories import SelectionRunFactory


def _running(done, total=1000, seconds=60, phase="leximin"):
    now = timezone.now()
    run = SelectionRunFactory(
        status=RunStatus.RUNNING,
        phase=phase,
        progress_done=done,
        progress_total=total,
        started_at=now - timedelta(seconds=seconds),
    )
    return run, now


def test_run_progress_estimates_the_time_left_from_the_time_elapsed(db):
    run, now = _running(250, seconds=60)
    progress = run_progress(run=run, now=now)
    assert progress.fraction == 0.25
    assert progress.seconds_elapsed == 60
    assert progress.seconds_left == 180  # 60 s for a quarter: three quarters take 180 s
    assert progress.text == "Phase: leximin — 25 % — about 3 min left"


def test_run_progress_has_no_estimate_under_five_percent(db):
    run, now = _running(49, seconds=30)
    progress = run_progress(run=run, now=now)
    assert progress.percent == 4
    assert progress.seconds_left is None
    assert progress.text == "Phase: leximin — 4 % — estimating the time left"
    run, now = _running(50, seconds=30)
    assert run_progress(run=run, now=now).seconds_left == 570


def test_run_progress_of_a_pending_run_waits(db):
    run = SelectionRunFactory()
    progress = run_progress(run=run)
    assert (progress.fraction, progress.seconds_elapsed, progress.seconds_left) == (0.0, 0.0, None)
    assert progress.text.endswith("waiting for a worker")


def test_run_progress_of_a_finished_run_is_complete(db):
    run, now = _running(300, seconds=90)
    SelectionRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=now)
    run.refresh_from_db()
    progress = run_progress(run=run, now=now + timedelta(hours=1))
    assert (progress.fraction, progress.percent, progress.seconds_left) == (1.0, 100, 0.0)
    assert progress.seconds_elapsed == 90  # up to the end, not up to now


def test_run_progress_clips_a_count_past_the_total(db):
    run, now = _running(1200, total=1000)
    assert run_progress(run=run, now=now).fraction == 1.0


def test_time_left_text_rounds_to_minutes_and_hours():
    assert time_left_text(None) == "estimating the time left"
    assert time_left_text(59) == "less than 1 min left"
    assert time_left_text(89) == "about 1 min left"
    assert time_left_text(7199) == "about 2 h left"


def test_run_progress_never_goes_back_during_a_real_draw(small_assembly, monkeypatch):
    """End to end: the real engine writes its progress through the run's monitor; read after
    every write, the fraction never decreases, and the phases are the engine's."""
    monkeypatch.setattr(execution, "PROGRESS_WRITE_INTERVAL", 0.0)
    seen = []
    write = execution._RunMonitor.progress

    def recording(self, phase, done, total):
        write(self, phase, done, total)
        seen.append(run_progress(run=SelectionRun.objects.get(pk=self.run_id)))

    monkeypatch.setattr(execution._RunMonitor, "progress", recording)
    run = selection_run_start(assembly_id=small_assembly.pk, kind="test", enqueue=False)
    run = execution.selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED
    fractions = [p.fraction for p in seen]
    assert len(fractions) >= 2
    assert fractions == sorted(fractions)
    assert {p.phase for p in seen} & {"feasibility", "leximin", "done"}
    assert run_progress(run=run).fraction == 1.0
