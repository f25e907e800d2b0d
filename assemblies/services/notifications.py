"""Telling people: the panel after a draw, and pending registrants who never confirmed.

- :func:`panel_notify` creates the sends of a finished draw once (a unique key per registrant,
  kind and run) and enqueues those still queued or failed, so clicking twice, re-running after
  a crash or the ``notify_panel`` command never sends anyone the same email twice.
- :func:`registrants_remind` sends the "reminder to confirm" to pending registrants, once
  per person per day at most.

Each send is an :class:`~assemblies.models.EmailSend` written and delivered by
:mod:`assemblies.services.emails`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assemblies import permissions
from assemblies.errors import ServiceError
from assemblies.models import (
    Assembly,
    AssemblyStatus,
    EmailKind,
    EmailSend,
    Registrant,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.selectors.emails import run_notify_plan, run_sends_to_resume
from assemblies.services.emails import email_send_enqueue
from opendlp.core.audit import AuditAction
from opendlp.core.errors import NotFound
from opendlp.core.services import audit_event_record


@dataclass(frozen=True)
class NotifyOutcome:
    """Result of :func:`panel_notify`: sends created now, sends enqueued (created now or left
    queued or failed before), and the registrants without an email address (to call)."""

    created: int
    enqueued: int
    without_email: list[Registrant]


def panel_notify(*, run_id: int, base_url: str, actor: Any = None) -> NotifyOutcome:
    """Tell the people a finished draw concerns: selected, reserves and not selected for a
    panel run; the people drawn for a replacement run (see
    :func:`assemblies.selectors.emails.run_notify_groups`).

    Creates one :class:`~assemblies.models.EmailSend` per registrant with an address, with
    the key ``"<kind>:<registrant id>:run<run id>"`` (unique: a second call creates none),
    then, after commit, enqueues every send of the run still ``queued`` or ``failed``, so a
    second call also resumes a notification interrupted by a crash. Audited as
    ``PANEL_NOTIFIED`` with counts only (``to_call``: the people without an address).

    Args:
        run_id: a succeeded panel or replacement run, not voided.
        base_url: scheme and host for the links, e.g. ``"https://dlp.example.org"``.
        actor: the manager (None: the system, e.g. the ``notify_panel`` command).

    Each email is written in the language the person registered in
    (``Registrant.language``; blank: the site's default language), never in the
    organiser's.

    Returns:
        :class:`NotifyOutcome`.

    Raises:
        NotFound: no such run. Forbidden: the actor does not manage the assembly.
        ServiceError: the run did not draw anyone (not succeeded, a test run) or was voided.
    """
    assembly_id = (
        SelectionRun.objects.filter(pk=run_id).values_list("assembly_id", flat=True).first()
    )
    if assembly_id is None:
        raise NotFound(f"There is no selection run {run_id}.")
    permissions.manager_required(actor, assembly_id, "notify the panel")
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.SUCCEEDED or run.kind not in (
            RunKind.PANEL,
            RunKind.REPLACEMENT,
        ):
            raise ServiceError("Only a panel or replacement run that drew people can notify.")
        if run.voided_at is not None:
            raise ServiceError("This panel was voided: its draw is not to be announced.")
        plan = run_notify_plan(run=run)
        before = EmailSend.objects.filter(run=run).count()
        EmailSend.objects.bulk_create(
            [
                EmailSend(
                    assembly_id=run.assembly_id,
                    registrant_id=registrant_id,
                    registrant_public_id=public_id,
                    run=run,
                    kind=kind,
                    idempotency_key=f"{kind}:{registrant_id}:run{run.pk}",
                    base_url=base_url,
                    language=language or settings.LANGUAGE_CODE,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
                for registrant_id, public_id, kind, language in plan.recipients
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        created = EmailSend.objects.filter(run=run).count() - before
        due = run_sends_to_resume(run_id=run.pk)
        audit_event_record(
            action=AuditAction.PANEL_NOTIFIED,
            actor=actor,
            target=run,
            data={
                "assembly_id": run.assembly_id,
                "run_id": run.pk,
                "created": created,
                "enqueued": len(due),
                "to_call": len(plan.without_email),
            },
        )
        transaction.on_commit(lambda: email_send_enqueue(due))
    return NotifyOutcome(created=created, enqueued=len(due), without_email=plan.without_email)


@dataclass(frozen=True)
class RemindOutcome:
    """Result of :func:`registrants_remind`: reminders created now (and enqueued), pending
    registrants already reminded today, and pending registrants without an address (to
    call)."""

    created: int
    already_today: int
    without_email: int


def registrants_remind(
    *,
    assembly_id: int,
    base_url: str,
    actor: Any = None,
    registrant_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> RemindOutcome:
    """Email the "reminder to confirm" to the assembly's pending registrants (those who
    registered but never followed their confirmation link), each in their language.

    At most one reminder per person per day: each send has the key
    ``"reminder:<registrant id>:<date>"`` (unique), so a second click the same day sends
    nobody anything; the next day it reminds again. Pending registrants without an email
    address are counted (staff call them: "Record confirmation (by phone)").
    Audited as ``REGISTRANTS_REMINDED`` with counts only (``to_call``: those without an
    address).

    Args:
        assembly_id: an assembly that takes confirmations (open or closed).
        base_url: scheme and host for the links, e.g. ``"https://dlp.example.org"``.
        actor: the manager (None: the system).
        registrant_ids: only these registrants (the admin's selection; default: everyone
            pending); others, and those not pending, are left out.
        now: the time of the reminder (default: now); its local date makes the key.

    Returns:
        :class:`RemindOutcome`.

    Raises:
        NotFound: no such assembly. Forbidden: the actor does not manage the assembly.
        ServiceError: the assembly no longer takes confirmations.
    """
    permissions.manager_required(actor, assembly_id, "send reminders")
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    with transaction.atomic():
        assembly = Assembly.objects.select_for_update().filter(pk=assembly_id).first()
        if assembly is None:
            raise NotFound(f"There is no assembly with id {assembly_id}.")
        if assembly.status not in (AssemblyStatus.OPEN, AssemblyStatus.CLOSED):
            raise ServiceError(
                "Reminders are sent while registrants can still confirm: the assembly must "
                "be open or closed."
            )
        pending = Registrant.objects.filter(
            assembly=assembly, status=RegistrantStatus.PENDING, erased_at__isnull=True
        )
        if registrant_ids is not None:
            pending = pending.filter(pk__in=registrant_ids)
        rows = list(pending.order_by("id").values_list("pk", "public_id", "email", "language"))
        with_email = [row for row in rows if row[2]]
        keys = {
            f"reminder:{pk}:{day}": (pk, public_id, lang) for pk, public_id, _e, lang in with_email
        }
        existing = set(
            EmailSend.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        created = EmailSend.objects.bulk_create(
            [
                EmailSend(
                    assembly=assembly,
                    registrant_id=pk,
                    registrant_public_id=public_id,
                    kind=EmailKind.REMINDER,
                    idempotency_key=key,
                    base_url=base_url,
                    language=language or settings.LANGUAGE_CODE,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
                for key, (pk, public_id, language) in keys.items()
                if key not in existing
            ]
        )
        outcome = RemindOutcome(
            created=len(created),
            already_today=len(existing),
            without_email=len(rows) - len(with_email),
        )
        audit_event_record(
            action=AuditAction.REGISTRANTS_REMINDED,
            actor=actor,
            target=assembly,
            data={
                "assembly_id": assembly.pk,
                "created": outcome.created,
                "already_today": outcome.already_today,
                "to_call": outcome.without_email,
            },
        )
        ids = [send.pk for send in created]
        transaction.on_commit(lambda: email_send_enqueue(ids))
    return outcome
