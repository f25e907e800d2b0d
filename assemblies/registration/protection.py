"""Bot and abuse protection for the public registration form, with no third-party service.

Three checks, each refusing a submission before anything is stored:

* a **honeypot**: a text field hidden from people (CSS, ``aria-hidden``, ``tabindex=-1``) that
  naive bots fill in;
* a **minimum fill time**: a timestamp signed when the form is rendered; a submission sooner
  than ``settings.REGISTRATION_MIN_FILL_SECONDS`` after it, or with a forged or expired token
  (``settings.REGISTRATION_FORM_MAX_AGE``), is refused;
* **rate limits** per client IP and per email address, counted in the cache (Redis in
  production) in fixed windows (``settings.REGISTRATION_RATE_LIMIT_IP`` and
  ``settings.REGISTRATION_RATE_LIMIT_EMAIL``). While Redis is unreachable the cache counts in
  each web process's memory (:mod:`opendlp.core.cache`): the limits still hold, per process.
"""

from __future__ import annotations

import enum
import hashlib
import re
import time
from dataclasses import dataclass

from allauth.core.internal.httpkit import get_client_ip
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

#: Name of the honeypot input. Plausible to a bot, labelled "leave empty" for people.
HONEYPOT_FIELD = "website"
#: Name of the hidden input carrying the signed render time.
FILL_TOKEN_FIELD = "form_token"  # noqa: S105 - a field name, not a secret

_FILL_SALT = "assemblies.registration.fill-time"
_RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd]?)\s*$")
_PERIOD_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class FillCheck(enum.Enum):
    """Outcome of :func:`fill_token_check`."""

    OK = "ok"
    TOO_FAST = "too_fast"
    INVALID = "invalid"  # missing, forged, for another form, or expired


def honeypot_filled(data: dict | object) -> bool:
    """True when the honeypot input of the posted ``data`` (a QueryDict or dict) is not blank."""
    value = data.get(HONEYPOT_FIELD, "")  # type: ignore[union-attr]
    return bool(str(value or "").strip())


def fill_token_make(*, scope: str, now: float | None = None) -> str:
    """Sign the time at which a form is rendered.

    Args:
        scope: what the form is for (e.g. ``"register:<assembly id>"``); a token is accepted
            only for the same scope.
        now: the render time as a POSIX timestamp in seconds (default: the current time).

    Returns:
        A URL-safe signed string to put in the form's hidden :data:`FILL_TOKEN_FIELD` input.
    """
    return signing.dumps(
        {"s": scope, "t": round(now if now is not None else time.time(), 3)},
        salt=_FILL_SALT,
        compress=False,
    )


def fill_token_check(*, token: str, scope: str, now: float | None = None) -> FillCheck:
    """Check a posted fill-time token.

    Args:
        token: the posted value of :data:`FILL_TOKEN_FIELD` (may be empty).
        scope: the scope the form was rendered for.
        now: the submission time as a POSIX timestamp in seconds (default: now).

    Returns:
        :attr:`FillCheck.OK`; :attr:`FillCheck.TOO_FAST` when fewer than
        ``settings.REGISTRATION_MIN_FILL_SECONDS`` seconds passed since rendering;
        :attr:`FillCheck.INVALID` when the token is missing, forged, for another scope, from
        the future or older than ``settings.REGISTRATION_FORM_MAX_AGE`` seconds.
    """
    rendered_at = fill_token_time(token=token, scope=scope)
    if rendered_at is None:
        return FillCheck.INVALID
    elapsed = (now if now is not None else time.time()) - rendered_at
    if elapsed < -5 or elapsed > settings.REGISTRATION_FORM_MAX_AGE:
        return FillCheck.INVALID
    if elapsed < settings.REGISTRATION_MIN_FILL_SECONDS:
        return FillCheck.TOO_FAST
    return FillCheck.OK


