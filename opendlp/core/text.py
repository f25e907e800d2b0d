"""Plain-text helpers for text typed by people that ends up in one-line places (email
subjects, headers, titles): find control characters, flatten text to one line."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

#: Unicode categories refused in one-line text: controls (``\n``, ``\r``, ``\t``, NUL, NEL...)
#: and the line and paragraph separators (U+2028, U+2029).
CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})

#: Control characters a multi-line note may hold (``control_characters(text, allow=...)``).
LINE_BREAKS = ("U+000A", "U+000D")
#: Line breaks and the tab: what a free-text reason (a ban, an override, a void) may hold.
NOTE_WHITESPACE = (*LINE_BREAKS, "U+0009")

#: Longest email subject produced by :func:`email_subject` (characters).
EMAIL_SUBJECT_MAX_LENGTH = 200


def control_characters(text: str, *, allow: Iterable[str] = ()) -> list[str]:
    """The distinct control characters in ``text``, as ``U+XXXX`` names in order of first use.

    Args:
        allow: names not to report (e.g. :data:`LINE_BREAKS` for multi-line text).

    Returns:
        E.g. ``["U+000D", "U+000A"]`` for ``"a\\r\\nb"``; empty when the text is one clean line.
    """
    allowed = set(allow)
    found: list[str] = []
    for char in text:
        if unicodedata.category(char) in CONTROL_CATEGORIES:
            name = f"U+{ord(char):04X}"
            if name not in found and name not in allowed:
                found.append(name)
    return found


def one_line(text: str, *, max_length: int | None = None) -> str:
    """``text`` on one line: every control character, line break and run of whitespace
    becomes one space, surrounding spaces are dropped, then it is cut to ``max_length``.

    Args:
        text: any text (e.g. an assembly title typed in the admin).
        max_length: the most characters kept (None: no limit).
    """
    spaced = "".join(
        " " if unicodedata.category(char) in CONTROL_CATEGORIES else char for char in str(text)
    )
    flat = " ".join(spaced.split())
    return flat if max_length is None else flat[:max_length].rstrip()


def email_subject(text: str) -> str:
    """The one helper every email subject built from user text goes through: one line (no
    CR/LF, which Django refuses in headers with ``BadHeaderError``), at most
    :data:`EMAIL_SUBJECT_MAX_LENGTH` characters."""
    return one_line(text, max_length=EMAIL_SUBJECT_MAX_LENGTH)
