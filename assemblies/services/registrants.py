"""Use cases of one registrant: status changes along the state machine
(:mod:`assemblies.states`), edits, erasure; and the same moves asked for by the registrant
through their signed links (confirm, withdraw, erase).

Every status change is checked by :func:`assemblies.states.transition_allowed` for the
:class:`~assemblies.states.Mover` who asks (manager, caller, registrant) and audited as
``REGISTRANT_STATUS_CHANGED`` with ``by``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assemblies.errors import InvalidInput, RegistrantNotFound, ServiceError
from assemblies.models import (
    PERSONAL_FIELDS,
    AssemblyStatus,
    Registrant,
    RegistrantNote,
    RegistrantStatus,
    Role,
    erased_external_id,
)
from assemblies.permissions import manager_required, role_in
from assemblies.selectors.assemblies import answers_problems
from assemblies.services._common import _lock_assembly, _validation_text
from assemblies.states import PANEL_STATUSES, Mover, refusal, transition_allowed
from opendlp.core.audit import AuditAction
from opendlp.core.errors import Forbidden
from opendlp.core.services import audit_event_record

#: Assembly statuses in which a registrant may still confirm their email address.
CONFIRMABLE_ASSEMBLY_STATUSES: tuple[str, ...] = (AssemblyStatus.OPEN, AssemblyStatus.CLOSED)


def mover_for(*, actor: Any, assembly_id: int) -> Mover:
    """The :class:`Mover` an organiser acts as in an assembly: ``manager`` for managers,
    superusers and the system (``actor`` None: commands and tasks), ``caller`` for callers.

    Raises:
        Forbidden: the actor has no role that may change registrants (a viewer, or none).
    """
    if actor is None:
        return Mover.MANAGER
    role = role_in(actor, assembly_id)
    if role == Role.MANAGER:
        return Mover.MANAGER
    if role == Role.CALLER:
        return Mover.CALLER
    raise Forbidden("Your role in this assembly does not allow changing registrants.")


def _locked(registrant_id: int) -> Registrant:
    try:
        return Registrant.objects.select_for_update().get(pk=registrant_id)
    except Registrant.DoesNotExist:
        raise RegistrantNotFound("There is no such registrant.") from None


def _audit(action: AuditAction, registrant: Registrant, actor: Any, **data: Any) -> None:
    """Audit an event about one registrant, named by assembly and public id only."""
    audit_event_record(
        action=action,
        actor=actor,
        target=registrant,
        data={
            "assembly_id": registrant.assembly_id,
            "public_id": str(registrant.public_id),
            **data,
        },
    )


def _move(registrant: Registrant, status: str, *, by: Mover, actor: Any, **fields: Any) -> None:
    """Inside the caller's transaction: apply an allowed move and audit it."""
    previous = registrant.status
    registrant.status = status
    for name, value in fields.items():
        setattr(registrant, name, value)
    registrant.save(update_fields=["status", *fields, "updated_at"])
    _audit(
        AuditAction.REGISTRANT_STATUS_CHANGED,
        registrant,
        actor,
        **{"from": previous, "to": status, "by": by.value},
    )


def registrant_status_change(*, registrant_id: int, status: str, actor: Any = None) -> Registrant:
    """Move a registrant to ``status`` as the actor's role allows (see
    :data:`assemblies.states.TRANSITIONS`); no-op when it is already there.

    Args:
        registrant_id: the registrant's primary key.
        status: a ``RegistrantStatus`` value (erasure is :func:`registrant_erase`).
        actor: the organiser acting; None for the system (acts as a manager).

    Returns:
        The registrant after the change.

    Raises:
        RegistrantNotFound: no such registrant.
        Forbidden: the actor is a viewer or has no role in the assembly.
        ServiceError: the move is not allowed for the actor's role, or it would put on the
            panel someone no draw chose, or someone whose seat a replacement draw has filled.
    """
    if status not in RegistrantStatus.values or status == RegistrantStatus.DELETED:
        raise InvalidInput(f"Unknown status {status!r}.")
    with transaction.atomic():
        if status in PANEL_STATUSES:  # the panel's size is checked under the assembly lock
            assembly_id = (
                Registrant.objects.filter(pk=registrant_id)
                .values_list("assembly_id", flat=True)
                .first()
            )
            if assembly_id is None:
                raise RegistrantNotFound(f"No registrant {registrant_id}.")
            _lock_assembly(assembly_id)
        registrant = _locked(registrant_id)
        if registrant.status == status:
            return registrant
        by = mover_for(actor=actor, assembly_id=registrant.assembly_id)
        if not transition_allowed(registrant.status, status, by=by):
            raise ServiceError(refusal(registrant.status, status, by=by))
        if status in PANEL_STATUSES and registrant.status not in PANEL_STATUSES:
            _refuse_panel_return(registrant)
        _move(registrant, status, by=by, actor=actor)
    return registrant


