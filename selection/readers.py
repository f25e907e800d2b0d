"""Readers for quota tables and respondents (pool) CSV files.

Quota-table dialects, recognised by their header (case-insensitive, with or without a UTF-8
byte-order mark):

==========================================  =====================================================
header                                      meaning
==========================================  =====================================================
``category,feature,min,max``                category, value, min, max
``feature,value,min,max[,min_flex,max_flex]``  category, value, min, max, relaxation limits
``category,name,...,min,max``               category, value, min, max; other columns ignored
==========================================  =====================================================

Every problem raises :class:`selection.errors.InputError` with the file, the 1-based line (the
header is line 1), the column and the value; when several rows are wrong, all are listed in
``.errors``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from selection.errors import InputError, InputProblem
from selection.model import Person, Pool, Quota, QuotaTable

Source = str | os.PathLike[str] | IO[str]

#: Household key parts are joined with this separator (ASCII unit separator).
HOUSEHOLD_SEPARATOR = "\x1f"


def _read_text(source: Source, name: str | None, default: str) -> tuple[str, str]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        display = name or str(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror or exc}", file=display) from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError("the file is not UTF-8 text", file=display, line=line) from exc
        return text, display
    display = name or str(getattr(source, "name", default))
    text = source.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, display


@dataclass(frozen=True)
class _Record:
    line: int  # first physical line of the record
    cells: list[str]
    raw: str  # the record's text exactly as in the input, line ending included


def _records(text: str, display: str) -> tuple[_Record, list[_Record]]:
    """Split CSV text into a header record and data records, keeping each record's raw text."""
    lines = text.splitlines(keepends=True)
    consumed: list[str] = []
    position = 0

    def feed() -> Iterator[str]:
        nonlocal position
        while position < len(lines):
            line = lines[position]
            position += 1
            consumed.append(line)
            yield line

    reader = csv.reader(feed(), strict=False)
    records: list[_Record] = []
    line_number = 1
    while True:
        consumed.clear()
        start = line_number
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", file=display, line=start) from exc
        raw = "".join(consumed)
        line_number += len(consumed)
        if not any(cell.strip() for cell in cells):
            continue
        records.append(_Record(start, cells, raw))
    if not records:
        raise InputError("the file is empty (no header)", file=display, line=1)
    return records[0], records[1:]


def _header_index(header: _Record, display: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, cell in enumerate(header.cells):
        key = cell.strip().casefold()
        if not key:
            continue
        if key in index:
            raise InputError(
                f"column {cell.strip()!r} appears twice in the header",
                file=display,
                line=header.line,
                column=cell.strip(),
                value=cell,
            )
        index[key] = position
    return index


_DIALECTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], bool], ...] = (
    # (name, required columns in order category, value, min, max; optional; extras allowed)
    (
        "category,feature,min,max",
        ("category", "feature", "min", "max"),
        ("min_flex", "max_flex"),
        False,
    ),
    (
        "feature,value,min,max,min_flex,max_flex",
        ("feature", "value", "min", "max"),
        ("min_flex", "max_flex"),
        False,
    ),
    ("category,name,...,min,max", ("category", "name", "min", "max"), (), True),
)


def _parse_count(
    text: str, display: str, line: int, column: str, problems: list[InputProblem]
) -> int | None:
    cell = text.strip()
    try:
        value = int(cell)
    except ValueError:
        problems.append(
            InputProblem(
                f"{column} must be a whole number, not {cell!r}", display, line, column, cell
            )
        )
        return None
    if value < 0:
        problems.append(
            InputProblem(f"{column} must not be negative, not {cell}", display, line, column, cell)
        )
        return None
    return value


