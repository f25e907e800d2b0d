"""LP diving for the panels of the face walk (:mod:`selection.decompose`, search level 3,
since 0.6.0; fractional diving at level 5, since 0.8.0).

Each face of the relaxation polytope the walk visits needs one panel in that face. The face
program's LP optimum names the few dozen types a best panel needs; :func:`dive` rounds that
LP's solution on those types alone, re-solving a small LP after each fix (the classic LP
diving of MIP solvers, depth first with backtracking), and :func:`in_face` checks every bound
of the face on the panel it returns. A dive is only a proposal: a panel that fails the check,
or that is too far from the face's LP bound (:data:`DIVE_GAP`), sends the walk to HiGHS's
branch and cut instead, and any panel of the face keeps the walk exact. Since 0.7.0 that
branch and cut runs on a model of the support's types alone (:func:`support_program`).
"""

from __future__ import annotations

import highspy
import numpy as np

from selection.solver import PanelIP, new_highs, run

#: :func:`dive` takes a count as integral when it is within this of an integer.
DIVE_INTEGRAL = 1e-6
#: ... and its panel is taken when its weight is within this share of the face's LP bound;
#: otherwise the support's program runs. Measured on synthetic_1727_110_7 (walk CPU s, steps):
#: no dive 11.5 s, 136; dive at 1 % 12.9 s, 139 (half the dives within the gap); 5 % 7.7 s,
#: 171; any dive 11.9 s, 250 (the lighter panels take smaller steps).
DIVE_GAP = 0.05
#: :func:`dive` gives up after this many LP re-solves per support type (plus 10); measured
#: on synthetic_1727_110_7: about 110 re-solves per dive at 4 (0.2 ms each), 2 % of dives
#: give up; at 1 the walk took 10.2 s instead of 7.7 s (more dives fall back to the program).
DIVE_SOLVES_PER_TYPE = 4
#: The options of :func:`support_program` (since 0.7.0), HiGHS's branch and cut on the support
#: alone: the 1 % gap, cut pool and heuristic effort of
#: :func:`selection.decompose.face_program`, with its feasibility jump, RENS and RINS
#: heuristics off. Measured on 54 supports of correlated_10000_150_8 where the dive failed
#: (about 93 types each; CPU s in all): 10.2 with the face program's options, 9.3 without
#: feasibility jump, 8.7 without RENS and RINS, 8.0 without all three (the same panels' weight
#: within 0.01 %); heuristic effort 0.05 or 1, presolve off, no symmetry detection or
#: reduced-cost heuristic: no better. The same program over all types, the others bounded
#: at 0 (0.6.0), took about 0.22 s each.
SUPPORT_PROGRAM_OPTIONS: dict[str, bool | float | str] = {
    "presolve": "on",
    "mip_rel_gap": 1e-2,
    "mip_pool_soft_limit": 20,
    "mip_heuristic_effort": 0.5,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_rins": False,
}
#: ... and the walk takes a dive's panel only when its step is at least this share of the
#: mass left: a face met by the relaxation's point only up to HiGHS's tolerance is not
#: tight, and a panel against it moves by that tolerance (steps of 1e-9 on a synthetic
#: pool of 160 people, whose walk then ended at a face without a panel).
DIVE_MIN_STEP = 1e-6


class Face:
    """The row bounds of a face (as given to :meth:`PanelIP.restrict`): ``float[Q]`` quota
    bounds and ``float[H]`` household lower bounds."""

    def __init__(
        self, quota_lower: np.ndarray, quota_upper: np.ndarray, household_lower: np.ndarray
    ) -> None:
        self.quota_lower = quota_lower
        self.quota_upper = quota_upper
        self.household_lower = household_lower


def dive(
    ip: PanelIP,
    face: Face,
    support: np.ndarray,
    weight: np.ndarray,
    type_lower: np.ndarray,
    type_upper: np.ndarray,
    fractional: bool = False,
) -> np.ndarray | None:
    """A panel of the face on ``support`` (``bool[T]``) by LP diving, or ``None``.

    A small LP over the support's types alone (the face's rows restricted to them) is solved
    again and again, each time fixing the fractional count nearest to an integer at that
    integer; an infeasible LP undoes the last fix and tries its other side (depth first, at
    most :data:`DIVE_SOLVES_PER_TYPE` re-solves per type), until the optimum is integral.
    Each re-solve is a warm-started simplex of a few iterations on a few dozen columns (about
    0.2 ms), so a dive costs about 25 ms where HiGHS's branch and cut spends 50-100 ms at the
    root of the same program (measured on synthetic_1727_110_7). A heuristic (the classic
    LP diving of MIP solvers): the panel it returns is checked against every bound of the
    face, and any panel of the face keeps the walk exact.

    With ``fractional`` (search level 5, since 0.8.0) each fix rounds the *most* fractional
    count instead (fractional diving; Berthold, "Primal heuristics for mixed integer
    programs", ZIB, 2006, §3.1), and a node whose LP value is below the first LP's by more
    than :data:`DIVE_GAP` counts as infeasible (no panel under it would be taken). Measured on
    the 941 face supports of a correlated_10000_150_8 walk (every third, CPU s of the dives):
    nearest count 157 of 314 panels taken, 19.8 s (the failed dives use their whole budget);
    most fractional 136 of 157 (every sixth) instead of 74, in half the re-solves, with
    weights nearer the bound (99.5 % instead of 99.3 %). Fixing a count that is nearly
    integral barely moves the LP, so the nearest-count dive meets infeasibility deep down and
    backtracks through an exponential tree there.
    """
    cols = np.flatnonzero(support)
    n = len(cols)
    if n == 0:
        return None
    h = support_lp(ip, face, cols, weight, type_lower, type_upper)
    lower = type_lower[cols].astype(np.float64)
    upper = type_upper[cols].astype(np.float64)
    first_lower, first_upper = lower.copy(), upper.copy()
    flips: dict[int, tuple[float, float]] = {}
    budget = DIVE_SOLVES_PER_TYPE * n + 10
    stack: list[tuple[int, bool, bool]] = []
    floor: float | None = None  # with fractional: the LP value below which a node is cut off
    for _ in range(budget):
        optimal = run(h, ip.monitor) == highspy.HighsModelStatus.kOptimal
        if optimal and fractional:
            value = h.getObjectiveValue()
            if floor is None:
                floor = value - DIVE_GAP * abs(value)
            optimal = value >= floor
        if not optimal:
            # backtrack: undo fixes until one can still take its other direction
            while stack:
                j, went_up, flipped = stack.pop()
                lower[j], upper[j] = first_lower[j], first_upper[j]
                if not flipped:
                    if went_up:
                        upper[j] = flips[j][1]
                    else:
                        lower[j] = flips[j][0]
                    stack.append((j, not went_up, True))
                    break
                h.changeColBounds(j, lower[j], upper[j])
            else:
                return None
            h.changeColBounds(j, lower[j], upper[j])
            continue
        x = np.asarray(h.getSolution().col_value)
        fraction = x - np.floor(x + DIVE_INTEGRAL)
        open_ = (fraction > DIVE_INTEGRAL) & (lower < upper)
        if not open_.any():
            counts = np.zeros(ip.num_types, dtype=np.int64)
            counts[cols] = np.rint(x).astype(np.int64)
            return counts if in_face(ip, face, counts, type_lower, type_upper) else None
        # round the count nearest to an integer (up from one half)
        distance = np.minimum(fraction, 1.0 - fraction)
        if fractional:  # the most fractional (the first of ties)
            j = int(np.argmax(np.where(open_, distance, -1.0)))
        else:
            j = int(np.argmin(np.where(open_, distance, 2.0)))
        go_up = bool(fraction[j] >= 0.5)
        flips[j] = (float(np.ceil(x[j])), float(np.floor(x[j])))
        if go_up:
            lower[j] = flips[j][0]
        else:
            upper[j] = flips[j][1]
        stack.append((j, go_up, False))
        h.changeColBounds(j, lower[j], upper[j])
    return None


def support_program(
    ip: PanelIP,
    face: Face,
    support: np.ndarray,
    weight: np.ndarray,
    type_lower: np.ndarray,
    type_upper: np.ndarray,
) -> np.ndarray | None:
    """The face's panel of (nearly) largest ``weight`` on ``support`` (``bool[T]``), or
    ``None`` when the support holds none (since 0.7.0).

    HiGHS's branch and cut on a model of the support's types alone (:func:`support_lp` with
    integer counts, :data:`SUPPORT_PROGRAM_OPTIONS`: within 1 % of the support's best), where
    0.6.0 bounded the other types of the whole face program at 0. The panel is checked
    against every bound of the face (:func:`in_face`); one that fails it (HiGHS's tolerances)
    is ``None`` too, so the walk goes on to a wider program.

    Returns:
        ``int64[T]`` type counts, 0 off the support, or ``None``.

    Raises:
        SelectionCancelled: the monitor cancelled the run.
        SolverError: HiGHS stopped neither optimal nor infeasible.
    """
    cols = np.flatnonzero(support)
    n = len(cols)
    if n == 0:
        return None
    h = support_lp(ip, face, cols, weight, type_lower, type_upper)
    h.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
    )
    for option, value in SUPPORT_PROGRAM_OPTIONS.items():
        h.setOptionValue(option, value)
    if run(h, ip.monitor) != highspy.HighsModelStatus.kOptimal:
        return None
    counts = np.zeros(ip.num_types, dtype=np.int64)
    counts[cols] = np.rint(np.asarray(h.getSolution().col_value)).astype(np.int64)
    return counts if in_face(ip, face, counts, type_lower, type_upper) else None


def support_lp(
    ip: PanelIP,
    face: Face,
    cols: np.ndarray,
    weight: np.ndarray,
    type_lower: np.ndarray,
    type_upper: np.ndarray,
) -> highspy.Highs:
    """A HiGHS model of the face's program over the types ``cols`` (``int[n]``, sorted)
    alone, continuous, maximising ``weight``: columns ``0..n-1`` are the counts of ``cols``
    within ``type_lower``/``type_upper``; rows: each quota within the face's bounds, the panel
    size, and each household that is full on the face or has a type in ``cols``."""
    model = ip.model
    n = len(cols)
    incidence = model.incidence[:, cols]
    rows, entries = np.nonzero(incidence)
    num_quotas = incidence.shape[0]
    starts = np.searchsorted(rows, np.arange(num_quotas)).astype(np.int32)
    index = entries.astype(np.int32)
    lows = [face.quota_lower, [float(model.panel_size)]]
    highs = [face.quota_upper, [float(model.panel_size)]]
    starts_all: list[np.ndarray] = [starts, np.array([len(index)], dtype=np.int32)]
    index_all = [index, np.arange(n, dtype=np.int32)]
    offset = len(index) + n
    house_of = ip.swaps.house_of
    groups = support_groups(ip, face, cols)
    if len(groups):
        members = house_of[cols]
        order = np.argsort(members, kind="stable")
        sorted_members = members[order]
        first = np.searchsorted(sorted_members, groups, side="left")
        last = np.searchsorted(sorted_members, groups, side="right")
        # rows of the households: their members among the support, in group order (each
        # group's members are one run of the sorted members, possibly empty)
        taken = np.zeros(len(members), dtype=bool)
        for a, b in zip(first, last, strict=True):
            taken[a:b] = True
        starts_all.append(
            (offset + np.concatenate(([0], np.cumsum(last - first)[:-1]))).astype(np.int32)
        )
        index_all.append(order[taken].astype(np.int32))
        lows.append(face.household_lower[groups])
        highs.append(np.ones(len(groups)))
    index = np.concatenate(index_all).astype(np.int32)
    h = new_highs(ip.monitor)
    h.setOptionValue("presolve", "off")
    h.addVars(n, type_lower[cols].astype(np.float64), type_upper[cols].astype(np.float64))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), weight[cols].astype(np.float64))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    row_lower = np.concatenate([np.asarray(a, dtype=np.float64) for a in lows])
    row_upper = np.concatenate([np.asarray(a, dtype=np.float64) for a in highs])
    h.addRows(
        len(row_lower),
        row_lower,
        row_upper,
        len(index),
        np.concatenate(starts_all).astype(np.int32),
        index,
        np.ones(len(index)),
    )
    return h


def support_groups(ip: PanelIP, face: Face, cols: np.ndarray) -> np.ndarray:
    """``int64[G]``, sorted: the households that have a row in :func:`support_lp` over the
    types ``cols`` (those full on the face and those with a type in ``cols``), in the order
    of their rows."""
    house_of = ip.swaps.house_of[cols]
    full = np.flatnonzero(face.household_lower > 0)
    return np.union1d(full, np.unique(house_of[house_of >= 0])).astype(np.int64)


def in_face(
    ip: PanelIP,
    face: Face,
    counts: np.ndarray,
    type_lower: np.ndarray,
    type_upper: np.ndarray,
) -> bool:
    """Whether integer ``counts`` form a panel of the program and meet the face's bounds."""
    if not ip.feasible(counts):
        return False
    if (counts < type_lower - 0.5).any() or (counts > type_upper + 0.5).any():
        return False
    per_quota = ip.model.incidence.astype(np.int64) @ counts
    if (per_quota < face.quota_lower - 0.5).any() or (per_quota > face.quota_upper + 0.5).any():
        return False
    house_of = ip.swaps.house_of
    taken = np.bincount(
        house_of[counts > 0][house_of[counts > 0] >= 0], minlength=len(face.household_lower)
    )
    return bool((taken[: len(face.household_lower)] >= face.household_lower - 0.5).all())
