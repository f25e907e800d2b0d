"""Maximum Nash welfare selection by column generation (Flanigan et al., Nature 596, 2021).

The Methods section's NASH objective maximises the product of the selection probabilities,
i.e. ``sum_i log p_i`` over the people who can be selected at all. Over types
(:mod:`selection.symmetry`) this is ``f(lambda) = sum_t size_t log p_t`` with
``p_t = sum_P lambda_P c_Pt / size_t``. Its gradient with respect to a panel's probability is
``g_P = sum_t c_Pt / p_t``, and ``sum_P lambda_P g_P = n`` (the number of selectable people),
so ``lambda`` is optimal over *all* panels exactly when no panel has ``g_P > n``; the pricing
integer program (weights ``1 / p_t``) finds the panel with the largest ``g_P``.

The restricted master (a concave maximisation over the simplex of known panels) is solved in
numpy by the EM / multiplicative update ``lambda_P <- lambda_P g_P / n``, which keeps
``lambda`` a distribution and increases ``f`` monotonically. A new panel enters with the
exact line-search step of Frank-Wolfe. The run stops when the Frank-Wolfe gap
``(max_P g_P - n) / n`` is at most :data:`NASH_TOLERANCE` (a bound on the relative
sub-optimality of the objective).

Since 0.6.0 (the path of older releases is kept for verifying their reports), the run mirrors
leximin's acceleration (:mod:`selection.leximin`): the maximum-Nash-welfare point ``x*`` of
the LP relaxation ``R`` of the panel polytope is computed first, without column generation
(:func:`selection.nashpoint.nash_point`). ``conv(F)`` (the achievable expected type counts)
lies inside ``R``, so if a distribution over panels reaches ``x*`` it is optimal over all
distributions; :func:`selection.leximin.reach_target` looks for one (target master LP, the
face walk on large pools; on middle-sized ones sampled panels, since 0.8.0 multiplicative
weights' panels, :func:`selection.columngen.target_seed`). The result is certified by
the Frank-Wolfe gap over ``R`` (:class:`selection.nashpoint.GapLP`) at the distribution's
own probabilities: a relative gap ``<= NASH_TOLERANCE`` bounds the relative sub-optimality
over all distributions, as the column generation's gap over ``F`` does (and the gap over
``R`` is never smaller, so the guarantee is at least as strong). If the target is proven
unreachable (``x*`` outside ``conv(F)``) or the gap is above the tolerance, the column
generation above runs, from every panel found so far and warm-started from the best
distribution known.
"""

from __future__ import annotations

import numpy as np

from selection.columngen import Columns, initial_columns
from selection.decompose import MASS_TOLERANCE, decompose, face_program
from selection.errors import SolverError
from selection.leximin import (
    DECOMPOSE_ABOVE_TYPES,
    LARGE_INITIAL_ROUNDS,
    MIDDLE_WALK_LIMITS,
    SAMPLE_ABOVE_TYPES,
    WALK_HALF_WORK_PER_TYPE,
    WALK_START_WORK_PER_TYPE,
    reach_target,
)
from selection.monitor import Monitor
from selection.nashpoint import GapLP, nash_point
from selection.relaxation import relaxed_leximin
from selection.solver import PanelIP
from selection.symmetry import TypeModel
from selection.version import __version__, since
from selection.walkfirst import StopTest, Walk, work_stop

#: Stop when the relative Frank-Wolfe gap is at most this.
NASH_TOLERANCE = 1e-3
_EM_ROUNDS = 400
#: The distribution search aims at the relaxation's Nash point scaled down by this factor: the
#: interior-point method's point may lie above ``x*`` by about 1e-7 relative on degenerate
#: faces (:data:`selection.nashpoint.POINT_TOLERANCE`), which would make a point of ``conv(F)``
#: look unreachable; the scaled target lies below ``x*``, and reaching it costs at most about
#: this much relative gap (``p >= (1 - e) x*`` has a gap at most ``e (1 + gap(x*))`` above
#: ``x*``'s), far below NASH_TOLERANCE.
TARGET_SHRINK = 1e-5
#: From :data:`selection.leximin.SAMPLE_ABOVE_TYPES` to
#: :data:`selection.leximin.DECOMPOSE_ABOVE_TYPES` types the walk from the Nash point gets this
#: many simplex iterations of its face programs per type (leximin's 60 is too many here: the
#: Nash point's walk on synthetic_312_35_6 writes mass slowly, so the early stops do not fire).
#: Measured, CPU s and whether the walk finished, at 8 / 15 / 25 / 60 per type:
#: correlated_300_20_7 0.8 no / 1.1 yes / 1.4 yes / 1.1 yes; synthetic_312_35_6 (never
#: finishes) 1.3 / 2.4 / 3.5 / 6.5.
WALK_WORK_PER_TYPE = 15
#: The walk from the Nash point with every type selectable is tried only when that point's
#: relative Frank-Wolfe gap is at most this (else it is not the point to walk to).
POINT_CHECK = 1e-6
#: A warm start of the column generation keeps this share of uniform weight on every panel.
WARM_UNIFORM = 0.01
#: Since 0.7.0 the walk's panels are checked for a certified distribution (relative gap at
#: most NASH_TOLERANCE) once the mass left to write is at most this, ...: measured, the gap
#: of the panels found so far is 0.9-1.2 times the mass left on synthetic_1727_110_7, and it
#: first falls below 1e-3 after 135 of the walk's 283 steps, 8.8 of its 16.9 CPU s.
CHECK_FROM_MASS = NASH_TOLERANCE
#: ... and again each time the mass left has fallen by this factor since the last check (a
#: check is one LP over R, about 0.01 CPU s on 1,400 types).
CHECK_EVERY = 0.7