def read_quotas(source: Source, *, name: str | None = None) -> QuotaTable:
    """Read a quota table in any of the three dialects.

    Args:
        source: a path (str or PathLike) or an open text file object.
        name: the file name to use in error messages (default: the path or ``file.name``).

    Returns:
        The :class:`QuotaTable`, with each quota's file and line in ``origin``.

    Raises:
        InputError: unreadable file; unknown header (``column`` names the offending header
            cell, line 1); a non-integer or negative number; an empty category or value;
            min > max; min_flex > min; max_flex < max; the same value twice; no quotas.
            All row problems are listed in ``.errors``.
    """
    text, display = _read_text(source, name, "<quotas>")
    header, rows = _records(text, display)
    columns = _header_index(header, display)
    chosen = None
    for dialect in _DIALECTS:
        _, required, optional, extras = dialect
        if all(c in columns for c in required):
            unknown = [c for c in columns if c not in required + optional]
            if unknown and not extras:
                original = header.cells[columns[unknown[0]]].strip()
                raise InputError(
                    f"unknown column {original!r} in a quota table with header {dialect[0]!r}",
                    file=display,
                    line=header.line,
                    column=original,
                    value=original,
                )
            chosen = dialect
            break
    if chosen is None:
        known = " | ".join(d[0] for d in _DIALECTS)
        first = header.cells[0].strip() if header.cells else ""
        raise InputError(
            f"unknown quota table header {','.join(c.strip() for c in header.cells)!r}; "
            f"expected one of: {known}",
            file=display,
            line=header.line,
            column=first,
            value=",".join(header.cells),
        )
    _, required, optional, _ = chosen
    names = {key: header.cells[columns[key]].strip() for key in columns}
    problems: list[InputProblem] = []
    quotas: list[Quota] = []
    origin: dict[tuple[str, str], tuple[str | None, int | None]] = {}
    for record in rows:
        cells = record.cells

        def cell(key: str, cells: list[str] = cells) -> str:
            position = columns[key]
            return cells[position].strip() if position < len(cells) else ""

        category, value = cell(required[0]), cell(required[1])
        count_problems = len(problems)
        for key in required[:2]:
            if not cell(key):
                problems.append(
                    InputProblem(f"{names[key]} is empty", display, record.line, names[key], "")
                )
        numbers: dict[str, int | None] = {}
        for key in ("min", "max"):
            numbers[key] = _parse_count(cell(key), display, record.line, names[key], problems)
        for key in optional:
            if key in columns and cell(key):
                numbers[key] = _parse_count(cell(key), display, record.line, names[key], problems)
            else:
                numbers[key] = None
        if len(problems) > count_problems:
            continue
        if (category, value) in origin:
            problems.append(
                InputProblem(
                    f"{category}/{value} appears twice (first on line "
                    f"{origin[(category, value)][1]})",
                    display,
                    record.line,
                    names[required[1]],
                    value,
                )
            )
            continue
        try:
            quota = Quota(
                category,
                value,
                numbers["min"],  # type: ignore[arg-type]
                numbers["max"],  # type: ignore[arg-type]
                numbers.get("min_flex"),
                numbers.get("max_flex"),
            )
        except InputError as exc:
            column = names.get(exc.column or "", exc.column)
            problems.append(InputProblem(exc.message, display, record.line, column, exc.value))
            continue
        quotas.append(quota)
        origin[quota.key] = (display, record.line)
    if problems:
        raise InputError.from_problems(problems)
    if not quotas:
        raise InputError("the quota table has no rows", file=display, line=header.line + 1)
    return QuotaTable(quotas, origin)


@dataclass(frozen=True)
class Respondents:
    """A pool read from a respondents CSV, with the original text for writing the panel.

    Attributes:
        pool: the :class:`Pool` (ids as text; the 1-based data row number when no id column).
        header: the header cells as read.
        rows: ``{id: cells}`` of every respondent, as read.
        file: the display name of the file.
        lines: ``{id: first line number}`` of each respondent's record.
    """

    pool: Pool
    header: list[str]
    rows: dict[str, list[str]]
    file: str
    lines: dict[str, int]
    _header_raw: str
    _raw: dict[str, str]

    def panel_csv(self, panel_ids: Iterable[str]) -> str:
        """CSV text of the header and the given respondents' records, unchanged and in input
        order (records are copied byte for byte from the input)."""
        chosen = set(panel_ids)
        unknown = chosen - self._raw.keys()
        if unknown:
            raise InputError(f"ids not in the pool: {sorted(unknown)}")
        parts = [self._header_raw]
        parts += [self._raw[p.id] for p in self.pool if p.id in chosen]
        return "".join(part if part.endswith(("\n", "\r")) else part + "\n" for part in parts)


def _match_column(columns: dict[str, int], wanted: str) -> int | None:
    return columns.get(wanted.strip().casefold())


def household_key(parts: Sequence[str]) -> str | None:
    """The household key of a person: the parts trimmed, case-folded and joined.

    Returns ``None`` when every part is empty (no household information)."""
    cleaned = [part.strip().casefold() for part in parts]
    if not any(cleaned):
        return None
    return HOUSEHOLD_SEPARATOR.join(cleaned)


