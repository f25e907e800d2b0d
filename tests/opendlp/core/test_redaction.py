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
