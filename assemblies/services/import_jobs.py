"""Use cases of the background jobs of registrant uploads: start a preview or an import,
execute it (the Celery task calls this), cancel it, fail it, and sweep jobs whose worker died.

A job follows the selection-run pattern (:class:`~assemblies.models.ImportJob`): it is
created pending, enqueued after commit, marked running by the worker, writes its progress in
short updates, and ends succeeded, failed or cancelled with a message. The import itself is
:func:`assemblies.services.imports.registrants_write`: all rows or none, in batches, without
holding the assembly lock across the file.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from assemblies.errors import ImportRejected, ServiceError
from assemblies.models import (
    ACTIVE_IMPORT_STATUSES,
    ImportJob,
    ImportJobAction,
    ImportJobStatus,
    PendingImport,
)
from assemblies.selectors.previews import PROBLEMS_KEPT, registrants_import_preview
from assemblies.services._common import _lock_assembly, _refuse_while_busy
from assemblies.services._import_monitor import JobMonitor
from assemblies.services.imports import (
    IMPORT_BATCH_SIZE,
    ImportCancelled,
    RegistrantImportOutcome,
    _refuse_while_importing,
    registrants_check,
    registrants_write,
)
from assemblies.tasks import run_import_job
from opendlp.core.audit import AuditAction
from opendlp.core.errors import DomainError
from opendlp.core.services import audit_event_record

logger = logging.getLogger(__name__)

#: A running job whose heartbeat is older than this is considered dead (see the sweep).
STALE_AFTER = timedelta(minutes=10)

#: A pending job that no worker picked up within this time is failed by the sweep.
PENDING_STALE_AFTER = timedelta(minutes=15)

#: The message of a job whose task could not be sent to the queue.
QUEUE_DOWN = "The task queue could not be reached, so the job never started; try again."


def _enqueue(job_id: int) -> None:
    """After commit, send the job to the queue; when that fails, fail the job visibly."""

    def send() -> None:
        try:
            run_import_job.delay(job_id)
        except Exception:  # noqa: BLE001 - any broker error: the job must not stay pending
            logger.exception("could not enqueue import job %s", job_id)
            import_job_fail(job_id=job_id, message=QUEUE_DOWN)

    transaction.on_commit(send)


def import_job_start(*, pending_id: Any, action: str, actor: Any = None) -> ImportJob:
    """Ask for the preview or the import of a registrants upload; a worker runs it.

    A repeated request never makes a second job: a preview returns the upload's preview job
    that has not failed; an import returns the upload's import job that is pending, running
    or succeeded (the upload is locked while checking, and database constraints allow one
    active import per assembly and one import per upload).

    Args:
        pending_id: the :class:`PendingImport` (the kept upload), which must hold registrants.
        action: ``preview`` or ``import``.
        actor: who asked (recorded on the job and, for an import, in the audit log).

    Returns:
        The pending (new) or existing :class:`ImportJob`.

    Raises:
        ServiceError: the upload is gone (and was never imported), holds quotas, or (import)
            the assembly is archived, a selection run or another import is in progress.
    """
    if action not in ImportJobAction.values:
        raise ServiceError(f"Unknown import action {action!r}.")
    try:
        with transaction.atomic():
            pending = PendingImport.objects.select_for_update().filter(pk=pending_id).first()
            earlier = _earlier_job(pending_id, action)
            if earlier is not None:
                return earlier
            if pending is None:
                raise ServiceError("This upload is gone (discarded or expired); upload it again.")
            if pending.kind != PendingImport.Kind.REGISTRANTS:
                raise ServiceError("Only registrant uploads run as background jobs.")
            if action == ImportJobAction.IMPORT:
                assembly = _lock_assembly(pending.assembly_id)
                _refuse_while_busy(assembly)
                _refuse_while_importing(assembly, job_id=None)
            job = ImportJob.objects.create(
                assembly_id=pending.assembly_id,
                pending=pending,
                upload_id=pending.pk,
                action=action,
                filename=pending.filename,
                id_column=(pending.options or {}).get("id_column", ""),
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            if action == ImportJobAction.IMPORT:
                audit_event_record(
                    action=AuditAction.REGISTRANTS_IMPORT_REQUESTED,
                    actor=actor,
                    target=job.assembly,
                    data={"job_id": job.pk, "filename": job.filename},
                )
            _enqueue(job.pk)
            return job
    except IntegrityError:
        # Another request created the job between our check and our insert.
        earlier = _earlier_job(pending_id, action)
        if earlier is not None:
            return earlier
        raise ServiceError("Another import is in progress; wait for it.") from None


def _earlier_job(upload_id: Any, action: str) -> ImportJob | None:
    statuses = [*ACTIVE_IMPORT_STATUSES, ImportJobStatus.SUCCEEDED]
    return (
        ImportJob.objects.filter(upload_id=upload_id, action=action, status__in=statuses)
        .order_by("-created_at", "-id")
        .first()
    )


def import_job_execute(*, job_id: int, batch_size: int = IMPORT_BATCH_SIZE) -> ImportJob:
    """Execute a pending job (the Celery task calls this).

    1. In one short transaction: mark the job ``running`` (a job that is not pending is left
       alone, so a duplicate delivery is harmless).
    2. Read and check the whole upload with no lock, writing progress.
    3. A preview stores what the import would do in ``result``. An import writes every row
       in batches of ``batch_size`` inside one transaction (see
       :func:`~assemblies.services.imports.registrants_write`), and in that same transaction
       marks the job ``succeeded`` and deletes the upload, so rows and job commit together.
       A problem in the file, a cancel, a selection run started meanwhile, or any crash ends
       the job ``failed`` (or ``cancelled``) with a message, and nothing is imported.

    Returns:
        The job, re-read from the database.
    """
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("pending")
            .get(pk=job_id)
        )
        if job.status != ImportJobStatus.PENDING:
            return job
        if job.cancel_requested:
            return _finish(job, ImportJobStatus.CANCELLED, "Cancelled before it started.")
        if job.pending is None:
            return _finish(job, ImportJobStatus.FAILED, "The upload is gone; upload it again.")
        now = timezone.now()
        job.status = ImportJobStatus.RUNNING
        job.started_at = job.heartbeat_at = now
        job.phase = "starting"
        job.save(update_fields=["status", "started_at", "heartbeat_at", "phase"])
    pending = job.pending
    monitor = JobMonitor(job.pk)
    try:
        if job.action == ImportJobAction.PREVIEW:
            preview = registrants_import_preview(
                assembly=job.assembly,
                text=pending.text,
                filename=job.filename,
                id_column=job.id_column,
                progress=monitor.progress,
            )
            return _end(job.pk, ImportJobStatus.SUCCEEDED, "", preview.to_dict())
        parsed, roles = registrants_check(
            assembly=job.assembly,
            text=pending.text,
            filename=job.filename,
            id_column=job.id_column,
            progress=monitor.progress,
        )
        monitor.progress("writing", len(parsed.rows), 2 * len(parsed.rows), force=True)
        registrants_write(
            assembly_id=job.assembly_id,
            parsed=parsed,
            roles=roles,
            filename=job.filename,
            id_column=job.id_column,
            actor=job.requested_by,
            job_id=job.pk,
            progress=monitor.writing,
            should_cancel=monitor.should_cancel,
            batch_size=batch_size,
            on_success=lambda outcome: _import_succeeded(job.pk, outcome),
        )
    except ImportRejected as exc:
        count = len(exc.problems)
        return _end(
            job.pk,
            ImportJobStatus.FAILED,
            f"Nothing was imported: {count} problem(s) in the file.",
            {
                "problems": [
                    [p.message, p.file, p.line, p.column, p.value]
                    for p in exc.problems[:PROBLEMS_KEPT]
                ],
                "problem_count": count,
            },
        )
    except ImportCancelled as exc:
        return _end(job.pk, ImportJobStatus.CANCELLED, str(exc))
    except DomainError as exc:
        return _end(job.pk, ImportJobStatus.FAILED, f"Nothing was imported: {exc}")
    except Exception as exc:  # noqa: BLE001 - every failure must end the job
        logger.exception("import job %s crashed", job.pk)
        return _end(
            job.pk,
            ImportJobStatus.FAILED,
            f"Nothing was imported: {type(exc).__name__}: {exc}",
        )
    finally:
        monitor.close()
    return ImportJob.objects.get(pk=job.pk)


def _import_succeeded(job_id: int, outcome: RegistrantImportOutcome) -> None:
    """Inside the import's transaction: end the job and delete its upload (a job that the
    sweep failed meanwhile rolls the import back)."""
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status != ImportJobStatus.RUNNING:
        raise ServiceError("The job was ended while it was writing.")
    pending_id = job.pending_id
    job.progress_done = job.progress_total = max(1, 2 * outcome.rows)
    job.phase = "done"
    _finish(
        job,
        ImportJobStatus.SUCCEEDED,
        "",
        {
            "rows": outcome.rows,
            "created": outcome.created,
            "updated": outcome.updated,
            "skipped": outcome.skipped,
        },
    )
    if pending_id is not None:
        PendingImport.objects.filter(pk=pending_id).delete()


def _end(job_id: int, status: str, message: str, result: dict | None = None) -> ImportJob:
    """End a job still active, in its own transaction; returns it."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status not in ACTIVE_IMPORT_STATUSES:
            return job
        if status == ImportJobStatus.SUCCEEDED:
            job.phase = "done"
            job.progress_done = job.progress_total = max(1, job.progress_total)
        return _finish(job, status, message, result)


