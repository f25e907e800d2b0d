"""Reads for building targets from data: the columns of a registrants CSV with their values
and counts (to choose categories), and the answers of a file that are not values of the
quota table yet (to add them). Nothing here writes."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from assemblies import engine
from assemblies.bands import BandError, band_value, is_number
from assemblies.columns import column_roles, contact_field, is_language_column
from assemblies.models import Assembly
from assemblies.selectors.assemblies import category_bands, quotas_of

#: A column with more distinct values than this is not offered as a category by default.
MAX_SUGGESTED_VALUES = 20

#: A category may not get more values than this from one file (it would be free text).
MAX_VALUES_PER_CATEGORY = 100

#: Contact fields never suggested as categories (ids, names, emails, phone numbers).
_NOT_CATEGORIES = ("name", "email", "phone", "address_line_1", "address_line_2")


@dataclass
class FileColumn:
    """One column of a registrants file: its name, ``suggested`` (ticked by default), and its
    distinct values with their counts (most frequent first; empty cells not counted);
    ``personal`` for ids and contact details, whose values a page counts but does not show."""

    name: str
    suggested: bool
    values: list[tuple[str, int]] = field(default_factory=list)
    empty: int = 0
    personal: bool = False

    @property
    def numeric(self) -> bool:
        """Whether every answer is a number (raw ages, say: a column to give bands)."""
        return bool(self.values) and all(is_number(value) for value, _ in self.values)

    @property
    def number_range(self) -> tuple[str, str] | None:
        """The lowest and highest answers of a numeric column, as written (else None)."""
        if not self.numeric:
            return None
        ordered = sorted((value for value, _ in self.values), key=float)
        return ordered[0], ordered[-1]


@dataclass
class FileColumns:
    """A registrants file read for its categories: data rows, columns, problems (when any,
    nothing can be built from it)."""

    filename: str
    rows: int = 0
    columns: list[FileColumn] = field(default_factory=list)
    problems: list[engine.Problem] = field(default_factory=list)

    def column(self, name: str) -> FileColumn | None:
        """The column called ``name`` (exactly), or None."""
        return next((c for c in self.columns if c.name == name), None)


def _records(text: str, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-empty data records with their first line (``csv`` module, so
    only CR, LF and CRLF end a line).

    Raises:
        InputError: malformed CSV, or no header (line named).
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header: list[str] = []
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if not header:
                header = [cell.strip() for cell in cells]
                continue
            records.append((start, cells))
    except csv.Error as exc:
        raise engine.InputError(f"malformed CSV: {exc}", file=filename, line=line) from exc
    if not header:
        raise engine.InputError("the file is empty (no header)", file=filename, line=1)
    return header, records


def file_columns(*, text: str, filename: str, id_column: str = "") -> FileColumns:
    """Every column of a registrants CSV with its values and counts.

    A column is suggested as a category unless it is the id column, a contact column known
    to :mod:`assemblies.columns` (name, email, phone, address), the language column, or has
    more than :data:`MAX_SUGGESTED_VALUES` distinct values. Id and contact columns are
    ``personal``.

    Returns:
        :class:`FileColumns`; a malformed file, a repeated or empty header name, or a record
        with the wrong number of fields is a problem with its line (and column).
    """
    result = FileColumns(filename=filename)
    try:
        header, records = _records(text, filename)
    except engine.InputError as exc:
        result.problems = engine.problems_from(exc)
        return result
    seen: set[str] = set()
    for position, name in enumerate(header):
        if not name:
            result.problems.append(
                engine.Problem("a column has no name", filename, 1, f"field {position + 1}")
            )
        elif name.casefold() in seen:
            result.problems.append(
                engine.Problem(f"column {name!r} appears twice in the header", filename, 1, name)
            )
        seen.add(name.casefold())
    counters: list[Counter[str]] = [Counter() for _ in header]
    empties = [0 for _ in header]
    for line, cells in records:
        if len(cells) != len(header):
            result.problems.append(
                engine.Problem(f"expected {len(header)} fields, found {len(cells)}", filename, line)
            )
            continue
        result.rows += 1
        for position, cell in enumerate(cells):
            value = cell.strip()
            if value:
                counters[position][value] += 1
            else:
                empties[position] += 1
    for position, name in enumerate(header):
        values = counters[position].most_common()
        personal = (
            bool(id_column and name.casefold() == id_column.strip().casefold())
            or contact_field(name) in _NOT_CATEGORIES
            or name.casefold() in ("id", "external_id")
        )
        suggested = (
            bool(values)
            and len(values) <= MAX_SUGGESTED_VALUES
            and not personal
            and not is_language_column(name)
        )
        result.columns.append(FileColumn(name, suggested, values, empties[position], personal))
    return result


#: Line numbers kept per unknown value (the count says how many rows hold it in all).
LINES_KEPT = 20


@dataclass
class UnknownValue:
    """An answer of a registrants file that is not a value of its category yet: the file's
    ``column``, the ``category``, the ``value`` as first written, the first
    :data:`LINES_KEPT` ``lines`` holding it and the ``count`` of rows in all."""

    column: str
    category: str
    value: str
    lines: list[int] = field(default_factory=list)
    count: int = 0

    @property
    def more(self) -> int:
        """Rows holding the value beyond the lines kept."""
        return max(0, self.count - len(self.lines))


def unknown_value_rows(*, assembly: Assembly, text: str, filename: str) -> list[UnknownValue]:
    """The answers of a registrants CSV that are not values of the assembly's quotas yet,
    with the column, category and lines holding each.

    Matching is the import's: exact after trimming, else ignoring case; in a category with
    bands a number is its band's value (a number in no band is not offered: it is an error
    of the file, not a new value). Empty answers are not offered either.

    Returns:
        :class:`UnknownValue` rows in file order (empty for a malformed file or an assembly
        without quotas).
    """
    quotas = quotas_of(assembly=assembly)
    if not quotas:
        return []
    known: dict[str, set[str]] = {}
    for quota in quotas:
        known.setdefault(quota.category, set()).update({quota.value, quota.value.casefold()})
    try:
        header, records = _records(text, filename)
    except engine.InputError:
        return []
    roles = column_roles(header, categories=list(known), id_column=None)
    positions = {i: r.target for i, r in enumerate(roles) if r.role == "category"}
    bands = category_bands(assembly=assembly)
    found: dict[tuple[str, str], UnknownValue] = {}
    for line, cells in records:
        for position, category in positions.items():
            answer = cells[position].strip() if position < len(cells) else ""
            if not answer or answer.casefold() in known[category]:
                continue
            if category in bands:
                try:
                    if band_value(bands[category], answer) != answer:
                        continue
                except BandError:
                    continue
            row = found.setdefault(
                (category, answer.casefold()), UnknownValue(header[position], category, answer)
            )
            row.count += 1
            if len(row.lines) < LINES_KEPT:
                row.lines.append(line)
    return list(found.values())


def unknown_values(*, assembly: Assembly, text: str, filename: str) -> dict[str, list[str]]:
    """The answers of a registrants CSV that are not values of the assembly's quotas yet
    (:func:`unknown_value_rows`, grouped).

    Returns:
        ``{category: [new values in file order]}`` (categories without any left out; empty
        for a malformed file or an assembly without quotas).
    """
    found: dict[str, list[str]] = {}
    for row in unknown_value_rows(assembly=assembly, text=text, filename=filename):
        found.setdefault(row.category, []).append(row.value)
    return found
