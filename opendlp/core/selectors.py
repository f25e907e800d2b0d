"""Reads for the cross-cutting pieces (audit log, health)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from opendlp.core.models import AuditEvent


def audit_events_for(*, target: models.Model, limit: int = 50) -> models.QuerySet[AuditEvent]:
    """Return the newest ``limit`` audit events about ``target``, newest first."""
    content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return AuditEvent.objects.filter(
        target_type=content_type, target_id=str(target.pk)
    ).select_related("actor")[:limit]
