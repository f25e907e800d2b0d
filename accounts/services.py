"""Write services for accounts: provisioning, ban and unban, personal API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
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


def api_token_hash(token: str) -> str:
    """Return the SHA-256 hex digest (64 lower-case hex characters) of a plain token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


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
            user=owner, name=name, prefix=prefix, token_hash=api_token_hash(plain), created_at=now
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
    digest = api_token_hash(token)
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
