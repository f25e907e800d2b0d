"""Use cases of registrant imports: the import itself and the uploads kept for confirmation.

The read-only preview lives in :mod:`assemblies.selectors.previews`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from assemblies.columns import registrant_fields
from assemblies.errors import (
    ImportRejected,
)
from assemblies.models import (
    PERSONAL_FIELDS,
    Assembly,
    PendingImport,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
    stored_external_ids,
)
from assemblies.selectors.previews import read_registrants
from assemblies.services._common import _lock_assembly, _refuse_while_busy
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

#: Uploads waiting for confirmation are deleted after this time.
PENDING_IMPORT_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class RegistrantImportOutcome:
    """A finished registrants import: rows read, registrants created, updated, skipped."""

    rows: int
    created: int
    updated: int
    skipped: int


def registrants_import(
    *,
    assembly_id: int,
    text: str,
    filename: str,
    id_column: str | None = None,
    actor: Any = None,
) -> RegistrantImportOutcome:
    """Import registrants from a CSV: all rows or none.

    New rows create registrants in the pool (source ``import``); a row whose external id
    already exists updates that registrant's answers, contact fields and extra columns
    (keeping its status); rows of erased registrants are skipped. The header is remembered so
    exports give the rows back in the same layout.

    Raises:
        ImportRejected: any problem in the file (every one, with line and column).
        ServiceError: the assembly is archived or a selection run is in progress.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        id_column = assembly.id_column if id_column is None else id_column
        parsed, roles, problems = read_registrants(assembly, text, filename, id_column or "")
        if parsed is None or problems:
            raise ImportRejected(problems)
        existing: dict[str, Registrant] = {}
        if id_column:
            # An erased registrant keeps only a keyed pseudonym of its id: look both up.
            stored = stored_external_ids(assembly=assembly, ids=[row.id for row in parsed.rows])
            existing = {
                stored[r.external_id]: r
                for r in Registrant.objects.select_for_update().filter(
                    assembly=assembly, external_id__in=list(stored)
                )
            }
        now = timezone.now()
        creates, updates, skipped = [], [], 0
        for row in parsed.rows:
            values = registrant_fields(row.cells, roles)
            current = existing.get(row.id) if row.id else None
            if current is not None:
                if current.status == RegistrantStatus.DELETED:
                    skipped += 1
                    continue
                for key, value in values.items():
                    setattr(current, key, value)
                current.answers = row.answers
                current.updated_at = now
                updates.append(current)
            else:
                creates.append(
                    Registrant(
                        assembly=assembly,
                        external_id=row.id,
                        answers=row.answers,
                        status=RegistrantStatus.POOL,
                        source=RegistrantSource.IMPORT,
                        **values,
                    )
                )
        Registrant.objects.bulk_create(creates, batch_size=500)
        if updates:
            Registrant.objects.bulk_update(
                updates,
                [*PERSONAL_FIELDS, "answers", "extra", "updated_at"],
                batch_size=500,
            )
        assembly.import_columns = parsed.header
        if id_column:
            assembly.id_column = id_column
        assembly.save(update_fields=["import_columns", "id_column", "updated_at"])
        audit_event_record(
            action=AuditAction.REGISTRANTS_IMPORTED,
            actor=actor,
            target=assembly,
            data={
                "filename": filename,
                "rows": len(parsed.rows),
                "created": len(creates),
                "updated": len(updates),
                "skipped": skipped,
            },
        )
    return RegistrantImportOutcome(len(parsed.rows), len(creates), len(updates), skipped)


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
    """Delete uploads older than :data:`PENDING_IMPORT_MAX_AGE`; returns how many."""
    cutoff = (now or timezone.now()) - PENDING_IMPORT_MAX_AGE
    deleted, _ = PendingImport.objects.filter(created_at__lt=cutoff).delete()
    return deleted
