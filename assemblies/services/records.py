"""Publishing a draw's public record (``/a/<slug>/draws/<run id>/``), see docs/architecture.md.

A published record is public for good: seed, input digest, quota table, fairness figures,
each pool member's pseudonymous id, answers and selection probability, the panel, and the
verification bundle. Nothing personal is on it (ids are random public ids, household keys are
salted hashes).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from assemblies.errors import ServiceError
from assemblies.models import RunKind, RunStatus, SelectionRun
from assemblies.permissions import manager_required
from opendlp.core.audit import AuditAction
from opendlp.core.errors import NotFound
from opendlp.core.services import audit_event_record

#: Kinds of run whose record can be published (a test run draws nobody).
PUBLISHABLE_KINDS: tuple[str, ...] = (RunKind.PANEL, RunKind.REPLACEMENT)


def selection_run_publish(*, run_id: int, actor: Any = None) -> SelectionRun:
    """Publish a succeeded panel or replacement run's draw record, or a ceremony run's while it
    awaits its seed (the record then shows the fixed distribution and its digest, and later
    the draw); publishing it again is harmless (the first time stays).

    Args:
        run_id: the run's primary key. actor: the manager publishing (None: the system).

    Returns:
        The run, with ``published_at`` set.

    Raises:
        NotFound: no such run. Forbidden: the actor does not manage the assembly.
        ServiceError: the run did not succeed, or is a test run.
    """
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            raise NotFound("There is no such selection run.")
        manager_required(actor, run.assembly_id, "publish a draw record")
        if run.published_at is not None:
            return run
        if run.status not in (RunStatus.SUCCEEDED, RunStatus.AWAITING_SEED):
            raise ServiceError(
                "Only a succeeded run, or a ceremony run awaiting its seed, has a draw record "
                "to publish."
            )
        if run.kind not in PUBLISHABLE_KINDS:
            raise ServiceError("A test run draws nobody: it has no public record.")
        run.published_at = timezone.now()
        run.save(update_fields=["published_at"])
        audit_event_record(
            action=AuditAction.SELECTION_PUBLISHED,
            actor=actor,
            target=run,
            data={"assembly_id": run.assembly_id, "kind": run.kind},
        )
    return run