def _refuse_panel_return(registrant: Registrant) -> None:
    """Only a draw puts people on a panel: someone may come back to it (e.g. after
    withdrawing by mistake) only if a draw chose them and their seat is still free.

    Raises:
        ServiceError: no draw chose them, or the panel is full (a replacement took the seat).
    """
    if registrant.selected_by_id is None:
        raise ServiceError(
            "Only a draw puts people on the panel: this registrant was never drawn. A "
            "manager can seat them by manual override, with a reason that is published."
        )
    seated = Registrant.objects.filter(
        assembly_id=registrant.assembly_id, status__in=PANEL_STATUSES
    ).count()
    if seated >= registrant.assembly.panel_size:
        raise ServiceError(
            f"The panel already has its {registrant.assembly.panel_size} members: this "
            "registrant's seat was filled by a replacement draw."
        )


def registrant_update(
    *, registrant: Registrant, actor: Any = None, changed: Iterable[str] = ()
) -> Registrant:
    """Save contact and answer edits made by a manager (status changes go through
    :func:`registrant_status_change`).

    Args:
        registrant: the edited instance (not yet saved). changed: the names of the fields
            the form changed; only contact fields, ``external_id``, ``answers`` and ``extra``
            are saved.

    Raises:
        Forbidden: the actor does not manage the assembly.
        InvalidInput: validation failed, or an answer is not a value of the quota table.
        ServiceError: the registrant was erased.
    """
    manager_required(actor, registrant.assembly_id, "edit registrants")
    with transaction.atomic():
        current = _locked(registrant.pk)
        if current.status == RegistrantStatus.DELETED:
            raise ServiceError("This registrant's data was erased; it cannot be edited.")
        registrant.status = current.status
        try:
            registrant.full_clean()
        except ValidationError as exc:
            raise InvalidInput(_validation_text(exc)) from exc
        if "answers" in changed:
            problems = answers_problems(
                assembly=registrant.assembly, answers=registrant.answers or {}
            )
            if problems:
                raise InvalidInput("; ".join(problems))
        editable = {"external_id", *PERSONAL_FIELDS, "answers", "extra"}
        registrant.save(update_fields=sorted(set(changed) & editable | {"updated_at"}))
        _audit(
            AuditAction.REGISTRANT_CHANGED,
            registrant,
            actor,
            fields=sorted(set(changed) - {"status"}),
        )
    return registrant


def registrant_erase(
    *, registrant_id: int, actor: Any = None, by: Mover | None = None
) -> Registrant:
    """Erase a registrant's personal data (contact fields and extra columns) and mark them
    ``deleted``; the external id (which may be an email or a name) becomes a keyed pseudonym
    (:func:`assemblies.models.erased_external_id`: unique, unreadable, still recognised by a
    re-import, which skips it), also in the admin's change history; the organisers' notes on
    the registrant are deleted. The row, answers and public id stay so past draws remain
    verifiable. Erasing twice is harmless.

    Args:
        by: who asks; default: the actor's role (a manager, or the system).

    Raises:
        RegistrantNotFound: no such registrant.
        Forbidden: the actor does not manage the assembly.
    """
    with transaction.atomic():
        registrant = _locked(registrant_id)
        if registrant.status == RegistrantStatus.DELETED:
            return registrant
        by = by or mover_for(actor=actor, assembly_id=registrant.assembly_id)
        if not transition_allowed(registrant.status, RegistrantStatus.DELETED, by=by):
            raise Forbidden("Only the assembly's managers can erase personal data.")
        previous = registrant.status
        for name in PERSONAL_FIELDS:
            setattr(registrant, name, "")
        registrant.extra = {}
        registrant.external_id = erased_external_id(
            assembly=registrant.assembly, external_id=registrant.external_id
        )
        registrant.status = RegistrantStatus.DELETED
        registrant.erased_at = timezone.now()
        registrant.save()
        RegistrantNote.objects.filter(registrant=registrant).delete()  # personal data
        # The admin's own history names objects by str() (the old external id): rename it.
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Registrant),
            object_id=str(registrant.pk),
        ).update(object_repr=registrant.audit_label)
        _audit(
            AuditAction.REGISTRANT_ERASED, registrant, actor, **{"from": previous, "by": by.value}
        )
    return registrant


# --- the registrant's own links -----------------------------------------------------------


