"""Celery tasks of the assemblies context: thin wrappers that re-fetch by id and call one
service each.

Tasks are leaves (docs/architecture.md): services import this module to enqueue, and each task
imports its service inside the function, so services and tasks never form a cycle.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from billiard.exceptions import WorkerLostError
from celery import Task, shared_task
from celery.signals import task_failure

logger = logging.getLogger(__name__)

#: A selection may take long (leximin on thousands of people): soft limit 2 h, hard 2 h 5 min.
SELECTION_SOFT_TIME_LIMIT = 2 * 3600
SELECTION_TIME_LIMIT = SELECTION_SOFT_TIME_LIMIT + 300


class SelectionTask(Task):
    """Marks the run failed whenever the task itself fails (time limit, crash, lost DB)."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        run_id = kwargs.get("run_id") if kwargs else None
        if run_id is None and args:
            run_id = args[0]
        if run_id is None:
            return
        from assemblies.services.execution import selection_run_fail  # leaf

        try:
            selection_run_fail(
                run_id=int(run_id), message=f"The worker failed: {type(exc).__name__}: {exc}"
            )
        except Exception:  # noqa: BLE001 - the sweep will catch it later
            logger.exception("could not mark selection run %s failed", run_id)


#: The name of the selection task (the worker-lost handler below matches on it).
RUN_SELECTION = "assemblies.run_selection"

#: Why a run failed when the pool process executing it died (killed, out of memory).
WORKER_LOST_MESSAGE = (
    "The worker process running this selection was lost ({error}); nobody was selected. "
    "A common cause is the worker running out of memory; start the run again."
)


# acks_late without reject_on_worker_lost: when the pool child dies, the message is acked and
# the task fails with WorkerLostError in the worker's main process (see the handler below), so
# the run fails at once instead of being redelivered (which would crash the same way).
@shared_task(
    name=RUN_SELECTION,
    base=SelectionTask,
    soft_time_limit=SELECTION_SOFT_TIME_LIMIT,
    time_limit=SELECTION_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=False,
)
def run_selection(run_id: int) -> str:
    """Execute selection run ``run_id``; returns its final status."""
    from assemblies.services.execution import selection_run_execute  # leaf

    return selection_run_execute(run_id=run_id).status


@task_failure.connect
def _selection_worker_lost(sender: Any = None, exception: Any = None, **kwargs: Any) -> None:
    """Fail the run at once when the pool process executing it is killed.

    :class:`SelectionTask.on_failure` runs inside the pool process, which is gone in that case;
    Celery then sends ``task_failure`` from the worker's main process with a
    :class:`~billiard.exceptions.WorkerLostError`, handled here (other failures are left to
    ``on_failure``). Without it, the run would stay ``running`` until the stale-run sweep.
    """
    if getattr(sender, "name", None) != RUN_SELECTION or not isinstance(exception, WorkerLostError):
        return
    args, task_kwargs = kwargs.get("args") or (), kwargs.get("kwargs") or {}
    run_id = task_kwargs.get("run_id", args[0] if args else None)
    if run_id is None:
        return
    from assemblies.services.execution import selection_run_fail  # leaf

    logger.error("selection run %s: worker process lost (%s)", run_id, exception)
    try:
        selection_run_fail(run_id=int(run_id), message=WORKER_LOST_MESSAGE.format(error=exception))
    except Exception:  # noqa: BLE001 - the sweep will catch it later
        logger.exception("could not mark selection run %s failed", run_id)


#: A big registrants file (200,000 rows) is checked and written in minutes; limits 1 h / 1 h 5 min.
IMPORT_SOFT_TIME_LIMIT = 3600
IMPORT_TIME_LIMIT = IMPORT_SOFT_TIME_LIMIT + 300


class ImportJobTask(Task):
    """Marks the import job failed whenever the task itself fails (time limit, crash)."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        job_id = kwargs.get("job_id") if kwargs else None
        if job_id is None and args:
            job_id = args[0]
        if job_id is None:
            return
        from assemblies.services.import_jobs import import_job_fail  # leaf

        try:
            import_job_fail(
                job_id=int(job_id), message=f"The worker failed: {type(exc).__name__}: {exc}"
            )
        except Exception:  # noqa: BLE001 - the sweep will catch it later
            logger.exception("could not mark import job %s failed", job_id)


@shared_task(
    name="assemblies.run_import_job",
    base=ImportJobTask,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_TIME_LIMIT,
    acks_late=True,
)
def run_import_job(job_id: int) -> str:
    """Execute the preview or import job ``job_id``; returns its final status."""
    from assemblies.services.import_jobs import import_job_execute  # leaf

    return import_job_execute(job_id=job_id).status


@shared_task(name="assemblies.close_due_registrations", soft_time_limit=300, time_limit=360)
def close_due_registrations() -> dict[str, Any]:
    """Close registrations whose closing time has passed and start automatic draws."""
    from assemblies.services.assemblies import assemblies_close_due  # leaf

    outcome = assemblies_close_due()
    return {"closed": outcome.closed, "runs_started": outcome.runs_started}


@shared_task(name="assemblies.fail_stale_runs", soft_time_limit=120, time_limit=180)
def fail_stale_runs() -> list[int]:
    """Fail selection runs and import jobs whose worker died; purge stale uploads. Returns
    failed run ids."""
    from assemblies.services.execution import selection_runs_fail_stale  # leaf
    from assemblies.services.import_jobs import import_jobs_fail_stale  # leaf
    from assemblies.services.imports import pending_imports_purge  # leaf

    failed = selection_runs_fail_stale()
    import_jobs_fail_stale()
    pending_imports_purge()
    return failed


@shared_task(
    name="assemblies.send_confirmation_email",
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
)
def send_confirmation_email(registrant_id: int, base_url: str, language: str | None = None) -> bool:
    """Email one registrant their confirm/withdraw/erase links (retried on mail errors).

    Kept for messages queued before ``assemblies.send_email`` existed; registrations now
    record an ``EmailSend`` and enqueue :func:`send_email`."""
    from assemblies.services.confirmation import confirmation_email_send  # leaf

    return confirmation_email_send(
        registrant_id=registrant_id, base_url=base_url, language=language
    )


@shared_task(
    name="assemblies.send_email",
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
)
def send_email(send_id: int) -> str:
    """Deliver the recorded email ``send_id`` (an ``EmailSend`` row); retried with backoff on
    mail errors, each try recorded on the row. Returns the send's status."""
    from assemblies.services.emails import email_send_deliver  # leaf

    return email_send_deliver(send_id=send_id).status
