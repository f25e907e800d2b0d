"""An email backend for development and trials that logs each email instead of sending it.

``EMAIL_URL=consolemail://`` selects it (``settings.py``). Unlike Django's console backend,
which writes raw MIME to the process's stdout, it logs a readable copy to the
``opendlp.email`` logger, so the email goes through ``settings.LOGGING``: the redaction
filter removes link tokens (confirm, withdraw, erase, invitation, password reset) and
addresses, and the Celery worker shows it like any other log line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("opendlp.email")


def email_text(message: EmailMessage) -> str:
    """A readable copy of one email: its headers, plain-text body and attachment names.

    Args:
        message: a Django email (``EmailMultiAlternatives`` too: only its text body is shown).

    Returns:
        Multi-line text, not redacted (the logging filter does that).
    """
    lines = [
        f"From: {message.from_email}",
        f"To: {', '.join(message.to)}",
    ]
    if message.cc:
        lines.append(f"Cc: {', '.join(message.cc)}")
    if message.bcc:
        lines.append(f"Bcc: {', '.join(message.bcc)}")
    if message.reply_to:
        lines.append(f"Reply-To: {', '.join(message.reply_to)}")
    lines += [f"Subject: {message.subject}", "", str(message.body).rstrip()]
    names = [a.filename if hasattr(a, "filename") else a[0] for a in message.attachments]
    if names:
        lines += ["", "Attachments: " + ", ".join(str(name) for name in names)]
    return "\n".join(lines)


class LoggingEmailBackend(BaseEmailBackend):
    """Log every email to ``opendlp.email`` at INFO instead of sending it.

    ``send_messages`` returns how many emails were logged; it never raises for an email.
    """

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            logger.info("Email not sent (console backend):\n%s", email_text(message))
            count += 1
        return count
