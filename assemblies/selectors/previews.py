"""Read-only previews of imports: what a quota or registrants CSV would do, with every problem
(line and column), without writing anything."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from assemblies import engine
from assemblies.columns import ColumnRole, column_roles
from assemblies.models import (
    ACTIVE_RUN_STATUSES,
    PERSONAL_FIELDS,
    Assembly,
    Quota,
    Registrant,
    RegistrantStatus,
    SelectionRun,
    stored_external_ids,
)
from assemblies.selectors.assemblies import category_bands, quotas_of
from assemblies.selectors.content import language_codes
from assemblies.selectors.targets import UnknownValue, unknown_value_rows


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

    @property
    def problem_count(self) -> int:
        """How many problems the file has."""
        return len(self.problems)


def quotas_import_preview(*, assembly: Assembly, text: str, filename: str) -> QuotaPreview:
    """Read a quota CSV without writing anything.

    Returns:
        :class:`QuotaPreview`; ``unmatched_registrants`` counts registrants (not erased) whose
        answers would no longer be values of the new table.
    """
    preview = QuotaPreview(filename=filename)
    preview.replaces = Quota.objects.filter(assembly=assembly).count()
    try:
        preview.rows = engine.parse_quotas(text, filename=filename, panel_size=assembly.panel_size)
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


#: Problems kept in a stored preview (the count says how many there were in all).
PROBLEMS_KEPT = 1000

#: A progress callback: ``(phase, rows done, rows in all)``.
Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    """The default progress callback: nothing."""


@dataclass
class RegistrantPreview:
    """What a registrants import would do.

    Attributes:
        rows_read: data rows read. columns: role of every column (id, category, contact,
        extra). creates / updates / skipped: rows that would create a registrant, update the
        one with the same external id, or be skipped (that registrant was erased).
        problems: every problem with line and column (import impossible when any); a stored
        preview keeps the first :data:`PROBLEMS_KEPT`, and ``problem_count`` counts them all.
        sample: the first rows as ``(line, id, answers)``. warnings: texts to show.
        unknown_values: ``{category: [answers that are not values yet]}`` (the admin offers
        to add them, see :func:`assemblies.services.targets.quota_values_add_missing`).
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
    problems_total: int | None = None
    unknown_values: list[UnknownValue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return not self.problem_count and self.rows_read > 0

    @property
    def contact_columns(self) -> list[str]:
        """The contact columns (name, email, phone, address) that are not household columns:
        the preview counts them in one row instead of listing each."""
        return [c.column for c in self.columns if c.role == "contact" and not c.household]

    @property
    def listed_columns(self) -> list[ColumnRole]:
        """The columns the preview lists one by one (all but :attr:`contact_columns`)."""
        return [c for c in self.columns if c.role != "contact" or c.household]

    @property
    def only_unknown_values(self) -> bool:
        """True when every problem is an answer that is not a value yet (adding the values
        makes the file importable)."""
        rows = sum(u.count for u in self.unknown_values)
        return bool(self.unknown_values) and rows > 0 and rows == self.problem_count

    @property
    def problem_count(self) -> int:
        """How many problems the file has (all of them, also in a stored preview)."""
        return len(self.problems) if self.problems_total is None else self.problems_total

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (for :attr:`ImportJob.result`), with at most :data:`PROBLEMS_KEPT`
        problems; :meth:`from_dict` reads it back."""
        return {
            "filename": self.filename,
            "id_column": self.id_column,
            "rows_read": self.rows_read,
            "columns": [[c.column, c.role, c.target, c.household] for c in self.columns],
            "creates": self.creates,
            "updates": self.updates,
            "skipped": self.skipped,
            "problems": [
                [p.message, p.file, p.line, p.column, p.value]
                for p in self.problems[:PROBLEMS_KEPT]
            ],
            "problem_count": self.problem_count,
            "sample": [list(s) for s in self.sample],
            "warnings": list(self.warnings),
            "unknown_rows": [
                [u.column, u.category, u.value, list(u.lines), u.count] for u in self.unknown_values
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegistrantPreview:
        """The preview stored by :meth:`to_dict` (missing keys read as empty)."""
        return cls(
            filename=data.get("filename", ""),
            id_column=data.get("id_column", ""),
            rows_read=data.get("rows_read", 0),
            columns=[ColumnRole(*c) for c in data.get("columns", [])],
            creates=data.get("creates", 0),
            updates=data.get("updates", 0),
            skipped=data.get("skipped", 0),
            problems=[engine.Problem(*p) for p in data.get("problems", [])],
            problems_total=data.get("problem_count"),
            sample=[(s[0], s[1], s[2]) for s in data.get("sample", [])],
            warnings=list(data.get("warnings", [])),
            unknown_values=[
                UnknownValue(column, category, value, list(lines), count)
                for column, category, value, lines, count in data.get("unknown_rows", [])
            ]
            # A preview stored before the lines were kept: {category: [values]}.
            or [
                UnknownValue(category, category, value)
                for category, values in data.get("unknown_values", {}).items()
                for value in values
            ],
        )


def _max_length(name: str) -> int:
    """The ``max_length`` of a text field of :class:`Registrant` (each of them sets one)."""
    model_field = cast(models.CharField, Registrant._meta.get_field(name))
    return cast(int, model_field.max_length)


_FIELD_LIMITS = {f: _max_length(f) for f in PERSONAL_FIELDS}


def read_registrants(
    assembly: Assembly,
    text: str,
    filename: str,
    id_column: str,
    progress: Progress = _no_progress,
) -> tuple[engine.ParsedRegistrants | None, list[ColumnRole], list[engine.Problem]]:
    """Parse with the engine (answers, ids) and check contact fields here; every problem of
    both passes is returned, sorted by line (the parsed file is None when there is any)."""
    parsed, roles, problems, _ = _read(assembly, text, filename, id_column, progress)
    return parsed, roles, problems


def _read(
    assembly: Assembly, text: str, filename: str, id_column: str, progress: Progress
) -> tuple[engine.ParsedRegistrants | None, list[ColumnRole], list[engine.Problem], _Scan]:
    """:func:`read_registrants` plus this module's own pass over the file (:class:`_Scan`)."""
    quotas = quotas_of(assembly=assembly)
    if not quotas:
        problem = engine.Problem(
            "There are no quotas yet: import the quotas first, or make them from this "
            'file with "Build categories from a file" on the assembly page.'
        )
        return None, [], [problem], _Scan()
    household = list(assembly.household_columns or []) if assembly.household_check else []
    categories = list(dict.fromkeys(q.category for q in quotas))

    def roles_of(header: list[str]) -> list[ColumnRole]:
        return column_roles(
            header, categories=categories, id_column=id_column, household_columns=household
        )

    progress("checking the contact fields", 0, 0)
    scan = _scan(text, filename, roles_of)
    progress("reading the answers", scan.rows // 2, scan.rows)
    parsed, problems = None, []
    try:
        parsed = engine.parse_registrants(
            text,
            filename=filename,
            quota_rows=quotas,
            id_column=id_column or None,
            household_columns=[h for h in household if not _is_contact_name(h)],
            bands=category_bands(assembly=assembly),
        )
    except engine.InputError as exc:
        problems = engine.problems_from(exc)
    problems += scan.problems
    problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    progress("checked", scan.rows, scan.rows)
    return (None if problems else parsed), scan.roles, problems, scan


#: Invalid email addresses named in the preview's warning (the rest are counted).
EMAILS_SHOWN = 20


@dataclass
class _Scan:
    """One streamed pass over the CSV (no row is kept): the header's column roles, the
    number of non-empty records, contact fields too long for the database and overlong ids
    (problems), and invalid email addresses (a warning: imported as given, since published
    files are often anonymised and confirmations go only to registrants who give one)."""

    roles: list[ColumnRole] = field(default_factory=list)
    rows: int = 0
    problems: list[engine.Problem] = field(default_factory=list)
    bad_emails: int = 0
    bad_email_texts: list[str] = field(default_factory=list)

    def email_warnings(self) -> list[str]:
        """The warning about invalid email addresses, if any (a list of 0 or 1 texts)."""
        if not self.bad_emails:
            return []
        more = self.bad_emails - len(self.bad_email_texts)
        shown = "; ".join(self.bad_email_texts) + (f"; and {more} more" if more > 0 else "")
        return [f"{self.bad_emails} row(s) have an email that is not a valid address: {shown}."]


def _scan(text: str, filename: str, roles_of: Callable[[list[str]], list[ColumnRole]]) -> _Scan:
    """Read the CSV once, row by row (see :class:`_Scan`); a malformed CSV stops the pass
    quietly (the engine reports it with its line)."""
    scan = _Scan()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header: list[str] = []
    checks: list[tuple[int, ColumnRole]] = []
    emails: list[tuple[int, str]] = []
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if not header:
                header = [cell.strip() for cell in cells]
                scan.roles = roles_of(header)
                # As a dict of the row would: a repeated column name reads its last cell.
                index = {name: i for i, name in enumerate(header)}
                checks = [
                    (index[r.column], r)
                    for r in scan.roles
                    if r.role in ("id", "contact", "language")
                ]
                emails = [(i, r.column) for i, r in checks if r.target == "email"]
                continue
            scan.rows += 1
            for i, role in checks:
                value = cells[i].strip() if i < len(cells) else ""
                problem = _field_problem(role, value, filename, start)
                if problem is not None:
                    scan.problems.append(problem)
            for i, column in emails:
                value = cells[i].strip() if i < len(cells) else ""
                if value and not _email_valid(value):
                    scan.bad_emails += 1
                    if len(scan.bad_email_texts) < EMAILS_SHOWN:
                        scan.bad_email_texts.append(f"line {start}, column {column!r}: {value!r}")
    except csv.Error:
        pass  # the engine reports malformed CSV with its line
    return scan


_ID_MAX = _max_length("external_id")


def _field_problem(role: ColumnRole, value: str, filename: str, line: int) -> engine.Problem | None:
    """An id longer than the database keeps, a contact field too long for its column, or a
    language that is not one of the site's (empty is the site's default language)."""
    if role.role == "id" and len(value) > _ID_MAX:
        message = f"the id is longer than {_ID_MAX} characters"
    elif role.role == "contact" and len(value) > _FIELD_LIMITS[role.target]:
        message = f"longer than {_FIELD_LIMITS[role.target]} characters"
    elif role.role == "language" and value and value.lower() not in language_codes():
        codes = ", ".join(language_codes())
        message = (
            f"the language “{value}” is not one of the site's languages ({codes}); leave it "
            "empty for the default language"
        )
    else:
        return None
    return engine.Problem(message, filename, line, role.column, value[:40])


def _email_valid(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _is_contact_name(column: str) -> bool:
    """Household columns naming a registrant field (``postcode``) need no CSV column."""
    return column in PERSONAL_FIELDS


def registrants_import_preview(
    *,
    assembly: Assembly,
    text: str,
    filename: str,
    id_column: str | None = None,
    progress: Progress = _no_progress,
) -> RegistrantPreview:
    """Read a registrants CSV against the assembly's quotas without writing anything.

    Args:
        assembly: the assembly. text: the CSV text. filename: for messages.
        id_column: the column of external ids (None: the assembly's ``id_column``; empty: no
            id column, every row creates a new registrant).
        progress: called as ``progress(phase, rows done, rows in all)`` between the steps
            (a background job writes it to its row).

    Returns:
        :class:`RegistrantPreview` with every problem (line and column) and the column roles.
    """
    id_column = assembly.id_column if id_column is None else id_column
    preview = RegistrantPreview(filename=filename, id_column=id_column or "")
    parsed, roles, problems, scan = _read(assembly, text, filename, id_column or "", progress)
    preview.problems = problems
    preview.columns = roles
    preview.rows_read = scan.rows
    preview.warnings += scan.email_warnings()
    if parsed is None:
        if problems:
            preview.unknown_values = unknown_value_rows(
                assembly=assembly, text=text, filename=filename
            )
        return preview
    preview.rows_read = len(parsed.rows)
    preview.sample = [(r.line, r.id, r.answers) for r in parsed.rows[:10]]
    if id_column:
        existing = existing_ids(assembly=assembly, ids={r.id for r in parsed.rows})
        preview.skipped = sum(1 for _, s in existing.values() if s == RegistrantStatus.DELETED)
        preview.updates = len(existing) - preview.skipped
        preview.creates = len(parsed.rows) - len(existing)
    else:
        preview.creates = len(parsed.rows)
        preview.warnings.append(
            "No id column: every row creates a new registrant, and importing the file again "
            "would add everyone twice."
        )
    if SelectionRun.objects.filter(assembly=assembly, status__in=ACTIVE_RUN_STATUSES).exists():
        preview.problems.append(engine.Problem("A selection run is in progress; wait for it."))
    return preview


def existing_ids(*, assembly: Assembly, ids: Collection[str]) -> dict[str, tuple[int, str]]:
    """The assembly's registrants among external ``ids``: ``{external id: (pk, status)}``.
    An erased registrant keeps only a keyed pseudonym of its id
    (:func:`assemblies.models.stored_external_ids`), so it is found under the id given.

    Reads every registrant of the assembly that has an external id (one query, streamed)
    rather than sending a list of ``len(ids)`` values to the database.
    """
    stored = stored_external_ids(assembly=assembly, ids=ids)
    found: dict[str, tuple[int, str]] = {}
    rows = (
        Registrant.objects.filter(assembly=assembly)
        .exclude(external_id="")
        .values_list("external_id", "pk", "status")
    )
    for external_id, pk, status in rows.iterator(chunk_size=5000):
        given = stored.get(external_id)
        if given is not None:
            found[given] = (pk, status)
    return found
