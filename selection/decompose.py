"""Write a target point as a convex combination of panels by walking down the faces of the
relaxation polytope (a constructive Carathéodory decomposition).

Column generation (see :mod:`selection.leximin`) reaches a target vector of expected type
counts by re-solving a master LP whose duals steer the pricing program; on pools of a thousand
types and more that master grows to thousands of columns and converges slowly. This module finds
the panels directly instead. The target ``x`` (expected counts, ``x_t = p_t * size_t``) lies in
the relaxation polytope ``R`` of the pricing program (quota rows, panel size, households,
``0 <= c_t <= size_t``). With remaining mass ``m`` (initially 1) and residual ``r`` (initially
``x``), so that ``r / m`` lies in ``R``, each step:

1. takes the constraints of ``R`` that ``r / m`` meets with equality (a type already used up or
   needed on every remaining panel, a quota at its min or max, a household already full): the
   smallest face of ``R`` containing ``r / m``;
2. asks the integer program for a panel *in that face* (those constraints as equalities),
   maximising ``sum_t c_t r_t / (m size_t)`` (the types most in need);
3. moves the largest step ``theta`` such that ``(r - theta c) / (m - theta)`` stays in ``R``
   (a ratio test over every constraint), records ``(panel, theta)`` and continues with
   ``r - theta c`` and ``m - theta``.

Every step makes at least one more constraint tight, so in exact arithmetic the walk ends after
at most ``dim R + 1`` steps (Carathéodory; Grötschel, Lovász and Schrijver, "Geometric
Algorithms and Combinatorial Optimization", 1988, §6.5, for the same construction over a
polytope given by an optimisation oracle). ``R`` is not the integer hull of the panels, so a
face may contain no panel: the walk then stops, and the caller's column generation continues
from the panels found. The result is only a set of columns for the caller's master LP, which
computes the final distribution and proves the target is reached, so the walk never affects
correctness, only speed.
"""

from __future__ import annotations

from collections.abc import Callable

import highspy
import numpy as np

from selection.dives import DIVE_GAP, DIVE_MIN_STEP, Face, dive, support_program
from selection.monitor import Monitor
from selection.sifting import Sifting
from selection.solver import PanelIP, run
from selection.symmetry import TypeModel

#: :func:`_support_panel` keeps the types whose count in the face's LP optimum is above this.
SUPPORT_FLOOR = 1e-9
#: Search level 5 (since 0.8.0): where neither the support nor the support with the previous
#: panel's types holds a panel, the types of this many latest panels join them before the
#: whole program runs. Measured at the 6 such faces of a correlated_10000_150_8 walk (the
#: whole program: 1.4-2.3 CPU s each): with the last 5 panels (290-490 types) a fractional
#: dive found a panel at each within 0.01-0.08 s and 0.1 % of the face's LP bound; with
#: the last 3 it failed at 2 of 6, with 10 or 20 it found them as fast.
RECENT_PANELS = 5
#: Stop once the remaining mass is below this (the master LP absorbs the rest).
MASS_TOLERANCE = 1e-9
#: See ``start_work_limit`` of :func:`decompose`: the share of the mass below which a walk
#: has not started.
START_MASS = 0.01
#: A constraint counts as tight when it holds with equality up to this (times the mass) ...
TIGHT_TOLERANCE = 1e-9
#: ... or up to this absolute amount (the round-off the residual accumulates over the walk).
TIGHT_FLOOR = 1e-12


def face_program(model: TypeModel) -> PanelIP:
    """A pricing integer program tuned for the walk: any good panel of the face will do.

    The face programs usually have an integral optimum equal to their LP bound but many
    fractional LP optima, and HiGHS's presolve and cut rounds then cost far more than its
    heuristics need: presolve is off, the cut pool small and the gap 1 %.
    """
    ip = PanelIP(model)
    ip.h.setOptionValue("presolve", "off")
    ip.h.setOptionValue("mip_rel_gap", 1e-2)
    ip.h.setOptionValue("mip_pool_soft_limit", 20)
    ip.h.setOptionValue("mip_heuristic_effort", 0.5)
    return ip


