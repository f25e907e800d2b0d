"""Use cases of executing selection runs: execute (the Celery task calls it), fail, sweep the
runs whose worker died, verify a finished run."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assemblies import engine
from assemblies.errors import (
    ServiceError,
)
from assemblies.models import (
    ACTIVE_RUN_STATUSES,
    Assembly,
    AssemblyStatus,
    Quota,
    Registrant,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.selectors.assemblies import answer_counts, pool_people, quotas_of
from assemblies.selectors.infeasibility import feasibility_plain, infeasibility_of, problem_plain
from assemblies.services._common import run_finish
from assemblies.states import PANEL_STATUSES
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

logger = logging.getLogger(__name__)


#: Seconds between progress writes of a running selection.
PROGRESS_WRITE_INTERVAL = 1.0


#: Seconds between reads of the cancel flag of a running selection.
CANCEL_CHECK_INTERVAL = 1.0


def _run_inputs(run: SelectionRun, assembly: Assembly) -> dict[str, Any]:
    """Build the snapshot of a run from the database as it is now."""
    quotas: list[Quota] | list[engine.QuotaRow] = quotas_of(assembly=assembly)
    if not quotas:
        raise ServiceError("There are no quotas.")
    kept_counts: Counter = Counter()
    targets = None
    people = pool_people(assembly=assembly)
    if run.kind == RunKind.REPLACEMENT:
        kept_counts = answer_counts(assembly=assembly, statuses=list(PANEL_STATUSES))
        targets = quotas
        try:
            quotas = engine.quota_rows_reduced(quotas, kept_counts)
        except engine.InputError as exc:
            raise ServiceError(
                "The kept panel members do not fit the quotas: "
                + "; ".join(str(p) for p in engine.problems_from(exc))
            ) from exc
        if assembly.household_check:
            kept_houses = {
                house
                for _, _, house in pool_people(assembly=assembly, statuses=list(PANEL_STATUSES))
                if house
            }
            people = [p for p in people if p[2] is None or p[2] not in kept_houses]
    return engine.snapshot_make(
        quota_rows=quotas,
        people=people,
        panel_size=run.panel_size,
        households=assembly.household_check,
        algorithm=run.algorithm,
        seed=run.seed,
        kind=run.kind,
        kept=dict(kept_counts) if run.kind == RunKind.REPLACEMENT else None,
        targets=targets,
        panels=run.panels,
    )


class _RunMonitor:
    """Progress and cancel callbacks for the engine: short writes, throttled."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.last_write = 0.0
        self.last_check = 0.0
        self.cancelled = False

    def progress(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last_write < PROGRESS_WRITE_INTERVAL:
            return
        self.last_write = now
        SelectionRun.objects.filter(pk=self.run_id, status=RunStatus.RUNNING).update(
            phase=str(phase)[:100],
            progress_done=max(0, int(done)),
            progress_total=max(0, int(total), int(done)),
            heartbeat_at=timezone.now(),
        )

    def should_cancel(self) -> bool:
        now = time.monotonic()
        if self.cancelled or now - self.last_check < CANCEL_CHECK_INTERVAL:
            return self.cancelled
        self.last_check = now
        row = (
            SelectionRun.objects.filter(pk=self.run_id)
            .values_list("status", "cancel_requested")
            .first()
        )
        self.cancelled = row is None or row[0] != RunStatus.RUNNING or bool(row[1])
        return self.cancelled


def selection_run_execute(*, run_id: int) -> SelectionRun:
    """Execute a pending run (the Celery task calls this; ``--sync`` calls it directly).

    1. In one short transaction: mark the run ``running`` and store its input snapshot and
       SHA-256 (a run that is not pending is left alone, so a duplicate delivery is harmless).
    2. Outside any transaction: run the engine, writing progress and a heartbeat in short
       updates and polling the cancel flag.
    3. In one transaction: mark the run ``succeeded`` and, for panel and replacement runs,
       the drawn registrants ``selected`` (a test run changes no registrant). If the pool
       changed meanwhile, or anything fails, the run ends ``failed`` (or ``cancelled``) with a
       message and every registrant stays as it was.

    Returns:
        The run, re-read from the database.
    """
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().select_related("assembly").get(pk=run_id)
        if run.status != RunStatus.PENDING:
            return run
        if run.cancel_requested:
            return run_finish(run, RunStatus.CANCELLED, "Cancelled before it started.")
        assembly = Assembly.objects.select_for_update().get(pk=run.assembly_id)
        try:
            snapshot = _run_inputs(run, assembly)
        except ServiceError as exc:
            return run_finish(run, RunStatus.FAILED, str(exc))
        now = timezone.now()
        run.status = RunStatus.RUNNING
        run.started_at = now
        run.heartbeat_at = now
        run.phase = "starting"
        run.input_snapshot = snapshot
        run.input_sha256 = engine.snapshot_digest(snapshot)
        run.save()
        audit_event_record(
            action=AuditAction.SELECTION_STARTED,
            actor=None,
            target=run,
            data={"input_sha256": run.input_sha256, "pool": len(snapshot["pool"])},
        )
    monitor = _RunMonitor(run.pk)
    try:
        if run.ceremony:
            prepared = engine.prepare(
                snapshot, progress=monitor.progress, should_cancel=monitor.should_cancel
            )
            return _run_await_seed(run.pk, prepared)
        report = engine.draw(
            snapshot, progress=monitor.progress, should_cancel=monitor.should_cancel
        )
    except Exception as exc:  # noqa: BLE001 - every failure must end the run
        if engine.is_cancelled(exc):
            return selection_run_fail(
                run_id=run.pk, message="Cancelled.", status=RunStatus.CANCELLED
            )
        if not engine.is_engine_error(exc):
            logger.exception("selection run %s crashed", run.pk)
        found = getattr(exc, "report", None) if engine.is_infeasible(exc) else None
        infeasibility = infeasibility_of(found) if found is not None else None
        return selection_run_fail(
            run_id=run.pk,
            message=_error_text(exc),
            infeasibility=infeasibility.as_dict() if infeasibility else None,
        )
    return run_report_commit(run.pk, report)


def _error_text(exc: BaseException) -> str:
    """The failed run's message in plain language: for unmet quotas, each conflicting quota
    with its pool count and the suggested change; for bad inputs, one sentence per problem
    with where it was found."""
    report = getattr(exc, "report", None) if engine.is_infeasible(exc) else None
    if report is not None:
        return "\n".join(feasibility_plain(report))
    if engine.is_infeasible(exc):
        return f"The quotas cannot be met by this pool. {exc}"
    if isinstance(exc, engine.InputError):
        return "The inputs do not fit together:\n" + "\n".join(
            problem_plain(p) for p in engine.problems_from(exc)
        )
    return f"{type(exc).__name__}: {exc}"


def _run_await_seed(run_id: int, prepared: dict[str, Any]) -> SelectionRun:
    """Phase 1 of a ceremony run done: store the fixed distribution and its digest, audit the
    digest (so its time is on the record) and wait for the seed."""
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return run
        if run.cancel_requested:
            return run_finish(run, RunStatus.CANCELLED, "Cancelled.")
        run.prepared = prepared
        run.distribution_sha256 = prepared["distribution_sha256"]
        run.distribution_fixed_at = timezone.now()
        run.status = RunStatus.AWAITING_SEED
        run.phase = "awaiting the seed"
        run.save()
        audit_event_record(
            action=AuditAction.SELECTION_DISTRIBUTION_FIXED,
            actor=None,
            target=run,
            data={"assembly_id": run.assembly_id, "distribution_sha256": run.distribution_sha256},
        )
    return run


def run_report_commit(run_id: int, report: dict[str, Any]) -> SelectionRun:
    """Inside one transaction: end a running run ``succeeded`` with the engine's ``report``
    and, for panel and replacement runs, mark the drawn registrants ``selected`` (or end it
    ``failed``/``cancelled`` with every registrant as it was, when the pool changed or a
    cancel was asked). A run that is no longer running is returned unchanged."""
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().select_related("assembly").get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return run  # swept or finished meanwhile: leave it as it is
        if run.cancel_requested:
            return run_finish(run, RunStatus.CANCELLED, "Cancelled.")
        panel = [str(x) for x in engine.report_read(report).panel]
        if len(panel) != run.panel_size:
            return run_finish(
                run,
                RunStatus.FAILED,
                f"The engine returned {len(panel)} people instead of {run.panel_size}.",
            )
        if run.kind in (RunKind.PANEL, RunKind.REPLACEMENT):
            assembly = Assembly.objects.select_for_update().get(pk=run.assembly_id)
            members = list(
                Registrant.objects.select_for_update().filter(
                    assembly=assembly, public_id__in=panel
                )
            )
            moved = [r for r in members if r.status != RegistrantStatus.POOL]
            if len(members) != len(panel) or moved:
                return run_finish(
                    run,
                    RunStatus.FAILED,
                    f"The pool changed during the run ({len(panel) - len(members) + len(moved)}"
                    " drawn people are no longer in the pool); nobody was selected. "
                    "Run the selection again.",
                )
            Registrant.objects.filter(pk__in=[r.pk for r in members]).update(
                status=RegistrantStatus.SELECTED, selected_by=run, updated_at=timezone.now()
            )
            if run.kind == RunKind.PANEL and assembly.status != AssemblyStatus.SELECTED:
                assembly.status = AssemblyStatus.SELECTED
                assembly.save(update_fields=["status", "updated_at"])
        run.result = report
        ticket = (report.get("extra") or {}).get("ticket")
        if run.panels is not None and isinstance(ticket, int):
            run.ticket = ticket
        run.phase = "done"
        run.progress_done = max(run.progress_done, run.progress_total, 1)
        run.progress_total = run.progress_done
        return run_finish(run, RunStatus.SUCCEEDED, "")


def selection_run_fail(
    *,
    run_id: int,
    message: str,
    status: str = RunStatus.FAILED,
    infeasibility: dict[str, Any] | None = None,
) -> SelectionRun:
    """End a pending or running run as ``failed`` (or ``cancelled``) with ``message``;
    registrants are never touched. A run that already finished is returned unchanged.

    ``infeasibility`` (:meth:`assemblies.selectors.infeasibility.Infeasibility.as_dict`), when the
    quotas could not be met, is kept as ``run.result["infeasibility"]`` so the run page can
    show the suggested relaxation as a table with its "Apply" button."""
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        if run.status not in ACTIVE_RUN_STATUSES:
            return run
        if infeasibility is not None:
            run.result = {"infeasibility": infeasibility}
        return run_finish(run, status, message or "The run failed.")


def selection_runs_fail_stale(
    *,
    now: datetime | None = None,
    stale_after: timedelta | None = None,
    pending_after: timedelta | None = None,
) -> list[int]:
    """Fail runs whose worker died or that no worker will pick up (the beat sweep calls it).

    * A ``running`` run whose heartbeat is older than ``stale_after`` (default
      ``settings.SELECTION_HEARTBEAT_TIMEOUT`` seconds): its worker died.
    * A ``pending`` run older than ``pending_after`` (default
      ``settings.SELECTION_PENDING_TIMEOUT`` seconds): its message was lost. Only while the
      workers are idle as far as runs show: none is running with a live heartbeat and none was
      executed and ended within ``pending_after``; otherwise the run may be queued behind
      another draw, and failing it would only send the organiser to the back of the queue.

    Each run is failed in its own transaction with a message; registrants are never touched.

    Returns:
        The ids of the runs failed (a second sweep finds nothing).
    """
    now = now or timezone.now()
    if stale_after is None:
        stale_after = timedelta(seconds=settings.SELECTION_HEARTBEAT_TIMEOUT)
    if pending_after is None:
        pending_after = timedelta(seconds=settings.SELECTION_PENDING_TIMEOUT)
    stale = list(
        SelectionRun.objects.filter(
            status=RunStatus.RUNNING, heartbeat_at__lt=now - stale_after
        ).values_list("pk", flat=True)
    )
    workers_busy = SelectionRun.objects.filter(
        Q(status=RunStatus.RUNNING, heartbeat_at__gte=now - stale_after)
        | Q(started_at__isnull=False, finished_at__gte=now - pending_after)
    ).exists()
    if not workers_busy:
        stale += list(
            SelectionRun.objects.filter(
                status=RunStatus.PENDING, created_at__lt=now - pending_after
            ).values_list("pk", flat=True)
        )
    failed = []
    for run_id in stale:
        with transaction.atomic():
            run = SelectionRun.objects.select_for_update().get(pk=run_id)
            alive = (
                run.status == RunStatus.RUNNING
                and run.heartbeat_at
                and run.heartbeat_at >= now - stale_after
            ) or (run.status == RunStatus.PENDING and run.created_at >= now - pending_after)
            if run.status not in ACTIVE_RUN_STATUSES or alive:
                continue
            run_finish(
                run,
                RunStatus.FAILED,
                "The worker stopped answering (no heartbeat); nobody was selected."
                if run.status == RunStatus.RUNNING
                else "No worker picked the run up (the job queue may have lost it); nobody was "
                "selected. Start the run again.",
            )
            failed.append(run_id)
    return failed


def selection_run_verify(
    *, run_id: int, actor: Any = None, recompute: bool = False
) -> engine.VerificationReport:
    """Re-draw a succeeded run's panel from its stored distribution and seed, re-check its
    report against its stored inputs (and, with ``recompute``, against a fresh run of the
    algorithm, which takes as long as the run did), store the outcome on the run and audit it.

    Raises:
        ServiceError: the run has not succeeded.
    """
    run = SelectionRun.objects.get(pk=run_id)
    if run.status != RunStatus.SUCCEEDED:
        raise ServiceError("Only a succeeded run can be verified.")
    digest_ok = engine.snapshot_digest(run.input_snapshot) == run.input_sha256
    result = engine.verify(run.result, run.input_snapshot, recompute=recompute)
    if not digest_ok:
        result.failed("The stored inputs do not match their SHA-256: they were altered.")
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        run.verification = {"ok": result.ok, "findings": result.findings}
        run.verified_at = timezone.now()
        run.save(update_fields=["verification", "verified_at"])
        audit_event_record(
            action=AuditAction.SELECTION_VERIFIED,
            actor=actor,
            target=run,
            data={"ok": result.ok, "recomputed": recompute},
        )
    return result
