"""Input files and quota tables: the engine's readers and domain objects for assemblies'
rows, and the problems they report (each with file, line and column)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assemblies.bands import Band, BandError, band_value, percent_bounds, percent_parse
from selection import (
    InputError,
    InputProblem,
    Quota,
    QuotaTable,
    read_quotas,
    read_respondents,
)
from selection.csvtext import Record, csv_records
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
    """One row of a quota table as plain data (counts are whole numbers >= 0).

    ``min_percent``/``max_percent`` are set when the file gave that bound as a percentage of
    the panel (``min``/``max`` then hold the converted counts)."""

    category: str
    value: str
    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None
    line: int | None = None
    min_percent: Decimal | None = None
    max_percent: Decimal | None = None


def _physical_lines(text: str) -> int:
    return len(io.StringIO(text, newline="").readlines())


def _rewrite(text: str, filename: str, change: Callable[[Record], list[str] | None]) -> str:
    """The CSV text with some records rewritten, every record on the physical line it had
    (so the engine's messages name the lines of the file as uploaded).

    ``change(record)`` returns the record's new cells, or None to keep it as it is. A text
    the CSV reader cannot split is returned unchanged (the engine reports it)."""
    try:
        header, records = csv_records(text.lstrip("\ufeff"), filename)
    except InputError:
        return text
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    line = 1
    for record in (header, *records):
        out.write("\n" * max(0, record.line - line))
        line = max(line, record.line)
        cells = change(record) if record is not header else None
        if cells is None:
            raw = record.raw if record.raw.endswith(("\n", "\r")) else record.raw + "\n"
            out.write(raw)
            line += _physical_lines(raw)
        else:
            before = out.tell()
            writer.writerow(cells)
            line += _physical_lines(out.getvalue()[before:])
    return out.getvalue()


def _percent_quotas(
    text: str, filename: str, panel_size: int | None
) -> tuple[str, dict[int, tuple[Decimal | None, Decimal | None]], list[Problem]]:
    """Replace ``20%`` in the min and max columns by counts of a panel of ``panel_size``
    (min rounds down, max rounds up); returns the new text, the percentages by line, and a
    problem for each bad percentage (or for any percentage when the panel size is unknown)."""
    try:
        header, _ = csv_records(text.lstrip("\ufeff"), filename)
    except InputError:
        return text, {}, []
    index = {cell.strip().casefold(): i for i, cell in enumerate(header.cells)}
    positions = {key: index[key] for key in ("min", "max") if key in index}
    names = {key: header.cells[i].strip() for key, i in positions.items()}
    if not positions or "%" not in text:
        return text, {}, []
    shares: dict[int, tuple[Decimal | None, Decimal | None]] = {}
    problems: list[Problem] = []

    def change(record: Record) -> list[str] | None:
        found: dict[str, Decimal | None] = {}
        cells = list(record.cells)
        for key, position in positions.items():
            cell = cells[position] if position < len(cells) else ""
            try:
                found[key] = percent_parse(cell)
            except BandError as exc:
                problems.append(Problem(str(exc), filename, record.line, names[key], cell.strip()))
                found[key] = None
                continue
            if found[key] is not None and panel_size is None:
                problems.append(
                    Problem(
                        "a percentage needs the assembly's panel size",
                        filename,
                        record.line,
                        names[key],
                        cell.strip(),
                    )
                )
                found[key] = None
        if found.get("min") is None and found.get("max") is None:
            return None
        low, high = percent_bounds(
            found.get("min"), found.get("max"), panel_size or 0, min_count=0, max_count=0
        )
        if found.get("min") is not None:
            cells[positions["min"]] = str(low)
        if found.get("max") is not None:
            cells[positions["max"]] = str(high)
        shares[record.line] = (found.get("min"), found.get("max"))
        return cells

    return _rewrite(text, filename, change), shares, problems


def parse_quotas(text: str, *, filename: str, panel_size: int | None = None) -> list[QuotaRow]:
    """Read a quota CSV in any dialect the engine accepts.

    The ``min`` and ``max`` cells may be percentages of the panel (``20%``), converted with
    ``panel_size``: min rounds down and max rounds up (:func:`assemblies.bands.percent_bounds`).

    Args:
        text: the file's text (a leading byte-order mark is ignored).
        filename: the name used in error messages.
        panel_size: the assembly's panel size (None: percentages are refused).

    Returns:
        The rows in file order, each with the line it was read from.

    Raises:
        InputError: any problem (all of them in ``.errors``, with line and column).
    """
    text, shares, problems = _percent_quotas(text, filename, panel_size)
    try:
        table = read_quotas(io.StringIO(text), name=filename)
    except InputError as exc:
        if not problems:
            raise
        raise InputError.from_problems(_merged(problems, problems_from(exc))) from exc
    if problems:
        raise InputError.from_problems(problems)
    origin = getattr(table, "origin", {}) or {}
    rows = []
    for q in table:
        line = (origin.get(q.key) or (None, None))[1]
        low, high = shares.get(line or 0, (None, None))
        rows.append(
            QuotaRow(q.category, q.value, q.min, q.max, q.min_flex, q.max_flex, line, low, high)
        )
    return rows


def _merged(first: list[Problem], more: list[Problem]) -> list[Problem]:
    """Both lists of problems, a problem of ``more`` dropped when ``first`` has one at the same
    line and column (a cell refused here is refused once), sorted by line."""
    seen = {(p.line, (p.column or "").casefold()) for p in first}
    kept = [p for p in more if (p.line, (p.column or "").casefold()) not in seen]
    return sorted([*first, *kept], key=lambda p: (p.line or 0, p.column or ""))


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
    bands: Mapping[str, Sequence[Band]] | None = None,
) -> ParsedRegistrants:
    """Read a registrants (respondents) CSV with the engine's reader.

    Args:
        text: the file's text.
        filename: the name used in error messages.
        quota_rows: the assembly's quotas; each category must be a column and each answer one
            of its values (matched exactly after trimming, else ignoring case).
        id_column: the column of unique ids, or None (rows then have no external id).
        household_columns: columns that must exist (they define households).
        bands: ``{category: bands}``; a number in such a category's column becomes the value
            of its band (:func:`assemblies.bands.band_value`), a number in no band is a
            problem of its line and column.

    Returns:
        :class:`ParsedRegistrants` in file order.

    Raises:
        InputError: every problem found (missing columns, wrong field counts, empty or duplicate
            ids, unknown answers, numbers in no band), each with its line and column.
    """
    table = quota_table(quota_rows)
    problems: list[Problem] = []
    if bands:
        text, problems = _banded(text, filename, bands)
    try:
        respondents = read_respondents(
            io.StringIO(text),
            quotas=table,
            id_column=id_column or None,
            household_columns=tuple(household_columns),
            name=filename,
        )
    except InputError as exc:
        if not problems:
            raise
        raise InputError.from_problems(_merged(problems, problems_from(exc))) from exc
    if problems:
        raise InputError.from_problems(problems)
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


def _banded(
    text: str, filename: str, bands: Mapping[str, Sequence[Band]]
) -> tuple[str, list[Problem]]:
    """The registrants text with numbers in banded columns replaced by their band's value,
    and a problem (line, column) for each number in no band."""
    try:
        header, _ = csv_records(text.lstrip("\ufeff"), filename)
    except InputError:
        return text, []
    folded = {name.strip().casefold(): list(b) for name, b in bands.items() if b}
    columns = {
        i: (cell.strip(), folded[cell.strip().casefold()])
        for i, cell in enumerate(header.cells)
        if cell.strip().casefold() in folded
    }
    if not columns:
        return text, []
    problems: list[Problem] = []

    def change(record: Record) -> list[str] | None:
        cells = list(record.cells)
        changed = False
        for position, (column, column_bands) in columns.items():
            if position >= len(cells):
                continue
            try:
                value = band_value(column_bands, cells[position])
            except BandError as exc:
                problems.append(Problem(str(exc), filename, record.line, column, cells[position]))
                continue
            if value != cells[position]:
                cells[position], changed = value, True
        return cells if changed else None

    return _rewrite(text, filename, change), problems