def decompose(
    model: TypeModel,
    monitor: Monitor,
    target: np.ndarray,
    *,
    ip: PanelIP | None = None,
    work_limit: int | None = None,
    half_work_limit: int | None = None,
    start_work_limit: int | None = None,
    search: int = 0,
    stop: Callable[[list[np.ndarray], list[float], float], bool] | None = None,
) -> tuple[list[np.ndarray], np.ndarray, float]:
    """Greedy face walk from a target probability vector to panels (see the module text).

    Args:
        model: the type model.
        monitor: progress (phase ``"leximin (decomposition)"``) and cancellation.
        target: ``float[T]`` per-type probabilities in [0, 1]; ``target * sizes`` must lie in
            the relaxation polytope (as the leximin point of the relaxation does).
        ip: the face program to use (default: a new :func:`face_program`); its bounds are
            changed, so never pass the caller's pricing program.
        work_limit: stop once the face programs have taken more than this many simplex
            iterations in all (HiGHS counts them the same on every run, so the stop point,
            unlike a time limit, does not depend on the machine or its load); ``None``: no
            limit.
        half_work_limit: stop too once they have taken more than this many while more than
            half the mass is left (a walk that starts slowly stays slow); ``None``: no limit.
        start_work_limit: stop too once they have taken more than this many while at most
            :data:`START_MASS` of the mass is written (faces whose panels barely move the
            residual: the walk would crawl); ``None``: no limit.
        search: ``0``: solve each face's whole program; ``1``: look for each face's panel on
            the support of the face's LP optimum first (:func:`_support_panel`), solving the
            whole program only when that support holds no panel; ``2``: as 1, and when the
            support holds no panel, try it together with the previous panel's types before
            the whole program; ``3``: as 2, and first a dive on the support
            (:func:`selection.dives.dive`), whose panel is taken when its weight is within
            :data:`DIVE_GAP` of the face's LP bound; ``4``: as 3, with each face's LP optimum
            found by sifting (:class:`selection.sifting.Sifting`) and the programs over the
            support (and the previous panel's types) solved as models of those types alone
            (:func:`selection.dives.support_program`); ``5``: as 4, with fractional dives
            (``fractional`` of :func:`selection.dives.dive`). The panels differ, so this is a
            choice of the engine version (0.3.0 and 0.4.0: 1; 0.5.0: 2; 0.6.0: 3; 0.7.0: 4;
            0.8.0: 5).
        stop: called after each step with the panels and weights so far and the mass left;
            the walk ends when it returns True (Nash since 0.7.0: the panels found already
            make a certified distribution); ``None``: never.

    Returns:
        ``(panels, weights, mass_left)``: the panels (``int64[T]`` type counts) in the order
        found, ``float[len(panels)]`` their weights, and the mass not yet written as panels
        (at most :data:`MASS_TOLERANCE` when the walk finished; larger when it stopped at a
        face without a panel, at the work limit or at ``stop``).
        ``sum_i weights_i panels_i <= target * sizes`` per type.

    Raises:
        SelectionCancelled: the monitor cancelled the run.
    """
    ip = ip or face_program(model)
    sizes = model.sizes.astype(np.float64)
    incidence = model.incidence.astype(np.float64)
    num_types, num_quotas = model.num_types, len(model.quotas)
    groups = [np.asarray(g, dtype=np.int64) for g in model.household_groups]
    # the households as flat arrays: member types, and the group of each (group order kept)
    house = _Households(groups)
    lower, upper = ip.quota_lower, ip.quota_upper
    residual = np.clip(target, 0.0, 1.0) * sizes
    mass = 1.0
    panels: list[np.ndarray] = []
    weights: list[float] = []
    max_steps = 2 * (num_types + num_quotas + len(groups)) + 10
    sifting = Sifting(ip) if search >= 4 else None
    work = 0
    while mass > MASS_TOLERANCE and len(panels) < max_steps:
        if work_limit is not None and work > work_limit:
            break  # too costly here: the caller's column generation goes on
        if half_work_limit is not None and work > half_work_limit and mass > 0.5:
            break
        if start_work_limit is not None and work > start_work_limit and mass > 1 - START_MASS:
            break
        monitor.tick("leximin (decomposition)", len(panels), len(panels) + 1)
        eps = max(TIGHT_TOLERANCE * mass, TIGHT_FLOOR)
        used_up = residual <= eps
        needed = residual >= mass * sizes - eps
        per_quota = incidence @ residual
        at_min = per_quota <= mass * lower + eps
        at_max = per_quota >= mass * upper - eps
        if search >= 3:
            per_group = house.sums(residual)
        else:
            per_group = np.array([residual[g].sum() for g in groups])
        full_groups = per_group >= mass - eps if groups else np.zeros(0, dtype=bool)
        type_lower, type_upper = np.where(needed, sizes, 0.0), np.where(used_up, 0.0, sizes)
        ip.restrict(
            type_lower=type_lower,
            type_upper=type_upper,
            quota_lower=np.where(at_max, upper, lower),
            quota_upper=np.where(at_min, lower, upper),
            household_lower=full_groups.astype(np.float64),
        )
        weight = np.where(used_up, 0.0, residual / (mass * sizes))
        counts = None
        if search:
            previous = panels[-1] > 0 if search >= 2 and panels else None
            face = None
            if search >= 3:
                face = Face(
                    np.where(at_max, upper, lower),
                    np.where(at_min, lower, upper),
                    full_groups.astype(np.float64),
                )

            def _takes_a_step(
                c: np.ndarray, r: np.ndarray = residual, m: float = mass, p: np.ndarray = per_group
            ) -> bool:
                step = _step(r, m, c, sizes, incidence, lower, upper, house, p)
                return step >= DIVE_MIN_STEP * m

            counts = _support_panel(
                ip,
                weight,
                type_lower,
                type_upper,
                previous,
                face,
                _takes_a_step,
                sifting,
                fractional=search >= 5,
                recent=panels[-RECENT_PANELS:] if search >= 5 else None,
            )
        if counts is None:
            counts, _, _ = ip.best(weight)
            work += max(0, int(ip.h.getInfo().simplex_iteration_count))
        if counts is None:
            break  # this face holds no panel: the caller's column generation goes on
        theta = _step(residual, mass, counts, sizes, incidence, lower, upper, house, per_group)
        if theta <= 0.0:
            break
        panels.append(counts)
        weights.append(theta)
        residual = np.maximum(residual - theta * counts, 0.0)
        mass -= theta
        if stop is not None and stop(panels, weights, mass):
            break
    return panels, np.array(weights), mass


