"""Cross-cutting tables: the append-only audit log."""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models

ACTION_CODE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"


class AuditEventImmutableError(Exception):
    """Raised on any attempt to change or delete an audit event: the log is append-only."""


class AuditEventQuerySet(models.QuerySet):
    """Querysets over the audit log refuse bulk updates and deletes."""

    def update(self, **kwargs: object) -> int:
        """Refuse: audit events are never edited."""
        raise AuditEventImmutableError("audit events cannot be edited")

    def delete(self) -> tuple[int, dict[str, int]]:
        """Refuse: audit events are never deleted."""
        raise AuditEventImmutableError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One thing that happened: who did what to which object, and when.

    Rows are written by :func:`opendlp.core.services.audit_event_record` and never change:
    ``save()`` on an existing row, ``delete()`` and queryset ``update()``/``delete()`` raise
    :class:`AuditEventImmutableError`; on PostgreSQL a trigger refuses UPDATE and DELETE too.
    ``data`` holds JSON with secrets and personal data removed before writing.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        help_text="The signed-in user who acted; empty for the system (tasks, commands).",
    )
    actor_label = models.CharField(max_length=200, blank=True)
    credential = models.CharField(
        max_length=40,
        blank=True,
        help_text="How the actor signed in: session, api_token:<id>; empty for the system.",
    )
    action = models.CharField(
        max_length=100,
        db_index=True,
        validators=[RegexValidator(ACTION_CODE_PATTERN, "Use dotted lower-case codes.")],
        help_text="Dotted code such as assemblies.selection.started.",
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__regex=ACTION_CODE_PATTERN),
                name="opendlp_auditevent_action_code",
            )
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_label}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert once; any later save raises :class:`AuditEventImmutableError`."""
        if not self._state.adding:
            raise AuditEventImmutableError("audit events cannot be edited")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refuse: audit events are never deleted."""
        raise AuditEventImmutableError("audit events cannot be deleted")
