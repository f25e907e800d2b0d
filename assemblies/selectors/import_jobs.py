"""Reads of the background jobs of registrant uploads (:class:`~assemblies.models.ImportJob`)."""

from __future__ import annotations

from typing import Any

from assemblies import engine
from assemblies.models import ACTIVE_IMPORT_STATUSES, Assembly, ImportJob, ImportJobAction


def import_job_latest(*, upload_id: Any, action: str) -> ImportJob | None:
    """The newest :class:`ImportJob` of an upload doing ``action`` (any status), or None."""
    return (
        ImportJob.objects.filter(upload_id=upload_id, action=action)
        .order_by("-created_at", "-id")
        .first()
    )


def import_in_progress(*, assembly: Assembly) -> ImportJob | None:
    """The assembly's import job that is pending or running, or None (a selection run must
    not start while one is)."""
    return ImportJob.objects.filter(
        assembly=assembly, action=ImportJobAction.IMPORT, status__in=ACTIVE_IMPORT_STATUSES
    ).first()


def import_job_problems(job: ImportJob) -> list[engine.Problem]:
    """The problems a failed import job stored (the first 1,000 of them)."""
    return [engine.Problem(*p) for p in (job.result or {}).get("problems", [])]
