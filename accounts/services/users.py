"""Write services for users: provisioning, ban and unban, profile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from opendlp.core.audit import AuditAction
from opendlp.core.errors import Forbidden, Invalid
from opendlp.core.services import audit_event_record
from opendlp.core.text import NOTE_WHITESPACE, control_characters

#: Longest ban or unban reason, in characters.
BAN_REASON_MAX_LENGTH = 1000


class BanReasonRequiredError(Invalid):
    """A reason is required to ban a user."""

    code = "reason_required"


@transaction.atomic
def user_ensure(
    *,
    email: str,
    password: str,
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> tuple[User, bool]:
    """Return the user with this email (any case), creating it if missing.

    An existing user keeps its data except that the password, staff and superuser flags are
    set to the given values, so demo and provisioning scripts can run any number of times.

    Returns:
        ``(user, created)``.
    """
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=password,
            display_name=display_name,
            is_staff=is_staff,
            is_superuser=is_superuser,
        )
        return user, True
    user.is_staff, user.is_superuser = is_staff, is_superuser
    if not user.check_password(password):
        user.set_password(password)
    user.save()
    return user, False


def _reason_clean(reason: str | None) -> str:
    reason = (reason or "").strip()
    # Line breaks and tabs are fine in a note; NUL and other controls never reach the database.
    refused = control_characters(reason, allow=NOTE_WHITESPACE)
    if refused:
        raise Invalid(
            f"The reason contains control characters ({', '.join(refused)}).",
            code="reason_invalid",
        )
    if len(reason) > BAN_REASON_MAX_LENGTH:
        raise Invalid(
            f"The reason must be at most {BAN_REASON_MAX_LENGTH} characters.",
            code="reason_too_long",
        )
    return reason


def user_ban(
    *, user_id: int, reason: str, actor: Any = None, now: datetime | None = None
) -> tuple[User, bool]:
    """Ban a user: from now on they cannot submit ballots and their ballots are never drawn.

    Locks the user row, so a lottery close that is checking this user waits for the ban (or
    the ban waits for the close). Banning a banned user changes nothing (the first ban's time
    and reason are kept) and writes no audit event.

    Args:
        user_id: primary key of the user to ban.
        reason: why, shown to staff; 1 to :data:`BAN_REASON_MAX_LENGTH` characters after
            stripping surrounding whitespace.
        actor: the staff user acting, or ``None`` for the system.
        now: the ban time (aware datetime); default :func:`django.utils.timezone.now`.

    Returns:
        ``(user, changed)``; ``changed`` is False when the user was already banned.

    Raises:
        User.DoesNotExist: no user has this id.
        BanReasonRequiredError: ``reason`` is blank (an :class:`~opendlp.core.errors.Invalid`,
            code ``reason_required``).
        opendlp.core.errors.Invalid: ``reason`` is longer than :data:`BAN_REASON_MAX_LENGTH`
            (code ``reason_too_long``) or holds a control character other than a line break
            or tab, e.g. NUL (code ``reason_invalid``).
    """
    reason = _reason_clean(reason)
    if not reason:
        raise BanReasonRequiredError("A reason is required to ban a user.")
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if user.banned_at is not None:
            return user, False
        user.banned_at, user.ban_reason = now, reason
        user.save(update_fields=["banned_at", "ban_reason"])
        audit_event_record(
            action=AuditAction.USER_BANNED,
            actor=actor,
            target=user,
            data={"user_id": user.pk, "reason": reason, "banned_at": now.isoformat()},
        )
    return user, True


def user_unban(
    *, user_id: int, actor: Any = None, reason: str = "", now: datetime | None = None
) -> tuple[User, bool]:
    """Lift a user's ban. Unbanning a user who is not banned changes nothing.

    Args:
        user_id: primary key of the user.
        actor: the staff user acting, or ``None`` for the system.
        reason: optional note for the audit log (at most :data:`BAN_REASON_MAX_LENGTH` chars).
        now: the time recorded in the audit event; default now.

    Returns:
        ``(user, changed)``; ``changed`` is False when the user was not banned.

    Raises:
        User.DoesNotExist: no user has this id.
        opendlp.core.errors.Invalid: ``reason`` is longer than :data:`BAN_REASON_MAX_LENGTH`
            (code ``reason_too_long``).
    """
    reason = _reason_clean(reason)
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if user.banned_at is None:
            return user, False
        previous = {"banned_at": user.banned_at.isoformat(), "ban_reason": user.ban_reason}
        user.banned_at, user.ban_reason = None, ""
        user.save(update_fields=["banned_at", "ban_reason"])
        audit_event_record(
            action=AuditAction.USER_UNBANNED,
            actor=actor,
            target=user,
            data={
                "user_id": user.pk,
                "reason": reason,
                "unbanned_at": now.isoformat(),
                "previous": previous,
            },
        )
    return user, True


#: The flags that give (or take away) powers, changed only through :func:`user_flags_set`.
USER_FLAGS = ("is_active", "is_staff", "is_superuser")


def user_flags_set(
    *,
    user_id: int,
    actor: Any = None,
    is_active: bool | None = None,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
) -> tuple[User, dict[str, dict[str, bool]]]:
    """Set a user's active, staff and superuser flags and audit what changed.

    Args:
        user_id: primary key of the user.
        actor: the user acting (the admin's user), or ``None`` for the system.
        is_active, is_staff, is_superuser: the new values; ``None`` leaves a flag as it is.

    Returns:
        ``(user, changed)``; ``changed`` maps each flag that changed to
        ``{"from": old, "to": new}`` (empty when nothing changed, and then no event is
        written). The event ``USER_FLAGS_CHANGED`` records the actor, the user's id and
        ``changed`` (never an email address).

    Raises:
        User.DoesNotExist: no user has this id.
        opendlp.core.errors.Forbidden: an actor who is not an active superuser tried to grant
            or remove the superuser flag (code ``superuser_required``).
    """
    wanted = {"is_active": is_active, "is_staff": is_staff, "is_superuser": is_superuser}
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        changed = {
            flag: {"from": bool(getattr(user, flag)), "to": bool(value)}
            for flag, value in wanted.items()
            if value is not None and bool(value) != bool(getattr(user, flag))
        }
        if not changed:
            return user, {}
        if (
            "is_superuser" in changed
            and actor is not None
            and not (getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False))
        ):
            raise Forbidden(
                "Only a superuser can grant or remove superuser status.",
                code="superuser_required",
            )
        for flag, change in changed.items():
            setattr(user, flag, change["to"])
        user.save(update_fields=sorted(changed))
        audit_event_record(
            action=AuditAction.USER_FLAGS_CHANGED,
            actor=actor,
            target=user,
            data={"user_id": user.pk, "flags": changed},
        )
    return user, changed


def profile_update(*, user: User, display_name: str) -> User:
    """Set the user's display name (stripped; at most 150 characters).

    Also updates ``user.display_name`` in place, so the caller's object shows the new name.

    Returns:
        The saved user row.

    Raises:
        django.core.exceptions.ValidationError: the name is too long.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.display_name = display_name.strip()
        locked.full_clean(exclude=["password", "email"])
        locked.save(update_fields=["display_name"])
        audit_event_record(action=AuditAction.USER_PROFILE_UPDATED, actor=user, target=locked)
    user.display_name = locked.display_name
    return locked
