"""Use cases of registrant imports: the import itself (all rows or none, in batches) and the
uploads kept for confirmation.

The read-only preview lives in :mod:`assemblies.selectors.previews`; the background jobs that
run previews and imports for the admin live in :mod:`assemblies.services.import_jobs`.

Locking: an import never holds the assembly row across the file. It checks the assembly's
state under a brief lock, reads and checks the whole file with no lock, writes every batch
inside one transaction that does not lock the assembly (so a failure anywhere leaves nothing,
and public registrations, which share-lock the assembly row, go on meanwhile), checks the
rows' foreign keys (deferred to the commit otherwise), and locks the assembly only for its
last statements: re-check that no selection run started, remember the header, audit, commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assemblies import engine
from assemblies.columns import ColumnRole, registrant_fields
from assemblies.errors import ImportRejected, ServiceError
from assemblies.models import (
    ACTIVE_IMPORT_STATUSES,
    PERSONAL_FIELDS,
    Assembly,
    ImportJob,
    ImportJobAction,
    PendingImport,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
)
from assemblies.selectors.previews import Progress, existing_ids, read_registrants
from assemblies.services._common import _lock_assembly, _refuse_while_busy
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

#: Uploads waiting for confirmation are deleted after this time.
PENDING_IMPORT_MAX_AGE = timedelta(days=1)

#: Registrants written per INSERT/UPDATE batch.
IMPORT_BATCH_SIZE = 2000


class ImportCancelled(ServiceError):
    """The organiser cancelled the import; nothing was written."""

    code = "import_cancelled"


@dataclass(frozen=True)
class RegistrantImportOutcome:
    """A finished registrants import: rows read, registrants created, updated, skipped."""

    rows: int
    created: int
    updated: int
    skipped: int


def _never() -> bool:
    return False


def _quiet(phase: str, done: int, total: int) -> None:
    """No progress report."""


def registrants_import(
    *,
    assembly_id: int,
    text: str,
    filename: str,
    id_column: str | None = None,
    actor: Any = None,
    progress: Progress = _quiet,
    batch_size: int = IMPORT_BATCH_SIZE,
) -> RegistrantImportOutcome:
    """Import registrants from a CSV at once (the command and the demo): all rows or none.

    New rows create registrants in the pool (source ``import``); a row whose external id
    already exists updates that registrant's answers, contact fields, language and extra
    columns (keeping its status); rows of erased registrants are skipped. The header is
    remembered so exports give the rows back in the same layout. The assembly is locked only
    briefly (see the module's text): registrations go on during the import.

    Args:
        assembly_id: the assembly. text: the CSV text. filename: for messages.
        id_column: the column of external ids (None: the assembly's; empty: none).
        actor: who asked (None: a command or the system).
        progress: called as ``progress(phase, done, total)``; ``done`` and ``total`` count rows
            checked and then rows written (``total`` is twice the rows).
        batch_size: registrants per INSERT or UPDATE.

    Returns:
        :class:`RegistrantImportOutcome`.

    Raises:
        ImportRejected: any problem in the file (every one, with line and column), e.g. a
            ``language`` that is not one of the site's languages (an empty one is the
            site's default language).
        ServiceError: the assembly is archived, or a selection run or another import is in
            progress (also when one started during this import: nothing is then written).
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        _refuse_while_importing(assembly, job_id=None)
    id_column = assembly.id_column if id_column is None else id_column
    parsed, roles = registrants_check(
        assembly=assembly, text=text, filename=filename, id_column=id_column, progress=progress
    )
    return registrants_write(
        assembly_id=assembly_id,
        parsed=parsed,
        roles=roles,
        filename=filename,
        id_column=id_column or "",
        actor=actor,
        progress=progress,
        batch_size=batch_size,
    )


def registrants_check(
    *,
    assembly: Assembly,
    text: str,
    filename: str,
    id_column: str | None,
    progress: Progress = _quiet,
) -> tuple[engine.ParsedRegistrants, list[ColumnRole]]:
    """Read and check a whole registrants CSV (writes nothing, locks nothing).

    Returns:
        ``(parsed file, column roles)``, ready for :func:`registrants_write`.

    Raises:
        ImportRejected: every problem of the file, with line and column.
    """
    rows_checked = {"total": 0}

    def checking(phase: str, done: int, total: int) -> None:
        rows_checked["total"] = total
        progress(phase, done, 2 * total)

    parsed, roles, problems = read_registrants(assembly, text, filename, id_column or "", checking)
    if parsed is None or problems:
        raise ImportRejected(problems)
    return parsed, roles


def _batches(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, max(1, size))):
        yield batch


def registrants_write(
    *,
    assembly_id: int,
    parsed: engine.ParsedRegistrants,
    roles: list[ColumnRole],
    filename: str,
    id_column: str,
    actor: Any = None,
    job_id: int | None = None,
    progress: Progress = _quiet,
    should_cancel: Callable[[], bool] = _never,
    batch_size: int = IMPORT_BATCH_SIZE,
    on_success: Callable[[RegistrantImportOutcome], None] | None = None,
) -> RegistrantImportOutcome:
    """Write a checked file (from :func:`registrants_check`): every batch in one transaction
    that does not lock the assembly, which is locked only for the final re-check and audit.

    Args:
        job_id: the import job writing (it is left out of the "another import" check and
            named in the audit event), or None.
        progress: called after each batch (``done`` counts from the number of rows, as the
            check before it, up to twice the rows).
        should_cancel: asked before each batch; True ends the import with nothing written.
        on_success: called with the outcome inside the transaction, last (a job records
            its end there, so the job and the rows commit together); raising rolls back all.

    Returns:
        :class:`RegistrantImportOutcome`.

    Raises:
        ImportCancelled: ``should_cancel`` said so. ServiceError: the assembly was archived,
            a selection run or another import started, or a concurrent change made a row
            conflict (an external id created meanwhile). Nothing is written in every case.
    """
    rows = parsed.rows
    total = 2 * len(rows)
    try:
        with transaction.atomic():
            assembly = Assembly.objects.get(pk=assembly_id)
            existing = existing_ids(assembly=assembly, ids={r.id for r in rows if r.id})
            creates = [r for r in rows if not (r.id and r.id in existing)]
            updates = [
                r
                for r in rows
                if r.id in existing and existing[r.id][1] != RegistrantStatus.DELETED
            ]
            skipped = len(rows) - len(creates) - len(updates)
            done = len(rows) + skipped
            for batch in _batches(creates, batch_size):
                if should_cancel():
                    raise ImportCancelled("The import was cancelled; nothing was imported.")
                Registrant.objects.bulk_create(
                    [_new_registrant(assembly, row, roles) for row in batch]
                )
                done += len(batch)
                progress("writing", done, total)
            updated = 0
            for batch in _batches(updates, batch_size):
                if should_cancel():
                    raise ImportCancelled("The import was cancelled; nothing was imported.")
                changed = _update_batch(batch, existing, roles)
                updated += changed
                skipped += len(batch) - changed
                done += len(batch)
                progress("writing", done, total)
            progress("finishing", done, total)
            # The foreign keys are checked at commit (deferred): check them now, before the
            # assembly is locked, so the lock is held for a moment, not for a check per row.
            connection.check_constraints(table_names=[Registrant._meta.db_table])
            assembly = _lock_assembly(assembly_id)
            _refuse_while_busy(assembly)
            _refuse_while_importing(assembly, job_id=job_id)
            assembly.import_columns = parsed.header
            if id_column:
                assembly.id_column = id_column
            assembly.save(update_fields=["import_columns", "id_column", "updated_at"])
            data: dict[str, Any] = {
                "filename": filename,
                "rows": len(rows),
                "created": len(creates),
                "updated": updated,
                "skipped": skipped,
            }
            if job_id is not None:
                data["job_id"] = job_id
            audit_event_record(
                action=AuditAction.REGISTRANTS_IMPORTED, actor=actor, target=assembly, data=data
            )
            outcome = RegistrantImportOutcome(len(rows), len(creates), updated, skipped)
            if on_success is not None:
                on_success(outcome)
    except IntegrityError as exc:
        raise ServiceError(
            "The registrants changed during the import (an external id of the file was "
            f"added meanwhile); nothing was imported. Import the file again. ({exc})"
        ) from exc
    return outcome


def _new_registrant(assembly: Assembly, row: engine.ParsedRow, roles: list[ColumnRole]) -> Any:
    return Registrant(
        assembly=assembly,
        external_id=row.id,
        answers=row.answers,
        status=RegistrantStatus.POOL,
        source=RegistrantSource.IMPORT,
        **registrant_fields(row.cells, roles),
    )


def _update_batch(
    batch: list[engine.ParsedRow],
    existing: dict[str, tuple[int, str]],
    roles: list[ColumnRole],
) -> int:
    """Update one batch of existing registrants (locked; erased meanwhile: skipped)."""
    now = timezone.now()
    current = Registrant.objects.select_for_update().in_bulk([existing[r.id][0] for r in batch])
    changed = []
    for row in batch:
        registrant = current.get(existing[row.id][0])
        if registrant is None or registrant.status == RegistrantStatus.DELETED:
            continue
        for key, value in registrant_fields(row.cells, roles).items():
            setattr(registrant, key, value)
        registrant.answers = row.answers
        registrant.updated_at = now
        changed.append(registrant)
    Registrant.objects.bulk_update(
        changed, [*PERSONAL_FIELDS, "language", "answers", "extra", "updated_at"]
    )
    return len(changed)


def _refuse_while_importing(assembly: Assembly, *, job_id: int | None) -> None:
    others = ImportJob.objects.filter(
        assembly=assembly, action=ImportJobAction.IMPORT, status__in=ACTIVE_IMPORT_STATUSES
    )
    if job_id is not None:
        others = others.exclude(pk=job_id)
    if others.exists():
        raise ServiceError("Another import is in progress; wait for it.")


def pending_import_create(
    *, assembly: Assembly, user: Any, kind: str, filename: str, text: str, options: dict
) -> PendingImport:
    """Keep an upload until its preview is confirmed or discarded (no audit: nothing changed
    yet). Returns the :class:`PendingImport`."""
    return PendingImport.objects.create(
        assembly=assembly,
        uploaded_by=user,
        kind=kind,
        filename=filename[:255],
        text=text,
        options=options,
    )


def pending_import_discard(*, pending_id: Any) -> None:
    """Delete a kept upload (after confirm or cancel); no-op when already gone."""
    PendingImport.objects.filter(pk=pending_id).delete()


def pending_imports_purge(*, now: datetime | None = None) -> int:
    """Delete uploads older than :data:`PENDING_IMPORT_MAX_AGE` that no job is working on;
    returns how many."""
    cutoff = (now or timezone.now()) - PENDING_IMPORT_MAX_AGE
    busy = ImportJob.objects.filter(
        status__in=ACTIVE_IMPORT_STATUSES, pending__isnull=False
    ).values("pending_id")
    deleted, _ = PendingImport.objects.filter(created_at__lt=cutoff).exclude(pk__in=busy).delete()
    return deleted