def _by_link(*, assembly_id: int, public_id: uuid.UUID) -> Registrant:
    registrant = (
        Registrant.objects.select_for_update()
        .select_related("assembly")
        .filter(assembly_id=assembly_id, public_id=public_id)
        .first()
    )
    if registrant is None:
        raise RegistrantNotFound(f"No registrant {public_id} in this assembly.")
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
        RegistrantNotFound: the assembly has no registrant with this public id.
        ServiceError: the assembly no longer takes confirmations (its panel was selected or it
            is archived): the registrant stays pending.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registrant = _by_link(assembly_id=assembly_id, public_id=public_id)
        if registrant.status != RegistrantStatus.PENDING:
            return registrant
        _confirmable_or_refuse(registrant)
        _move(
            registrant,
            RegistrantStatus.POOL,
            by=Mover.REGISTRANT,
            actor=None,
            email_confirmed_at=now,
        )
    return registrant


def _confirmable_or_refuse(registrant: Registrant) -> None:
    """Refuse a confirmation once the registrant's assembly no longer takes them.

    Raises:
        ServiceError: the assembly's panel was selected or it is archived.
    """
    if registrant.assembly.status not in CONFIRMABLE_ASSEMBLY_STATUSES:
        raise ServiceError(
            "This assembly no longer takes confirmations: its panel has been selected "
            "or it is archived."
        )


def registrant_staff_confirm(
    *, registrant_id: int, actor: Any, now: dt.datetime | None = None
) -> Registrant:
    """Record that a caller or manager confirmed a pending registrant themselves (on the
    phone, by letter): ``pending`` -> ``pool``, with ``staff_confirmed_at`` = ``now`` and
    ``staff_confirmed_by`` = ``actor``, as if the person had followed their email link (the
    move is the registrant's, relayed by staff). Audited as ``REGISTRANT_STAFF_CONFIRMED``
    naming the actor. A registrant who is not pending is left as they are (confirming twice
    changes nothing).

    Args:
        registrant_id: the registrant's primary key.
        actor: the caller or manager who spoke to the person.
        now: the time of the confirmation (default: now).

    Returns:
        The registrant, after the change (if any).

    Raises:
        RegistrantNotFound: no such registrant.
        Forbidden: the actor is not a caller or manager of the registrant's assembly.
        ServiceError: the assembly no longer takes confirmations (its panel was selected or
            it is archived): the registrant stays pending.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registrant = _locked(registrant_id)
        mover_for(actor=actor, assembly_id=registrant.assembly_id)  # refuses viewers
        if actor is None:
            raise Forbidden("A staff confirmation names the staff member who made it.")
        if registrant.status != RegistrantStatus.PENDING:
            return registrant
        _confirmable_or_refuse(registrant)
        _move(
            registrant,
            RegistrantStatus.POOL,
            by=Mover.REGISTRANT,
            actor=actor,
            staff_confirmed_at=now,
            staff_confirmed_by=actor,
        )
        _audit(
            AuditAction.REGISTRANT_STAFF_CONFIRMED,
            registrant,
            actor,
            **{"from": RegistrantStatus.PENDING, "to": RegistrantStatus.POOL},
        )
    return registrant


def registrant_withdraw(*, assembly_id: int, public_id: uuid.UUID) -> Registrant:
    """Withdraw a registrant at their own request (from any status the state machine lets a
    registrant leave) -> ``withdrawn``. Withdrawn or erased registrants are left as they are.

    Returns:
        The registrant, after the change (if any).

    Raises:
        RegistrantNotFound: the assembly has no registrant with this public id.
    """
    with transaction.atomic():
        registrant = _by_link(assembly_id=assembly_id, public_id=public_id)
        if not transition_allowed(
            registrant.status, RegistrantStatus.WITHDRAWN, by=Mover.REGISTRANT
        ):
            return registrant
        _move(registrant, RegistrantStatus.WITHDRAWN, by=Mover.REGISTRANT, actor=None)
    return registrant


def registrant_erase_by_link(*, assembly_id: int, public_id: uuid.UUID) -> Registrant:
    """Erase a registrant's personal data at their request, as :func:`registrant_erase` does
    for organisers. Erasing twice changes nothing.

    Raises:
        RegistrantNotFound: the assembly has no registrant with this public id.
    """
    registrant_id = (
        Registrant.objects.filter(assembly_id=assembly_id, public_id=public_id)
        .values_list("pk", flat=True)
        .first()
    )
    if registrant_id is None:
        raise RegistrantNotFound(f"No registrant {public_id} in this assembly.")
    return registrant_erase(registrant_id=registrant_id, by=Mover.REGISTRANT)