def read_respondents(
    source: Source,
    *,
    quotas: QuotaTable,
    id_column: str | None = None,
    household_columns: Sequence[str] = (),
    name: str | None = None,
) -> Respondents:
    """Read the pool from a respondents CSV.

    Args:
        source: a path or an open text file object.
        quotas: the quota table; every category must be a column (matched case-insensitively)
            and every answer must be one of the category's values (matched exactly after
            trimming, else case-insensitively).
        id_column: the column holding unique ids; ``None``: the 1-based data row number
            (``"1"`` for the first respondent) is the id.
        household_columns: columns whose trimmed, case-folded values together identify a
            household (empty: no household keys).
        name: the file name for error messages (default: the path or ``file.name``).

    Returns:
        :class:`Respondents`.

    Raises:
        InputError: a missing category, id or household column (line 1); a record with the
            wrong number of fields; an empty or duplicate id; answers that are not values of
            the quota table (all of them, each with its line and column); no respondents.
    """
    text, display = _read_text(source, name, "<respondents>")
    header, records = _records(text, display)
    columns = _header_index(header, display)
    problems: list[InputProblem] = []
    category_position: dict[str, int] = {}
    for category in quotas.categories:
        position = _match_column(columns, category)
        if position is None:
            problems.append(
                InputProblem(
                    f"missing column for category {category!r}", display, header.line, category
                )
            )
        else:
            category_position[category] = position
    id_position = None
    if id_column is not None:
        id_position = _match_column(columns, id_column)
        if id_position is None:
            problems.append(
                InputProblem(f"missing id column {id_column!r}", display, header.line, id_column)
            )
    house_positions = []
    for column in household_columns:
        position = _match_column(columns, column)
        if position is None:
            problems.append(
                InputProblem(f"missing household column {column!r}", display, header.line, column)
            )
        else:
            house_positions.append(position)
    if problems:
        raise InputError.from_problems(problems)
    lookup: dict[str, dict[str, str]] = {}
    for category in quotas.categories:
        exact = {v: v for v in quotas.values(category)}
        folded: dict[str, str] = {}
        for v in quotas.values(category):
            folded.setdefault(v.strip().casefold(), v)
        lookup[category] = {**{k: v for k, v in folded.items()}, **exact}
    people: list[Person] = []
    rows: dict[str, list[str]] = {}
    raws: dict[str, str] = {}
    lines: dict[str, int] = {}
    id_name = header.cells[id_position].strip() if id_position is not None else "row number"
    for number, record in enumerate(records, start=1):
        cells = record.cells
        if len(cells) != len(header.cells):
            problems.append(
                InputProblem(
                    f"expected {len(header.cells)} fields, found {len(cells)}",
                    display,
                    record.line,
                    None,
                    None,
                )
            )
            continue
        pid = cells[id_position].strip() if id_position is not None else str(number)
        if not pid:
            problems.append(InputProblem("the id is empty", display, record.line, id_name, ""))
            continue
        if pid in lines:
            problems.append(
                InputProblem(
                    f"duplicate id {pid!r} (first on line {lines[pid]})",
                    display,
                    record.line,
                    id_name,
                    pid,
                )
            )
            continue
        answers: dict[str, str] = {}
        for category, position in category_position.items():
            answer = cells[position].strip()
            table = lookup[category]
            value = table.get(answer) or table.get(answer.casefold())
            if value is None:
                column = header.cells[position].strip()
                allowed = ", ".join(repr(v) for v in quotas.values(category))
                problems.append(
                    InputProblem(
                        f"{answer!r} is not a value of category {category!r} (values: {allowed})",
                        display,
                        record.line,
                        column,
                        answer,
                    )
                )
            else:
                answers[category] = value
        lines[pid] = record.line
        if len(answers) != len(category_position):
            continue
        house = household_key([cells[p] for p in house_positions]) if house_positions else None
        people.append(Person(pid, answers, house))
        rows[pid] = list(cells)
        raws[pid] = record.raw
    if problems:
        raise InputError.from_problems(problems)
    if not people:
        raise InputError("there are no respondents (the pool is empty)", display, header.line + 1)
    return Respondents(Pool(people), list(header.cells), rows, display, lines, header.raw, raws)


def read_panel_size(text: str, *, name: str = "--panel-size") -> int:
    """Parse a panel size (an integer >= 1); raises :class:`InputError` otherwise."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise InputError("the panel size must be a whole number", column=name, value=text) from None
    if value < 1:
        raise InputError("the panel size must be at least 1", column=name, value=text)
    return value


def read_csv_text(text: str) -> list[list[str]]:
    """Parse CSV text into rows (a helper for tests and tools)."""
    return list(csv.reader(io.StringIO(text)))
