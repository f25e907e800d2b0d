"""Write services for accounts: provisioning, ban and unban, personal API tokens,
organiser invitations."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import ApiToken, Invitation, User, token_digest
from assemblies.models import Role
from opendlp.services import audit_event_record

#: Every plain token starts with this, so leaked tokens are easy to recognise and scan for.
API_TOKEN_SCHEME = "odlp"  # noqa: S105 - a public marker, not a secret
#: Hex characters of the public prefix that identifies a token's row.
API_TOKEN_PREFIX_LENGTH = 12
#: A user may hold at most this many tokens that are not revoked.
API_TOKEN_MAX_ACTIVE = 20
#: ``last_used_at`` is written at most once per this interval per token (cheap under load).
API_TOKEN_LAST_USED_PRECISION = timedelta(seconds=60)
#: Longest ban or unban reason, in characters.
BAN_REASON_MAX_LENGTH = 1000


class BanReasonRequiredError(ValueError):
    """Raised by :func:`user_ban` when the reason is empty or only whitespace."""

    code = "reason_required"


class ApiTokenLimitError(Exception):
    """Raised by :func:`api_token_create` when the user already has the maximum of tokens."""

    code = "token_limit"


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
        BanReasonRequiredError: ``reason`` is blank.
        ValueError: ``reason`` is longer than :data:`BAN_REASON_MAX_LENGTH`.
    """
    reason = (reason or "").strip()
    if not reason:
        raise BanReasonRequiredError("A reason is required to ban a user.")
    if len(reason) > BAN_REASON_MAX_LENGTH:
        raise ValueError(f"The reason must be at most {BAN_REASON_MAX_LENGTH} characters.")
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if user.banned_at is not None:
            return user, False
        user.banned_at, user.ban_reason = now, reason
        user.save(update_fields=["banned_at", "ban_reason"])
        audit_event_record(
            action="accounts.user.banned",
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
        ValueError: ``reason`` is longer than :data:`BAN_REASON_MAX_LENGTH`.
    """
    reason = (reason or "").strip()
    if len(reason) > BAN_REASON_MAX_LENGTH:
        raise ValueError(f"The reason must be at most {BAN_REASON_MAX_LENGTH} characters.")
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if user.banned_at is None:
            return user, False
        previous = {"banned_at": user.banned_at.isoformat(), "ban_reason": user.ban_reason}
        user.banned_at, user.ban_reason = None, ""
        user.save(update_fields=["banned_at", "ban_reason"])
        audit_event_record(
            action="accounts.user.unbanned",
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


def api_token_prefix(token: str) -> str | None:
    """Return the public prefix of a plain token ``odlp_<prefix>_<secret>``, or ``None``.

    ``None`` means the string does not have the shape of one of our tokens.
    """
    head = f"{API_TOKEN_SCHEME}_"
    if not token.startswith(head):
        return None
    prefix = token[len(head) : len(head) + API_TOKEN_PREFIX_LENGTH]
    rest = token[len(head) + API_TOKEN_PREFIX_LENGTH :]
    if len(prefix) != API_TOKEN_PREFIX_LENGTH or not rest.startswith("_") or len(rest) < 2:
        return None
    if any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix


def api_token_create(*, user: User, name: str, now: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token for ``user``.

    The plain token (``odlp_<12 hex>_<43 url-safe characters>``, 256 random bits) is
    returned once and never stored; only its prefix and SHA-256 digest are.

    Args:
        user: the owner.
        name: a label, 1 to 100 characters after stripping.
        now: creation time; default now.

    Returns:
        ``(token_row, plain_token)``.

    Raises:
        ValueError: ``name`` is blank or longer than 100 characters.
        ApiTokenLimitError: the user already has :data:`API_TOKEN_MAX_ACTIVE` active tokens.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValueError("A token name of 1 to 100 characters is required.")
    now = now or timezone.now()
    with transaction.atomic():
        owner = User.objects.select_for_update().get(pk=user.pk)
        active = ApiToken.objects.filter(user=owner, revoked_at__isnull=True).count()
        if active >= API_TOKEN_MAX_ACTIVE:
            raise ApiTokenLimitError(
                f"You already have {API_TOKEN_MAX_ACTIVE} active tokens; revoke one first."
            )
        prefix = secrets.token_hex(API_TOKEN_PREFIX_LENGTH // 2)
        plain = f"{API_TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=owner, name=name, prefix=prefix, token_hash=token_digest(plain), created_at=now
        )
        audit_event_record(
            action="accounts.api_token.created",
            actor=owner,
            target=token,
            data={"token_id": token.pk, "prefix": prefix, "label": name},
        )
    return token, plain


def api_token_revoke(*, user: User, token_id: int, now: datetime | None = None) -> ApiToken:
    """Revoke one of ``user``'s tokens; it is refused from then on. Revoking twice is harmless.

    Args:
        user: the owner (a user can revoke only their own tokens).
        token_id: primary key of the token.
        now: revocation time; default now.

    Returns:
        The token row (``revoked_at`` set).

    Raises:
        ApiToken.DoesNotExist: ``user`` has no token with this id.
    """
    now = now or timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id, user_id=user.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit_event_record(
            action="accounts.api_token.revoked",
            actor=user,
            target=token,
            data={"token_id": token.pk, "prefix": token.prefix},
        )
    return token


def api_token_authenticate(*, token: str, now: datetime | None = None) -> User | None:
    """Return the active user a plain bearer token belongs to, or ``None``.

    The row is found by the token's public prefix, then the SHA-256 digest is compared with
    :func:`hmac.compare_digest` (constant time). Revoked tokens, inactive users and
    malformed tokens give ``None``. ``last_used_at`` is written with one ``UPDATE`` at most
    once per :data:`API_TOKEN_LAST_USED_PRECISION`.

    Args:
        token: the plain token from the ``Authorization`` header.
        now: the time of use; default now.

    Returns:
        The token's user, or ``None``.
    """
    prefix = api_token_prefix(token)
    if prefix is None:
        return None
    digest = token_digest(token)
    for candidate in ApiToken.objects.filter(prefix=prefix).select_related("user"):
        if not hmac.compare_digest(candidate.token_hash, digest):
            continue
        if candidate.revoked_at is not None or not candidate.user.is_active:
            return None
        now = now or timezone.now()
        last = candidate.last_used_at
        if last is None or now - last >= API_TOKEN_LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=candidate.pk).update(last_used_at=now)
        return candidate.user
    return None


# --- Invitations -------------------------------------------------------------------------------

#: How long an invitation link stays valid.
INVITATION_VALIDITY = timedelta(days=7)


class InvitationError(Exception):
    """An invitation cannot be used: ``code`` is ``invalid``, ``expired``, ``revoked``,
    ``accepted`` or ``wrong_account``; the message says it in words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def invitation_send(
    *,
    assembly_id: int,
    email: str,
    role: str,
    invited_by: User,
    accept_url: Callable[[str], str],
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite ``email`` to organise an assembly with ``role`` and email them the link.

    A pending invitation to the same address for the same assembly is revoked: the newest
    link is the only one that works. The email is sent after the transaction commits.

    Args:
        assembly_id: the assembly's primary key.
        email: the invitee's address (any case).
        role: ``"manager"``, ``"caller"`` or ``"viewer"``.
        invited_by: the acting user; must manage the assembly (or be a superuser).
        accept_url: turns the plain token into the absolute URL put in the email.
        now: the sending time; default now.

    Returns:
        ``(invitation, plain_token)``; the token is not stored, only its SHA-256 digest.

    Raises:
        PermissionDenied: ``invited_by`` does not manage the assembly.
        ValueError: ``role`` is not a role or ``email`` is empty.
    """
    from assemblies.models import Assembly
    from assemblies.permissions import can_manage

    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    email = User.objects.normalize_email(email.strip())
    if not email:
        raise ValueError("an email address is required")
    if not can_manage(invited_by, assembly_id):
        raise PermissionDenied("Only the assembly's managers can invite organisers.")
    now = now or timezone.now()
    plain = secrets.token_urlsafe(32)
    with transaction.atomic():
        assembly = Assembly.objects.select_for_update().get(pk=assembly_id)
        superseded = Invitation.objects.select_for_update().filter(
            assembly=assembly,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        for old in superseded:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
            audit_event_record(
                action="accounts.invitation.revoked",
                actor=invited_by,
                target=old,
                data={"assembly_id": assembly.pk, "superseded": True},
            )
        invitation = Invitation.objects.create(
            assembly=assembly,
            email=email,
            role=role,
            token_hash=token_digest(plain),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + INVITATION_VALIDITY,
        )
        audit_event_record(
            action="accounts.invitation.sent",
            actor=invited_by,
            target=invitation,
            data={"assembly_id": assembly.pk, "role": role},
        )
        link = accept_url(plain)
        transaction.on_commit(
            lambda: send_mail(
                subject=f"[Open DLP] You are invited to organise “{assembly.title}”",
                message=render_to_string(
                    "accounts/email/invitation.txt",
                    {"invitation": invitation, "assembly": assembly, "link": link},
                ),
                from_email=None,
                recipient_list=[email],
            )
        )
    return invitation, plain


def invitation_revoke(
    *, invitation_id: int, actor: User, now: datetime | None = None
) -> Invitation:
    """Revoke a pending invitation so its link no longer works (harmless if already used up).

    Raises:
        Invitation.DoesNotExist: no such invitation.
        PermissionDenied: ``actor`` does not manage the invitation's assembly.
    """
    from assemblies.permissions import can_manage

    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        if not can_manage(actor, invitation.assembly_id):
            raise PermissionDenied("Only the assembly's managers can revoke invitations.")
        if invitation.accepted_at or invitation.revoked_at:
            return invitation
        invitation.revoked_at = now or timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_event_record(
            action="accounts.invitation.revoked",
            actor=actor,
            target=invitation,
            data={"assembly_id": invitation.assembly_id},
        )
    return invitation


def invitation_accept(*, token: str, user: User, now: datetime | None = None) -> Invitation:
    """Accept an invitation: grant ``user`` the role in the assembly, once.

    The user's email must be the invited address (compared ignoring case) and verified; the
    user becomes staff so they can use the organiser admin. An existing membership in the
    assembly takes the invited role.

    Returns:
        The accepted invitation.

    Raises:
        InvitationError: the token matches no invitation, or it is expired, revoked, already
            accepted, or addressed to another email.
    """
    from allauth.account.models import EmailAddress

    from assemblies.models import AssemblyMembership
    from assemblies.permissions import forget_roles

    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("assembly")
            .filter(token_hash=token_digest(token))
            .first()
        )
        if invitation is None:
            raise InvitationError("invalid", "This invitation link is not valid.")
        state = invitation.state(now)
        if state != "pending":
            raise InvitationError(state, f"This invitation has been {state}.")
        verified = EmailAddress.objects.filter(
            user=user, email__iexact=invitation.email, verified=True
        ).exists()
        if invitation.email.lower() != user.email.lower() or not verified:
            raise InvitationError(
                "wrong_account",
                "This invitation was sent to another email address; sign in with that one.",
            )
        membership, created = AssemblyMembership.objects.select_for_update().get_or_create(
            assembly=invitation.assembly, user=user, defaults={"role": invitation.role}
        )
        previous_role = None if created else membership.role
        if not created and membership.role != invitation.role:
            membership.role = invitation.role
            membership.save(update_fields=["role"])
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        invitation.accepted_at, invitation.accepted_by = now, user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_event_record(
            action="accounts.invitation.accepted",
            actor=user,
            target=invitation,
            data={"assembly_id": invitation.assembly_id, "role": invitation.role},
        )
        audit_event_record(
            action="assemblies.membership.granted",
            actor=user,
            target=invitation.assembly,
            data={
                "user_id": user.pk,
                "role": invitation.role,
                "previous_role": previous_role,
                "invitation_id": invitation.pk,
            },
        )
    forget_roles(user)
    return invitation


def profile_update(*, user: User, display_name: str) -> User:
    """Set the user's display name (stripped; at most 150 characters).

    Raises:
        django.core.exceptions.ValidationError: the name is too long.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.display_name = display_name.strip()
        locked.full_clean(exclude=["password", "email"])
        locked.save(update_fields=["display_name"])
        audit_event_record(action="accounts.profile.updated", actor=user, target=locked)
    user.display_name = locked.display_name
    return locked
