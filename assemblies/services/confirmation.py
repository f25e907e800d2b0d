"""The confirmation email: queued in a registration's transaction and handed to a worker
after commit (:func:`confirmation_queue`), or sent again now (:func:`confirmation_email_send`);
each recorded as an :class:`~assemblies.models.EmailSend` (see
:mod:`assemblies.services.emails`)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import translation

from assemblies.models import (
    EmailKind,
    EmailSendStatus,
    Registrant,
)
from assemblies.services.emails import email_send_deliver, email_send_queue
from assemblies.tasks import send_email

logger = logging.getLogger(__name__)


def confirmation_queue(*, registrant: Registrant, base_url: str) -> None:
    """Record the confirmation email to ``registrant`` (in the caller's transaction, in the
    registrant's language, else the active one) and hand it to a worker once that
    transaction commits."""
    send = email_send_queue(
        registrant=registrant,
        kind=EmailKind.CONFIRMATION,
        base_url=base_url,
        language=registrant.language or translation.get_language(),
    )
    transaction.on_commit(lambda: _email_after_commit(send_id=send.pk))


def _email_after_commit(*, send_id: int) -> None:
    """Hand the recorded confirmation email to a Celery worker once the registration is
    committed, so the request never waits on the mail server. If the broker cannot take the
    task, send it here instead; a mail failure then is logged (and recorded on the send),
    not raised: the registration stands, and registering again re-sends the email."""
    try:
        # An explicit kwargsrepr spares Celery a safe-repr of the arguments per message.
        send_email.apply_async(
            kwargs={"send_id": send_id}, argsrepr="()", kwargsrepr=f"{{'send_id': {send_id}}}"
        )
        return
    except Exception as exc:  # noqa: BLE001 - broker down: fall back to sending in the request
        logger.warning(
            "the job queue is unreachable (%s); sending the confirmation email in the request",
            type(exc).__name__,
        )
    try:
        email_send_deliver(send_id=send_id)
    except Exception:  # noqa: BLE001 - the registration stands; the person can ask again
        logger.exception("confirmation email (send %s) not sent", send_id)


def confirmation_email_send(
    *, registrant_id: int, base_url: str, language: str | None = None
) -> bool:
    """Email a registrant the links to confirm, withdraw and erase now, in the assembly's
    confirmation wording (its template or the built-in one), and record the send
    (:class:`~assemblies.models.EmailSend`, kind ``confirmation``).

    Args:
        registrant_id: the registrant's primary key.
        base_url: scheme and host for the links, e.g. ``"https://dlp.example.org"``.
        language: language code of the email (default: the registrant's language, else the
            active language).

    Returns:
        True when an email was handed to the backend; False when there is nobody to write to
        (no such registrant, erased, or no email address).

    Raises:
        Whatever the email backend raises when it cannot send (e.g. ``smtplib.SMTPException``);
        the send is recorded as failed first.
    """
    registrant = Registrant.objects.select_related("assembly").filter(pk=registrant_id).first()
    if registrant is None or registrant.erased_at is not None or not registrant.email:
        return False
    with transaction.atomic():
        send = email_send_queue(
            registrant=registrant,
            kind=EmailKind.CONFIRMATION,
            base_url=base_url,
            language=language or registrant.language or translation.get_language(),
        )
    return email_send_deliver(send_id=send.pk).status == EmailSendStatus.SENT
