"""Write services of the assemblies context (DESIGN.md §2).

One function per use case, named ``<entity>_<verb>``, keyword-only arguments. Each owns its
transaction, locks the rows it changes (``select_for_update``), re-checks the state it depends
on, is safe to call twice, and writes an audit event in the same transaction.

Refusals raise :class:`ServiceError` (a sentence for the organiser); rejected imports raise
:class:`ImportRejected` carrying every problem with its line and column.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from assemblies import engine, selectors
from assemblies.columns import ColumnRole, column_roles, registrant_fields
from assemblies.models import (
    ACTIVE_RUN_STATUSES,
    PERSONAL_FIELDS,
    Assembly,
    AssemblyMembership,
    AssemblyStatus,
    Category,
    PendingImport,
    Quota,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
    Role,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.permissions import forget_roles
from opendlp.services import audit_event_record

logger = logging.getLogger(__name__)

#: A running run whose heartbeat is older than this is considered dead (see the sweep).
STALE_AFTER = timedelta(minutes=10)
#: A pending run that no worker picked up within this time is failed by the sweep.
PENDING_STALE_AFTER = timedelta(hours=6)
#: Uploads waiting for confirmation are deleted after this time.
PENDING_IMPORT_MAX_AGE = timedelta(days=1)
#: Seconds between progress writes of a running selection.
PROGRESS_WRITE_INTERVAL = 1.0
#: Seconds between reads of the cancel flag of a running selection.
CANCEL_CHECK_INTERVAL = 1.0

#: Statuses callers (and managers) may move a panel member between.
PANEL_MEMBER_STATUSES = (
    RegistrantStatus.SELECTED,
    RegistrantStatus.CONFIRMED,
    RegistrantStatus.WITHDRAWN,
)
#: Status changes allowed through :func:`registrant_status_change` (erasure is separate).
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RegistrantStatus.PENDING: (RegistrantStatus.POOL, RegistrantStatus.WITHDRAWN),
    RegistrantStatus.POOL: (RegistrantStatus.RESERVE, RegistrantStatus.WITHDRAWN),
    RegistrantStatus.RESERVE: (
        RegistrantStatus.POOL,
        RegistrantStatus.SELECTED,
        RegistrantStatus.WITHDRAWN,
    ),
    RegistrantStatus.SELECTED: (RegistrantStatus.CONFIRMED, RegistrantStatus.WITHDRAWN),
    RegistrantStatus.CONFIRMED: (RegistrantStatus.SELECTED, RegistrantStatus.WITHDRAWN),
    RegistrantStatus.WITHDRAWN: (
        RegistrantStatus.SELECTED,
        RegistrantStatus.CONFIRMED,
        RegistrantStatus.POOL,
    ),
    RegistrantStatus.DELETED: (),
}


class ServiceError(Exception):
    """A refusal the organiser should read (e.g. "a selection run is already in progress")."""


class ImportRejected(ServiceError):
    """An import was refused; nothing was written.

    Attributes:
        problems: every problem, each an :class:`assemblies.engine.Problem` with line/column.
    """

    def __init__(self, problems: list[engine.Problem]) -> None:
        self.problems = problems
        count = len(problems)
        head = str(problems[0]) if problems else "the file was rejected"
        super().__init__(head if count == 1 else f"{count} problems; first: {head}")


def _lock_assembly(assembly_id: int) -> Assembly:
    try:
        return Assembly.objects.select_for_update().get(pk=assembly_id)
    except Assembly.DoesNotExist:
        raise ServiceError(f"There is no assembly with id {assembly_id}.") from None


# --- assemblies -------------------------------------------------------------------------------


def assembly_create(
    *,
    slug: str,
    title: str,
    panel_size: int,
    actor: Any = None,
    question: str = "",
    description: str = "",
    household_columns: Sequence[str] = (),
    household_check: bool | None = None,
    auto_select: bool = False,
    default_algorithm: str = "leximin",
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
    id_column: str = "",
) -> Assembly:
    """Create a draft assembly; the actor (unless a superuser or the system) becomes its
    manager.

    Args:
        slug: unique URL name. title: display name. panel_size: people to select (>= 1).
        household_columns: fields that identify a household; ``household_check`` defaults to
            True when any are given.

    Returns:
        The new :class:`Assembly`.

    Raises:
        ServiceError: the slug is taken or a value is invalid (the message says which).
    """
    assembly = Assembly(
        slug=slug,
        title=title,
        panel_size=panel_size,
        question=question,
        description=description,
        household_columns=[c.strip() for c in household_columns if c.strip()],
        household_check=bool(household_columns) if household_check is None else household_check,
        auto_select=auto_select,
        default_algorithm=default_algorithm,
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        id_column=id_column,
    )
    return assembly_save(assembly=assembly, actor=actor)


def assembly_save(
    *, assembly: Assembly, actor: Any = None, changed: Iterable[str] = ()
) -> Assembly:
    """Validate and save a new or edited assembly (the admin form's save) and audit it.

    A new assembly makes a non-superuser actor its manager.

    Raises:
        ServiceError: validation failed (e.g. duplicate slug, panel size 0).
    """
    creating = assembly.pk is None
    try:
        assembly.full_clean()
    except ValidationError as exc:
        raise ServiceError(_validation_text(exc)) from exc
    with transaction.atomic():
        if not creating:
            Assembly.objects.select_for_update().filter(pk=assembly.pk).first()
        fields = {f.name for f in Assembly._meta.concrete_fields}
        update = None if creating else sorted({*changed} & fields | {"updated_at"})
        try:
            with transaction.atomic():
                assembly.save(update_fields=update)
        except IntegrityError as exc:
            raise ServiceError(f"The assembly could not be saved: {exc}") from exc
        if creating:
            if actor is not None and getattr(actor, "is_authenticated", False):
                if not actor.is_superuser:
                    AssemblyMembership.objects.get_or_create(
                        assembly=assembly, user=actor, defaults={"role": Role.MANAGER}
                    )
                    forget_roles(actor)
            audit_event_record(
                action="assemblies.assembly.created",
                actor=actor,
                target=assembly,
                data={"slug": assembly.slug, "panel_size": assembly.panel_size},
            )
        else:
            audit_event_record(
                action="assemblies.assembly.changed",
                actor=actor,
                target=assembly,
                data={"fields": sorted(changed)},
            )
    return assembly


def _validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def assembly_open_registration(*, assembly_id: int, actor: Any = None) -> Assembly:
    """Open registration of a draft (or re-open a closed) assembly; no-op when open.

    Raises:
        ServiceError: the assembly has no quotas, or its panel was already selected.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        if assembly.status == AssemblyStatus.OPEN:
            return assembly
        if assembly.status not in (AssemblyStatus.DRAFT, AssemblyStatus.CLOSED):
            raise ServiceError(f"Registration cannot open: the assembly is {assembly.status}.")
        if not Quota.objects.filter(assembly=assembly).exists():
            raise ServiceError("Add the quotas before opening registration.")
        previous = assembly.status
        assembly.status = AssemblyStatus.OPEN
        assembly.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action="assemblies.registration.opened",
            actor=actor,
            target=assembly,
            data={"from": previous},
        )
    return assembly


