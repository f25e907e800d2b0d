"""Staff-entered registrations: a caller or manager enters a registration taken on the phone
or typed from a paper form (:func:`registrant_enter`; the admin page is
:mod:`assemblies.admin.entry`).

One transaction, the same checks and locks as the public form
(:mod:`assemblies.services.intake`); the audit event names the registrant by public id only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from assemblies.errors import AssemblyNotFound, InvalidInput, ServiceError
from assemblies.models import (
    PERSONAL_FIELDS,
    STAFF_SOURCES,
    Assembly,
    AssemblyStatus,
    Registrant,
    RegistrantStatus,
)
from assemblies.permissions import can_call
from assemblies.selectors.content import language_codes
from assemblies.services.confirmation import confirmation_queue
from assemblies.services.intake import (
    registrant_id_by_email,
    registration_entry_check,
    registration_lock,
)
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record


class DuplicateRegistration(InvalidInput):
    """Staff tried to enter a registration whose email address is already registered."""

    code = "duplicate_registration"


def registrant_enter(
    *,
    assembly_id: int,
    answers: dict[str, str],
    contact: dict[str, str],
    source: str,
    actor: Any,
    base_url: str,
    extra: Mapping[str, str] | None = None,
    language: str = "",
    now: dt.datetime | None = None,
) -> Registrant:
    """Enter a registration for someone, in the admin: a caller or manager took it on the
    phone or typed it from a paper form, and records that the person confirmed it.

    The same answers and contact details as the public form are required (the admin page
    uses the same form). The new registrant is in the ``pool`` straight away (the staff
    member confirmed it), with ``consent_at`` and ``staff_confirmed_at`` set to ``now`` and
    ``staff_confirmed_by`` to ``actor``; the event ``REGISTRANT_ENTERED`` (on the
    registrant, so its timeline shows it) names the actor.
    The confirmation email (with the withdraw and erase links) is sent only when there is an
    email address. The registration window is not checked (a paper form may be typed in
    after the closing date), but the assembly must be open.

    Args:
        assembly_id: the assembly.
        answers, contact, extra: as for :func:`registrant_register`.
        source: ``phone``, ``paper`` or ``staff`` (:data:`assemblies.models.STAFF_SOURCES`).
        actor: the staff user entering the registration (a caller or manager).
        base_url: scheme and host for the links in the email.
        language: the language the person speaks (a site language code; their emails are
            written in it), or ``""`` for the site's default language.
        now: the time of the entry (default: now).

    Returns:
        The new :class:`Registrant`.

    Raises:
        AssemblyNotFound: no such assembly.
        ServiceError: the actor is not a caller or manager of the assembly, or the assembly
            is not open for registration.
        DuplicateRegistration: the email address is already registered in the assembly.
        InvalidInput: a bad source, a missing required detail or a bad answer.
        Nothing is stored when any of these is raised.
    """
    if source not in STAFF_SOURCES:
        raise InvalidInput(f"source: {source!r} is not one of {', '.join(STAFF_SOURCES)}.")
    if language and language not in language_codes():
        raise InvalidInput(
            f"language: “{language}” is not a site language ({', '.join(language_codes())})."
        )
    now = now or timezone.now()
    email = (contact.get("email") or "").strip()
    assembly = Assembly.objects.filter(pk=assembly_id).first()
    if assembly is None:
        raise AssemblyNotFound("There is no such assembly.")
    if not can_call(actor, assembly_id):
        raise ServiceError("Only callers and managers of this assembly enter registrations.")
    with transaction.atomic():
        locked = registration_lock(assembly=assembly, email=email)
        if locked.status != AssemblyStatus.OPEN:
            raise ServiceError(
                "Registration is not open in this assembly: open it before entering registrations."
            )
        registration_entry_check(locked, answers=answers, contact=contact, extra=extra or {})
        if email and registrant_id_by_email(assembly_id=locked.pk, email=email) is not None:
            raise DuplicateRegistration(
                "This email address is already registered in this assembly: find the "
                "registrant in the list instead of entering them again."
            )
        registrant = Registrant.objects.create(
            assembly=locked,
            status=RegistrantStatus.POOL,
            source=source,
            language=language,
            answers=dict(answers),
            extra=dict(extra or {}),
            consent_at=now,
            staff_confirmed_at=now,
            staff_confirmed_by=actor,
            **{field: (contact.get(field) or "").strip() for field in PERSONAL_FIELDS},
        )
        audit_event_record(
            action=AuditAction.REGISTRANT_ENTERED,
            actor=actor,
            target=registrant,
            data={"public_id": str(registrant.public_id), "source": source},
        )
        if email:
            confirmation_queue(registrant=registrant, base_url=base_url)
    return registrant
