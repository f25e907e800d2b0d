"""Reads of organiser invitations: the pending invitation a link names, and those waiting for
a signed-in user."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import User, token_digest
from assemblies.models import Invitation


def invitation_get_pending(*, token: str) -> Invitation | None:
    """Return the pending (not accepted, revoked or expired) invitation for a plain token."""
    return (
        Invitation.objects.select_related("assembly")
        .filter(
            token_hash=token_digest(token),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def invitations_pending_for(*, user: User) -> models.QuerySet[Invitation]:
    """Pending invitations addressed to ``user``'s email (any case), newest first."""
    return Invitation.objects.select_related("assembly").filter(
        email__iexact=user.email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