def fill_token_time(*, token: str, scope: str) -> float | None:
    """The render time (POSIX seconds) signed in ``token`` for ``scope``, or None if the token
    is missing, forged or for another scope (expiry is not checked here)."""
    if not token or len(token) > 500:
        return None
    try:
        payload = signing.loads(token, salt=_FILL_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("s") != scope:
        return None
    rendered_at = payload.get("t")
    return float(rendered_at) if isinstance(rendered_at, int | float) else None


@dataclass(frozen=True)
class Rate:
    """At most ``count`` events per ``period`` seconds."""

    count: int
    period: int


def rate_parse(text: str) -> Rate:
    """Parse ``"count/period"``, the period in seconds or with a unit: ``"30/h"``,
    ``"5/600s"``, ``"10/m"``, ``"100/2d"``.

    Raises:
        ValueError: when the text has another shape or the count or period is zero.
    """
    match = _RATE_PATTERN.match(text or "")
    if not match:
        raise ValueError(f"Invalid rate {text!r}; expected e.g. '30/h' or '5/600s'.")
    count, amount, unit = int(match[1]), int(match[2] or 1), _PERIOD_UNITS[match[3]]
    if count < 1 or amount < 1:
        raise ValueError(f"Invalid rate {text!r}: count and period must be positive.")
    return Rate(count=count, period=amount * unit)


def rate_limit_consume(*, bucket: str, key: str, rate: str, now: float | None = None) -> bool:
    """Count one event for ``key`` and say whether it is within the limit.

    Fixed windows of ``period`` seconds; the counter lives in the cache under a hashed key
    (no personal data in cache keys) and expires with its window. Atomic on Redis
    (``INCR``); on the local-memory cache it is per process.

    Args:
        bucket: what is limited, e.g. ``"ip"`` or ``"email"``.
        key: whom it is limited for (an IP address, a lower-cased email address).
        rate: the limit as accepted by :func:`rate_parse`.
        now: the current POSIX time in seconds (default: now).

    Returns:
        True when this event is allowed, False when the limit is already reached.

    Raises:
        ValueError: when ``rate`` cannot be parsed.
    """
    limit = rate_parse(rate)
    window = int((now if now is not None else time.time()) // limit.period)
    digest = hashlib.sha256(f"{bucket}\0{key}".encode()).hexdigest()[:32]
    cache_key = f"registration:rl:{bucket}:{limit.period}:{window}:{digest}"
    try:
        count = cache.incr(cache_key)  # one round trip once the window has a counter
    except ValueError:  # no counter yet in this window
        if cache.add(cache_key, 1, timeout=limit.period + 1):
            return True
        count = cache.incr(cache_key)  # another request created it meanwhile
    return count <= limit.count


def client_ip(request: HttpRequest) -> str:
    """The client's IP address: ``REMOTE_ADDR``, or the address a trusted proxy reports
    (``ALLAUTH_TRUSTED_PROXY_COUNT`` / ``ALLAUTH_TRUSTED_CLIENT_IP_HEADER``); ``"unknown"``
    when none can be read."""
    try:
        return get_client_ip(request) or "unknown"
    except ImproperlyConfigured:  # fewer X-Forwarded-For entries than trusted proxies
        return request.META.get("REMOTE_ADDR") or "unknown"


def ip_allowed(request: HttpRequest) -> bool:
    """Count one registration attempt from the request's client IP; False when over
    ``settings.REGISTRATION_RATE_LIMIT_IP``."""
    return rate_limit_consume(
        bucket="ip", key=client_ip(request), rate=settings.REGISTRATION_RATE_LIMIT_IP
    )


def email_allowed(email: str) -> bool:
    """Count one registration with this email address (case-insensitive); False when over
    ``settings.REGISTRATION_RATE_LIMIT_EMAIL``. Limits the confirmation emails a stranger can
    make the site send to someone."""
    return rate_limit_consume(
        bucket="email", key=email.strip().lower(), rate=settings.REGISTRATION_RATE_LIMIT_EMAIL
    )
