"""Progress and cancel callbacks of a running import job (a helper of
:mod:`assemblies.services.import_jobs`, not a use case of its own)."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection, connections
from django.utils import timezone

from assemblies.models import ImportJob, ImportJobStatus

#: Seconds between progress writes, and between reads of the cancel flag.
PROGRESS_WRITE_INTERVAL = 1.0
CANCEL_CHECK_INTERVAL = 1.0


class JobMonitor:
    """Progress and cancel callbacks of a running job: short writes, throttled.

    While the import writes its batches inside its transaction, progress goes through a
    second database connection (PostgreSQL), so the page sees it before the commit.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last_write = -PROGRESS_WRITE_INTERVAL
        self.last_check = -CANCEL_CHECK_INTERVAL
        self.cancelled = False
        self._side: Any = None

    def _due(self, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and now - self.last_write < PROGRESS_WRITE_INTERVAL:
            return False
        self.last_write = now
        return True

    def progress(self, phase: str, done: int, total: int, force: bool = False) -> None:
        """Outside any transaction: update the job row (at most once a second, unless
        ``force``)."""
        if not self._due(force):
            return
        ImportJob.objects.filter(pk=self.job_id, status=ImportJobStatus.RUNNING).update(
            phase=str(phase)[:100],
            progress_done=max(0, int(done)),
            progress_total=max(0, int(total), int(done)),
            heartbeat_at=timezone.now(),
        )

    def writing(self, phase: str, done: int, total: int) -> None:
        """Inside the import's transaction: update the job row through the side connection
        (on other databases the page sees the phase set before the writes began)."""
        if connection.vendor != "postgresql" or not self._due():
            return
        if self._side is None:
            self._side = connections.create_connection(connection.alias)
        table = self._side.ops.quote_name(ImportJob._meta.db_table)
        sql = (
            f"UPDATE {table} SET phase = %s, progress_done = %s, "  # noqa: S608 - model table
            "progress_total = %s, heartbeat_at = %s WHERE id = %s AND status = %s"
        )
        with self._side.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    str(phase)[:100],
                    max(0, int(done)),
                    max(0, int(total), int(done)),
                    timezone.now(),
                    self.job_id,
                    ImportJobStatus.RUNNING.value,
                ],
            )

    def should_cancel(self) -> bool:
        """True once the job's cancel flag is set or the job is no longer running."""
        now = time.monotonic()
        if self.cancelled or now - self.last_check < CANCEL_CHECK_INTERVAL:
            return self.cancelled
        self.last_check = now
        row = ImportJob.objects.filter(pk=self.job_id).values_list("status", "cancel_requested")
        found = row.first()
        self.cancelled = found is None or found[0] != ImportJobStatus.RUNNING or bool(found[1])
        return self.cancelled

    def close(self) -> None:
        """Close the side connection, if one was opened."""
        if self._side is not None:
            self._side.close()
            self._side = None
