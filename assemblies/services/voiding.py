"""Redoing a panel: a manager voids the current panel before anyone is confirmed, so a new
panel run can start (issue 16, item 3).

What voiding does (one transaction, the assembly locked):

- the panel run and every replacement run drawn after it (succeeded, not yet voided) get
  ``voided_at``, ``void_reason`` and ``voided_by``; they keep status ``succeeded``, their
  inputs and results, so they stay verifiable, and a published record stays public, marked
  voided with the reason;
- every registrant of the assembly now ``selected`` returns to ``pool`` with ``selected_by``
  cleared: the people the voided runs drew, and also anyone seated by a manual override
  (:class:`~assemblies.models.PanelOverride`) or moved to ``selected`` by a manager, since
  they were seated on the voided panel. Override rows are kept as history; the voided record
  lists those made while the panel stood;
- ``withdrawn`` and ``reserve`` registrants stay as they are (a withdrawal was the person's
  or a manager's decision; a manager can move them back to the pool); ``selected_by`` is
  cleared for everyone the voided runs drew, so nobody they drew can be put back on a later
  panel as "drawn" (only a new draw or a reasoned override seats them);
- the assembly goes from ``selected`` back to ``closed``.

Anyone ``confirmed`` blocks it: confirming is a promise made to a person, so a manager first
moves them back to ``selected`` (or withdraws them), one audited step each.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from assemblies.errors import ServiceError
from assemblies.models import (
    AssemblyStatus,
    Registrant,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.permissions import manager_required
from assemblies.services._common import _lock_assembly, _reason_clean, _refuse_while_busy
from opendlp.core.audit import AuditAction
from opendlp.core.errors import NotFound
from opendlp.core.services import audit_event_record

#: Longest void reason (characters); it is published on the draw record.
VOID_REASON_MAX_LENGTH = 1000


def selection_run_void(*, run_id: int, reason: str, actor: Any = None) -> SelectionRun:
    """Void the panel drawn by a panel run, with its replacement runs, so that a new panel run
    can start (see the module docstring for exactly what changes).

    Idempotent: voiding a run that is already voided returns it unchanged (its first reason
    stays).

    Args:
        run_id: the succeeded panel run that drew the current panel.
        reason: why (1 to :data:`VOID_REASON_MAX_LENGTH` characters, line breaks allowed;
            public on the draw record).
        actor: the manager (None: the system, e.g. the ``void_panel`` command).

    Returns:
        The voided :class:`SelectionRun`.

    Raises:
        NotFound: no such run. Forbidden: the actor is not a manager of the assembly.
        InvalidInput: no reason, too long, or control characters. ServiceError: the run is not
        a drawn panel run, or not the current panel; someone is confirmed; a run is in
        progress; the assembly is archived.
    """
    reason = _reason_clean(
        reason,
        max_length=VOID_REASON_MAX_LENGTH,
        required="A reason is required: it is published on the draw record.",
    )
    assembly_id = (
        SelectionRun.objects.filter(pk=run_id).values_list("assembly_id", flat=True).first()
    )
    if assembly_id is None:
        raise NotFound(f"There is no selection run {run_id}.")
    manager_required(actor, assembly_id, "void a panel")
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        if run.voided_at is not None:
            return run
        if run.kind != RunKind.PANEL:
            raise ServiceError(
                "Only a panel run can be voided; its replacement runs are voided with it."
            )
        if run.status != RunStatus.SUCCEEDED:
            raise ServiceError("This panel run has not drawn a panel: there is nothing to void.")
        _refuse_while_busy(assembly)
        if SelectionRun.objects.filter(
            assembly=assembly,
            kind=RunKind.PANEL,
            status=RunStatus.SUCCEEDED,
            voided_at__isnull=True,
            pk__gt=run.pk,
        ).exists():
            raise ServiceError("This is not the current panel: a later panel run drew it.")
        confirmed = Registrant.objects.filter(
            assembly=assembly, status=RegistrantStatus.CONFIRMED
        ).count()
        if confirmed:
            raise ServiceError(
                f"{confirmed} panel member(s) have confirmed, so the panel cannot be voided. "
                "Move each back to selected (or withdraw them) first if the panel must really "
                "be redrawn."
            )
        replacements = list(
            SelectionRun.objects.select_for_update()
            .filter(
                assembly=assembly,
                kind=RunKind.REPLACEMENT,
                status=RunStatus.SUCCEEDED,
                voided_at__isnull=True,
                pk__gt=run.pk,
            )
            .order_by("pk")
        )
        members = Registrant.objects.select_for_update().filter(
            assembly=assembly, status=RegistrantStatus.SELECTED
        )
        returned = len(list(members))  # lock the rows before changing them
        now = timezone.now()
        members.update(status=RegistrantStatus.POOL, selected_by=None, updated_at=now)
        voided_ids = [run.pk, *(r.pk for r in replacements)]
        # A voided draw chose nobody: whoever it drew (e.g. someone who then withdrew) may
        # not come back onto a later panel as "drawn" (see registrant_status_change).
        Registrant.objects.filter(assembly=assembly, selected_by_id__in=voided_ids).update(
            selected_by=None, updated_at=now
        )
        voided_by = actor if getattr(actor, "pk", None) else None
        SelectionRun.objects.filter(pk__in=voided_ids).update(
            voided_at=now, void_reason=reason, voided_by=voided_by
        )
        previous = assembly.status
        if assembly.status == AssemblyStatus.SELECTED:
            assembly.status = AssemblyStatus.CLOSED
            assembly.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action=AuditAction.SELECTION_VOIDED,
            actor=actor,
            target=run,
            data={
                "assembly_id": assembly.pk,
                "reason": reason,
                "replacement_run_ids": [r.pk for r in replacements],
                "returned": returned,
                "from": previous,
                "to": assembly.status,
            },
        )
        run.refresh_from_db()
    return run