def _step(
    residual: np.ndarray,
    mass: float,
    counts: np.ndarray,
    sizes: np.ndarray,
    incidence: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    house: _Households,
    per_group: np.ndarray,
) -> float:
    """The largest ``theta <= mass`` keeping ``(residual - theta c) / (mass - theta)`` in R."""
    c = counts.astype(np.float64)
    theta = mass
    used = c > 0
    theta = min(theta, float(np.min(residual[used] / c[used])))
    short = c < sizes
    if short.any():
        gaps = (mass * sizes[short] - residual[short]) / (sizes[short] - c[short])
        theta = min(theta, float(np.min(gaps)))
    per_quota, chosen = incidence @ residual, incidence @ c
    above = chosen > lower
    if above.any():
        gaps = (per_quota[above] - mass * lower[above]) / (chosen[above] - lower[above])
        theta = min(theta, float(np.min(gaps)))
    below = chosen < upper
    if below.any():
        gaps = (mass * upper[below] - per_quota[below]) / (upper[below] - chosen[below])
        theta = min(theta, float(np.min(gaps)))
    if house.count:
        taken = house.sums(c)
        open_ = taken < 1
        if open_.any():
            gaps = (mass - per_group[open_]) / (1.0 - taken[open_])
            theta = min(theta, float(np.min(gaps)))
    return max(theta, 0.0)


class _Households:
    """The household groups as flat arrays, for per-group sums without a Python loop."""

    def __init__(self, groups: list[np.ndarray]) -> None:
        self.count = len(groups)
        empty = np.zeros(0, dtype=np.int64)
        self.members = np.concatenate(groups) if groups else empty
        self.group = (
            np.repeat(np.arange(len(groups)), [len(g) for g in groups]) if groups else empty
        )

    def sums(self, values: np.ndarray) -> np.ndarray:
        """``float[H]``: the sum of ``values`` (``float[T]``) over each group's types, added in
        the group's order."""
        return np.bincount(self.group, weights=values[self.members], minlength=self.count)


