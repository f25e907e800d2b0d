"""A logging filter that keeps personal data and secrets out of the logs.

Installed on every handler by ``settings.LOGGING`` (web, Celery worker and beat), on the
gunicorn loggers by ``gunicorn.conf.py``, and so on every email the console backend logs
(:mod:`opendlp.core.mail`). It rewrites each record's message (after ``%`` formatting) and
its exception text, replacing with ``[redacted]``:

- the token of a link that grants something: the path segment after ``/confirm/``,
  ``/withdraw/``, ``/erase/`` (registrant links), ``/invitations/`` (organiser invitations)
  and ``/key/`` (allauth's password reset), also URL-encoded inside a query string;
- any ``django.core.signing`` token (``value:timestamp:signature``), and any long random
  run of URL-safe characters (32 or more, mixing upper and lower case and digits);
- ``password=``/``token=``/``secret=`` style values, and ``key=``, ``sig=``, ``code=`` query
  values; bearer and API tokens;
- email addresses and phone numbers (international with ``+``, national with a leading
  ``0``, and North American ``(415) 555-0100`` shapes).

Status codes, sizes, counts, dates, times, IP addresses and ids are kept: an access-log
line ``"GET /a/x/withdraw/[redacted]/ HTTP/1.1" 200 15234`` keeps ``200 15234``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

REDACTED = "[redacted]"

# A character of a token in a URL, plain or percent-encoded ``:`` (signed tokens in a query).
_LINK_CHAR = r"(?:[A-Za-z0-9_.~:+=-]|%3[Aa])"
_SLASH = r"(?:/|%2[Ff])"


def _long_random(match: re.Match[str]) -> str:
    text = match.group()
    mixed = (
        any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() for c in text)
    )
    return REDACTED if mixed else text


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _national_phone(match: re.Match[str]) -> str:
    return REDACTED if 10 <= _digits(match.group()) <= 15 else match.group()


def _international_phone(match: re.Match[str]) -> str:
    return REDACTED if 8 <= _digits(match.group()) <= 15 else match.group()


_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # The token segment of a link that grants something (also URL-encoded, e.g. in ?next=).
    (
        re.compile(
            rf"(?P<lead>{_SLASH}(?:confirm|withdraw|erase|invitations|key){_SLASH})"
            rf"{_LINK_CHAR}+"
        ),
        rf"\g<lead>{REDACTED}",
    ),
    # django.core.signing tokens: value:timestamp:signature (":" possibly as %3A).
    (
        re.compile(
            r"(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]+(?::|%3[Aa])[A-Za-z0-9_-]+(?::|%3[Aa])"
            r"[A-Za-z0-9_-]{27,}"
        ),
        REDACTED,
    ),
    # key=value or "key": "value" pairs whose key names a secret.
    (
        re.compile(
            r"""(?P<key>["']?\b(?:password\d?|passwd|pwd|secret|secret_key|token|api_key|apikey"""
            r"""|access_token|refresh_token|csrfmiddlewaretoken|sessionid|otp)\b["']?"""
            r"""\s*[:=]\s*)(?P<quote>["']?)[^\s"'&,;}]+(?P=quote)""",
            re.IGNORECASE,
        ),
        rf"\g<key>\g<quote>{REDACTED}\g<quote>",
    ),
    # Query-string (or form) values whose name names a secret: ?key=..., &sig=..., &code=...
    (
        re.compile(r"(?P<key>[?&;](?:key|sig|signature|code|uidb36)=)[^\s\"'&#;]+", re.I),
        rf"\g<key>{REDACTED}",
    ),
    # Authorization headers and bare bearer tokens.
    (re.compile(r"(?i)\b(Bearer|Token|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    (re.compile(r"(?i)(X-Internal-Token\s*[:=]\s*)\S+"), rf"\1{REDACTED}"),
    # Long random runs of URL-safe characters (API keys, invitation tokens) anywhere.
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])"), _long_random),
    # Email addresses (also with @ percent-encoded).
    (re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), REDACTED),
    # Phone numbers: international (+ then 8 to 15 digits, spaced, dotted, dashed, bracketed).
    (
        re.compile(r"(?<![\w+])\+\d(?:[ .-]?\(?\d\)?){7,16}(?![\w/-])"),
        _international_phone,
    ),
    # National numbers with a trunk 0 (10 to 15 digits), e.g. 07700-900123, 020 7946 0958.
    (
        re.compile(r"(?<![\w.:/+-])\(?0\d(?:[ .-]?\(?\d\)?){8,14}(?![\w/:-])"),
        _national_phone,
    ),
    # North American shapes: (415) 555-0100, 415-555-0100, 415.555.0100, 415 555 0100.
    (
        re.compile(r"(?<![\w.:/+-])\(?[2-9]\d\d\)?[ .-]?[2-9]\d\d[ .-]\d{4}(?![\w/:-])"),
        REDACTED,
    ),
]


def redact(text: str) -> str:
    """Return ``text`` with link tokens, secrets, emails and phone numbers replaced.

    Args:
        text: any log text (a message, a traceback, an email body).

    Returns:
        The same text with each secret or personal datum replaced by ``[redacted]``;
        numbers that are neither (status codes, sizes, counts, dates) are left alone.
    """
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
