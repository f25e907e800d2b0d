"""Background jobs of registrant imports: the preview of an upload and the import itself."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from assemblies.models.assembly import Assembly
from assemblies.models.registrant import PendingImport


class ImportJobAction(models.TextChoices):
    """``preview`` reads the upload and writes nothing; ``import`` checks it again, then
    writes every row or none."""

    PREVIEW = "preview", "Preview"
    IMPORT = "import", "Import"


class ImportJobStatus(models.TextChoices):
    """``pending -> running -> succeeded | failed | cancelled``, as selection runs."""

    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_IMPORT_STATUSES = (ImportJobStatus.PENDING, ImportJobStatus.RUNNING)


FINISHED_IMPORT_STATUSES = (
    ImportJobStatus.SUCCEEDED,
    ImportJobStatus.FAILED,
    ImportJobStatus.CANCELLED,
)


class ImportJob(models.Model):
    """One preview or import of a registrants upload, run by a Celery worker.

    Progress follows :class:`~assemblies.models.SelectionRun`: ``status``, ``phase``,
    ``progress_done``/``progress_total`` (rows), ``heartbeat_at`` and ``cancel_requested``.
    ``upload_id`` names the :class:`PendingImport` even after a successful import deleted it,
    so a repeated confirmation finds the job that imported it. ``result`` holds the preview
    (counts, column roles, problems with line and column, sample rows, warnings) or the
    import's counts; ``error`` says why a job failed or was cancelled.

    At most one import (not preview) per assembly is pending or running, and an upload is
    imported by at most one job that has not failed (database constraints).
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="import_jobs")
    pending = models.ForeignKey(
        PendingImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    upload_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    action = models.CharField(max_length=16, choices=ImportJobAction.choices)
    filename = models.CharField(max_length=255)
    id_column = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=16,
        choices=ImportJobStatus.choices,
        default=ImportJobStatus.PENDING,
        db_index=True,
    )
    phase = models.CharField(max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly"],
                condition=Q(action="import", status__in=["pending", "running"]),
                name="assemblies_import_one_active_per_assembly",
                violation_error_message="An import is already in progress.",
            ),
            models.UniqueConstraint(
                fields=["upload_id"],
                condition=Q(action="import", status__in=["pending", "running", "succeeded"]),
                name="assemblies_import_once_per_upload",
                violation_error_message="This upload is already being imported.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImportJobStatus.values),
                name="assemblies_import_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(action__in=ImportJobAction.values),
                name="assemblies_import_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.pk} of {self.filename}"

    @property
    def is_active(self) -> bool:
        """True while pending or running."""
        return self.status in ACTIVE_IMPORT_STATUSES

    @property
    def percent(self) -> int:
        """Progress as a whole percentage (0-100); 100 once finished."""
        if self.status in FINISHED_IMPORT_STATUSES:
            return 100
        if self.progress_total <= 0:
            return 0
        return max(0, min(100, int(100 * self.progress_done / self.progress_total)))
