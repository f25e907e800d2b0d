"""The CSV text both readers share: decoding a file or stream, records with their 1-based
lines (the header is line 1), the header's column index and whole-number cells.

Every problem raises :class:`selection.errors.InputError` with file, line, column and value.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from selection.errors import InputError, InputProblem

Source = str | os.PathLike[str] | IO[str]


#: Why a NUL character is refused, with its usual cause.
NUL_MESSAGE = (
    "the file contains a NUL character (U+0000), which text never holds: save it as CSV UTF-8 "
    "(a UTF-16 file without a byte-order mark looks like this)"
)


def decode_csv(raw: bytes, display: str) -> str:
    """The text of a CSV file's bytes: UTF-8, a leading byte-order mark dropped.

    Args:
        raw: the file's bytes.
        display: the file name for error messages.

    Returns:
        The text, holding no NUL character.

    Raises:
        InputError: UTF-16 (line 1); not UTF-8 (the line of the first bad byte); a NUL
            character (its line and column, see :func:`csv_records`).
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("the file is UTF-16 text: save it as CSV UTF-8", file=display, line=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8-sig", errors="replace")
        line = _line_of(before, len(before))
        raise InputError(
            "the file is not UTF-8 text: save it as CSV UTF-8", file=display, line=line
        ) from exc
    if "\x00" in text:
        try:
            csv_records(text, display)  # names the NUL's line and column
        except InputError as exc:
            if exc.message == NUL_MESSAGE:
                raise
        # Malformed CSV around the NUL: name its line only.
        raise InputError(NUL_MESSAGE, file=display, line=_line_of(text, text.index("\x00")))
    return text


def read_text(source: Source, name: str | None, default: str) -> tuple[str, str]:
    """The text and display name of a path (decoded by :func:`decode_csv`) or of an open text
    stream (a leading byte-order mark dropped).

    Raises:
        InputError: the file cannot be read or decoded.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        display = name or str(path)
        try:
            raw = path.read_bytes()
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
            reason = getattr(exc, "strerror", None) or exc
            raise InputError(f"cannot read the file: {reason}", file=display) from exc
        return decode_csv(raw, display), display
    display = name or str(getattr(source, "name", default))
    text = source.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, display


def _line_of(text: str, index: int) -> int:
    """The 1-based physical line (CR, LF or CRLF ends a line) of ``text[index]``."""
    return len(io.StringIO(text[:index], newline="").readlines()) + (
        1 if index == 0 or text[index - 1] in "\r\n" else 0
    )


@dataclass(frozen=True)
class Record:
    line: int  # first physical line of the record
    cells: list[str]
    raw: str  # the record's text exactly as in the input, line ending included


def csv_records(text: str, display: str) -> tuple[Record, list[Record]]:
    """Split CSV text into a header record and data records, keeping each record's raw text.

    Lines end only at CR, LF or CRLF (the csv module's own line handling, as with a file
    opened with ``newline=""``): other Unicode line breaks such as U+0085 or U+2028 are
    ordinary characters inside a field, and a quoted field may span lines. Each record's
    ``line`` is the physical line it starts on (``reader.line_num`` counts physical lines).

    Raises:
        InputError: malformed CSV (the line where the bad record starts); a NUL character
            (line and column); no header.
    """
    lines = io.StringIO(text, newline="")
    consumed: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines:
            consumed.append(line)
            yield line

    reader = csv.reader(feed(), strict=False)
    records: list[Record] = []
    while True:
        consumed.clear()
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", file=display, line=start) from exc
        if not any(cell.strip() for cell in cells):
            continue
        records.append(Record(start, cells, "".join(consumed)))
    if not records:
        raise InputError("the file is empty (no header)", file=display, line=1)
    if "\x00" in text:
        _refuse_nul(records, text, display)
    return records[0], records[1:]


def _refuse_nul(records: list[Record], text: str, display: str) -> None:
    """Refuse the first NUL character of ``text`` (PostgreSQL stores no NUL in text) with its
    physical line and its column: the header name, else ``field N`` (1-based)."""
    header = records[0]
    for record in records:
        for position, cell in enumerate(record.cells):
            if "\x00" not in cell:
                continue
            name = header.cells[position].strip() if position < len(header.cells) else ""
            if record is header or not name or "\x00" in name:
                name = f"field {position + 1}"
            raise InputError(
                NUL_MESSAGE,
                file=display,
                line=record.line + _line_of(record.raw, record.raw.index("\x00")) - 1,
                column=name,
            )
    raise InputError(NUL_MESSAGE, file=display, line=_line_of(text, text.index("\x00")))


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
