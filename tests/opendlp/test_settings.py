"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), "
    "'cache': s.CACHES['default']['BACKEND'], 'broker': s.CELERY_BROKER_URL, "
    "'email': s.EMAIL_BACKEND, 'tz': s.TIME_ZONE}))"
)
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "TIME_ZONE")


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES + ("SECRET_KEY", "DEBUG")
    }
    clean.update(DJANGO_SETTINGS_MODULE="opendlp.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_refuses_to_start():
    result = run_python(PRINT_SETTINGS, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_with_secret_key_starts():
    result = run_python(PRINT_SETTINGS, DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr


def test_defaults_need_no_servers(tmp_path):
    result = run_python(PRINT_SETTINGS, DEBUG="true", VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "db.sqlite3")
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["broker"] == "filesystem://"
    assert values["email"] == "opendlp.core.mail.LoggingEmailBackend"
    assert values["tz"] == "UTC"


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"DEBUG": "true"}, "django.core.mail.backends.console.EmailBackend"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 60}, "opendlp.core.mail.LoggingEmailBackend"),
    ],
)
def test_email_console_show_links_prints_raw_emails_only_in_debug(env, backend):
    result = run_python(PRINT_SETTINGS, EMAIL_CONSOLE_SHOW_LINKS="true", **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["email"] == backend


def test_redis_url_selects_redis_cache_and_broker():
    result = run_python(PRINT_SETTINGS, DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/3")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["cache"] == "opendlp.core.cache.FallbackRedisCache"  # django-redis, see there
    assert values["broker"] == "redis://127.0.0.1:6379/3"


def test_database_url_selects_postgresql():
    result = run_python(PRINT_SETTINGS, DEBUG="true", DATABASE_URL="postgres://u@db:5432/opendlp")
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "opendlp"


def test_check_deploy_reports_nothing_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DEBUG"},
            "DEBUG": "false",
            "SECRET_KEY": "k3y-" + "q9Z!x" * 12,
            "ALLOWED_HOSTS": "dlp.example.org",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.redis
def test_redis_cache_round_trip():
    from django.core.cache import cache

    cache.set("settings-test", {"a": 1}, timeout=5)
    assert cache.get("settings-test") == {"a": 1}
