"""Input files and quota tables: the engine's readers and domain objects for assemblies'
rows, and the problems they report (each with file, line and column)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from selection import (
    InputProblem,
    Quota,
    QuotaTable,
    read_quotas,
    read_respondents,
)
from selection.csvtext import decode_csv as _decode_csv

#: One problem in an input, ready to show: the engine's own type (message, file, 1-based
#: line with the header on line 1, column, value), so both layers report input alike.
Problem = InputProblem


def problems_from(exc: BaseException) -> list[Problem]:
    """Every problem carried by an engine error (an :class:`InputError` lists several)."""
    items = getattr(exc, "errors", None) or [exc]
    out = []
    for item in items:
        out.append(
            Problem(
                message=str(getattr(item, "message", None) or item),
                file=getattr(item, "file", None),
                line=getattr(item, "line", None),
                column=getattr(item, "column", None),
                value=getattr(item, "value", None),
            )
        )
    return out


def decode_csv(raw: bytes, *, filename: str) -> str:
    """The text of an uploaded or read CSV file, checked before it is kept or parsed.

    Args:
        raw: the file's bytes. filename: the name used in error messages.

    Returns:
        The text (UTF-8, a leading byte-order mark dropped), with no NUL character, which
        PostgreSQL cannot store.

    Raises:
        InputError: UTF-16; not UTF-8 (the line of the first bad byte); a NUL character (its
            line and column; a UTF-16 file without byte-order mark is full of them).
    """
    return _decode_csv(raw, filename)


@dataclass(frozen=True)
class QuotaRow:
    """One row of a quota table as plain data (counts are whole numbers >= 0)."""

    category: str
    value: str
    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None
    line: int | None = None


def parse_quotas(text: str, *, filename: str) -> list[QuotaRow]:
    """Read a quota CSV in any dialect the engine accepts.

    Args:
        text: the file's text (a leading byte-order mark is ignored).
        filename: the name used in error messages.

    Returns:
        The rows in file order, each with the line it was read from.

    Raises:
        InputError: any problem (all of them in ``.errors``, with line and column).
    """
    table = read_quotas(io.StringIO(text), name=filename)
    origin = getattr(table, "origin", {}) or {}
    return [
        QuotaRow(
            q.category,
            q.value,
            q.min,
            q.max,
            q.min_flex,
            q.max_flex,
            (origin.get(q.key) or (None, None))[1],
        )
        for q in table
    ]


def quota_table(rows: Iterable[Any]) -> Any:
    """Build the engine's ``QuotaTable`` from objects with category, value, min, max,
    min_flex and max_flex attributes (``Quota`` rows or :class:`QuotaRow`).

    Raises:
        InputError: an invalid quota (e.g. min > max) or an empty table.
    """
    items = [
        Quota(r.category, r.value, int(r.min), int(r.max), r.min_flex, r.max_flex) for r in rows
    ]
    return QuotaTable(items)


def quota_table_from_dicts(rows: Iterable[Mapping[str, Any]]) -> Any:
    """Like :func:`quota_table` for dicts (the snapshot's ``quotas`` list)."""
    return QuotaTable(
        Quota(r["category"], r["value"], r["min"], r["max"], r.get("min_flex"), r.get("max_flex"))
        for r in rows
    )


def quota_rows_reduced(rows: Iterable[Any], kept: Mapping[tuple[str, str], int]) -> list[QuotaRow]:
    """The quotas left for a replacement draw once the kept panel members are counted.

    Args:
        rows: the assembly's quotas (objects with category/value/min/max/min_flex/max_flex).
        kept: ``{(category, value): number of kept members with that value}``.

    Returns:
        New rows with every bound reduced by the kept count (mins clipped at 0).

    Raises:
        InputError: kept members already exceed a max.
    """
    table = quota_table(rows)
    reduced = table.reduced_by(dict(kept))
    return [QuotaRow(q.category, q.value, q.min, q.max, q.min_flex, q.max_flex) for q in reduced]


@dataclass(frozen=True)
class ParsedRow:
    """One data record of a registrants CSV.

    ``id`` is the id column's text (empty without an id column); ``answers`` maps each category
    to its value spelled as in the quota table; ``cells`` maps every header name to its text.
    """

    line: int
    id: str
    answers: dict[str, str]
    cells: dict[str, str]


@dataclass(frozen=True)
class ParsedRegistrants:
    """A registrants CSV read against a quota table."""

    header: list[str]
    rows: list[ParsedRow]
    category_columns: dict[str, str] = field(default_factory=dict)


def parse_registrants(
    text: str,
    *,
    filename: str,
    quota_rows: Sequence[Any],
    id_column: str | None,
    household_columns: Sequence[str] = (),
) -> ParsedRegistrants:
    """Read a registrants (respondents) CSV with the engine's reader.

    Args:
        text: the file's text.
        filename: the name used in error messages.
        quota_rows: the assembly's quotas; each category must be a column and each answer one
            of its values (matched exactly after trimming, else ignoring case).
        id_column: the column of unique ids, or None (rows then have no external id).
        household_columns: columns that must exist (they define households).

    Returns:
        :class:`ParsedRegistrants` in file order.

    Raises:
        InputError: every problem found (missing columns, wrong field counts, empty or duplicate
            ids, unknown answers), each with its line and column.
    """
    table = quota_table(quota_rows)
    respondents = read_respondents(
        io.StringIO(text),
        quotas=table,
        id_column=id_column or None,
        household_columns=tuple(household_columns),
        name=filename,
    )
    header = [cell.strip() for cell in respondents.header]
    folded = {name.casefold(): name for name in header}
    category_columns = {c: folded.get(c.strip().casefold(), c) for c in table.categories}
    rows = []
    for person in respondents.pool:
        cells = respondents.rows[person.id]
        rows.append(
            ParsedRow(
                line=respondents.lines[person.id],
                id=person.id if id_column else "",
                answers=dict(person.answers),
                cells={header[i]: cells[i] for i in range(len(header)) if header[i]},
            )
        )
    return ParsedRegistrants(header=header, rows=rows, category_columns=category_columns)
