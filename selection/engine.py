"""The selection entry point: :func:`select`."""

from __future__ import annotations

import time

from selection.draw import PanelShare, draw_panel, quantise, type_probabilities
from selection.errors import InfeasibleQuotas, InputError, SolverError
from selection.feasibility import check_feasibility
from selection.legacy import ESTIMATE_DRAWS, LegacyDrawer, estimate
from selection.leximin import leximin
from selection.model import Pool, QuotaTable, validate_instance
from selection.monitor import CancelCheck, Monitor, ProgressCallback
from selection.nash import nash
from selection.result import (
    SelectionResult,
    canonical_pool,
    input_digest,
    quota_report,
    result_make,
)
from selection.rng import new_seed
from selection.symmetry import TypeModel, build_types
from selection.transparent import MAX_PANELS, lottery_make, seed_ticket, ticket_apply
from selection.version import __version__

#: The algorithm names, default first.
ALGORITHMS: tuple[str, ...] = ("leximin", "maximin", "nash", "legacy")


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise InputError(
            f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}",
            column="algorithm",
            value=algorithm,
        )


def compute_distribution(
    model: TypeModel, algorithm: str, monitor: Monitor, *, release: str = __version__
) -> list[PanelShare]:
    """The quantised distribution over panels for ``leximin``, ``maximin`` or ``nash``.

    Deterministic: the same instance gives the same distribution (no draw seed involved).
    ``release``: the engine version whose path to take (see :func:`selection.leximin.leximin`).
    """
    if algorithm == "leximin":
        columns, probabilities = leximin(model, monitor, release=release)
    elif algorithm == "maximin":
        columns, probabilities = leximin(model, monitor, stages=1, release=release)
    elif algorithm == "nash":
        columns, probabilities = nash(model, monitor, release=release)
    else:  # pragma: no cover - guarded by _check_algorithm
        raise InputError(f"no distribution for algorithm {algorithm!r}")
    return quantise(columns.panels, probabilities)


def select(
    quotas: QuotaTable,
    pool: Pool,
    panel_size: int,
    *,
    algorithm: str = "leximin",
    seed: str | None = None,
    households: bool = False,
    progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    time_limit: float | None = None,
    panels: int | None = None,
    ticket: int | None = None,
) -> SelectionResult:
    """Select a panel that meets every quota, with the evidence to verify it.

    Args:
        quotas: the quota table.
        pool: the pool; every answer must be a value of the quota table.
        panel_size: k, 1 <= k <= len(pool).
        algorithm: "leximin" (default), "maximin", "nash" or "legacy" (see ``ALGORITHMS``).
        seed: text seed of the draw; ``None``: 256 fresh bits from :mod:`secrets` (hex).
        households: at most one person per household key.
        progress: ``progress(phase, done, total)``, called at least once a second while the
            run works (and once at the end with phase "done"): ``phase`` names the step,
            ``done / total`` is the overall progress of the run (``total`` = 1000), which
            never decreases (see :mod:`selection.monitor`).
        should_cancel: ``should_cancel() -> bool``, checked at least once a second.
        time_limit: seconds of wall time before the run is cancelled, or ``None``.
        panels: M: round the distribution to a transparent lottery of M equally likely
            tickets (:mod:`selection.transparent`; kept in ``extra``) and draw the panel of one
            ticket instead of from the distribution; not for ``legacy``.
        ticket: with ``panels``, the ticket number 1..M picked in public; ``None``: drawn
            from the seed (:func:`selection.transparent.seed_ticket`).

    Returns:
        A :class:`SelectionResult`.

    Raises:
        InputError: bad inputs (unknown algorithm, empty seed, answers that are not quota
            values, quota sums that cannot reach k, k larger than the pool, ...).
        InfeasibleQuotas: no panel meets every quota; ``.report`` says what to relax.
        SelectionCancelled: ``should_cancel()`` returned True or the time limit passed.
        SelectionError: the legacy draw failed repeatedly (other algorithms never fail on
            feasible quotas).
    """
    started = time.monotonic()
    _check_algorithm(algorithm)
    _check_lottery(algorithm, panels, ticket)
    validate_instance(quotas, pool, panel_size)
    pool = canonical_pool(pool)
    if seed is None:
        seed = new_seed()
    if not isinstance(seed, str) or not seed:
        raise InputError("the seed must be non-empty text", column="seed", value=seed)
    monitor = Monitor(progress, should_cancel, time_limit)
    monitor.tick("feasibility", 0, 1, force=True)
    report = check_feasibility(quotas, pool, panel_size, households=households, monitor=monitor)
    if not report.feasible:
        raise InfeasibleQuotas(report)
    digest = input_digest(quotas, pool, panel_size, algorithm, households)
    model = build_types(quotas, pool, panel_size, households)
    ids = pool.ids
    types = [[ids[i] for i in members] for members in model.members]
    attempts = estimated = None
    if algorithm == "legacy":
        drawer = LegacyDrawer(quotas, pool, panel_size, households)
        chosen, attempts = drawer.draw(seed)
        panel = [ids[i] for i in chosen]
        estimates = estimate(drawer, seed, monitor)
        estimated = ESTIMATE_DRAWS
        probabilities = dict(zip(ids, estimates, strict=True))
        distribution: list[PanelShare] = []
    else:
        distribution = compute_distribution(model, algorithm, monitor)
        per_type = type_probabilities(distribution, [len(t) for t in types])
        probabilities = {ids[i]: float(per_type[t]) for i, t in enumerate(model.person_type)}
        order = {pid: i for i, pid in enumerate(ids)}
        panel = draw_panel(distribution, types, seed, order)
    rows = quota_report(quotas, pool, panel)
    if len(panel) != panel_size or not all(r.met for r in rows):
        raise SolverError("internal error: the drawn panel does not meet the quotas")
    monitor.tick("done", 1, 1, force=True)
    result = result_make(
        algorithm=algorithm,
        seed=seed,
        input_digest=digest,
        panel_size=panel_size,
        households=households,
        panel=panel,
        probabilities=probabilities,
        seconds=time.monotonic() - started,
        types=types,
        distribution=distribution,
        quotas=rows,
        estimated_from=estimated,
        attempts=attempts,
    )
    if panels is None:
        return result
    lottery = lottery_make(result, panels)
    source = "public" if ticket is not None else "seed"
    number = ticket if ticket is not None else seed_ticket(seed, panels)
    return ticket_apply(result, quotas, pool, number, source=source, lottery=lottery)


def _check_lottery(algorithm: str, panels: int | None, ticket: int | None) -> None:
    if panels is None:
        if ticket is not None:
            raise InputError("a ticket needs a number of panels", column="ticket", value=ticket)
        return
    if algorithm == "legacy":
        raise InputError(
            "a transparent lottery needs a distribution: not with legacy",
            column="panels",
            value=panels,
        )
    if isinstance(panels, bool) or not isinstance(panels, int) or not 1 <= panels <= MAX_PANELS:
        raise InputError(
            f"the number of panels must be a whole number from 1 to {MAX_PANELS}",
            column="panels",
            value=panels,
        )
    if ticket is not None and (
        isinstance(ticket, bool) or not isinstance(ticket, int) or not 1 <= ticket <= panels
    ):
        raise InputError(f"the ticket must be from 1 to {panels}", column="ticket", value=ticket)
