"""Reads for accounts."""

from __future__ import annotations

from django.db import models

from accounts.models import ApiToken, User


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
