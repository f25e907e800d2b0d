"""The CSV text both readers share: decoding a file or stream, records with their 1-based
lines (the header is line 1), the header's column index and whole-number cells.

Every problem raises :class:`selection.errors.InputError` with file, line, column and value.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from selection.errors import InputError, InputProblem

Source = str | os.PathLike[str] | IO[str]


def read_text(source: Source, name: str | None, default: str) -> tuple[str, str]:
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
class Record:
    line: int  # first physical line of the record
    cells: list[str]
    raw: str  # the record's text exactly as in the input, line ending included


def csv_records(text: str, display: str) -> tuple[Record, list[Record]]:
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
    records: list[Record] = []
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
        records.append(Record(start, cells, raw))
    if not records:
        raise InputError("the file is empty (no header)", file=display, line=1)
    return records[0], records[1:]


def header_index(header: Record, display: str) -> dict[str, int]:
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


def parse_count(
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


def read_csv_text(text: str) -> list[list[str]]:
    """Parse CSV text into rows (a helper for tests and tools)."""
    return list(csv.reader(io.StringIO(text)))
