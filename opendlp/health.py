"""Reachability checks for the services the platform depends on."""

from __future__ import annotations

import time
import uuid

from django.core.cache import cache
from django.db import connection

CHECK_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    """Run ``SELECT 1`` on the default database; raises on failure."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """Write, read back and delete a unique key; raises on failure or a wrong read. A cache
    that falls back to memory while its server is down is checked on the server itself."""
    server_check = getattr(cache, "server_check", None)
    if server_check is not None:  # opendlp.core.cache.FallbackRedisCache
        server_check()
        return
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        raise RuntimeError("cache did not return the value written")


def check_broker() -> None:
    """Open (and close) a connection to the Celery broker; raises when unreachable."""
    from opendlp.celery import app  # lazy

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def health_report() -> tuple[bool, dict[str, dict[str, object]]]:
    """Run every check.

    Returns:
        ``(all_ok, {name: {"status": "ok" | "error", "seconds": float, "error": str?}})``;
        an error message names the exception type only, never connection strings.
    """
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"
            results[name] = {"status": "error", "error": type(exc).__name__}
        else:
            results[name] = {"status": "ok"}
        results[name]["seconds"] = round(time.perf_counter() - started, 4)
    return all(r["status"] == "ok" for r in results.values()), results
