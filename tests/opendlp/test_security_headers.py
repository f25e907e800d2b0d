"""Security headers on every kind of page: HTML, JSON, redirects, errors, allauth, admin."""

import pytest

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("/", False),
    ("/healthz", False),
    ("/auth/login/", False),
    ("/auth/password/reset/", False),
    ("/admin/login/", False),
    ("/no-such-page/", False),
    ("/admin/", True),
    ("/auth/2fa/", True),
    ("/account/", True),
    ("/lottery/", False),
    ("/api/docs", False),
    ("/api/openapi.json", False),
    ("/api/lotteries/2020-01-01", False),
    ("/a/open-assembly/", False),
    ("/a/open-assembly/register/", False),
]


def script_sources(policy: str) -> list[str]:
    for directive in policy.split(";"):
        name, *sources = directive.split()
        if name == "script-src":
            return sources
    return []


@pytest.mark.parametrize(("path", "signed_in"), PAGES)
def test_security_headers_present(client, path, signed_in):
    from assemblies.models import AssemblyStatus
    from tests.assemblies.factories import AssemblyFactory

    AssemblyFactory(slug="open-assembly", status=AssemblyStatus.OPEN)
    if signed_in:
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert script_sources(policy) == ["'self'"]
    assert "'unsafe-inline'" not in script_sources(policy)
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_production_settings_send_hsts_and_secure_cookies():
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.MFA_REQUIRED_FOR_STAFF]))"
    )
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "x" * 50}
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[31536000, true, true, true, true]"
