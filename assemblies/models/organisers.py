"""Who organises an assembly: roles, memberships and invitations."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assemblies.models.assembly import Assembly


class Role(models.TextChoices):
    """An organiser's role in one assembly."""

    MANAGER = "manager", "Manager"
    CALLER = "caller", "Caller"
    VIEWER = "viewer", "Viewer"


class AssemblyMembership(models.Model):
    """Grants a user a role in one assembly (managers change, callers phone the panel and
    change member statuses, viewers read)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assembly_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assembly", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "user"], name="assemblies_membership_one_per_user"
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="assemblies_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.assembly}"


class Invitation(models.Model):
    """An invitation, sent by email, to organise one assembly with a role.

    The emailed link carries a random token; only its SHA-256 digest is stored. An invitation
    is pending until it is accepted (single use), revoked, or ``expires_at`` passes. Accepting
    grants an :class:`AssemblyMembership` to the account whose email it was sent to (through
    :func:`assemblies.services.memberships.membership_set`). The table keeps the name it had
    when invitations lived in ``accounts``.
    """

    assembly = models.ForeignKey(
        "assemblies.Assembly", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_invitation"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="accounts_invitation_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="accounts_invitation_not_accepted_and_revoked",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="accounts_invitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} invitation to {self.assembly}"

    @property
    def audit_label(self) -> str:
        """How the audit log names this invitation: by id, never by email."""
        return f"invitation {self.pk}"

    def state(self, now: dt.datetime | None = None) -> str:
        """``"accepted"``, ``"revoked"``, ``"expired"`` or ``"pending"`` at ``now``."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "pending"
