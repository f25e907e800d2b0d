"""The one exception to "only a draw changes who is on a panel": a manager's reasoned, audited
manual override, shown on the public draw record (see docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from assemblies.errors import RegistrantNotFound, ServiceError
from assemblies.models import AssemblyStatus, PanelOverride, Registrant, RegistrantStatus
from assemblies.permissions import manager_required
from assemblies.services._common import _lock_assembly, _reason_clean
from assemblies.states import PANEL_STATUSES
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

#: Statuses from which a manager may seat someone by override.
OVERRIDABLE_STATUSES: tuple[str, ...] = (
    RegistrantStatus.POOL,
    RegistrantStatus.RESERVE,
    RegistrantStatus.WITHDRAWN,
)
#: Longest override reason (characters).
REASON_MAX_LENGTH = 1000


def registrant_seat_override(
    *, registrant_id: int, reason: str, actor: Any = None
) -> PanelOverride:
    """Seat a registrant on the panel without a draw (status ``selected``), as a manager's
    explicit override; the reason is published on the assembly's draw records.

    Args:
        registrant_id: the registrant's primary key. reason: why (1 to
            :data:`REASON_MAX_LENGTH` characters; line breaks allowed; public).
        actor: the manager (None: the system, e.g. a command).

    Returns:
        The :class:`PanelOverride` recorded.

    Raises:
        RegistrantNotFound: no such registrant. Forbidden: the actor is not a manager of the
        assembly. InvalidInput: no reason, too long, or control characters. ServiceError: the
        registrant is not in the pool, a reserve or withdrawn; the assembly is archived; or
        the panel already has its panel size.
    """
    reason = _reason_clean(
        reason,
        max_length=REASON_MAX_LENGTH,
        required="A reason is required: it is published with the override.",
    )
    assembly_id = (
        Registrant.objects.filter(pk=registrant_id).values_list("assembly_id", flat=True).first()
    )
    if assembly_id is None:
        raise RegistrantNotFound("There is no such registrant.")
    manager_required(actor, assembly_id, "seat someone by manual override")
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        registrant = Registrant.objects.select_for_update().get(pk=registrant_id)
        if assembly.status == AssemblyStatus.ARCHIVED:
            raise ServiceError("The assembly is archived.")
        if registrant.status not in OVERRIDABLE_STATUSES:
            raise ServiceError(
                f"Only someone in the pool, a reserve or withdrawn can be seated by override "
                f"(this registrant is {registrant.status})."
            )
        seated = Registrant.objects.filter(assembly=assembly, status__in=PANEL_STATUSES).count()
        if seated >= assembly.panel_size:
            raise ServiceError(
                f"The panel already has its {assembly.panel_size} members: withdraw someone "
                "first (an override never makes the panel larger)."
            )
        previous = registrant.status
        registrant.status = RegistrantStatus.SELECTED
        registrant.save(update_fields=["status", "updated_at"])
        override = PanelOverride.objects.create(
            assembly=assembly,
            registrant=registrant,
            reason=reason,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_event_record(
            action=AuditAction.REGISTRANT_SEATED_BY_OVERRIDE,
            actor=actor,
            target=registrant,
            data={
                "assembly_id": assembly.pk,
                "public_id": str(registrant.public_id),
                "from": previous,
                "reason": reason,
            },
        )
    return override
