"""Helpers shared by the assemblies services (not a use case of their own)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from assemblies.errors import AssemblyNotFound, InvalidInput, ServiceError
from assemblies.models import ACTIVE_RUN_STATUSES, Assembly, AssemblyStatus, RunStatus, SelectionRun
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record
from opendlp.core.text import NOTE_WHITESPACE, control_characters


def _lock_assembly(assembly_id: int) -> Assembly:
    try:
        return Assembly.objects.select_for_update().get(pk=assembly_id)
    except Assembly.DoesNotExist:
        raise AssemblyNotFound(f"There is no assembly with id {assembly_id}.") from None


def _validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def _refuse_while_busy(assembly: Assembly) -> None:
    if assembly.status == AssemblyStatus.ARCHIVED:
        raise ServiceError("The assembly is archived.")
    if SelectionRun.objects.filter(assembly=assembly, status__in=ACTIVE_RUN_STATUSES).exists():
        raise ServiceError("A selection run is in progress; wait for it or cancel it first.")


def run_finish(run: SelectionRun, status: str, message: str) -> SelectionRun:
    """Inside the caller's transaction: set the final status and audit it."""
    run.status = status
    run.error = message
    run.finished_at = timezone.now()
    run.save()
    action = {
        RunStatus.SUCCEEDED: AuditAction.SELECTION_SUCCEEDED,
        RunStatus.FAILED: AuditAction.SELECTION_FAILED,
        RunStatus.CANCELLED: AuditAction.SELECTION_CANCELLED,
    }[RunStatus(status)]
    data: dict[str, Any] = {"kind": run.kind, "assembly_id": run.assembly_id}
    if message:
        data["message"] = message[:500]
    if status == RunStatus.SUCCEEDED:
        data["selected"] = run.panel_size
    audit_event_record(action=action, actor=None, target=run, data=data)
    return run


def _reason_clean(reason: str | None, *, max_length: int, required: str) -> str:
    """A published free-text reason (a manual override, a voided panel): trimmed, 1 to
    ``max_length`` characters, line breaks and tabs allowed, no other control characters.

    Raises:
        InvalidInput: ``required`` (the sentence) when empty; too long; control characters.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(required)
    if len(reason) > max_length:
        raise InvalidInput(f"The reason must be at most {max_length} characters.")
    refused = control_characters(reason, allow=NOTE_WHITESPACE)
    if refused:
        raise InvalidInput(f"The reason contains control characters ({', '.join(refused)}).")
    return reason
