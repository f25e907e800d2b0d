"""Who may do what to an assembly (reads only; the admin and commands ask these).

Roles per assembly (``AssemblyMembership.role``): a **manager** changes everything of the
assembly; a **caller** reads it and changes registrant statuses among selected, confirmed and
withdrawn; a **viewer** reads. Superusers act as managers of every assembly. A user with no
role in an assembly must not learn that it exists (the admin answers 404).
"""

from __future__ import annotations

from typing import Any

from assemblies.models import AssemblyMembership, RegistrantStatus, Role
from opendlp.core.errors import Forbidden

#: Statuses a caller may set, and only on registrants currently in one of them.
CALLER_STATUSES = (
    RegistrantStatus.SELECTED,
    RegistrantStatus.CONFIRMED,
    RegistrantStatus.WITHDRAWN,
)

_CACHE_ATTR = "_assemblies_roles"


def roles_for(user: Any) -> dict[int, str]:
    """``{assembly id: role}`` of the user's memberships (cached on the user object).

    Superusers get an empty dict here; use :func:`role_in` which accounts for them.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = dict(
            AssemblyMembership.objects.filter(user=user).values_list("assembly_id", "role")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after a membership change)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_organiser(user: Any) -> bool:
    """True for active staff users with at least one membership, and for superusers."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.is_staff and roles_for(user))


def role_in(user: Any, assembly_id: int | None) -> str | None:
    """The user's role in the assembly: ``"manager"``, ``"caller"``, ``"viewer"`` or None.

    Superusers are managers everywhere; users who are not active staff have no role.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.MANAGER
    if not user.is_staff or assembly_id is None:
        return None
    return roles_for(user).get(assembly_id)


def can_view(user: Any, assembly_id: int | None) -> bool:
    """Any role reads the assembly."""
    return role_in(user, assembly_id) is not None


def can_manage(user: Any, assembly_id: int | None) -> bool:
    """Managers (and superusers) change the assembly, import, export and run selections."""
    return role_in(user, assembly_id) == Role.MANAGER


def manager_required(
    actor: Any,
    assembly_id: int,
    what: str,
    *,
    code: str | None = None,
    system: bool = True,
) -> None:
    """Refuse unless ``actor`` manages the assembly; ``actor`` None is the system (allowed
    unless ``system`` is False). The one wording of this refusal for every service.

    Args:
        actor: the user acting, or None for the system (a task, a command).
        assembly_id: the assembly's primary key.
        what: the action, completing "Only the assembly's managers can ...".
        code: the refusal's code where a service has its own (e.g. ``"not_manager"`` for
            invitations, which API clients read); default ``"forbidden"``.
        system: False where a user must act (an invitation records who sent or revoked
            it), so None is refused too.

    Raises:
        Forbidden: ``actor`` is a user who does not manage the assembly (or None, with
            ``system`` False).
    """
    if actor is None and system:
        return
    if not can_manage(actor, assembly_id):
        raise Forbidden(f"Only the assembly's managers can {what}.", code=code)


def can_call(user: Any, assembly_id: int | None) -> bool:
    """Managers and callers change panel members' statuses."""
    return role_in(user, assembly_id) in (Role.MANAGER, Role.CALLER)


def can_create_assembly(user: Any) -> bool:
    """Superusers, users with the ``assemblies.add_assembly`` permission, and managers of an
    assembly may create a new one (they become its manager)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.is_staff:
        return False
    return user.has_perm("assemblies.add_assembly") or Role.MANAGER in roles_for(user).values()


def visible_assembly_ids(user: Any) -> list[int] | None:
    """Ids of the assemblies the user may see; None means all (superuser)."""
    if user is not None and getattr(user, "is_superuser", False) and user.is_active:
        return None
    if user is None or not getattr(user, "is_staff", False):
        return []
    return list(roles_for(user))


def managed_assembly_ids(user: Any) -> list[int] | None:
    """Ids of the assemblies the user manages; None means all (superuser)."""
    if user is not None and getattr(user, "is_superuser", False) and user.is_active:
        return None
    if user is None or not getattr(user, "is_staff", False):
        return []
    return [pk for pk, role in roles_for(user).items() if role == Role.MANAGER]
