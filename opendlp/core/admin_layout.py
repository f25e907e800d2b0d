"""Helpers that keep admin lists within a 1280 px window (rules in
``static/opendlp/admin-layout.css``, loaded on every admin page)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString


def truncated(text: object, *, wide: bool = False) -> SafeString:
    """A list cell that shows ``text`` on one line, cut with an ellipsis by CSS at 18 em
    (26 em when ``wide``); the full text is the cell's tooltip. ``text`` is escaped."""
    css = "cell-truncate cell-truncate-wide" if wide else "cell-truncate"
    value = "" if text is None else str(text)
    return format_html('<span class="{}" title="{}">{}</span>', css, value, value)


def nowrap(text: object) -> SafeString:
    """A list cell kept on one line (short values such as dates and statuses)."""
    return format_html('<span class="cell-nowrap">{}</span>', "" if text is None else text)
