"""Project-wide test fixtures and the rules for tests that need real services.

Markers (see pytest.ini): ``postgres``, ``redis``, ``browser`` and ``shared_data`` tests skip
with a reason when the service or the data is missing. With ``CI`` set to a true value, any
skip fails the run (:mod:`tests.ci_skips`), so CI can never pass by silently skipping.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import translation

from opendlp.celery import app as celery_app

pytest_plugins = ["tests.ci_skips"]

SERVICE_MARKERS = ("postgres", "redis", "browser", "shared_data")

#: A Redis URL on a port nothing listens on: a real server that refuses every connection.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"

# Tests create many users: a fast hasher keeps each from costing PBKDF2's ~0.3 s of CPU.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def shared_data_dir() -> Path:
    """The published sortition instances (setting ``SORTITION_DATA_DIR``)."""
    return Path(settings.SORTITION_DATA_DIR)


def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://...)"
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis (set REDIS_URL=redis://...)"
    if marker == "browser" and not (shutil.which("chromium") or shutil.which("chromium-browser")):
        return "needs Chromium (apt-get install chromium)"
    if marker == "shared_data" and not (shared_data_dir() / "instances.csv").is_file():
        return f"needs the shared sortition data (no instances.csv in {shared_data_dir()})"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip, with the reason, a test whose service or data is missing (tests/ci_skips.py
    makes any skip fail the run in CI)."""
    for marker in SERVICE_MARKERS:
        if item.get_closest_marker(marker):
            reason = _service_missing(marker)
            if reason:
                pytest.skip(reason)


@pytest.fixture(autouse=True)
def _language_restored():
    """Undo the language a test's requests leave active in this thread (LocaleMiddleware
    activates the visitor's language and leaves it), so a later test is not in French."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture(autouse=True)
def _celery_eager():
    """Run Celery tasks in-process and re-raise their errors."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def unreachable_broker():
    """Point the Celery app at a closed port and turn eager mode off, so that enqueuing a task
    really tries (and fails) to reach the broker. Only the network endpoint is changed."""
    conf = celery_app.conf
    previous = conf.broker_url, conf.task_always_eager
    _celery_pools_reset()  # pooled connections to the real broker would still work
    conf.broker_url, conf.task_always_eager = UNREACHABLE_REDIS, False
    yield
    _celery_pools_reset()
    conf.broker_url, conf.task_always_eager = previous


def _celery_pools_reset() -> None:
    """Forget the app's connection and producer pools (what Celery does after a fork), so the
    next message opens a connection to the broker now configured."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(scope="session")
def unreachable_cache_settings() -> dict:
    """``CACHES`` exactly as ``opendlp/settings.py`` builds them for a ``REDIS_URL`` whose port
    is closed (read in a fresh interpreter, since settings are read once at start-up)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CACHES))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "opendlp.settings", "DEBUG": "true"}
    env["REDIS_URL"] = UNREACHABLE_REDIS
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def cache_down(settings, unreachable_cache_settings):
    """The site's cache is its Redis server at a closed port: every connection is refused."""
    settings.CACHES = unreachable_cache_settings
    from django.core.cache import cache

    with contextlib.suppress(Exception):  # a backend without a fallback raises here
        cache.clear()  # forget what this process kept while Redis was down in earlier tests
    yield


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


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(monkeypatch):
    """A Chromium page; Content-Security-Policy violations reported on its console are
    collected in ``page.csp_violations``."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are
    # still synchronous, so Django's async-safety check must be told so.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-GB")
        page = context.new_page()
        page.csp_violations = []
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        yield page
        context.close()
        browser.close()
        # The test's ORM calls ran inside Playwright's event loop, on a database connection
        # of that context: close it here, or it outlives the test database.
        connections.close_all()
