import logging

import pytest

from opendlp.core.redaction import REDACTED, RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("sent confirmation to ada.lovelace+dlp@example.org", "ada.lovelace+dlp@example.org"),
        ("call +44 20 7946 0958 tomorrow", "+44 20 7946 0958"),
        ("mobile 07700-900123", "07700-900123"),
        ("login failed password=hunter2hunter2", "hunter2hunter2"),
        ('payload {"password": "s3cr3t!", "ok": 1}', "s3cr3t!"),
        ("Authorization: Bearer dlp_abcdefghijklmnopqrstuvwxyz012345", "dlp_abcdefghijklmno"),
        ("X-Internal-Token: close-me-please-123", "close-me-please-123"),
        ("GET /reset/?token=abcdef123456&next=/", "abcdef123456"),
        ("secret_key = 'k3y-v4lue'", "k3y-v4lue"),
    ],
)
def test_redact_removes_personal_data_and_secrets(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned
    assert REDACTED in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "selection run 42 finished in 1.25 s with 35 panel members",
        "GET /lottery/2026-11-21/ 200",
        "assembly climate-2026 has 312 registrants",
        "version 5.2.19",
    ],
)
def test_redact_keeps_ordinary_messages(text):
    assert redact(text) == text


def test_filter_redacts_arguments_and_exceptions(caplog):
    logger = logging.getLogger("opendlp.test.redaction")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="opendlp.test.redaction"):
            logger.info("user %s phoned from %s", "grace@example.org", "+1 415 555 0100")
            try:
                raise ValueError("bad password=opensesame for grace@example.org")
            except ValueError:
                logger.exception("import failed")
    finally:
        logger.filters.clear()
    text = caplog.text
    assert "grace@example.org" not in text
    assert "415 555 0100" not in text
    assert "opensesame" not in text
    assert "user [redacted] phoned from [redacted]" in text


def test_settings_install_filter_on_console_handler(settings):
    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]
    assert settings.LOGGING["filters"]["redact"]["()"] == "opendlp.core.redaction.RedactingFilter"


# --- Through the configured LOGGING: access lines, tokens in URLs, ordinary numbers ---

# A withdraw token as django.core.signing makes it: payload:timestamp:signature.
SIGNED = (
    "eyJyIjoiNmY0ZDkxYTAtOTVhZS00ZjBkLWI3ODctYjBlZjI1YzdjMzQxIiwiYSI6N30"
    ":1vQh2K:Vx3mQ0b9kR7yZp2LdF8sT1uWc4eHnA6jGiKoPqMrXsY"
)
INVITATION = "Zq8pL2mXv7Rk4Tn9Wc1Yb6Hs3Jd0Ge5Uf2Ai8Ko7Pl4"


def _server_line(path: str, status: str = "200", size: str = "15234") -> None:
    """Log a request line the way runserver's WSGIRequestHandler does."""
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {path} HTTP/1.1", status, size)


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        (f"/a/climate-2026/withdraw/{SIGNED}/", "/a/climate-2026/withdraw/[redacted]/"),
        (f"/a/climate-2026/erase/{SIGNED}/", "/a/climate-2026/erase/[redacted]/"),
        (f"/a/climate-2026/confirm/{SIGNED}/", "/a/climate-2026/confirm/[redacted]/"),
        (f"/account/invitations/{INVITATION}/", "/account/invitations/[redacted]/"),
        (
            f"/auth/login/?next=%2Faccount%2Finvitations%2F{INVITATION}%2F",
            "/auth/login/?next=%2Faccount%2Finvitations%2F[redacted]%2F",
        ),
        (
            "/auth/password/reset/key/2q-cdkf3x-8e7c0b0a1f9b6e6d6c3a/",
            "/auth/password/reset/key/[redacted]/",
        ),
        (f"/somewhere/?t={SIGNED}&page=2", "/somewhere/?t=[redacted]&page=2"),
        (f"/somewhere/?sig={INVITATION.lower()}&page=2", "/somewhere/?sig=[redacted]&page=2"),
    ],
)
def test_request_line_hides_link_token_and_keeps_status_and_size(console_log, path, kept):
    _server_line(path)
    line = console_log.getvalue()
    assert SIGNED not in line
    assert INVITATION not in line and INVITATION.lower() not in line
    assert f'"GET {kept} HTTP/1.1" 200 15234' in line


@pytest.mark.parametrize(
    "message",
    [
        '"GET /lottery/2026-11-21/ HTTP/1.1" 200 15234',
        '"POST /a/climate-2026/register/ HTTP/1.1" 302 0',
        '"GET /static/site.css HTTP/1.1" 304 1234567890',
        "selection run 42 finished in 1.25 s: 1000 rows, counts 35 120 300 4000",
        "connected to redis://127.0.0.1:6379/5 and 10.0.12.200:5432",
        "run 7 input_sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "registrant 6f4d91a0-95ae-4f0d-b787-b0ef25c7c341 moved from pool to selected",
        "status_code=404 size=15234 at 2026-12-02 13:56:37,123",
    ],
)
def test_configured_logging_keeps_ordinary_numbers_and_ids(console_log, message):
    logging.getLogger("assemblies.services.execution").info("%s", message)
    assert message in console_log.getvalue()


@pytest.mark.parametrize(
    "phone",
    ["+44 20 7946 0958", "+1 (415) 555-0100", "07700 900123", "020 7946 0958", "(415) 555-0100"],
)
def test_configured_logging_still_hides_phone_numbers(console_log, phone):
    logging.getLogger("assemblies.services.registration").info("call %s about 200 15234", phone)
    text = console_log.getvalue()
    assert phone not in text
    assert "call [redacted] about 200 15234" in text
