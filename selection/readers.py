"""Reader for quota tables (and the panel size given on the command line); respondents are
read by :mod:`selection.respondents`.

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

from selection.csvtext import Source, csv_records, header_index, parse_count, read_text
from selection.errors import InputError, InputProblem
from selection.model import Quota, QuotaTable

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
    text, display = read_text(source, name, "<quotas>")
    header, rows = csv_records(text, display)
    columns = header_index(header, display)
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
            numbers[key] = parse_count(cell(key), display, record.line, names[key], problems)
        for key in optional:
            if key in columns and cell(key):
                numbers[key] = parse_count(cell(key), display, record.line, names[key], problems)
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


def read_panel_size(text: str, *, name: str = "--panel-size") -> int:
    """Parse a panel size (an integer >= 1); raises :class:`InputError` otherwise."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise InputError("the panel size must be a whole number", column=name, value=text) from None
    if value < 1:
        raise InputError("the panel size must be at least 1", column=name, value=text)
    return value
