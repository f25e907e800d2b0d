"""The console email backend logs each email through LOGGING, with link tokens redacted."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from assemblies.services.confirmation import confirmation_email_send
from assemblies.services.invitations import invitation_send
from tests.assemblies.factories import AssemblyFactory, RegistrantFactory, StaffFactory

SIGNED_TOKEN = re.compile(r"[A-Za-z0-9_.-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{27,}")


@pytest.fixture
def console_email(settings):
    """The backend ``EMAIL_URL=consolemail://`` selects (tests otherwise use locmem)."""
    settings.EMAIL_BACKEND = "opendlp.core.mail.LoggingEmailBackend"


@pytest.mark.django_db
def test_confirmation_email_is_logged_without_link_tokens(console_email, console_log):
    registrant = RegistrantFactory(email="ada.lovelace@example.org")

    assert confirmation_email_send(registrant_id=registrant.pk, base_url="https://dlp.test")

    text = console_log.getvalue()
    assert " INFO opendlp.email " in text
    assert "Subject: Confirm your registration" in text
    slug = registrant.assembly.slug
    for purpose in ("confirm", "withdraw", "erase"):
        assert f"https://dlp.test/a/{slug}/{purpose}/[redacted]/" in text
    assert not SIGNED_TOKEN.search(text)
    assert "ada.lovelace@example.org" not in text


@pytest.mark.django_db
def test_invitation_email_is_logged_without_its_token(
    console_email, console_log, django_capture_on_commit_callbacks
):
    assembly = AssemblyFactory()
    boss = StaffFactory(is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        _, plain = invitation_send(
            assembly_id=assembly.pk,
            email="grace@example.org",
            role="caller",
            invited_by=boss,
            accept_url=lambda token: f"https://dlp.test/account/invitations/{token}/",
        )

    text = console_log.getvalue()
    assert "https://dlp.test/account/invitations/[redacted]/" in text
    assert plain not in text
    assert "grace@example.org" not in text


def test_logging_backend_counts_sent_messages(console_email, console_log):
    sent = mail.send_mail("Hello", "Body with 200 15234 numbers", None, ["a@example.org"])
    assert sent == 1
    assert "Body with 200 15234 numbers" in console_log.getvalue()


@pytest.mark.django_db
def test_confirmation_email_log_shows_assemblys_reply_to(console_email, console_log):
    assembly = AssemblyFactory(reply_to="team@assembly.example")
    registrant = RegistrantFactory(assembly=assembly)
    assert confirmation_email_send(registrant_id=registrant.pk, base_url="https://dlp.test")
    assert "Reply-To: [redacted]" in console_log.getvalue()  # addresses are redacted in logs