def assembly_close_registration(*, assembly_id: int, actor: Any = None) -> bool:
    """Close registration of an open assembly.

    Returns:
        True when it was open and is now closed; False when there was nothing to do (already
        closed, draft, selected or archived), so calling twice is harmless.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        if assembly.status != AssemblyStatus.OPEN:
            return False
        assembly.status = AssemblyStatus.CLOSED
        assembly.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action="assemblies.registration.closed", actor=actor, target=assembly, data={}
        )
    return True


def assembly_archive(*, assembly_id: int, actor: Any = None) -> Assembly:
    """Archive an assembly (no more runs or imports); no-op when archived.

    Raises:
        ServiceError: a selection run is in progress.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        if assembly.status == AssemblyStatus.ARCHIVED:
            return assembly
        if SelectionRun.objects.filter(assembly=assembly, status__in=ACTIVE_RUN_STATUSES).exists():
            raise ServiceError("A selection run is in progress; cancel it first.")
        previous = assembly.status
        assembly.status = AssemblyStatus.ARCHIVED
        assembly.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action="assemblies.assembly.archived",
            actor=actor,
            target=assembly,
            data={"from": previous},
        )
    return assembly


@dataclass
class CloseDueOutcome:
    """What :func:`assemblies_close_due` did: the closed assemblies' ids, the runs started
    and the assemblies whose automatic draw could not start (id -> reason)."""

    closed: list[int] = field(default_factory=list)
    runs_started: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def assemblies_close_due(*, now: datetime | None = None) -> CloseDueOutcome:
    """Close every open assembly whose ``registration_closes_at`` has passed and, for those
    with ``auto_select``, start the panel draw (once: never when a panel run already exists).

    Each assembly is handled in its own transaction; running it twice does nothing new.
    """
    now = now or timezone.now()
    outcome = CloseDueOutcome()
    due = Assembly.objects.filter(
        status=AssemblyStatus.OPEN, registration_closes_at__lte=now
    ).values_list("pk", flat=True)
    for assembly_id in list(due):
        if assembly_close_registration(assembly_id=assembly_id, actor=None):
            outcome.closed.append(assembly_id)
    waiting = (
        Assembly.objects.filter(
            status=AssemblyStatus.CLOSED, auto_select=True, registration_closes_at__lte=now
        )
        .exclude(runs__kind=RunKind.PANEL)
        .values_list("pk", flat=True)
    )
    for assembly_id in list(waiting):
        try:
            run = selection_run_start(assembly_id=assembly_id, kind=RunKind.PANEL, actor=None)
        except ServiceError as exc:
            outcome.refused[assembly_id] = str(exc)
            logger.warning("automatic draw of assembly %s not started: %s", assembly_id, exc)
        else:
            outcome.runs_started.append(run.pk)
    return outcome