def _support_panel(
    ip: PanelIP,
    weight: np.ndarray,
    type_lower: np.ndarray,
    type_upper: np.ndarray,
    previous: np.ndarray | None = None,
    face: Face | None = None,
    steps: Callable[[np.ndarray], bool] | None = None,
    sifting: Sifting | None = None,
    fractional: bool = False,
    recent: list[np.ndarray] | None = None,
) -> np.ndarray | None:
    """A panel of the face ``ip`` is restricted to, found on the support of the face's LP
    optimum, or ``None`` when that support holds no panel.

    The face program's integral optimum usually equals its LP bound, but HiGHS spends
    0.1-0.5 s at the root of a program over a thousand types and more. The LP optimum (a few
    milliseconds) names the few dozen types a best panel needs; the program over those types
    alone (the others bounded at 0, HiGHS's presolve on to drop them) takes a tenth of the
    time, and its panel is within a few per cent of the face's best weight, which is all the
    walk needs (any panel of the face keeps it exact). ``type_lower``, ``type_upper``: the
    face's bounds on the type counts (as given to :meth:`PanelIP.restrict`). ``previous``:
    ``bool[T]``, the types of the walk's previous panel, which met every bound of the
    previous face; when the support alone holds no panel, the program over the support and
    these types is tried (measured on correlated_5000_100_7, 2,955 types: the support alone
    fails at 39 of 595 faces, where the whole program takes about 1.5 s). ``face``: the
    face's row bounds; when given, a dive on the support (:func:`selection.dives.dive`) is
    tried first, and its panel taken when within :data:`DIVE_GAP` of the LP bound and
    ``steps`` (the walk's test of the step the panel allows) accepts it. ``sifting`` (with
    ``face``, since 0.7.0): the face's LP optimum is found by sifting from the walk's working
    set of types (the LP over every type only when sifting gives up), and the programs over
    the support (and with ``previous``) are solved as models of those types alone
    (:func:`selection.dives.support_program`) instead of the whole program with the other
    types bounded at 0. ``fractional`` (since 0.8.0): the dive is a fractional one (see
    :func:`selection.dives.dive`), and where it fails a second one runs on the support with
    ``previous`` before any program (measured at the 111 faces of a correlated_10000_150_8
    walk where the first dive failed: it finds a panel at 94 in 8.0 CPU s in all, where the
    support's program found 87 in 16.0 s; the walk 67.5 -> 61.6 CPU s, synthetic_1727_110_7
    4.4 -> 2.6 s). ``recent`` (with ``sifting``, since 0.8.0): the walk's
    latest panels (``int64[T]`` counts, at most :data:`RECENT_PANELS`); where the programs
    over the supports find no panel, the last support with these panels' types is tried, by
    a dive (taken on the same terms as the first) and then its program, before ``None``
    sends the walk to the whole program.
    """
    h, num_types = ip.h, ip.num_types
    every = np.arange(num_types, dtype=np.int32)
    x = None
    if sifting is not None and face is not None:
        x = sifting.optimum(face, weight, type_lower, type_upper)
    if x is None:
        h.changeColsIntegrality(
            num_types, every, np.full(num_types, highspy.HighsVarType.kContinuous)
        )
        h.changeColsCost(num_types, every, weight.astype(np.float64))
        status = run(h, ip.monitor)
        x = np.asarray(h.getSolution().col_value)
        h.changeColsIntegrality(num_types, every, np.full(num_types, highspy.HighsVarType.kInteger))
        if status != highspy.HighsModelStatus.kOptimal:
            return None
    supports = [x > SUPPORT_FLOOR]
    bound = float(weight @ x)

    def _dived(support: np.ndarray, face: Face) -> np.ndarray | None:
        dived = dive(ip, face, support, weight, type_lower, type_upper, fractional=fractional)
        if (
            dived is not None
            and float(weight @ dived) >= bound - DIVE_GAP * abs(bound)
            and (steps is None or steps(dived))
        ):
            return dived
        return None

    if face is not None:
        dived = _dived(supports[0], face)
        if dived is not None:
            return dived
    if previous is not None:
        supports.append(supports[0] | previous)
        if fractional and face is not None:
            dived = _dived(supports[1], face)
            if dived is not None:
                return dived
    if sifting is not None and face is not None:
        for support in supports:
            counts = support_program(ip, face, support, weight, type_lower, type_upper)
            if counts is not None:
                return counts
        if recent:
            wide = supports[-1] | (np.sum(recent, axis=0) > 0) & (type_upper > 0)
            counts = _dived(wide, face)
            if counts is None:
                counts = support_program(ip, face, wide, weight, type_lower, type_upper)
            return counts
        return None
    counts = None
    h.setOptionValue("presolve", "on")
    try:
        for support in supports:
            h.changeColsBounds(num_types, every, type_lower, np.where(support, type_upper, 0.0))
            counts, _, _ = ip.best(weight)
            if counts is not None:
                break
    finally:
        h.setOptionValue("presolve", "off")
        h.changeColsBounds(num_types, every, type_lower, type_upper)
    return counts
