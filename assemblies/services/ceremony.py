"""Phase 2 of a two-phase (public ceremony) panel run: the seed, made in public, is entered
and the panel drawn from the distribution fixed and published before (see
:mod:`selection.ceremony` and docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assemblies import engine
from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import RunStatus, SelectionRun
from assemblies.permissions import manager_required
from assemblies.services._common import run_finish
from assemblies.services.execution import run_report_commit
from opendlp.core.audit import AuditAction
from opendlp.core.errors import NotFound
from opendlp.core.services import audit_event_record
from opendlp.core.text import LINE_BREAKS, control_characters

#: Longest seed and witnesses texts (characters).
SEED_MAX_LENGTH = 200
WITNESSES_MAX_LENGTH = 1000


def _clean(text: str, *, name: str, max_length: int, lines: bool) -> str:
    text = (text or "").strip()
    if len(text) > max_length:
        raise InvalidInput(f"The {name} must be at most {max_length} characters.")
    refused = control_characters(text, allow=LINE_BREAKS if lines else ())
    if refused:
        raise InvalidInput(f"The {name} contains control characters ({', '.join(refused)}).")
    return text


def _ticket(ticket: int | str | None, panels: int | None) -> int | None:
    """The ticket number entered, checked against the run's M (``None`` without a lottery)."""
    text = "" if ticket is None else str(ticket).strip()
    if panels is None:
        if text:
            raise InvalidInput(_("This run has no transparent lottery: leave the ticket empty."))
        return None
    if not text:
        raise InvalidInput(
            _("Enter the ticket number picked in public (from 1 to %(m)d).") % {"m": panels}
        )
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= panels:
        raise InvalidInput(_("The ticket must be a whole number from 1 to %(m)d.") % {"m": panels})
    return int(text)


def selection_run_seed_enter(
    *,
    run_id: int,
    seed: str,
    witnesses: str = "",
    actor: Any = None,
    ticket: int | str | None = None,
) -> SelectionRun:
    """Enter the public seed of a run awaiting it and draw the panel from its fixed
    distribution; entering a seed again after the draw changes nothing.

    A run with a transparent lottery (``panels = M``) also needs the ticket number picked in
    public (two dice, a ball machine): its panel is drawn, the seed choosing the members
    within each type of that panel. The lottery's tickets were fixed, with their digest, in
    phase 1.

    Args:
        run_id: the run. seed: the seed made in public (e.g. ``"3 5 6 1 2 4"``; 1 to
            :data:`SEED_MAX_LENGTH` characters, one line). witnesses: optional names (public).
        actor: the manager entering it (None: the system).
        ticket: for a lottery run, the ticket number 1..M (an int or its digits as text);
            must be empty otherwise.

    Returns:
        The run: ``succeeded`` with its panel selected, or ``failed`` when the pool changed
        since phase 1 (nobody is selected then).

    Raises:
        NotFound: no such run. Forbidden: not a manager of the assembly. InvalidInput: an
        empty or malformed seed or witnesses text; a missing, malformed or out-of-range ticket
        for a lottery run, or a ticket for a run without one. ServiceError: the run is not
        awaiting a seed (a seed entered already leaves the run as it is).
    """
    seed = _clean(seed, name="seed", max_length=SEED_MAX_LENGTH, lines=False)
    if not seed:
        raise InvalidInput("Enter the seed made in public (e.g. the dice rolls).")
    witnesses = _clean(
        witnesses, name="witnesses text", max_length=WITNESSES_MAX_LENGTH, lines=True
    )
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            raise NotFound("There is no such selection run.")
        manager_required(actor, run.assembly_id, "enter the seed")
        if run.status != RunStatus.AWAITING_SEED:
            if run.seed_entered_at is not None:
                return run  # a double submission: the first seed stands
            raise ServiceError("This run is not waiting for a seed.")
        number = _ticket(ticket, run.panels)
        try:
            report = engine.draw_prepared(run.input_snapshot, run.prepared, seed, number)
        except engine.InputError as exc:
            return run_finish(run, RunStatus.FAILED, f"The draw could not be made: {exc}")
        run.seed = seed
        run.witnesses = witnesses
        run.seed_entered_at = timezone.now()
        run.ticket = number
        run.status = RunStatus.RUNNING  # the draw is committed like any other run's
        run.save(update_fields=["seed", "witnesses", "seed_entered_at", "ticket", "status"])
        audit_event_record(
            action=AuditAction.SELECTION_SEED_ENTERED,
            actor=actor,
            target=run,
            data={
                "assembly_id": run.assembly_id,
                "seed": seed,
                "witnessed": bool(witnesses),
                "ticket": number,
            },
        )
        return run_report_commit(run.pk, report)
