"""Feasibility, the draw and its verification: the engine's solver-backed calls, loaded on
first use so Django starts without numpy or HiGHS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from assemblies.engine.inputs import problems_from
from assemblies.engine.snapshot import snapshot_inputs
from selection import (
    InfeasibleQuotas,
    InputError,
    SelectionCancelled,
    SelectionError,
    __version__,
    validate_instance,
)

if TYPE_CHECKING:
    from selection.feasibility import FeasibilityReport
    from selection.verification import VerificationReport


def feasibility(snapshot: Mapping[str, Any]) -> FeasibilityReport:
    """Check that the snapshot's quotas can be met by its pool with its panel size.

    Returns:
        The engine's :class:`selection.FeasibilityReport` (``feasible``, ``conflicts``,
        ``relaxation``; ``message()`` explains both in sentences).

    Raises:
        InputError: input problems that prevent the check (unknown answers, a panel larger
        than the pool, quota sums that cannot reach the panel size); ``problems_from(exc)``
        lists them.
    """
    quotas, pool, size, households = snapshot_inputs(snapshot)
    validate_instance(quotas, pool, size)
    from selection.feasibility import check_feasibility  # lazy

    return check_feasibility(quotas, pool, size, households=households)


def algorithms() -> tuple[str, ...]:
    """Names of the engine's algorithms (``leximin`` first): :data:`selection.ALGORITHMS`."""
    from selection.engine import ALGORITHMS  # lazy

    return tuple(ALGORITHMS)


def engine_version() -> str:
    """The engine's version string ("unknown" when it does not say)."""
    return __version__


def draw(
    snapshot: Mapping[str, Any],
    *,
    progress: Callable[[str, int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Run the selection the snapshot describes and return the report (CLI REPORT.json).

    With ``snapshot["panels"] = M`` the distribution is rounded to a transparent lottery of M
    tickets and the panel of a ticket drawn from the seed is the draw (``extra`` holds the
    lottery: :mod:`selection.transparent`).

    Args:
        snapshot: from :func:`snapshot_make`.
        progress: ``progress(phase, done, total)``, called by the engine while it works.
        should_cancel: returns True to stop; the engine then raises ``SelectionCancelled``.

    Returns:
        The engine's ``SelectionResult.to_dict()``.

    Raises:
        InputError: inconsistent inputs. ``InfeasibleQuotas``: the quotas cannot be met.
        ``SelectionCancelled``: cancelled. Any other engine error on a solver failure.
    """
    quotas, pool, size, households = snapshot_inputs(snapshot)
    from selection.engine import select  # lazy

    result = select(
        quotas,
        pool,
        size,
        algorithm=snapshot["algorithm"],
        seed=snapshot["seed"],
        households=households,
        progress=progress,
        should_cancel=should_cancel,
        panels=snapshot.get("panels"),
    )
    return result.to_dict()


def is_cancelled(exc: BaseException) -> bool:
    """True when ``exc`` is the engine's ``SelectionCancelled``."""
    return isinstance(exc, SelectionCancelled)


def is_infeasible(exc: BaseException) -> bool:
    """True when ``exc`` is the engine's ``InfeasibleQuotas``."""
    return isinstance(exc, InfeasibleQuotas)


def is_engine_error(exc: BaseException) -> bool:
    """True for any error raised on purpose by the engine (bad input, infeasible, solver)."""
    return isinstance(exc, SelectionError)


def verify(
    report: Mapping[str, Any], snapshot: Mapping[str, Any], *, recompute: bool = False
) -> VerificationReport:
    """Re-check a stored report against the stored inputs: the panel re-drawn from the stored
    distribution and seed, the input digest, the probabilities implied by the distribution,
    the panel's size, quotas and households; with ``recompute`` also a fresh run of the
    algorithm (slow: as long as the original run).

    Returns:
        The engine's :class:`selection.VerificationReport` (``ok``, ``findings``: one text
        per check); input problems are failed findings, not raised.
    """
    from selection import verification  # lazy

    try:
        quotas, pool, size, households = snapshot_inputs(snapshot)
    except InputError as exc:
        outcome = verification.VerificationReport()
        for problem in problems_from(exc):
            outcome.failed(str(problem))
        return outcome
    return verification.verify(
        dict(report), quotas, pool, size, households=households, recompute=recompute
    )


def prepare(
    snapshot: Mapping[str, Any],
    *,
    progress: Callable[[str, int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Phase 1 of a two-phase (ceremony) run: the distribution, fixed, without a seed (with
    ``snapshot["panels"] = M`` also its M-ticket lottery and that lottery's digest).

    Returns:
        :func:`selection.ceremony.distribution_prepare`'s dict (with ``distribution_sha256``).

    Raises:
        The same errors as :func:`draw`.
    """
    quotas, pool, size, households = snapshot_inputs(snapshot)
    from selection.ceremony import distribution_prepare  # lazy

    return distribution_prepare(
        quotas,
        pool,
        size,
        algorithm=snapshot["algorithm"],
        households=households,
        progress=progress,
        should_cancel=should_cancel,
        panels=snapshot.get("panels"),
    )


def draw_prepared(
    snapshot: Mapping[str, Any], prepared: Mapping[str, Any], seed: str, ticket: int | None = None
) -> dict[str, Any]:
    """Phase 2: draw from the fixed distribution with the seed made in public (for a lottery,
    the panel of ``ticket``, the number 1..M picked in public).

    Returns:
        The report (``SelectionResult.to_dict()``, ``extra.distribution_sha256`` set).

    Raises:
        InputError: an empty seed, inputs, distribution or lottery changed since phase 1, or
            a missing or out-of-range ticket for a lottery.
    """
    quotas, pool, _, _ = snapshot_inputs(snapshot)
    from selection.ceremony import distribution_draw  # lazy

    return distribution_draw(prepared, seed, quotas, pool, ticket).to_dict()