# --- memberships ------------------------------------------------------------------------------


def membership_set(*, assembly_id: int, user: Any, role: str, actor: Any = None) -> Any:
    """Give ``user`` the ``role`` in the assembly (create or change the membership).

    Raises:
        ServiceError: unknown role, or the user is not active staff.
    """
    if role not in Role.values:
        raise ServiceError(f"Unknown role {role!r}.")
    if not (user.is_active and user.is_staff):
        raise ServiceError("Only active staff users can be organisers.")
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        membership, created = AssemblyMembership.objects.select_for_update().get_or_create(
            assembly=assembly, user=user, defaults={"role": role}
        )
        if not created and membership.role == role:
            return membership
        previous = None if created else membership.role
        membership.role = role
        membership.save()
        audit_event_record(
            action="assemblies.membership.set",
            actor=actor,
            target=assembly,
            data={"user": user.pk, "role": role, "previous": previous},
        )
    forget_roles(user)
    return membership


def membership_remove(*, assembly_id: int, user: Any, actor: Any = None) -> bool:
    """Remove ``user``'s role in the assembly. Returns False when there was none.

    Raises:
        ServiceError: it is the assembly's last manager.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        membership = (
            AssemblyMembership.objects.select_for_update().filter(assembly=assembly, user=user)
        ).first()
        if membership is None:
            return False
        if (
            membership.role == Role.MANAGER
            and not AssemblyMembership.objects.filter(assembly=assembly, role=Role.MANAGER)
            .exclude(pk=membership.pk)
            .exists()
        ):
            raise ServiceError("An assembly keeps at least one manager.")
        membership.delete()
        audit_event_record(
            action="assemblies.membership.removed",
            actor=actor,
            target=assembly,
            data={"user": user.pk, "role": membership.role},
        )
    forget_roles(user)
    return True


# --- quotas -----------------------------------------------------------------------------------


@dataclass
class QuotaPreview:
    """What a quota import would do: the rows read, the categories with their values, how
    many quotas it replaces, and every problem (import impossible when any)."""

    filename: str
    rows: list[engine.QuotaRow] = field(default_factory=list)
    problems: list[engine.Problem] = field(default_factory=list)
    replaces: int = 0
    categories: dict[str, list[str]] = field(default_factory=dict)
    unmatched_registrants: int = 0

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return not self.problems and bool(self.rows)


def quotas_import_preview(*, assembly: Assembly, text: str, filename: str) -> QuotaPreview:
    """Read a quota CSV without writing anything.

    Returns:
        :class:`QuotaPreview`; ``unmatched_registrants`` counts registrants (not erased) whose
        answers would no longer be values of the new table.
    """
    preview = QuotaPreview(filename=filename)
    preview.replaces = Quota.objects.filter(assembly=assembly).count()
    try:
        preview.rows = engine.parse_quotas(text, filename=filename)
    except engine.InputError as exc:
        preview.problems = engine.problems_from(exc)
        return preview
    for row in preview.rows:
        preview.categories.setdefault(row.category, []).append(row.value)
    preview.unmatched_registrants = _unmatched_registrants(assembly, preview.rows)
    return preview


def _unmatched_registrants(assembly: Assembly, rows: Sequence[Any]) -> int:
    values = {(r.category, r.value) for r in rows}
    categories = {r.category for r in rows}
    count = 0
    queryset = Registrant.objects.filter(assembly=assembly).exclude(status=RegistrantStatus.DELETED)
    for answers in queryset.values_list("answers", flat=True).iterator(chunk_size=2000):
        answers = answers or {}
        if any((c, answers.get(c)) not in values for c in categories):
            count += 1
    return count


@dataclass(frozen=True)
class QuotaImportOutcome:
    """A finished quota import: quotas written, quotas replaced, categories."""

    imported: int
    replaced: int
    categories: list[str]


def quotas_import(
    *, assembly_id: int, text: str, filename: str, actor: Any = None
) -> QuotaImportOutcome:
    """Replace the assembly's quota table with a CSV (all or nothing).

    Category question texts are kept for categories that remain; new categories are added in
    table order; categories no longer in the table are removed.

    Raises:
        ImportRejected: the file has problems (nothing changed).
        ServiceError: the assembly is archived or a selection run is in progress.
    """
    try:
        rows = engine.parse_quotas(text, filename=filename)
    except engine.InputError as exc:
        raise ImportRejected(engine.problems_from(exc)) from exc
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        replaced = Quota.objects.filter(assembly=assembly).count()
        Quota.objects.filter(assembly=assembly).delete()
        Quota.objects.bulk_create(
            Quota(
                assembly=assembly,
                category=row.category,
                value=row.value,
                position=position,
                min=row.min,
                max=row.max,
                min_flex=row.min_flex,
                max_flex=row.max_flex,
            )
            for position, row in enumerate(rows)
        )
        categories = _categories_sync(assembly)
        audit_event_record(
            action="assemblies.quotas.imported",
            actor=actor,
            target=assembly,
            data={"filename": filename, "quotas": len(rows), "replaced": replaced},
        )
    return QuotaImportOutcome(len(rows), replaced, categories)


def _refuse_while_busy(assembly: Assembly) -> None:
    if assembly.status == AssemblyStatus.ARCHIVED:
        raise ServiceError("The assembly is archived.")
    if SelectionRun.objects.filter(assembly=assembly, status__in=ACTIVE_RUN_STATUSES).exists():
        raise ServiceError("A selection run is in progress; wait for it or cancel it first.")


def _categories_sync(assembly: Assembly) -> list[str]:
    """Make the Category rows match the quota table (keeps question texts)."""
    names: list[str] = []
    for name in (
        Quota.objects.filter(assembly=assembly)
        .order_by("position", "id")
        .values_list("category", flat=True)
    ):
        if name not in names:
            names.append(name)
    existing = {c.name: c for c in Category.objects.filter(assembly=assembly)}
    Category.objects.filter(assembly=assembly).exclude(name__in=names).delete()
    for position, name in enumerate(names):
        category = existing.get(name)
        if category is None:
            Category.objects.create(assembly=assembly, name=name, position=position)
        elif category.position != position:
            category.position = position
            category.save(update_fields=["position"])
    return names


def quotas_changed(*, assembly_id: int, actor: Any = None, changes: dict[str, Any]) -> None:
    """Record edits made to the quotas or category questions in the admin (already saved by
    the form) and keep the categories in step with the quotas. A run in progress is not
    affected: its inputs were fixed when it started."""
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _categories_sync(assembly)
        audit_event_record(
            action="assemblies.quotas.changed", actor=actor, target=assembly, data=changes
        )


# --- registrants import -----------------------------------------------------------------------


@dataclass
class RegistrantPreview:
    """What a registrants import would do.

    Attributes:
        rows_read: data rows read. columns: role of every column (id, category, contact,
        extra). creates / updates / skipped: rows that would create a registrant, update the
        one with the same external id, or be skipped (that registrant was erased).
        problems: every problem with line and column (import impossible when any).
        sample: the first rows as ``(line, id, answers)``. warnings: texts to show.
    """

    filename: str
    id_column: str
    rows_read: int = 0
    columns: list[ColumnRole] = field(default_factory=list)
    creates: int = 0
    updates: int = 0
    skipped: int = 0
    problems: list[engine.Problem] = field(default_factory=list)
    sample: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return not self.problems and self.rows_read > 0


_FIELD_LIMITS = {f: Registrant._meta.get_field(f).max_length for f in PERSONAL_FIELDS}


def _read_registrants(
    assembly: Assembly, text: str, filename: str, id_column: str
) -> tuple[engine.ParsedRegistrants | None, list[ColumnRole], list[engine.Problem]]:
    """Parse with the engine (answers, ids) and check contact fields here; every problem of
    both passes is returned, sorted by line."""
    quotas = selectors.quotas_of(assembly=assembly)
    if not quotas:
        return None, [], [engine.Problem("There are no quotas yet: import the quotas first.")]
    household = list(assembly.household_columns or []) if assembly.household_check else []
    categories = list(dict.fromkeys(q.category for q in quotas))
    parsed, problems = None, []
    try:
        parsed = engine.parse_registrants(
            text,
            filename=filename,
            quota_rows=quotas,
            id_column=id_column or None,
            household_columns=[h for h in household if not _is_contact_name(h)],
        )
    except engine.InputError as exc:
        problems = engine.problems_from(exc)
    header, records = _csv_records(text)
    roles = column_roles(
        header, categories=categories, id_column=id_column, household_columns=household
    )
    problems += _field_problems(records, roles, filename)
    problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    return (None if problems else parsed), roles, problems


def _csv_records(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and ``(first line, {column: cell})`` of each non-empty record."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header: list[str] = []
    records = []
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if not header:
                header = [cell.strip() for cell in cells]
                continue
            records.append((start, dict(zip(header, cells, strict=False))))
    except csv.Error:
        pass  # the engine reports malformed CSV with its line
    return header, records


def _field_problems(
    records: list[tuple[int, dict[str, str]]], roles: list[ColumnRole], filename: str
) -> list[engine.Problem]:
    """Contact fields too long for the database, and overlong ids."""
    problems = []
    id_max = Registrant._meta.get_field("external_id").max_length
    for line, cells in records:
        for role in roles:
            value = (cells.get(role.column) or "").strip()
            if role.role == "id" and len(value) > id_max:
                problems.append(
                    engine.Problem(
                        f"the id is longer than {id_max} characters",
                        filename,
                        line,
                        role.column,
                        value[:40],
                    )
                )
            if role.role != "contact":
                continue
            if len(value) > _FIELD_LIMITS[role.target]:
                problems.append(
                    engine.Problem(
                        f"longer than {_FIELD_LIMITS[role.target]} characters",
                        filename,
                        line,
                        role.column,
                        value[:40],
                    )
                )
    return problems


def _email_warnings(
    records: list[tuple[int, dict[str, str]]], roles: list[ColumnRole], limit: int = 20
) -> list[str]:
    """Rows whose email column does not hold a valid address (imported as given: published
    files are often anonymised, and confirmations go only to registrants who give one)."""
    columns = [r.column for r in roles if r.role == "contact" and r.target == "email"]
    bad = []
    for line, cells in records:
        for column in columns:
            value = (cells.get(column) or "").strip()
            if value:
                try:
                    validate_email(value)
                except ValidationError:
                    bad.append(f"line {line}, column {column!r}: {value!r}")
    if not bad:
        return []
    shown = "; ".join(bad[:limit]) + (f"; and {len(bad) - limit} more" if len(bad) > limit else "")
    return [f"{len(bad)} row(s) have an email that is not a valid address: {shown}."]


def _is_contact_name(column: str) -> bool:
    """Household columns naming a registrant field (``postcode``) need no CSV column."""
    return column in PERSONAL_FIELDS


def registrants_import_preview(
    *, assembly: Assembly, text: str, filename: str, id_column: str | None = None
) -> RegistrantPreview:
    """Read a registrants CSV against the assembly's quotas without writing anything.

    Args:
        assembly: the assembly. text: the CSV text. filename: for messages.
        id_column: the column of external ids (None: the assembly's ``id_column``; empty: no
            id column, every row creates a new registrant).

    Returns:
        :class:`RegistrantPreview` with every problem (line and column) and the column roles.
    """
    id_column = assembly.id_column if id_column is None else id_column
    preview = RegistrantPreview(filename=filename, id_column=id_column or "")
    parsed, roles, problems = _read_registrants(assembly, text, filename, id_column or "")
    records = _csv_records(text)[1]
    preview.problems = problems
    preview.columns = roles
    preview.rows_read = len(records)
    preview.warnings += _email_warnings(records, roles)
    if parsed is None:
        return preview
    preview.rows_read = len(parsed.rows)
    preview.sample = [(r.line, r.id, r.answers) for r in parsed.rows[:10]]
    if id_column:
        ids = [r.id for r in parsed.rows]
        existing = dict(
            Registrant.objects.filter(assembly=assembly, external_id__in=ids).values_list(
                "external_id", "status"
            )
        )
        preview.skipped = sum(1 for s in existing.values() if s == RegistrantStatus.DELETED)
        preview.updates = len(existing) - preview.skipped
        preview.creates = len(ids) - len(existing)
    else:
        preview.creates = len(parsed.rows)
        preview.warnings.append(
            "No id column: every row creates a new registrant, and importing the file again "
            "would add everyone twice."
        )
    if SelectionRun.objects.filter(assembly=assembly, status__in=ACTIVE_RUN_STATUSES).exists():
        preview.problems.append(engine.Problem("A selection run is in progress; wait for it."))
    return preview


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
        parsed, roles, problems = _read_registrants(assembly, text, filename, id_column or "")
        if parsed is None or problems:
            raise ImportRejected(problems)
        existing: dict[str, Registrant] = {}
        if id_column:
            existing = {
                r.external_id: r
                for r in Registrant.objects.select_for_update().filter(
                    assembly=assembly, external_id__in=[row.id for row in parsed.rows]
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
            action="assemblies.registrants.imported",
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


# --- registrants ------------------------------------------------------------------------------


def registrant_status_change(
    *,
    registrant_id: int,
    status: str,
    actor: Any = None,
    allowed_from: Sequence[str] | None = None,
) -> Registrant:
    """Move a registrant to ``status`` along :data:`STATUS_TRANSITIONS`; no-op when it is
    already there.

    Args:
        allowed_from: when given, the registrant's current status (and the new one) must be in
            it (callers pass :data:`PANEL_MEMBER_STATUSES`).

    Raises:
        ServiceError: the change is not allowed.
    """
    with transaction.atomic():
        try:
            registrant = Registrant.objects.select_for_update().get(pk=registrant_id)
        except Registrant.DoesNotExist:
            raise ServiceError("There is no such registrant.") from None
        if registrant.status == status:
            return registrant
        if allowed_from is not None and (
            registrant.status not in allowed_from or status not in allowed_from
        ):
            raise ServiceError(f"You may only move registrants between {', '.join(allowed_from)}.")
        if status not in STATUS_TRANSITIONS.get(registrant.status, ()):
            raise ServiceError(
                f"A registrant cannot go from {registrant.status} to {status}"
                + (" (their data was erased)." if registrant.status == "deleted" else ".")
            )
        previous = registrant.status
        registrant.status = status
        registrant.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action="assemblies.registrant.status_changed",
            actor=actor,
            target=registrant,
            data={"from": previous, "to": status, "assembly": registrant.assembly_id},
        )
    return registrant


def registrant_update(
    *, registrant: Registrant, actor: Any = None, changed: Iterable[str] = ()
) -> Registrant:
    """Save contact and answer edits made in the admin (status changes go through
    :func:`registrant_status_change`).

    Raises:
        ServiceError: validation failed, or the registrant was erased.
    """
    with transaction.atomic():
        current = Registrant.objects.select_for_update().get(pk=registrant.pk)
        if current.status == RegistrantStatus.DELETED:
            raise ServiceError("This registrant's data was erased; it cannot be edited.")
        registrant.status = current.status
        try:
            registrant.full_clean()
        except ValidationError as exc:
            raise ServiceError(_validation_text(exc)) from exc
        editable = {"external_id", *PERSONAL_FIELDS, "answers", "extra"}
        registrant.save(update_fields=sorted(set(changed) & editable | {"updated_at"}))
        audit_event_record(
            action="assemblies.registrant.changed",
            actor=actor,
            target=registrant,
            data={"fields": sorted(set(changed) - {"status"}), "assembly": registrant.assembly_id},
        )
    return registrant


def registrant_erase(*, registrant_id: int, actor: Any = None) -> Registrant:
    """Erase a registrant's personal data (contact fields and extra columns) and mark them
    ``deleted``; the row, answers and public id stay so past draws remain verifiable.
    Erasing twice is harmless."""
    with transaction.atomic():
        try:
            registrant = Registrant.objects.select_for_update().get(pk=registrant_id)
        except Registrant.DoesNotExist:
            raise ServiceError("There is no such registrant.") from None
        if registrant.status == RegistrantStatus.DELETED:
            return registrant
        previous = registrant.status
        for name in PERSONAL_FIELDS:
            setattr(registrant, name, "")
        registrant.extra = {}
        registrant.status = RegistrantStatus.DELETED
        registrant.erased_at = timezone.now()
        registrant.save()
        audit_event_record(
            action="assemblies.registrant.erased",
            actor=actor,
            target=registrant,
            data={"from": previous, "assembly": registrant.assembly_id},
        )
    return registrant


# --- selection runs ---------------------------------------------------------------------------


def _enqueue(run_id: int) -> None:
    from assemblies.tasks import run_selection

    transaction.on_commit(lambda: run_selection.delay(run_id))


def selection_run_start(
    *,
    assembly_id: int,
    kind: str = RunKind.PANEL,
    algorithm: str | None = None,
    seed: str | None = None,
    actor: Any = None,
    panel_size: int | None = None,
    enqueue: bool = True,
) -> SelectionRun:
    """Ask for a selection run; the Celery task (enqueued after commit) executes it.

    A double request never makes two runs: when the same kind and algorithm is already
    pending or running, that run is returned (a database constraint also allows only one
    active run per assembly). A real panel run on an open assembly closes its registration.

    Args:
        kind: ``panel``, ``test`` or ``replacement`` (use :func:`replacements_select`).
        algorithm: one of the engine's algorithms (default: the assembly's default).
        seed: the seed text (default: 256 random bits as hex), stored before the draw.
        panel_size: people to draw (default: the assembly's panel size).
        enqueue: False to run it yourself with :func:`selection_run_execute` (``--sync``).

    Returns:
        The pending (new or already active) :class:`SelectionRun`.

    Raises:
        ServiceError: another kind of run is active; the assembly is archived or (for a panel
            run) already has a panel; no quotas; the pool is smaller than the panel.
    """
    if kind not in RunKind.values:
        raise ServiceError(f"Unknown run kind {kind!r}.")
    try:
        with transaction.atomic():
            assembly = _lock_assembly(assembly_id)
            algorithm = algorithm or assembly.default_algorithm
            if algorithm not in engine.algorithms():
                raise ServiceError(
                    f"Unknown algorithm {algorithm!r}; choose one of "
                    f"{', '.join(engine.algorithms())}."
                )
            active = SelectionRun.objects.filter(
                assembly=assembly, status__in=ACTIVE_RUN_STATUSES
            ).first()
            if active is not None:
                if active.kind == kind and active.algorithm == algorithm:
                    return active
                raise ServiceError(
                    f"A {active.get_kind_display().lower()} run (#{active.pk}) is already "
                    "in progress; wait for it or cancel it."
                )
            size = _check_can_start(assembly, kind, panel_size)
            run = SelectionRun.objects.create(
                assembly=assembly,
                kind=kind,
                algorithm=algorithm,
                seed=seed or secrets.token_hex(32),
                panel_size=size,
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            if kind == RunKind.PANEL and assembly.status == AssemblyStatus.OPEN:
                assembly.status = AssemblyStatus.CLOSED
                assembly.save(update_fields=["status", "updated_at"])
                audit_event_record(
                    action="assemblies.registration.closed",
                    actor=actor,
                    target=assembly,
                    data={"reason": f"panel run {run.pk} requested"},
                )
            audit_event_record(
                action="assemblies.selection.requested",
                actor=actor,
                target=run,
                data={
                    "assembly": assembly.pk,
                    "kind": kind,
                    "algorithm": algorithm,
                    "panel_size": size,
                    "seed_given": bool(seed),
                },
            )
            if enqueue:
                _enqueue(run.pk)
            return run
    except IntegrityError:
        # Another request created the active run between our check and our insert.
        active = SelectionRun.objects.filter(
            assembly_id=assembly_id, status__in=ACTIVE_RUN_STATUSES
        ).first()
        if active is not None and active.kind == kind:
            return active
        raise ServiceError("A selection run is already in progress.") from None


def _check_can_start(assembly: Assembly, kind: str, panel_size: int | None) -> int:
    if assembly.status == AssemblyStatus.ARCHIVED:
        raise ServiceError("The assembly is archived.")
    if not Quota.objects.filter(assembly=assembly).exists():
        raise ServiceError("There are no quotas yet: import or add them first.")
    pool = Registrant.objects.filter(assembly=assembly, status=RegistrantStatus.POOL).count()
    if kind == RunKind.REPLACEMENT:
        kept = Registrant.objects.filter(
            assembly=assembly, status__in=selectors.PANEL_STATUSES
        ).count()
        size = panel_size if panel_size is not None else assembly.panel_size - kept
        if size < 1:
            raise ServiceError(
                f"The panel already has {kept} of {assembly.panel_size} members: "
                "withdraw someone before asking for replacements."
            )
        if (
            not SelectionRun.objects.filter(
                assembly=assembly,
                kind__in=[RunKind.PANEL, RunKind.REPLACEMENT],
                status=RunStatus.SUCCEEDED,
            ).exists()
            and not kept
        ):
            raise ServiceError("There is no panel yet: run the panel selection first.")
    else:
        size = panel_size or assembly.panel_size
        if kind == RunKind.PANEL and (
            assembly.status == AssemblyStatus.SELECTED
            or Registrant.objects.filter(
                assembly=assembly, status__in=selectors.PANEL_STATUSES
            ).exists()
        ):
            raise ServiceError("A panel has already been selected; ask for replacements instead.")
    if size < 1:
        raise ServiceError("The number of people to select must be at least 1.")
    if pool < size:
        raise ServiceError(f"The pool has {pool} people, fewer than the {size} to select.")
    return size


def replacements_select(
    *,
    assembly_id: int,
    count: int | None = None,
    algorithm: str | None = None,
    seed: str | None = None,
    actor: Any = None,
    enqueue: bool = True,
) -> SelectionRun:
    """Ask for ``count`` replacements of withdrawn panel members.

    The kept members are the registrants now ``selected`` or ``confirmed``; the engine draws
    ``count`` people from the remaining pool with every quota reduced by the kept members'
    counts, so kept members plus replacements meet the original quotas.

    Args:
        count: how many to draw (default: panel size minus kept members).

    Returns:
        The pending ``replacement`` :class:`SelectionRun`.

    Raises:
        ServiceError: as :func:`selection_run_start`, or nobody needs replacing.
    """
    return selection_run_start(
        assembly_id=assembly_id,
        kind=RunKind.REPLACEMENT,
        algorithm=algorithm,
        seed=seed,
        actor=actor,
        panel_size=count,
        enqueue=enqueue,
    )


def _run_inputs(run: SelectionRun, assembly: Assembly) -> dict[str, Any]:
    """Build the snapshot of a run from the database as it is now."""
    quotas = selectors.quotas_of(assembly=assembly)
    if not quotas:
        raise ServiceError("There are no quotas.")
    kept_counts: Counter = Counter()
    targets = None
    people = selectors.pool_people(assembly=assembly)
    if run.kind == RunKind.REPLACEMENT:
        kept_counts = selectors.answer_counts(
            assembly=assembly, statuses=list(selectors.PANEL_STATUSES)
        )
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
                for _, _, house in selectors.pool_people(
                    assembly=assembly, statuses=list(selectors.PANEL_STATUSES)
                )
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
            return _run_finish(run, RunStatus.CANCELLED, "Cancelled before it started.")
        assembly = Assembly.objects.select_for_update().get(pk=run.assembly_id)
        try:
            snapshot = _run_inputs(run, assembly)
        except ServiceError as exc:
            return _run_finish(run, RunStatus.FAILED, str(exc))
        now = timezone.now()
        run.status = RunStatus.RUNNING
        run.started_at = now
        run.heartbeat_at = now
        run.phase = "starting"
        run.input_snapshot = snapshot
        run.input_sha256 = engine.snapshot_digest(snapshot)
        run.save()
        audit_event_record(
            action="assemblies.selection.started",
            actor=None,
            target=run,
            data={"input_sha256": run.input_sha256, "pool": len(snapshot["pool"])},
        )
    monitor = _RunMonitor(run.pk)
    try:
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
        return selection_run_fail(run_id=run.pk, message=_error_text(exc))
    return _run_commit(run.pk, report)


def _error_text(exc: BaseException) -> str:
    if engine.is_infeasible(exc):
        return f"The quotas cannot be met by this pool. {exc}"
    if isinstance(exc, engine.InputError):
        return "The inputs are inconsistent: " + "; ".join(
            str(p) for p in engine.problems_from(exc)
        )
    return f"{type(exc).__name__}: {exc}"


def _run_commit(run_id: int, report: dict[str, Any]) -> SelectionRun:
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().select_related("assembly").get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return run  # swept or finished meanwhile: leave it as it is
        if run.cancel_requested:
            return _run_finish(run, RunStatus.CANCELLED, "Cancelled.")
        panel = [str(x) for x in engine.report_read(report).panel]
        if len(panel) != run.panel_size:
            return _run_finish(
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
                return _run_finish(
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
        run.phase = "done"
        run.progress_done = max(run.progress_done, run.progress_total, 1)
        run.progress_total = run.progress_done
        return _run_finish(run, RunStatus.SUCCEEDED, "")


def _run_finish(run: SelectionRun, status: str, message: str) -> SelectionRun:
    """Inside the caller's transaction: set the final status and audit it."""
    run.status = status
    run.error = message
    run.finished_at = timezone.now()
    run.save()
    action = {
        RunStatus.SUCCEEDED: "assemblies.selection.succeeded",
        RunStatus.FAILED: "assemblies.selection.failed",
        RunStatus.CANCELLED: "assemblies.selection.cancelled",
    }[status]
    data: dict[str, Any] = {"kind": run.kind, "assembly": run.assembly_id}
    if message:
        data["message"] = message[:500]
    if status == RunStatus.SUCCEEDED:
        data["selected"] = run.panel_size
    audit_event_record(action=action, actor=None, target=run, data=data)
    return run


def selection_run_fail(
    *, run_id: int, message: str, status: str = RunStatus.FAILED
) -> SelectionRun:
    """End a pending or running run as ``failed`` (or ``cancelled``) with ``message``;
    registrants are never touched. A run that already finished is returned unchanged."""
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        if run.status not in ACTIVE_RUN_STATUSES:
            return run
        return _run_finish(run, status, message or "The run failed.")


def selection_run_cancel(*, run_id: int, actor: Any = None) -> SelectionRun:
    """Cancel a run: a pending run ends ``cancelled`` at once; a running one gets its cancel
    flag set and the worker stops within seconds. A finished run is left unchanged."""
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        if run.status not in ACTIVE_RUN_STATUSES or run.cancel_requested:
            return run
        audit_event_record(
            action="assemblies.selection.cancel_requested",
            actor=actor,
            target=run,
            data={"status": run.status},
        )
        if run.status == RunStatus.PENDING:
            return _run_finish(run, RunStatus.CANCELLED, "Cancelled before it started.")
        run.cancel_requested = True
        run.save(update_fields=["cancel_requested"])
    return run


def selection_runs_fail_stale(
    *,
    now: datetime | None = None,
    stale_after: timedelta = STALE_AFTER,
    pending_after: timedelta = PENDING_STALE_AFTER,
) -> list[int]:
    """Fail runs whose worker died: running with no heartbeat for ``stale_after``, or pending
    and never picked up for ``pending_after``. Returns the ids failed (each in its own
    transaction; a second sweep finds nothing)."""
    now = now or timezone.now()
    stale = list(
        SelectionRun.objects.filter(
            status=RunStatus.RUNNING, heartbeat_at__lt=now - stale_after
        ).values_list("pk", flat=True)
    ) + list(
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
            _run_finish(
                run,
                RunStatus.FAILED,
                "The worker stopped answering (no heartbeat); nobody was selected."
                if run.status == RunStatus.RUNNING
                else "No worker picked the run up; nobody was selected.",
            )
            failed.append(run_id)
    return failed


def selection_run_verify(
    *, run_id: int, actor: Any = None, recompute: bool = False
) -> engine.Verification:
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
    outcome = engine.verify(run.result, run.input_snapshot, recompute=recompute)
    findings = list(outcome.findings)
    if not digest_ok:
        findings.insert(0, "The stored inputs do not match their SHA-256: they were altered.")
    result = engine.Verification(outcome.ok and digest_ok, findings)
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        run.verification = {"ok": result.ok, "findings": result.findings}
        run.verified_at = timezone.now()
        run.save(update_fields=["verification", "verified_at"])
        audit_event_record(
            action="assemblies.selection.verified",
            actor=actor,
            target=run,
            data={"ok": result.ok, "recomputed": recompute},
        )
    return result


def assembly_export_record(*, assembly_id: int, actor: Any = None, what: str) -> None:
    """Record that personal data left the system (a CSV export), for accountability."""
    with transaction.atomic():
        assembly = Assembly.objects.get(pk=assembly_id)
        audit_event_record(
            action="assemblies.registrants.exported",
            actor=actor,
            target=assembly,
            data={"what": what},
        )