def _finish(job: ImportJob, status: str, message: str, result: dict | None = None) -> ImportJob:
    """Inside the caller's transaction: set the final status (an import's failure or cancel
    is audited; a preview changes nothing and is not)."""
    job.status = status
    job.error = message
    job.finished_at = timezone.now()
    if result is not None:
        job.result = result
    job.save()
    if job.action == ImportJobAction.IMPORT and status != ImportJobStatus.SUCCEEDED:
        audit_event_record(
            action=AuditAction.REGISTRANTS_IMPORT_FAILED,
            actor=None,
            target=job.assembly,
            data={"job_id": job.pk, "status": status, "message": message[:500]},
        )
    return job


def import_job_fail(
    *, job_id: int, message: str, status: str = ImportJobStatus.FAILED
) -> ImportJob:
    """End a pending or running job as ``failed`` (or ``cancelled``) with ``message``. A job
    that already finished is returned unchanged. A running import's writes are rolled back by
    its own transaction (it checks its status before committing)."""
    return _end(job_id, status, message or "The job failed.")


def import_job_cancel(*, job_id: int, actor: Any = None) -> ImportJob:
    """Cancel a job: a pending job ends ``cancelled`` at once; a running one gets its cancel
    flag set and stops before its next batch, importing nothing. A finished job is left
    unchanged."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status not in ACTIVE_IMPORT_STATUSES or job.cancel_requested:
            return job
        if job.status == ImportJobStatus.PENDING:
            return _finish(job, ImportJobStatus.CANCELLED, "Cancelled before it started.")
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested"])
    return job


def import_jobs_fail_stale(
    *,
    now: datetime | None = None,
    stale_after: timedelta = STALE_AFTER,
    pending_after: timedelta = PENDING_STALE_AFTER,
) -> list[int]:
    """Fail jobs whose worker died: running with no heartbeat for ``stale_after``, or pending
    and never picked up for ``pending_after``. Returns the ids failed (each in its own
    transaction; a second sweep finds nothing)."""
    now = now or timezone.now()
    running = ImportJob.objects.filter(
        status=ImportJobStatus.RUNNING, heartbeat_at__lt=now - stale_after
    ).values_list("pk", flat=True)
    pending = ImportJob.objects.filter(
        status=ImportJobStatus.PENDING, created_at__lt=now - pending_after
    ).values_list("pk", flat=True)
    failed = []
    for job_id in [*running, *pending]:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            alive = (
                job.status == ImportJobStatus.RUNNING
                and job.heartbeat_at
                and job.heartbeat_at >= now - stale_after
            ) or (job.status == ImportJobStatus.PENDING and job.created_at >= now - pending_after)
            if job.status not in ACTIVE_IMPORT_STATUSES or alive:
                continue
            _finish(
                job,
                ImportJobStatus.FAILED,
                "The worker stopped answering (no heartbeat); nothing was imported."
                if job.status == ImportJobStatus.RUNNING
                else "No worker picked the job up; nothing was imported.",
            )
            failed.append(job_id)
    return failed
