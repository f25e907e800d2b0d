"""A logging filter that keeps personal data and secrets out of the logs.

Installed on every handler by ``settings.LOGGING``. It rewrites each record's message (after
``%`` formatting) and its exception text, replacing email addresses, phone numbers, bearer
and API tokens, and ``password=``/``token=``/``secret=`` style values with ``[redacted]``.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # key=value or "key": "value" pairs whose key names a secret.
    (
        re.compile(
            r"""(?P<key>["']?\b(?:password\d?|passwd|pwd|secret|secret_key|token|api_key|apikey"""
            r"""|access_token|refresh_token|csrfmiddlewaretoken|sessionid|otp|code)\b["']?"""
            r"""\s*[:=]\s*)(?P<quote>["']?)[^\s"'&,;}]+(?P=quote)""",
            re.IGNORECASE,
        ),
        rf"\g<key>\g<quote>{REDACTED}\g<quote>",
    ),
    # Authorization headers and bare bearer tokens.
    (re.compile(r"(?i)\b(Bearer|Token|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    (re.compile(r"(?i)(X-Internal-Token\s*[:=]\s*)\S+"), rf"\1{REDACTED}"),
    # Email addresses.
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), REDACTED),
    # Phone numbers: an optional +, then 8 or more digits with spaces, dots, dashes or brackets.
    (re.compile(r"(?<![\w/.-])\+?\(?\d[\d\s().-]{6,}\d(?![\w/-])"), REDACTED),
]


def redact(text: str) -> str:
    """Return ``text`` with emails, phone numbers, tokens and passwords replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite a log record so no personal data or secret reaches any handler.

    The record's ``msg`` becomes the redacted, fully formatted message and ``args`` is emptied;
    exception and stack text are redacted too. Always returns True (records are kept).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
