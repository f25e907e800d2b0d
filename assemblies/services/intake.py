"""What every way of registering someone shares (not a use case of its own): the checks of
answers, contact details and form field answers, the registration's locks and the look-up
of a registered email address. Used by :mod:`assemblies.services.registration` (the public
form) and :mod:`assemblies.services.entry` (staff entries), inside their transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from django.db import connection

from assemblies.errors import InvalidInput
from assemblies.models import (
    CHOICE_TYPES,
    PERSONAL_FIELDS,
    Assembly,
    FieldType,
    Registrant,
    RegistrantStatus,
)
from assemblies.selectors.registration import (
    ContactRules,
    FieldSpec,
    Question,
    registration_fields,
    registration_questions,
)


def registration_entry_check(
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


def registration_lock(*, assembly: Assembly, email: str) -> Assembly:
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


def registrant_id_by_email(*, assembly_id: int, email: str, test: bool = False) -> int | None:
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
