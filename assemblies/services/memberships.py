"""Use cases of an assembly's organisers: give a role, change it, remove it.

:func:`membership_set` is the one way a role is granted: the admin's organisers inline, a new
assembly's creator (:func:`assemblies.services.assemblies.assembly_save`) and an accepted
invitation (:func:`assemblies.services.invitations.invitation_accept`) all call it, so every
grant is audited alike (``MEMBERSHIP_SET``) and an assembly never loses its last manager.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import AssemblyMembership, Role
from assemblies.permissions import forget_roles
from assemblies.services._common import _lock_assembly
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

LAST_MANAGER = "An assembly keeps at least one manager."


def _is_last_manager(membership: AssemblyMembership) -> bool:
    return (
        membership.role == Role.MANAGER
        and not AssemblyMembership.objects.filter(
            assembly_id=membership.assembly_id, role=Role.MANAGER
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_set(
    *,
    assembly_id: int,
    user: Any,
    role: str,
    actor: Any = None,
    invitation_id: int | None = None,
) -> AssemblyMembership:
    """Give ``user`` the ``role`` in the assembly (create or change the membership); no-op
    when they already have it.

    Args:
        assembly_id: the assembly. user: an active staff user. role: ``manager``,
            ``caller`` or ``viewer``. actor: who grants it (None: the system).
        invitation_id: the accepted invitation that grants it, recorded in the audit event.

    Returns:
        The :class:`AssemblyMembership`.

    Raises:
        AssemblyNotFound: no such assembly.
        InvalidInput: unknown role, or the user is not active staff.
        ServiceError: it would demote the assembly's last manager.
    """
    if role not in Role.values:
        raise InvalidInput(f"Unknown role {role!r}.")
    if not (user.is_active and user.is_staff):
        raise InvalidInput("Only active staff users can be organisers.")
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        membership, created = AssemblyMembership.objects.select_for_update().get_or_create(
            assembly=assembly, user=user, defaults={"role": role}
        )
        if not created and membership.role == role:
            return membership
        if not created and role != Role.MANAGER and _is_last_manager(membership):
            raise ServiceError(LAST_MANAGER)
        previous = None if created else membership.role
        membership.role = role
        membership.save()
        data: dict[str, Any] = {"user_id": user.pk, "role": role, "previous_role": previous}
        if invitation_id is not None:
            data["invitation_id"] = invitation_id
        audit_event_record(
            action=AuditAction.MEMBERSHIP_SET, actor=actor, target=assembly, data=data
        )
    forget_roles(user)
    return membership


def membership_remove(*, assembly_id: int, user: Any, actor: Any = None) -> bool:
    """Remove ``user``'s role in the assembly.

    Returns:
        True when a role was removed; False when there was none.

    Raises:
        AssemblyNotFound: no such assembly.
        ServiceError: it is the assembly's last manager.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        membership = (
            AssemblyMembership.objects.select_for_update().filter(assembly=assembly, user=user)
        ).first()
        if membership is None:
            return False
        if _is_last_manager(membership):
            raise ServiceError(LAST_MANAGER)
        membership.delete()
        audit_event_record(
            action=AuditAction.MEMBERSHIP_REMOVED,
            actor=actor,
            target=assembly,
            data={"user_id": user.pk, "role": membership.role},
        )
    forget_roles(user)
    return True
