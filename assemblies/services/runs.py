"""Use cases of asking for a selection run: start a panel, test or replacement run, cancel it.

The run itself is executed by :mod:`assemblies.services.execution`."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from assemblies import engine
from assemblies.errors import (
    InvalidInput,
    ServiceError,
)
from assemblies.models import (
    ACTIVE_RUN_STATUSES,
    MAX_PANELS,
    Assembly,
    AssemblyStatus,
    Quota,
    Registrant,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.selectors.households import household_check_or_refuse
from assemblies.selectors.import_jobs import import_in_progress
from assemblies.services._common import _lock_assembly, run_finish
from assemblies.services.execution import selection_run_fail
from assemblies.states import PANEL_STATUSES
from assemblies.tasks import run_selection
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

logger = logging.getLogger(__name__)

#: Why a run failed when the job queue (the Celery broker) could not take it.
QUEUE_UNREACHABLE_MESSAGE = (
    "The job queue is unreachable ({error}), so no worker can run this selection; nobody was "
    "selected. Start the run again once the queue is back."
)
QUEUE_REFUSED_MESSAGE = (
    "The job queue did not take this selection ({error}); nobody was selected. Start the run again."
)


def _enqueue(run: SelectionRun) -> None:
    """After commit, hand ``run`` to a worker. When the job queue cannot take it, the run is
    failed at once with a message (and ``run`` is updated in place, so the caller sees it)
    instead of staying pending and blocking the assembly."""

    def send() -> None:
        try:
            run_selection.delay(run.pk)
        except Exception as exc:  # noqa: BLE001 - any failure to enqueue would strand the run
            unreachable = isinstance(exc, OperationalError | OSError)
            error = type(exc).__name__
            logger.error(
                "selection run %s not queued: the job queue is %s (%s: %s)",
                run.pk,
                "unreachable" if unreachable else "refusing it",
                error,
                exc,
            )
            text = QUEUE_UNREACHABLE_MESSAGE if unreachable else QUEUE_REFUSED_MESSAGE
            failed = selection_run_fail(run_id=run.pk, message=text.format(error=error))
            run.status, run.error, run.finished_at = failed.status, failed.error, failed.finished_at

    transaction.on_commit(send)


def selection_run_start(
    *,
    assembly_id: int,
    kind: str = RunKind.PANEL,
    algorithm: str | None = None,
    seed: str | None = None,
    actor: Any = None,
    panel_size: int | None = None,
    enqueue: bool = True,
    ceremony: bool = False,
    panels: int | None = None,
) -> SelectionRun:
    """Ask for a selection run; the Celery task (enqueued after commit) executes it.

    A double request never makes two runs: when the same kind and algorithm is already
    pending or running, that run is returned (a database constraint also allows only one
    active run per assembly). A real panel run on an open assembly closes its registration.

    Args:
        kind: ``panel``, ``test`` or ``replacement`` (use :func:`replacements_select`).
        algorithm: one of the engine's algorithms (default: the assembly's default).
        seed: the seed text (default: 256 random bits as hex), stored before the draw.
        panel_size: people to draw (default: the assembly's panel size).
        enqueue: False to run it yourself with :func:`selection_run_execute` (``--sync``).
        ceremony: a two-phase panel run: the worker fixes the distribution and the run waits
            for a seed made in public (``selection_run_seed_enter`` in
            :mod:`assemblies.services.ceremony`); no seed may be given now, and ``legacy``
            cannot be used.
        panels: M, for a transparent lottery (Flanigan, Kehne & Procaccia 2021): the
            distribution is rounded to M equally likely tickets (1 to :data:`MAX_PANELS`),
            stored with the run's report and shown on its public record; the panel is that of
            one ticket, drawn from the seed or, in a ceremony, picked in public (1..M) and
            entered with the seed. Not for ``legacy`` nor for replacement runs.

    Returns:
        The pending (new or already active) :class:`SelectionRun`. When the job queue cannot
        take a new run, the run is failed after commit with a message saying so (the returned
        object shows it once the outermost transaction has committed) and the error is logged.

    Raises:
        ServiceError: another kind of run is active; the assembly is archived or (for a panel
            run) already has a panel; no quotas; the pool is smaller than the panel; the
            household check is on without household columns the pool has (``InvalidInput``);
            ``panels`` out of range, with ``legacy`` or for replacements (``InvalidInput``).
    """
    if kind not in RunKind.values:
        raise ServiceError(f"Unknown run kind {kind!r}.")
    if panels is not None:
        if isinstance(panels, bool) or not isinstance(panels, int):
            raise InvalidInput(_("The number of lottery tickets (panels) must be a whole number."))
        if not 1 <= panels <= MAX_PANELS:
            raise InvalidInput(
                _("The number of lottery tickets (panels) must be from 1 to %(most)d.")
                % {"most": MAX_PANELS}
            )
        if kind == RunKind.REPLACEMENT:
            raise InvalidInput(_("A replacement run draws no transparent lottery (panels)."))
    try:
        with transaction.atomic():
            assembly = _lock_assembly(assembly_id)
            algorithm = algorithm or assembly.default_algorithm
            if algorithm not in engine.algorithms():
                raise ServiceError(
                    f"Unknown algorithm {algorithm!r}; choose one of "
                    f"{', '.join(engine.algorithms())}."
                )
            active = SelectionRun.objects.filter(
                assembly=assembly, status__in=ACTIVE_RUN_STATUSES
            ).first()
            if active is not None:
                if active.kind == kind and active.algorithm == algorithm:
                    return active
                raise ServiceError(
                    f"A {active.get_kind_display().lower()} run (#{active.pk}) is already "
                    "in progress; wait for it or cancel it."
                )
            if panels is not None and algorithm == "legacy":
                raise InvalidInput(
                    _("A transparent lottery (panels) needs leximin, maximin or nash, not legacy.")
                )
            size = _check_can_start(assembly, kind, panel_size)
            if ceremony:
                if kind != RunKind.PANEL or algorithm == "legacy" or seed:
                    raise ServiceError(
                        "A public ceremony is a panel run with leximin, maximin or nash, and "
                        "its seed is entered after the distribution is fixed, not before."
                    )
            run = SelectionRun.objects.create(
                assembly=assembly,
                kind=kind,
                algorithm=algorithm,
                ceremony=ceremony,
                seed="" if ceremony else (seed or secrets.token_hex(32)),
                panel_size=size,
                panels=panels,
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            if kind == RunKind.PANEL and assembly.status == AssemblyStatus.OPEN:
                assembly.status = AssemblyStatus.CLOSED
                assembly.save(update_fields=["status", "updated_at"])
                audit_event_record(
                    action=AuditAction.REGISTRATION_CLOSED,
                    actor=actor,
                    target=assembly,
                    data={"reason": "panel run requested", "run_id": run.pk},
                )
            audit_event_record(
                action=AuditAction.SELECTION_REQUESTED,
                actor=actor,
                target=run,
                data={
                    "assembly_id": assembly.pk,
                    "kind": kind,
                    "algorithm": algorithm,
                    "panel_size": size,
                    "seed_given": bool(seed),
                    "ceremony": ceremony,
                    "panels": panels,
                },
            )
            if enqueue:
                _enqueue(run)
            return run
    except IntegrityError:
        # Another request created the active run between our check and our insert.
        active = SelectionRun.objects.filter(
            assembly_id=assembly_id, status__in=ACTIVE_RUN_STATUSES
        ).first()
        if active is not None and active.kind == kind:
            return active
        raise ServiceError("A selection run is already in progress.") from None


def _check_can_start(assembly: Assembly, kind: str, panel_size: int | None) -> int:
    if assembly.status == AssemblyStatus.ARCHIVED:
        raise ServiceError("The assembly is archived.")
    if not Quota.objects.filter(assembly=assembly).exists():
        raise ServiceError("There are no quotas yet: import or add them first.")
    if import_in_progress(assembly=assembly) is not None:
        raise ServiceError("An import of registrants is in progress; wait for it to finish.")
    pool = Registrant.objects.filter(assembly=assembly, status=RegistrantStatus.POOL).count()
    if kind == RunKind.REPLACEMENT:
        kept = Registrant.objects.filter(assembly=assembly, status__in=PANEL_STATUSES).count()
        size = panel_size if panel_size is not None else assembly.panel_size - kept
        if size < 1:
            raise ServiceError(
                f"The panel already has {kept} of {assembly.panel_size} members: "
                "withdraw someone before asking for replacements."
            )
        if (
            not SelectionRun.objects.filter(
                assembly=assembly,
                kind__in=[RunKind.PANEL, RunKind.REPLACEMENT],
                status=RunStatus.SUCCEEDED,
                voided_at__isnull=True,  # a voided panel is no panel to replace into
            ).exists()
            and not kept
        ):
            raise ServiceError("There is no panel yet: run the panel selection first.")
    else:
        size = panel_size or assembly.panel_size
        if kind == RunKind.PANEL and (
            assembly.status == AssemblyStatus.SELECTED
            or Registrant.objects.filter(assembly=assembly, status__in=PANEL_STATUSES).exists()
        ):
            raise ServiceError(
                "A panel has already been selected; ask for replacements instead, or void the "
                "panel (before anyone confirms) to draw a new one."
            )
    if size < 1:
        raise ServiceError("The number of people to select must be at least 1.")
    if pool < size:
        raise ServiceError(f"The pool has {pool} people, fewer than the {size} to select.")
    household_check_or_refuse(assembly=assembly)  # never skip the household rule silently
    return size


def replacements_select(
    *,
    assembly_id: int,
    count: int | None = None,
    algorithm: str | None = None,
    seed: str | None = None,
    actor: Any = None,
    enqueue: bool = True,
) -> SelectionRun:
    """Ask for ``count`` replacements of withdrawn panel members.

    The kept members are the registrants now ``selected`` or ``confirmed``; the engine draws
    ``count`` people from the remaining pool with every quota reduced by the kept members'
    counts, so kept members plus replacements meet the original quotas.

    Args:
        count: how many to draw (default: panel size minus kept members).

    Returns:
        The pending ``replacement`` :class:`SelectionRun`.

    Raises:
        ServiceError: as :func:`selection_run_start`, or nobody needs replacing.
    """
    return selection_run_start(
        assembly_id=assembly_id,
        kind=RunKind.REPLACEMENT,
        algorithm=algorithm,
        seed=seed,
        actor=actor,
        panel_size=count,
        enqueue=enqueue,
    )


def selection_run_cancel(*, run_id: int, actor: Any = None) -> SelectionRun:
    """Cancel a run: a pending run ends ``cancelled`` at once; a running one gets its cancel
    flag set and the worker stops within seconds. A finished run is left unchanged."""
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        if run.status not in ACTIVE_RUN_STATUSES or run.cancel_requested:
            return run
        audit_event_record(
            action=AuditAction.SELECTION_CANCEL_REQUESTED,
            actor=actor,
            target=run,
            data={"status": run.status},
        )
        if run.status == RunStatus.PENDING:
            return run_finish(run, RunStatus.CANCELLED, "Cancelled before it started.")
        if run.status == RunStatus.AWAITING_SEED:
            return run_finish(run, RunStatus.CANCELLED, "Cancelled before the seed was entered.")
        run.cancel_requested = True
        run.save(update_fields=["cancel_requested"])
    return run
