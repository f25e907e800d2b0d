"""CSV text that is safe to open in a spreadsheet: the one writer of every CSV download.

Spreadsheet programs (Excel, LibreOffice Calc, Google Sheets) run a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can hide such a
start. A name typed in the public registration form could therefore run a formula
(``=HYPERLINK(...)``, DDE ``cmd|...``) on the organiser's computer when they open an export.

The rule (OWASP "CSV Injection"): a cell whose text starts with one of
:data:`FORMULA_TRIGGERS` is written with a single quote (``'``) in front, which spreadsheets
show as text. One exception keeps numbers readable: a cell that is entirely a plain decimal
number (``-3``, ``+42``, ``-1.5``, ``2E+3``: an optional sign, digits, an optional decimal
part and exponent, ASCII only) is written as it is. Such a cell can only evaluate to the
number itself: it has no function name, reference, operator after the sign, or string for
a formula to act on. Everything else that starts with a trigger (``-2+3``, ``+44 20 7946``,
``-``) gets the quote.

The quote is data, not markup: a file read back by a program gets the quoted text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

#: First characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: A plain decimal number (optional sign, digits, optional fraction and exponent), kept as is.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def csv_cell_safe(value: object) -> str:
    """The text of one cell, with a single quote in front when a spreadsheet would read it
    as a formula (see the module's rule).

    Args:
        value: any value; None becomes ``""``, other values their ``str()``.

    Returns:
        The cell's text, prefixed with ``'`` when it starts with a formula trigger and is not
        a plain number.
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """CSV text of ``rows`` (header included), every cell through :func:`csv_cell_safe`.

    Args:
        rows: the rows, each an iterable of cell values.

    Returns:
        The CSV text, ``\\n`` line endings, cells quoted by the csv module as needed.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([csv_cell_safe(cell) for cell in row])
    return out.getvalue()