def _line_search(p: np.ndarray, a: np.ndarray, sizes: np.ndarray) -> float:
    """Best step ``gamma`` in [0, 1) moving ``p`` towards the new panel's ``a``."""
    low, high = 0.0, 1.0
    for _ in range(50):
        mid = 0.5 * (low + high)
        slope = float(np.sum(sizes * (a - p) / ((1 - mid) * p + mid * a)))
        if slope > 0:
            low = mid
        else:
            high = mid
    return low


def nash(
    model: TypeModel, monitor: Monitor, *, release: str = __version__
) -> tuple[Columns, np.ndarray]:
    """Compute the maximum-Nash-welfare distribution over panels.

    Args:
        model: the type model (the quotas must be feasible).
        monitor: progress and cancellation (raises :class:`SelectionCancelled`).
        release: the engine version whose path to take (:data:`selection.version.RELEASES`):
            before 0.6.0 column generation alone; since, the relaxation's Nash point first
            (see the module text).

    Returns:
        ``(columns, probabilities)``: the panels and ``float[P]`` probability of each panel;
        the relative Frank-Wolfe gap of its probabilities is at most :data:`NASH_TOLERANCE`.
    """
    ip = PanelIP(model, monitor)
    if not since(release, "0.6.0"):
        columns, selectable = initial_columns(model, ip, monitor)
        return columns, _column_generation(model, monitor, ip, columns, selectable, None)
    large = model.num_types > DECOMPOSE_ABOVE_TYPES
    walk = (
        _walk_first(model, monitor, large, release)
        if model.num_types > SAMPLE_ABOVE_TYPES
        else None
    )
    if walk is not None and walk.distribution is not None:
        return walk.columns, walk.distribution
    rounds = LARGE_INITIAL_ROUNDS if large else None
    columns, selectable = initial_columns(model, ip, monitor, rounds=rounds)
    sizes = model.sizes.astype(np.float64)
    walked = walk is not None and bool(selectable.all())
    if walk is not None and walked:  # the walk already ran on this very point
        point = walk.point
        if large:  # its panels seed the master (on middle-sized pools: sampled panels)
            for counts in walk.columns.panels:
                columns.add(counts)
        walked = large
    elif walk is not None and not large:
        point = nash_point(model, monitor, selectable, walk.point * sizes, release=release)
    else:
        start = columns.matrix().astype(np.float64).mean(axis=1)
        try:
            point = nash_point(model, monitor, selectable, start, release=release)
        except np.linalg.LinAlgError:  # the point only accelerates: column generation needs none
            return columns, _column_generation(model, monitor, ip, columns, selectable, None)
    target = point * (1.0 - TARGET_SHRINK)
    distribution = reach_target(
        model,
        monitor,
        ip,
        columns,
        target,
        point=None if walk is not None else point,
        walked=walked,
        release=release,
    )
    if distribution is None:
        return columns, _column_generation(model, monitor, ip, columns, selectable, None)
    gap = GapLP(model, monitor, selectable).gap(columns.combine(distribution) / sizes)
    if gap <= NASH_TOLERANCE:
        return columns, distribution
    return columns, _column_generation(model, monitor, ip, columns, selectable, distribution)


class _Certified:
    """The stop test of Nash's face walk since 0.7.0 (``stop`` of
    :func:`selection.decompose.decompose`): True once the walk's panels, weighted by their
    weights and normalised, have a relative Frank-Wolfe gap over ``R`` of at most
    :data:`NASH_TOLERANCE`, the same certificate as a finished walk's (checked at
    :data:`CHECK_FROM_MASS` and :data:`CHECK_EVERY`)."""

    def __init__(self, gap_lp: GapLP, sizes: np.ndarray) -> None:
        self.gap_lp = gap_lp
        self.sizes = sizes
        self.next_check = CHECK_FROM_MASS

    def __call__(self, panels: list[np.ndarray], weights: list[float], mass: float) -> bool:
        if mass > self.next_check:
            return False
        self.next_check = mass * CHECK_EVERY
        theta = np.asarray(weights, dtype=np.float64)
        if theta.sum() <= 0.0:
            return False
        reached = theta @ np.asarray(panels, dtype=np.float64) / theta.sum() / self.sizes
        return self.gap_lp.gap(reached) <= NASH_TOLERANCE


def _walk_first(model: TypeModel, monitor: Monitor, large: bool, release: str) -> Walk | None:
    """Nash welfare straight from the face walk, as leximin does above
    :data:`selection.leximin.DECOMPOSE_ABOVE_TYPES` types since 0.6.0: no initial panels, no
    coverage check. There (``large``) the walk has no limit; from
    :data:`selection.leximin.SAMPLE_ABOVE_TYPES` types on it gets leximin's budget of
    simplex iterations (:data:`selection.leximin.WALK_WORK_PER_TYPE` and the two early
    stops), deterministic, so the path never depends on timing. Measured, CPU s, walk with
    budget / column generation from sampled panels: correlated_300_20_7 0.5 / 7.8 (the
    walk finishes); synthetic_404_40_6 0.3 wasted (its first face holds no panel).

    The Nash point of ``R`` with *every* type selectable is written as a combination of
    panels by the face walk (:func:`selection.decompose.decompose`); when the walk finishes,
    its weights, normalised, are the distribution. The proof is the check that follows, not
    the walk: every type gets a positive probability (so every type is selectable and the
    relaxation was the right one), and the Frank-Wolfe gap over ``R`` of the probabilities is
    at most :data:`NASH_TOLERANCE`.

    Since 0.7.0 (``release``) the walk on large pools dives for each face's panel (``search``
    3 of :func:`selection.decompose.decompose`, as leximin's walk since 0.6.0): measured on
    synthetic_1727_110_7, walk 24.9 -> 12-13 CPU s, 283 panels either way; and the
    interior-point method's guarded corrector (:data:`selection.nashpoint.CORRECTOR_GUARD`)
    converges from the proportional start there, so the restart below is no longer taken
    (3.4 CPU s of refused run and 0.5 s of relaxed leximin saved). Since 0.7.0 too the walk
    stops as soon as its panels so far make a certified distribution (:class:`_Certified`),
    which the check below then proves again: on synthetic_1727_110_7 after about 140 of 283
    steps. Since 0.8.0 the walk on large pools takes leximin's search level 5 (sifting, the
    support's program over its types alone, fractional dives; ``search`` 5 of
    :func:`selection.decompose.decompose`): measured on correlated_10000_150_8, Nash 165-172
    -> 51-53 CPU s (benchmark runs alternating with 0.7.0). Since 0.8.0 too middle-sized
    pools walk as large ones do, within leximin's limits of work
    (:data:`selection.leximin.MIDDLE_WALK_LIMITS`), and the target master starts from
    multiplicative weights' panels where the walk stops short: measured, CPU s, 0.7.0 / 0.8.0,
    correlated_300_20_7 0.90 / 0.25, correlated_400_40_6 0.97 / 0.11, synthetic_312_35_6
    6.6 / 1.3, synthetic_404_40_6 11.9 / 2.5.

    Returns:
        ``None`` when the interior-point method fails both from the proportional start and
        from the relaxation's leximin point (a point of ``R``; measured on
        synthetic_1727_110_7, where in 0.6.0 the first stops outside ``R``: Nash 34.6 -> 28.0
        CPU s); otherwise the walk, whose
        ``distribution`` is ``None`` when the walk stopped short or the check failed (the
        caller then takes the path with initial panels, seeded with the walk's panels).
    """
    everyone = np.ones(model.num_types, dtype=bool)
    sizes = model.sizes.astype(np.float64)
    start = sizes * model.panel_size / max(1.0, float(sizes.sum()))
    try:
        point = nash_point(model, monitor, everyone, start, release=release)
    except np.linalg.LinAlgError:
        try:
            leximin_point = relaxed_leximin(model, monitor, everyone)
            point = nash_point(model, monitor, everyone, leximin_point * sizes, release=release)
        except (np.linalg.LinAlgError, SolverError):
            return None
    gap_lp = GapLP(model, monitor, everyone)
    if gap_lp.gap(point) > POINT_CHECK:
        # the interior-point method stalled from the proportional start (measured on
        # synthetic_404_40_6, relative gap 0.09); the path with initial panels starts it
        # from their mean instead
        return None
    # since 0.8.0 middle-sized pools walk as large ones do, within leximin's work budget
    budget = not large and since(release, "0.8.0")
    per_type = None if large or budget else model.num_types
    certified = since(release, "0.7.0")  # dives, and the walk stops once certified
    search = 5 if since(release, "0.8.0") else 3 if certified else 2
    stop: StopTest | None = _Certified(gap_lp, sizes) if certified else None
    ip = None
    if budget:
        ip = face_program(model)
        ip.monitor = monitor  # the walk's solves count towards monitor.work
        over = work_stop(monitor, [(w * model.num_types, m) for w, m in MIDDLE_WALK_LIMITS])
        stop = _either(stop, over)

    panels, weights, mass = decompose(
        model,
        monitor,
        point,
        ip=ip,
        search=search if large or budget else 0,
        work_limit=None if per_type is None else WALK_WORK_PER_TYPE * per_type,
        half_work_limit=None if per_type is None else WALK_HALF_WORK_PER_TYPE * per_type,
        start_work_limit=None if per_type is None else WALK_START_WORK_PER_TYPE * per_type,
        stop=stop,
    )
    columns, merged = Columns.merged(model.num_types, panels, weights)
    # since 0.7.0 a walk stopped short may already be certified: the gap below decides
    if (mass > MASS_TOLERANCE and not certified) or merged.sum() <= 0.0:
        return Walk(point, columns, None)
    distribution = merged / merged.sum()
    reached = columns.combine(distribution) / sizes
    if (reached <= 0).any() or gap_lp.gap(reached) > NASH_TOLERANCE:
        return Walk(point, columns, None)
    return Walk(point, columns, distribution)


