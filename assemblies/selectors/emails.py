"""Reads about emails to registrants: who a panel notification writes to, and what was sent."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet

from assemblies.models import (
    EmailKind,
    EmailSend,
    EmailSendStatus,
    Registrant,
    RegistrantStatus,
    RunKind,
    SelectionRun,
)

#: Statuses of a drawn person who is still on the panel.
_ON_PANEL = (RegistrantStatus.SELECTED, RegistrantStatus.CONFIRMED)


@dataclass(frozen=True)
class NotifyPlan:
    """Who a run's notification writes to.

    Attributes:
        recipients: ``[(registrant id, public id, kind, language)]`` of registrants with an
            email address, in id order (``language``: the one they registered in, or ``""``).
        counts: ``{kind: number of registrants}``, with or without address.
        without_email: registrants who get no email (no address): staff call them.
        sends: ``{status: number}`` of the run's existing sends.
    """

    recipients: list[tuple[int, str, str, str]]
    counts: dict[str, int]
    without_email: list[Registrant]
    sends: dict[str, int] = field(default_factory=dict)


def run_notify_groups(*, run: SelectionRun) -> dict[str, QuerySet[Registrant]]:
    """The registrants a finished draw concerns, by kind of email.

    A panel run: ``selected`` (drawn by it, still selected or confirmed), ``reserve`` (the
    assembly's reserves) and ``not_selected`` (the assembly's pool). A replacement run:
    ``replacement`` (drawn by it, still on the panel). Other runs: nobody.
    """
    if run.kind == RunKind.PANEL:
        return {
            EmailKind.SELECTED: Registrant.objects.filter(selected_by=run, status__in=_ON_PANEL),
            EmailKind.RESERVE: Registrant.objects.filter(
                assembly_id=run.assembly_id, status=RegistrantStatus.RESERVE
            ),
            EmailKind.NOT_SELECTED: Registrant.objects.filter(
                assembly_id=run.assembly_id, status=RegistrantStatus.POOL
            ),
        }
    if run.kind == RunKind.REPLACEMENT:
        return {
            EmailKind.REPLACEMENT: Registrant.objects.filter(selected_by=run, status__in=_ON_PANEL)
        }
    return {}


def run_notify_plan(*, run: SelectionRun) -> NotifyPlan:
    """The counts, recipients and people to call of a run's notification (see
    :func:`run_notify_groups`); one query per kind plus one for the existing sends."""
    recipients: list[tuple[int, str, str, str]] = []
    counts: dict[str, int] = {}
    without: list[Registrant] = []
    for kind, registrants in run_notify_groups(run=run).items():
        rows = list(registrants.order_by("id"))
        counts[kind] = len(rows)
        for registrant in rows:
            if registrant.email:
                recipients.append(
                    (registrant.pk, str(registrant.public_id), str(kind), registrant.language)
                )
            else:
                without.append(registrant)
    sends = Counter(EmailSend.objects.filter(run=run).values_list("status", flat=True))
    return NotifyPlan(
        recipients=recipients, counts=counts, without_email=without, sends=dict(sends)
    )


def run_sends_to_resume(*, run_id: int) -> list[int]:
    """Ids of a run's sends still to deliver (queued or failed), in id order."""
    return list(
        EmailSend.objects.filter(
            run_id=run_id, status__in=(EmailSendStatus.QUEUED, EmailSendStatus.FAILED)
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
