"""Feasibility, the draw and its verification: the engine's solver-backed calls, loaded on
first use so Django starts without numpy or HiGHS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assemblies.engine.inputs import Problem, problems_from
from assemblies.engine.snapshot import snapshot_inputs
from selection import (
    InfeasibleQuotas,
    InputError,
    Pool,
    QuotaTable,
    SelectionCancelled,
    SelectionError,
    __version__,
    validate_instance,
)


@dataclass(frozen=True)
class Feasibility:
    """Whether the quotas can be met: ``feasible``; ``message`` (a sentence or more);
    ``conflicts`` (texts naming the quotas in conflict); ``relaxation`` (texts giving the
    smallest change within min_flex/max_flex that would work); ``problems`` (input problems
    that prevent the check, e.g. a panel larger than the pool)."""

    feasible: bool
    message: str
    conflicts: list[str] = field(default_factory=list)
    relaxation: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _describe(item: Any) -> str:
    """One conflict or relaxation of a feasibility report as a sentence."""
    if all(hasattr(item, a) for a in ("category", "value", "new_min", "new_max")):
        return (
            f"{item.category}/{item.value}: from [{item.min}, {item.max}] "
            f"to [{item.new_min}, {item.new_max}]"
        )
    if all(hasattr(item, a) for a in ("category", "value", "bound", "needed")):
        return (
            f"{item.category}/{item.value}: {item.bound} {item.current} would have to be "
            f"{item.needed}"
        )
    return str(item)


def feasibility(snapshot: Mapping[str, Any]) -> Feasibility:
    """Check that the snapshot's quotas can be met by its pool with its panel size.

    Returns:
        :class:`Feasibility`; input problems (unknown answers, panel larger than the pool,
        quota sums that cannot reach the panel size) are reported as infeasible with
        ``problems`` filled, never raised.
    """
    try:
        quotas, pool, size, households = snapshot_inputs(snapshot)
        _validate(quotas, pool, size)
        from selection.feasibility import check_feasibility  # lazy

        report = check_feasibility(quotas, pool, size, households=households)
    except InputError as exc:
        problems = problems_from(exc)
        return Feasibility(False, "; ".join(str(p) for p in problems), problems=problems)
    message = report.message() if callable(getattr(report, "message", None)) else ""
    return Feasibility(
        feasible=bool(report.feasible),
        message=str(message or ("The quotas can be met." if report.feasible else "Infeasible.")),
        conflicts=[_describe(c) for c in getattr(report, "conflicts", None) or []],
        relaxation=[_describe(r) for r in getattr(report, "relaxation", None) or []],
    )


def _validate(quotas: QuotaTable, pool: Pool, size: int) -> None:
    validate_instance(quotas, pool, size)


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


@dataclass(frozen=True)
class Verification:
    """Outcome of re-checking a run: ``ok`` and the ``findings`` (texts, one per check)."""

    ok: bool
    findings: list[str]


def verify(
    report: Mapping[str, Any], snapshot: Mapping[str, Any], *, recompute: bool = False
) -> Verification:
    """Re-check a stored report against the stored inputs: the panel re-drawn from the stored
    distribution and seed, the input digest, the probabilities implied by the distribution,
    the panel's size, quotas and households; with ``recompute`` also a fresh run of the
    algorithm (slow: as long as the original run).

    Returns:
        :class:`Verification`; input problems are findings with ``ok`` False, not raised.
    """
    try:
        quotas, pool, size, households = snapshot_inputs(snapshot)
        from selection.verification import verify as verify_report  # lazy

        outcome = verify_report(
            dict(report), quotas, pool, size, households=households, recompute=recompute
        )
    except InputError as exc:
        return Verification(False, [str(p) for p in problems_from(exc)])
    findings = getattr(outcome, "findings", None) or []
    return Verification(bool(outcome.ok), [str(f) for f in findings])
