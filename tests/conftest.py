"""Project-wide test fixtures and the rules for tests that need real services.

Markers (see pytest.ini): ``postgres``, ``redis`` and ``browser`` tests skip with a reason
when the service is missing. With ``CI`` set to a true value, any such skip fails the run,
so CI can never pass by silently skipping them.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

from opendlp.celery import app as celery_app

SERVICE_MARKERS = ("postgres", "redis", "browser")

# Tests create many users: a fast hasher keeps each from costing PBKDF2's ~0.3 s of CPU.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_service_skips: list[str] = []


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://...)"
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis (set REDIS_URL=redis://...)"
    if marker == "browser" and not (shutil.which("chromium") or shutil.which("chromium-browser")):
        return "needs Chromium (apt-get install chromium)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in SERVICE_MARKERS:
        if item.get_closest_marker(marker):
            reason = _service_missing(marker)
            if reason:
                _service_skips.append(f"{item.nodeid}: {reason}")
                pytest.skip(reason)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _ci() and _service_skips:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    if _service_skips:
        verdict = "FAILED in CI" if _ci() else "skipped"
        terminalreporter.section(f"service tests {verdict}")
        for line in _service_skips:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _celery_eager():
    """Run Celery tasks in-process and re-raise their errors."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (rate limits, health keys)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def user(db):
    """A plain active user."""
    from tests.accounts.factories import UserFactory

    return UserFactory()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Close connections after each request in tests (live server threads included), so the
    test database can be dropped at the end of the run."""
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session", autouse=True)
def _flush_past_audit_truncate_trigger():
    """Let Django's test flush (TRUNCATE of every table, after ``transaction=True`` tests)
    empty the audit log: on PostgreSQL the flush turns the table's TRUNCATE trigger
    (opendlp migration 0004) off and on again inside the flush's own transaction."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    from opendlp.core.models import AuditEvent

    table, trigger = AuditEvent._meta.db_table, "opendlp_auditevent_no_truncate"
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if table not in tables or not statements:
            return statements
        return [
            f"ALTER TABLE {table} DISABLE TRIGGER {trigger}",
            *statements,
            f"ALTER TABLE {table} ENABLE TRIGGER {trigger}",
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield
