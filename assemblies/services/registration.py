"""Public registration: register from the form (optionally through a registration page).

Entering a registration for someone in the admin is :mod:`assemblies.services.entry`; the
checks and locks both share are :mod:`assemblies.services.intake`; the confirmation email is
:mod:`assemblies.services.confirmation`.

Each function owns one transaction, locks the rows it changes, re-checks the state it
depends on and is safe to call twice. Audit events name the registrant by public id only:
no personal data enters the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone, translation

from assemblies.errors import RegistrationClosed
from assemblies.models import (
    PERSONAL_FIELDS,
    Assembly,
    PageStatus,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
    RegistrationPage,
)
from assemblies.selectors.content import site_language
from assemblies.selectors.pages import page_registration_state
from assemblies.selectors.registration import (
    RegistrationState,
    registration_state,
)
from assemblies.services.confirmation import confirmation_queue
from assemblies.services.intake import (
    registrant_id_by_email,
    registration_entry_check,
    registration_lock,
)
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record


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
    page: RegistrationPage | None = None,
    extra: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> RegistrationOutcome:
    """Register a member of the public from the form, and email them the confirmation link.

    A new registrant is ``pending`` with source ``form`` and ``consent_at`` set. When the
    assembly already has a registrant with this email address (case-insensitive), nothing is
    created or changed and the confirmation email is sent again (so the page shown is the
    same either way: no account enumeration). Without an email address (allowed when the
    assembly requires phone or postal address instead) every submission is a new registrant
    and no email is sent. Registrations of the same email address in the
    same assembly are serialised (an advisory lock on PostgreSQL), so two identical
    submissions arriving together never make two registrants; the assembly row is
    share-locked, so its status cannot change under a registration.

    Args:
        assembly: the assembly (re-read and share-locked here).
        answers: ``{category name: value}``; each category of the quota table needs one of
            its values (the form offers only those; this service checks it again).
        contact: ``name``, ``email``, ``phone`` and optionally ``address_line_1``,
            ``address_line_2``, ``town``, ``postcode`` (validated strings).
        base_url: scheme and host for the links in the email, e.g. ``"https://dlp.example"``.
        page: the registration page (``/r/<code>``) used, if any; recorded on a new
            registrant. Through a page in test the registrant is ``test`` (quarantined: never
            in the pool, a draw, an export or a count; only test submissions count as "known
            email addresses" there, and they never block a real registration), and a draft
            or not-yet-open assembly takes it too. A closed page takes nothing.
        extra: ``{form field key: answer text}`` (``RegistrationForm.extra()``).
        now: the registration time (default: now).

    The active language (the page's fixed language or the visitor's) is recorded as the
    new registrant's ``language``: their confirmation and every later email use it.

    Returns:
        :class:`RegistrationOutcome`.

    Raises:
        RegistrationClosed: when the assembly (or the page) does not take registrations at
            ``now``.
        InvalidInput: when a contact detail the assembly requires is missing, an answer is
            missing or not a value of the quota table, or a form field answer is missing or
            not one of its choices (nothing is stored).
    """
    now = now or timezone.now()
    email = (contact.get("email") or "").strip()
    with transaction.atomic():
        locked = registration_lock(assembly=assembly, email=email)
        if page is not None:
            page_status = _page_status_locked(page=page, assembly=locked)
            state = page_registration_state(assembly=locked, page_status=page_status, now=now)
        else:
            page_status = ""
            state = registration_state(assembly=locked, now=now)
        if state != RegistrationState.OPEN:
            raise RegistrationClosed(state)
        test = page_status == PageStatus.TEST
        registration_entry_check(locked, answers=answers, contact=contact, extra=extra or {})
        existing_id = (
            registrant_id_by_email(assembly_id=locked.pk, email=email, test=test) if email else None
        )
        if existing_id is not None:
            registrant, created = Registrant.objects.get(pk=existing_id), False
            action = AuditAction.REGISTRANT_REGISTERED_AGAIN
        else:
            registrant = Registrant.objects.create(
                assembly=locked,
                status=RegistrantStatus.TEST if test else RegistrantStatus.PENDING,
                source=RegistrantSource.FORM,
                page=page,
                language=site_language(translation.get_language()),
                answers=dict(answers),
                extra=dict(extra or {}),
                consent_at=now,
                **{field: (contact.get(field) or "").strip() for field in PERSONAL_FIELDS},
            )
            created = True
            action = AuditAction.REGISTRANT_REGISTERED
        audit_event_record(
            action=action,
            target=locked,
            data={
                "public_id": str(registrant.public_id),
                "source": RegistrantSource.FORM,
                **({"page_id": page.pk, "test": test} if page is not None else {}),
            },
        )
        registrant.assembly = locked
        if registrant.email:
            confirmation_queue(registrant=registrant, base_url=base_url)
    return RegistrationOutcome(registrant=registrant, created=created)


def _page_status_locked(*, page: RegistrationPage, assembly: Assembly) -> str:
    """The page's status, read under a share lock (FOR SHARE on PostgreSQL, so a promotion
    waits for running registrations and they wait for it).

    Raises:
        RegistrationClosed: the page was deleted or belongs to another assembly.
    """
    table = connection.ops.quote_name(RegistrationPage._meta.db_table)
    lock = "FOR SHARE" if connection.vendor == "postgresql" else ""
    sql = f"SELECT status, assembly_id FROM {table} WHERE id = %s {lock}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [page.pk])
        row = cursor.fetchone()
    if row is None or row[1] != assembly.pk:
        raise RegistrationClosed(RegistrationState.PAGE_CLOSED)
    page.status = row[0]
    return str(row[0])
