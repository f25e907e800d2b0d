"""Use cases of the registration: register from the public form, enter a registration in the
admin for someone (phone, paper), and send the confirmation email (recorded as an
:class:`~assemblies.models.EmailSend`; see :mod:`assemblies.services.emails`).

Each function owns one transaction, locks the rows it changes, re-checks the state it
depends on and is safe to call twice. Audit events name the registrant by public id only:
no personal data enters the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone, translation

from assemblies.errors import AssemblyNotFound, InvalidInput, RegistrationClosed, ServiceError
from assemblies.models import (
    CHOICE_TYPES,
    PERSONAL_FIELDS,
    STAFF_SOURCES,
    Assembly,
    AssemblyStatus,
    EmailKind,
    EmailSendStatus,
    FieldType,
    PageStatus,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
    RegistrationPage,
)
from assemblies.permissions import can_call
from assemblies.selectors.content import language_codes, site_language
from assemblies.selectors.pages import page_registration_state
from assemblies.selectors.registration import (
    ContactRules,
    FieldSpec,
    Question,
    RegistrationState,
    registration_fields,
    registration_questions,
    registration_state,
)
from assemblies.services.emails import email_send_deliver, email_send_queue
from assemblies.tasks import send_email
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegistrationOutcome:
    """Result of :func:`registrant_register`: the registrant and whether it is new."""

    registrant: Registrant
    created: bool


class DuplicateRegistration(InvalidInput):
    """Staff tried to enter a registration whose email address is already registered."""

    code = "duplicate_registration"


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
        locked = _assembly_lock_for_registration(assembly=assembly, email=email)
        if page is not None:
            page_status = _page_status_locked(page=page, assembly=locked)
            state = page_registration_state(assembly=locked, page_status=page_status, now=now)
        else:
            page_status = ""
            state = registration_state(assembly=locked, now=now)
        if state != RegistrationState.OPEN:
            raise RegistrationClosed(state)
        test = page_status == PageStatus.TEST
        _entry_check(locked, answers=answers, contact=contact, extra=extra or {})
        existing_id = (
            _registrant_id_by_email(assembly_id=locked.pk, email=email, test=test)
            if email
            else None
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
            _confirmation_queue(registrant=registrant, base_url=base_url)
    return RegistrationOutcome(registrant=registrant, created=created)


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
        locked = _assembly_lock_for_registration(assembly=assembly, email=email)
        if locked.status != AssemblyStatus.OPEN:
            raise ServiceError(
                "Registration is not open in this assembly: open it before entering registrations."
            )
        _entry_check(locked, answers=answers, contact=contact, extra=extra or {})
        if email and _registrant_id_by_email(assembly_id=locked.pk, email=email) is not None:
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
            _confirmation_queue(registrant=registrant, base_url=base_url)
    return registrant


def _entry_check(
    assembly: Assembly,
    *,
    answers: Mapping[str, str],
    contact: Mapping[str, str],
    extra: Mapping[str, str],
) -> None:
    """Refuse a registration whose answers, contact details or form field answers do not
    fit the assembly (the form checks the same; this is the service's own guard).

    Raises:
        InvalidInput: every problem, joined by "; ".
    """
    problems = _answers_problems(registration_questions(assembly=assembly), answers)
    problems += _contact_problems(ContactRules.of(assembly), contact)
    problems += _extra_problems(registration_fields(assembly=assembly), extra)
    if problems:
        raise InvalidInput("; ".join(problems))


def _contact_problems(rules: ContactRules, contact: Mapping[str, str]) -> list[str]:
    """The service's own contact check: an email address when the assembly requires one,
    and at least one way to reach the person (email, phone or postal address). The form
    enforces the phone and address requirements field by field."""
    given = {name: bool((contact.get(name) or "").strip()) for name in PERSONAL_FIELDS}
    if rules.requires("email") and not given["email"]:
        return ["email: required in this assembly"]
    if not (given["email"] or given["phone"] or (given["address_line_1"] and given["postcode"])):
        return ["contact: give an email address, a phone number or a postal address"]
    return []


def _extra_problems(specs: list[FieldSpec], extra: Mapping[str, str]) -> list[str]:
    """Form field answers checked against the fields asked: no unknown key, every required
    field answered, choice answers among the choices."""
    by_key = {spec.key: spec for spec in specs}
    problems = [f"{key}: not a form field of this assembly" for key in extra if key not in by_key]
    for spec in specs:
        text = str(extra.get(spec.key) or "")
        if not text:
            if spec.required:
                problems.append(f"{spec.key}: required")
            continue
        chosen = text.split("; ") if spec.type == FieldType.MULTIPLE_CHOICE else [text]
        if spec.type in CHOICE_TYPES and any(c not in spec.choices for c in chosen):
            problems.append(f"{spec.key}: {text!r} is not among its choices")
        if spec.type == FieldType.YES_NO and text not in ("yes", "no"):
            problems.append(f"{spec.key}: answer yes or no")
    return problems


def _answers_problems(questions: list[Question], answers: Mapping[str, str]) -> list[str]:
    """The form's answers checked against its questions (the quota table's values)."""
    problems = [
        f"{q.category}: {answers.get(q.category)!r} is not one of {', '.join(q.values)}"
        for q in questions
        if answers.get(q.category) not in q.values
    ]
    asked = {q.category for q in questions}
    problems += [
        f"{name}: not a question of this assembly" for name in answers if name not in asked
    ]
    return problems


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


def _registrant_id_by_email(*, assembly_id: int, email: str, test: bool = False) -> int | None:
    """The id of the assembly's oldest registrant with this email (case-insensitive), or
    ``None`` (plain SQL on the ``(assembly, lower(email))`` index, as in
    :func:`assemblies.selectors.registration.registrant_by_email`, for the same reason as
    above). Runs after the email's lock is held, so it sees a registration just committed.
    With ``test``, only test submissions are looked at; without, only the others."""
    table = connection.ops.quote_name(Registrant._meta.db_table)
    status = "status = %s" if test else "status <> %s"
    sql = (
        f"SELECT id FROM {table} WHERE assembly_id = %s AND LOWER(email) = %s "  # noqa: S608
        f"AND {status} ORDER BY id LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [assembly_id, email.lower(), RegistrantStatus.TEST])
        row = cursor.fetchone()
    return row[0] if row else None


def _confirmation_queue(*, registrant: Registrant, base_url: str) -> None:
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
