"""Reads for accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import models

from accounts.models import ApiToken, User
from opendlp.core.models import AuditEvent


def api_tokens_for(*, user: User) -> models.QuerySet[ApiToken]:
    """Return ``user``'s API tokens, active ones first, newest first within each group."""
    return ApiToken.objects.filter(user=user).order_by(
        models.F("revoked_at").desc(nulls_first=True), "-created_at", "-id"
    )


def user_get(*, user_id: int) -> User:
    """Return the user with this id.

    Raises:
        User.DoesNotExist: no such user.
    """
    return User.objects.get(pk=user_id)


def audit_events_by(*, user: User, limit: int = 20) -> models.QuerySet[AuditEvent]:
    """The newest ``limit`` audit events where ``user`` acted or was the target."""
    from django.contrib.contenttypes.models import ContentType

    user_type = ContentType.objects.get_for_model(User)
    return (
        AuditEvent.objects.filter(
            models.Q(actor=user) | models.Q(target_type=user_type, target_id=str(user.pk))
        )
        .select_related("target_type")
        .order_by("-created_at", "-id")[:limit]
    )


def user_may_ban(*, user: User) -> bool:
    """Site staff who may ban and unban users: active staff holding the
    ``accounts.change_user`` permission (superusers hold every permission). Organisers are
    staff too, but without that permission they cannot ban anybody."""
    return bool(user.is_active and user.is_staff and user.has_perm("accounts.change_user"))


def two_factor_required(*, user: Any) -> bool:
    """True when ``user`` needs two-factor authentication for what they do as staff:
    ``settings.MFA_REQUIRED_FOR_STAFF`` is on and the user is signed-in staff. No query."""
    return bool(
        getattr(settings, "MFA_REQUIRED_FOR_STAFF", False)
        and getattr(user, "is_authenticated", False)
        and user.is_staff
    )


def two_factor_since(*, user: Any) -> datetime | None:
    """When ``user``'s TOTP authenticator was set up (aware datetime), or ``None`` without one.

    One indexed query.
    """
    return (
        Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP)
        .values_list("created_at", flat=True)
        .first()
    )


def two_factor_missing(*, user: Any) -> bool:
    """True when ``user`` must set up TOTP before using any staff power (the admin, the API,
    minting API tokens): :func:`two_factor_required` and no TOTP authenticator."""
    return two_factor_required(user=user) and two_factor_since(user=user) is None
