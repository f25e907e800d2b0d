"""Write services for personal API tokens: create, revoke, authenticate."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User, token_digest
from accounts.selectors import two_factor_missing
from opendlp.core.audit import AuditAction
from opendlp.core.errors import Conflict, Forbidden, Invalid
from opendlp.core.services import audit_event_record

#: Every plain token starts with this, so leaked tokens are easy to recognise and scan for.
API_TOKEN_SCHEME = "odlp"  # noqa: S105 - a public marker, not a secret
#: Hex characters of the public prefix that identifies a token's row.
API_TOKEN_PREFIX_LENGTH = 12
#: A user may hold at most this many tokens that are not revoked.
API_TOKEN_MAX_ACTIVE = 20
#: ``last_used_at`` is written at most once per this interval per token (cheap under load).
API_TOKEN_LAST_USED_PRECISION = timedelta(seconds=60)


class ApiTokenLimitError(Conflict):
    """You already have the maximum number of active tokens; revoke one first."""

    code = "token_limit"


class TwoFactorRequiredError(Forbidden):
    """Set up two-factor authentication before creating API tokens: staff need it."""

    code = "mfa_required"


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
        opendlp.core.errors.Invalid: ``name`` is blank or longer than 100 characters
            (code ``invalid_name``).
        ApiTokenLimitError: the user already has :data:`API_TOKEN_MAX_ACTIVE` active tokens
            (a :class:`~opendlp.core.errors.Conflict`, code ``token_limit``).
        TwoFactorRequiredError: ``user`` is staff without TOTP while
            ``MFA_REQUIRED_FOR_STAFF`` is on (a :class:`~opendlp.core.errors.Forbidden`, code
            ``mfa_required``): a token carries its owner's staff powers.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid("A token name of 1 to 100 characters is required.", code="invalid_name")
    if two_factor_missing(user=user):
        raise TwoFactorRequiredError()
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
            action=AuditAction.API_TOKEN_CREATED,
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
            action=AuditAction.API_TOKEN_REVOKED,
            actor=user,
            target=token,
            data={"token_id": token.pk, "prefix": token.prefix},
        )
    return token


def api_token_authenticate(*, token: str, now: datetime | None = None) -> ApiToken | None:
    """Return the active token row a plain bearer token matches, or ``None``.

    The row is found by the token's public prefix, then the SHA-256 digest is compared with
    :func:`hmac.compare_digest` (constant time). Revoked tokens, inactive users and
    malformed tokens give ``None``. ``last_used_at`` is written with one ``UPDATE`` at most
    once per :data:`API_TOKEN_LAST_USED_PRECISION` (the returned row keeps the value it was
    read with).

    Args:
        token: the plain token from the ``Authorization`` header.
        now: the time of use; default now.

    Returns:
        The :class:`~accounts.models.ApiToken` with its ``user`` loaded (one query), or
        ``None``. The caller acts as ``token.user`` and names the credential by ``token.pk``.
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
        return candidate
    return None
