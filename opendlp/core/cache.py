"""The site's cache: django-redis, kept working while its Redis server is unreachable.

What uses the cache: the registration form's questions (a read-through copy of the database),
the registration rate limits (:mod:`assemblies.registration.protection`) and django-allauth's
rate limits (sign-in, password reset, sign-up, invitations), which take a lock with
``cache.add`` first.

Why not django-redis's ``IGNORE_EXCEPTIONS``: with it, reads miss and writes vanish, which
suits the questions, but allauth cannot take its lock and refuses every sign-in (429), and
counters that never count leave the registration limits silently open.

:class:`FallbackRedisCache` is django-redis's ``RedisCache`` that, when Redis cannot be
reached, serves the same operation from this process's memory (Django's ``LocMemCache``):

* cached reads are recomputed from the database and kept in memory meanwhile;
* rate limits keep counting, per process: they still hold, but each web process allows the
  full rate (limits are looser by the number of processes) until Redis is back;
* after a failure, Redis is not tried again for ``FALLBACK_SECONDS`` (an ``OPTIONS`` key,
  default 30), so requests do not each wait for a connection timeout;
* one warning is logged when an outage starts (per process and thread) and one line when
  Redis answers again; ``/healthz`` checks Redis itself (:meth:`FallbackRedisCache.server_check`).

What was kept in memory during an outage is not copied to Redis afterwards (counters restart).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What an unreachable or unresponsive Redis server raises through django-redis.
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionInterrupted, OSError)

#: Seconds during which Redis is not tried again after a failure (``OPTIONS["FALLBACK_SECONDS"]``).
DEFAULT_FALLBACK_SECONDS = 30.0

#: Entries the in-memory fallback keeps at most (rate-limit counters, questions).
FALLBACK_MAX_ENTRIES = 10_000


def _guarded(name: str) -> Callable[..., Any]:
    """Cache method ``name`` on Redis, or on the in-memory fallback while Redis is down."""

    def method(self: FallbackRedisCache, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self.redis_retry_at:
            return getattr(self.fallback, name)(*args, **kwargs)
        try:
            result = getattr(RedisCache, name)(self, *args, **kwargs)
        except OUTAGE_ERRORS as exc:
            self.redis_failed(exc)
            return getattr(self.fallback, name)(*args, **kwargs)
        if self.outage_started_at is not None:
            self.redis_answered()
        return result

    method.__name__ = name
    method.__doc__ = f"``{name}`` on Redis; on this process's memory while Redis is unreachable."
    return method


class FallbackRedisCache(RedisCache):
    """django-redis's cache that falls back to this process's memory while Redis is down.

    Configure it like ``django_redis.cache.RedisCache`` (leave ``IGNORE_EXCEPTIONS`` off);
    ``OPTIONS["FALLBACK_SECONDS"]`` (seconds, default 30) is how long Redis is left alone
    after a failure. The fallback shares ``KEY_PREFIX``, ``VERSION`` and ``TIMEOUT``.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        options = params.get("OPTIONS", {})
        self._ignore_exceptions = False  # outages are handled here, not swallowed
        self.fallback_seconds = float(options.get("FALLBACK_SECONDS", DEFAULT_FALLBACK_SECONDS))
        self.fallback = LocMemCache(
            f"opendlp-fallback:{server}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )
        #: ``time.monotonic()`` before which Redis is not tried (0: try it now).
        self.redis_retry_at = 0.0
        #: ``time.monotonic()`` at which the current outage started, or None.
        self.outage_started_at: float | None = None

    def redis_failed(self, exc: BaseException) -> None:
        """Note an outage: use memory for ``fallback_seconds``; warn once per outage."""
        now = time.monotonic()
        self.redis_retry_at = now + self.fallback_seconds
        if self.outage_started_at is None:
            self.outage_started_at = now
            logger.warning(
                "the cache server is unreachable (%s: %s); using this process's memory "
                "(rate limits count per process) and retrying every %.0f s",
                type(exc).__name__,
                exc,
                self.fallback_seconds,
            )

    def redis_answered(self) -> None:
        """Note the end of an outage (logged once)."""
        if self.outage_started_at is not None:
            logger.warning(
                "the cache server answers again after %.0f s",
                time.monotonic() - self.outage_started_at,
            )
            self.outage_started_at = None

    def server_check(self) -> None:
        """Write, read back and delete a key on Redis itself, never the fallback (``/healthz``).

        Raises:
            redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError: Redis is
                unreachable.
            RuntimeError: Redis did not return the value written.
        """
        key = f"healthz:{time.monotonic_ns()}"
        RedisCache.set(self, key, "ok", timeout=10)
        value = RedisCache.get(self, key)
        RedisCache.delete(self, key)
        if value != "ok":
            raise RuntimeError("cache did not return the value written")

    add = _guarded("add")
    get = _guarded("get")
    set = _guarded("set")
    touch = _guarded("touch")
    delete = _guarded("delete")
    get_many = _guarded("get_many")
    set_many = _guarded("set_many")
    delete_many = _guarded("delete_many")
    has_key = _guarded("has_key")
    incr = _guarded("incr")
    decr = _guarded("decr")
    incr_version = _guarded("incr_version")
    clear = _guarded("clear")
