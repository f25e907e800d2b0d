"""Writes of the public registration: register, confirm, withdraw, erase, send the email.

Each function owns one transaction, locks the rows it changes, re-checks the state it
depends on and is safe to call twice. Audit events name the registrant by public id only:
no personal data enters the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from assemblies.models import (
    PERSONAL_FIELDS,
    Assembly,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
)
from assemblies.registration.selectors import RegistrationState, registration_state
from assemblies.registration.tokens import Purpose, link_token_make
from opendlp.services import audit_event_record

logger = logging.getLogger(__name__)

#: Statuses from which a registrant may withdraw.
WITHDRAWABLE_STATUSES = (
    RegistrantStatus.PENDING,
    RegistrantStatus.POOL,
    RegistrantStatus.SELECTED,
    RegistrantStatus.RESERVE,
    RegistrantStatus.CONFIRMED,
)


class RegistrationClosed(Exception):
    """The assembly does not take registrations now (draft, not yet open, or closed)."""

    def __init__(self, state: RegistrationState) -> None:
        super().__init__(f"registration is {state}")
        self.state = state


class RegistrantGone(Exception):
    """The registrant does not exist (any more) in this assembly."""


@dataclass(frozen=True)
class RegistrationOutcome:
    """Result of :func:`registrant_register`: the registrant and whether it is new."""

    registrant: Registrant
    created: bool


def registrant_register(
    *,
    assembly: Assembly,
    answers: dict[str, str],
    contact: dict[str, str],
    base_url: str,
    now: dt.datetime | None = None,
) -> RegistrationOutcome:
    """Register a member of the public from the form, and email them the confirmation link.

    A new registrant is ``pending`` with source ``form`` and ``consent_at`` set. When the
    assembly already has a registrant with this email address (case-insensitive), nothing is
    created or changed and the confirmation email is sent again (so the page shown is the
    same either way: no account enumeration). Registrations of the same email address in the
    same assembly are serialised (an advisory lock on PostgreSQL), so two identical
    submissions arriving together never make two registrants; the assembly row is
    share-locked, so its status cannot change under a registration.

    Args:
        assembly: the assembly (re-read and share-locked here).
        answers: ``{category name: value}``, already validated against the quotas.
        contact: ``name``, ``email``, ``phone`` and optionally ``address_line_1``,
            ``address_line_2``, ``town``, ``postcode`` (validated strings).
        base_url: scheme and host for the links in the email, e.g. ``"https://dlp.example"``.
        now: the registration time (default: now).

    Returns:
        :class:`RegistrationOutcome`.

    Raises:
        RegistrationClosed: when the assembly does not take registrations at ``now``.
        ValueError: when ``contact`` has no email address.
    """
    now = now or timezone.now()
    email = (contact.get("email") or "").strip()
    if not email:
        raise ValueError("an email address is required")
    with transaction.atomic():
        locked = _assembly_lock_for_registration(assembly=assembly, email=email)
        state = registration_state(assembly=locked, now=now)
        if state != RegistrationState.OPEN:
            raise RegistrationClosed(state)
        existing_id = _registrant_id_by_email(assembly_id=locked.pk, email=email)
        if existing_id is not None:
            registrant, created = Registrant.objects.get(pk=existing_id), False
            action = "assemblies.registrant.registered_again"
        else:
            registrant = Registrant.objects.create(
                assembly=locked,
                status=RegistrantStatus.PENDING,
                source=RegistrantSource.FORM,
                answers=dict(answers),
                consent_at=now,
                **{field: (contact.get(field) or "").strip() for field in PERSONAL_FIELDS},
            )
            created = True
            action = "assemblies.registrant.registered"
        audit_event_record(
            action=action,
            target=locked,
            data={"registrant": str(registrant.public_id), "source": RegistrantSource.FORM},
        )
        registrant.assembly = locked
        language = translation.get_language()
        transaction.on_commit(
            lambda: _email_after_commit(registrant=registrant, base_url=base_url, language=language)
        )
    return RegistrationOutcome(registrant=registrant, created=created)


def _assembly_lock_for_registration(*, assembly: Assembly, email: str) -> Assembly:
    """Lock what a registration depends on until the transaction ends, and refresh the
    assembly's status and registration window from the locked row; returns ``assembly``.

    On PostgreSQL, in one round trip:

    * a transaction-level advisory lock on a 64-bit hash of (assembly, lower-cased email), so
      that registrations of one email address in one assembly run one after the other while
      different people register in parallel;
    * a share lock on the assembly row, so that a change of its status or window
      (``SELECT ... FOR UPDATE`` or an ``UPDATE``) waits for running registrations, and
      they wait for it.

    On other databases, the assembly row is locked for update (SQLite lets one writer in at a
    time anyway). Plain SQL on purpose: this runs on every registration, and the ORM costs
    several times more CPU than the query itself.

    Raises:
        Assembly.DoesNotExist: when the assembly was deleted.
    """
    columns = ("status", "registration_opens_at", "registration_closes_at")
    if connection.vendor != "postgresql":
        locked = Assembly.objects.select_for_update().filter(pk=assembly.pk)
        row = locked.values_list(*columns).first()
    else:
        text = f"registration\0{assembly.pk}\0{email.lower()}"
        key = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)
        table = connection.ops.quote_name(Assembly._meta.db_table)
        # One statement takes both locks: the advisory lock in the select list, the row lock.
        sql = (
            f"SELECT {', '.join(columns)}, pg_advisory_xact_lock(%s) "  # noqa: S608 - model table
            f"FROM {table} WHERE id = %s FOR SHARE"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, assembly.pk])
            row = cursor.fetchone()
    if row is None:
        raise Assembly.DoesNotExist(assembly.pk)
    assembly.status, assembly.registration_opens_at, assembly.registration_closes_at = row[:3]
    return assembly


def _registrant_id_by_email(*, assembly_id: int, email: str) -> int | None:
    """The id of the assembly's oldest registrant with this email (case-insensitive), or
    ``None`` (plain SQL on the ``(assembly, lower(email))`` index, as in
    :func:`assemblies.registration.selectors.registrant_by_email`, for the same reason as
    above). Runs after the email's lock is held, so it sees a registration just committed."""
    table = connection.ops.quote_name(Registrant._meta.db_table)
    sql = (
        f"SELECT id FROM {table} WHERE assembly_id = %s AND LOWER(email) = %s "  # noqa: S608
        "ORDER BY id LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [assembly_id, email.lower()])
        row = cursor.fetchone()
    return row[0] if row else None


def _email_after_commit(*, registrant: Registrant, base_url: str, language: str | None) -> None:
    """Hand the confirmation email to a Celery worker once the registration is committed, so
    the request never waits on the mail server. If the broker cannot take the task, send it
    here instead; a mail failure then is logged, not raised (the registration stands, and
    registering again re-sends the email)."""
    from assemblies.tasks import send_confirmation_email

    try:
        kwargs = {"registrant_id": registrant.pk, "base_url": base_url, "language": language}
        # An explicit kwargsrepr spares Celery a safe-repr of the arguments per message.
        send_confirmation_email.apply_async(kwargs=kwargs, argsrepr="()", kwargsrepr=repr(kwargs))
        return
    except Exception:  # noqa: BLE001 - broker down: fall back to sending in the request
        logger.warning("broker unavailable; sending confirmation email in the request")
    try:
        _confirmation_email_deliver(registrant=registrant, base_url=base_url, language=language)
    except Exception:  # noqa: BLE001 - the registration stands; the person can ask again
        logger.exception("confirmation email for registrant %s not sent", registrant.public_id)


def registration_links(*, registrant: Registrant, base_url: str) -> dict[str, str]:
    """Absolute signed URLs ``{"confirm": ..., "withdraw": ..., "erase": ...}`` for one
    registrant (``base_url`` is scheme and host without a trailing slash)."""
    slug = registrant.assembly.slug
    links = {}
    for purpose in Purpose:
        token = link_token_make(
            purpose=purpose, public_id=registrant.public_id, assembly_id=registrant.assembly_id
        )
        path = reverse(f"assemblies:{purpose.value}", kwargs={"slug": slug, "token": token})
        links[purpose.value] = base_url.rstrip("/") + path
    return links


def confirmation_email_send(
    *, registrant_id: int, base_url: str, language: str | None = None
) -> bool:
    """Email a registrant the links to confirm, withdraw and erase, through Django's email
    backend (``EMAIL_URL``).

    Args:
        registrant_id: the registrant's primary key.
        base_url: scheme and host for the links, e.g. ``"https://dlp.example.org"``.
        language: language code of the email (default: the active language).

    Returns:
        True when an email was handed to the backend; False when there is nobody to write to
        (no such registrant, erased, or no email address).

    Raises:
        Whatever the email backend raises when it cannot send (e.g. ``smtplib.SMTPException``).
    """
    registrant = Registrant.objects.select_related("assembly").filter(pk=registrant_id).first()
    if registrant is None:
        return False
    return _confirmation_email_deliver(registrant=registrant, base_url=base_url, language=language)


def _confirmation_email_deliver(
    *, registrant: Registrant, base_url: str, language: str | None
) -> bool:
    """Render and send the confirmation email of one registrant (see
    :func:`confirmation_email_send`)."""
    if registrant.erased_at is not None or not registrant.email:
        return False
    with translation.override(language or translation.get_language()):
        context = {
            "registrant": registrant,
            "assembly": registrant.assembly,
            "links": registration_links(registrant=registrant, base_url=base_url),
            "confirm_days": settings.REGISTRATION_CONFIRM_MAX_AGE // 86400,
        }
        subject = gettext("Confirm your registration: %(title)s") % {
            "title": registrant.assembly.title
        }
        body = render_to_string("assemblies/email/confirmation.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split())[:200], body=body, to=[registrant.email]
    )
    message.send(fail_silently=False)
    return True


def _registrant_locked(*, assembly_id: int, public_id: uuid.UUID) -> Registrant:
    registrant = (
        Registrant.objects.select_for_update()
        .filter(assembly_id=assembly_id, public_id=public_id)
        .first()
    )
    if registrant is None:
        raise RegistrantGone(str(public_id))
    return registrant


def registrant_confirm(
    *, assembly_id: int, public_id: uuid.UUID, now: dt.datetime | None = None
) -> Registrant:
    """Confirm a registrant's email address: ``pending`` -> ``pool``, ``email_confirmed_at``
    set. Any other status is left as it is (confirming twice changes nothing).

    Args:
        assembly_id: the assembly named in the signed link.
        public_id: the registrant's public id from the signed link.
        now: the confirmation time (default: now).

    Returns:
        The registrant, after the change (if any).

    Raises:
        RegistrantGone: when the assembly has no registrant with this public id.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registrant = _registrant_locked(assembly_id=assembly_id, public_id=public_id)
        if registrant.status != RegistrantStatus.PENDING:
            return registrant
        registrant.status = RegistrantStatus.POOL
        registrant.email_confirmed_at = now
        registrant.save(update_fields=["status", "email_confirmed_at", "updated_at"])
        audit_event_record(
            action="assemblies.registrant.confirmed",
            target=registrant.assembly,
            data={"registrant": str(registrant.public_id)},
        )
    return registrant


def registrant_withdraw(*, assembly_id: int, public_id: uuid.UUID) -> Registrant:
    """Withdraw a registrant at their own request: any of :data:`WITHDRAWABLE_STATUSES` ->
    ``withdrawn``. Withdrawn or erased registrants are left as they are.

    Returns:
        The registrant, after the change (if any).

    Raises:
        RegistrantGone: when the assembly has no registrant with this public id.
    """
    with transaction.atomic():
        registrant = _registrant_locked(assembly_id=assembly_id, public_id=public_id)
        if registrant.status not in WITHDRAWABLE_STATUSES:
            return registrant
        previous = registrant.status
        registrant.status = RegistrantStatus.WITHDRAWN
        registrant.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action="assemblies.registrant.withdrawn",
            target=registrant.assembly,
            data={
                "registrant": str(registrant.public_id),
                "from": previous,
                "by": "registrant",
            },
        )
    return registrant


def registrant_erase(*, assembly_id: int, public_id: uuid.UUID) -> Registrant:
    """Erase a registrant's personal data at their request, through the organisers' own
    :func:`assemblies.services.registrant_erase` (blank personal fields and ``extra``,
    ``erased_at`` set, status ``deleted``; the row, public id and answers stay so past draws
    stay verifiable). Erasing twice changes nothing.

    Returns:
        The registrant, after the change (if any).

    Raises:
        RegistrantGone: when the assembly has no registrant with this public id.
    """
    from assemblies.services import registrant_erase as erase

    registrant_id = (
        Registrant.objects.filter(assembly_id=assembly_id, public_id=public_id)
        .values_list("pk", flat=True)
        .first()
    )
    if registrant_id is None:
        raise RegistrantGone(str(public_id))
    return erase(registrant_id=registrant_id)
