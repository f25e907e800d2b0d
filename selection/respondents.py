"""Reader for respondents (pool) CSV files: one row per person, a column per category, an
optional id column and household columns. Every problem raises
:class:`selection.errors.InputError` with file, line, column and value; all are listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from selection.csvtext import Source, csv_records, header_index, read_text
from selection.errors import InputError, InputProblem
from selection.model import Person, Pool, QuotaTable

#: Household key parts are joined with this separator (ASCII unit separator).
HOUSEHOLD_SEPARATOR = "\x1f"


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
    text, display = read_text(source, name, "<respondents>")
    header, records = csv_records(text, display)
    columns = header_index(header, display)
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