def _either(first: StopTest | None, second: StopTest | None) -> StopTest | None:
    """A ``stop`` test of :func:`selection.decompose.decompose` that is True when either
    given one is (both are called, in order; ``None`` is never True)."""
    tests = [t for t in (first, second) if t is not None]
    if not tests:
        return None

    def stop(panels: list[np.ndarray], weights: list[float], mass: float) -> bool:
        return any([t(panels, weights, mass) for t in tests])

    return stop


def _column_generation(
    model: TypeModel,
    monitor: Monitor,
    ip: PanelIP,
    columns: Columns,
    selectable: np.ndarray,
    weights: np.ndarray | None,
) -> np.ndarray:
    """Column generation with the EM restricted master (see the module text), from
    ``columns`` and the distribution ``weights`` over them (``None``: uniform).

    Returns:
        ``float[P]`` the probability of each panel of ``columns`` (extended in place).
    """
    sizes = model.sizes.astype(np.float64)[selectable]
    people = float(sizes.sum())

    def matrix() -> np.ndarray:
        return columns.matrix()[selectable].astype(np.float64) / sizes[:, None]

    a = matrix()
    if weights is None:
        weights = np.full(a.shape[1], 1.0 / a.shape[1])
    else:
        # EM never revives a zero weight: keep a little mass on every known panel.
        weights = np.maximum(np.asarray(weights, dtype=np.float64), 0.0)
        weights = (1 - WARM_UNIFORM) * weights / weights.sum() + WARM_UNIFORM / len(weights)
    iteration = 0
    while True:
        iteration += 1
        monitor.tick("nash", iteration, iteration + 1)
        for _ in range(_EM_ROUNDS):
            p = a @ weights
            gradient = (sizes / p) @ a
            weights = weights * gradient / people
            weights /= weights.sum()
            if gradient[weights > 1e-12].max() / people - 1 < 1e-10:
                break
        p = a @ weights
        pricing = np.zeros(model.num_types)
        pricing[selectable] = 1.0 / p
        found = columns.improving(ip, pricing, people * (1 + NASH_TOLERANCE), starts=2)
        if not found:
            counts, value, _ = ip.best(pricing)
            if counts is None or value <= people * (1 + NASH_TOLERANCE):
                break
            if not columns.add(counts):
                break
            found = [counts]
        else:
            for counts in found:
                columns.add(counts)
        for counts in found:
            column = counts[selectable].astype(np.float64) / sizes
            step = _line_search(a @ weights, column, sizes)
            a = np.column_stack((a, column))
            weights = np.append(weights * (1 - step), step)
    for _ in range(5 * _EM_ROUNDS):  # polish the restricted optimum
        gradient = (sizes / (a @ weights)) @ a
        if gradient[weights > 1e-12].max() / people - 1 < 1e-12:
            break
        weights = weights * gradient / people
        weights /= weights.sum()
    return weights
