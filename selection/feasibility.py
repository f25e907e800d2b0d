"""Feasibility of the quotas, and the smallest relaxation when they cannot be met.

A HiGHS mixed-integer program over type counts (see :mod:`selection.symmetry`) with slack
variables: for each quota, ``u_q >= 0`` lowers the min (at most down to ``min_flex``, or 0) and
``v_q >= 0`` raises the max (at most up to ``max_flex``, or to the panel size), subject to the
panel size and the household rule. The quotas are feasible exactly when the program's optimum is
0; otherwise the quotas with positive slack are the conflicting ones.

The cost of a relaxation (:func:`relaxation_cost`) protects small minimums: lowering a min of
``m`` by one costs ``1 + 2 / m`` (lowering a min of 1 to 0 costs 3, a min of 10 to 9 costs
1.2), raising a max by one costs 1. This is the weighting of sortition-algorithms (Flanigan et
al.'s reference code), which makes the advice drop a small minority's only seat last. The
relaxation reported is the cheapest; when several are equally cheap (up to
:data:`COST_TOLERANCE`), each set of moved bounds is an alternative, and the report picks one by
a fixed order (:func:`_order_key`: fewest bounds moved, then the earliest quotas of the table,
mins before maxes) and lists up to :data:`MAX_ALTERNATIVES` others, so the advice is the same on
every run and names the equal choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from selection.model import Pool, Quota, QuotaTable, validate_instance
from selection.monitor import Monitor
from selection.solver import INF, new_highs, run
from selection.symmetry import TypeModel, build_types


@dataclass(frozen=True)
class Conflict:
    """A quota bound that must be relaxed: ``bound`` is "min" or "max"; ``current`` is the
    bound now and ``needed`` the relaxed bound."""

    category: str
    value: str
    bound: str
    current: int
    needed: int


@dataclass(frozen=True)
class Relaxation:
    """New bounds for one quota: ``new_min <= old min`` and ``new_max >= old max``."""

    category: str
    value: str
    min: int
    max: int
    new_min: int
    new_max: int


@dataclass(frozen=True)
class FeasibilityReport:
    """Whether some panel meets every quota, and if not, what to relax.

    Attributes:
        feasible: True when a panel of the requested size meets every quota.
        conflicts: the quota bounds that must move (empty when feasible).
        relaxation: per changed quota, the new min/max of a smallest total relaxation within
            min_flex/max_flex (empty when feasible or when no relaxation within the flex
            limits exists).
        within_flex: False when even the fullest relaxation allowed by min_flex/max_flex
            cannot make the quotas feasible (then the relaxation ignores the flex limits).
        cost: the relaxation's cost (see the module text; 0.0 when feasible).
        alternatives: other relaxations of the same cost (each a list of
            :class:`Relaxation`), at most :data:`MAX_ALTERNATIVES`, in the fixed order.
        more_alternatives: True when further relaxations of the same cost exist (or may
            exist) beyond those listed.
        pool_counts: ``{(category, value): number of people in the pool with that value}``.
        panel_size: k.
        households: whether the household rule was on.
    """

    feasible: bool
    conflicts: list[Conflict] = field(default_factory=list)
    relaxation: list[Relaxation] = field(default_factory=list)
    within_flex: bool = True
    pool_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    panel_size: int = 0
    households: bool = False
    possible: bool = True
    cost: float = 0.0
    alternatives: list[list[Relaxation]] = field(default_factory=list)
    more_alternatives: bool = False

    def relaxed_quotas(self, quotas: QuotaTable) -> QuotaTable:
        """The quota table with the relaxation applied."""
        changed = {(r.category, r.value): r for r in self.relaxation}
        out = []
        for q in quotas:
            r = changed.get(q.key)
            if r is None:
                out.append(q)
            else:
                min_flex = None if q.min_flex is None else min(q.min_flex, r.new_min)
                max_flex = None if q.max_flex is None else max(q.max_flex, r.new_max)
                out.append(Quota(q.category, q.value, r.new_min, r.new_max, min_flex, max_flex))
        return QuotaTable(out, quotas.origin)

    def message(self) -> str:
        """A human-readable explanation (several lines)."""
        if self.feasible:
            return f"The quotas can be met: a panel of {self.panel_size} exists in this pool."
        household = " with at most one person per household" if self.households else ""
        lines = [
            f"The quotas cannot be met: no panel of {self.panel_size}{household} in this pool "
            "meets every quota."
        ]
        if not self.possible:
            lines.append("Even with every quota removed, the pool cannot fill the panel.")
            return "\n".join(lines)
        lines.append("Conflicting quotas:")
        for c in self.conflicts:
            count = self.pool_counts.get((c.category, c.value), 0)
            lines.append(
                f"  - {c.category} / {c.value}: {c.bound} {c.current} must become {c.needed} "
                f"(pool has {count})"
            )
        if not self.within_flex:
            lines.append("No relaxation within min_flex/max_flex works; the relaxation below")
            lines.append("goes beyond those limits.")
        lines.append(
            f"Smallest relaxation (cost {self.cost:g}; lowering a min m by one costs 1 + 2/m, "
            "raising a max by one costs 1):"
        )
        lines += [_describe(r) for r in self.relaxation]
        for number, option in enumerate(self.alternatives, start=2):
            lines.append(f"Or, at the same cost (option {number}):")
            lines += [_describe(r) for r in option]
        if self.more_alternatives:
            lines.append("Other relaxations of the same cost exist.")
        return "\n".join(lines)


def _describe(r: Relaxation) -> str:
    return f"  - {r.category} / {r.value}: [{r.min}, {r.max}] -> [{r.new_min}, {r.new_max}]"


#: Other relaxations of equal cost listed at most.
MAX_ALTERNATIVES = 3
#: Relaxations whose costs differ by at most this are equally cheap.
COST_TOLERANCE = 1e-6


def relaxation_cost(quota: Quota, lower_min: int, raise_max: int) -> float:
    """The cost of lowering ``quota``'s min by ``lower_min`` and raising its max by
    ``raise_max`` (whole numbers >= 0): ``lower_min * (1 + 2 / min) + raise_max``."""
    per_unit = 1.0 + 2.0 / quota.min if quota.min > 0 else 1.0
    return lower_min * per_unit + raise_max


def _order_key(slack: np.ndarray) -> tuple[int, tuple[tuple[int, int], ...]]:
    """The fixed order among equally cheap relaxations (``slack``: ``int[2Q]``, u then v)."""
    num_quotas = len(slack) // 2
    moved = [(int(j) % num_quotas, int(j) // num_quotas) for j in np.flatnonzero(slack)]
    return len(moved), tuple(sorted(moved))


@dataclass(frozen=True)
class _Slacks:
    """The cheapest relaxations found: ``best`` (``int[2Q]``, u then v), its ``cost``, the
    ``others`` of equal cost in the fixed order, and whether more exist than were listed."""

    best: np.ndarray
    cost: float
    others: list[np.ndarray]
    more: bool


def _relax(model: TypeModel, use_flex: bool, monitor: Monitor) -> _Slacks | None:
    """The cheapest relaxations (see the module text), or None when infeasible even so."""
    quotas = list(model.quotas)
    num_types, num_quotas = model.num_types, len(quotas)
    slacks = 2 * num_quotas
    h = new_highs(monitor)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", COST_TOLERANCE / 10)
    h.addVars(num_types, np.zeros(num_types), model.sizes.astype(np.float64))
    u_upper = [float(q.min - (q.lowest_min if use_flex else 0)) for q in quotas]
    v_upper = [
        float(q.highest_max - q.max)
        if use_flex and q.highest_max is not None
        else float(max(0, model.panel_size - q.max))
        for q in quotas
    ]
    upper = np.array(u_upper + v_upper)
    h.addVars(slacks, np.zeros(slacks), upper)
    # b_j = 1 exactly when slack j is used: b_j <= s_j <= upper_j * b_j.
    h.addVars(slacks, np.zeros(slacks), np.ones(slacks))
    total = num_types + 2 * slacks
    h.changeColsIntegrality(
        total,
        np.arange(total, dtype=np.int32),
        np.full(total, highspy.HighsVarType.kInteger),
    )
    cost = np.array(
        [relaxation_cost(q, 1, 0) for q in quotas] + [relaxation_cost(q, 0, 1) for q in quotas]
    )
    slack_cols = np.arange(num_types, num_types + slacks, dtype=np.int32)
    h.changeColsCost(slacks, slack_cols, cost)
    for q, quota in enumerate(quotas):
        members = np.flatnonzero(model.incidence[q]).astype(np.int32)
        index = np.concatenate((members, [num_types + q])).astype(np.int32)
        values = np.ones(len(index))
        h.addRow(float(quota.min), INF, len(index), index, values)  # count + u >= min
        index = np.concatenate((members, [num_types + num_quotas + q])).astype(np.int32)
        values = np.concatenate((np.ones(len(members)), [-1.0]))
        h.addRow(-INF, float(quota.max), len(index), index, values)  # count - v <= max
    everyone = np.arange(num_types, dtype=np.int32)
    size = float(model.panel_size)
    h.addRow(size, size, num_types, everyone, np.ones(num_types))
    for group in model.household_groups:
        h.addRow(0.0, 1.0, len(group), np.array(group, dtype=np.int32), np.ones(len(group)))
    for j in range(slacks):
        s_col, b_col = num_types + j, num_types + slacks + j
        pair = np.array([s_col, b_col], dtype=np.int32)
        h.addRow(0.0, INF, 2, pair, np.array([1.0, -1.0]))  # s >= b
        h.addRow(-INF, 0.0, 2, pair, np.array([1.0, -upper[j]]))  # s <= upper * b
    if run(h, monitor) != highspy.HighsModelStatus.kOptimal:
        return None

    def slack_of() -> np.ndarray:
        x = np.asarray(h.getSolution().col_value)
        return np.rint(x[num_types : num_types + slacks]).astype(np.int64)

    found = [slack_of()]
    best_cost = float(cost @ found[0])
    if not found[0].any():
        return _Slacks(found[0], 0.0, [], False)
    # Enumerate the other cheapest sets of moved bounds: keep the cost at its optimum and cut
    # off each set found (a "no-good" cut on the indicators b).
    h.addRow(-INF, best_cost + COST_TOLERANCE, slacks, slack_cols, cost)
    b_cols = np.arange(num_types + slacks, num_types + 2 * slacks, dtype=np.int32)
    exhausted = False
    while len(found) <= 2 * MAX_ALTERNATIVES + 1:
        used = found[-1] > 0
        signs = np.where(used, -1.0, 1.0)
        h.addRow(1.0 - float(used.sum()), INF, slacks, b_cols, signs)
        if run(h, monitor) != highspy.HighsModelStatus.kOptimal:
            exhausted = True
            break
        found.append(slack_of())
    found.sort(key=_order_key)
    others = found[1:]
    return _Slacks(
        found[0],
        best_cost,
        others[:MAX_ALTERNATIVES],
        len(others) > MAX_ALTERNATIVES or not exhausted,
    )


def _relaxations(quotas: QuotaTable, slack: np.ndarray) -> list[Relaxation]:
    num_quotas = len(quotas)
    out = []
    for q, quota in enumerate(quotas):
        down, up = int(slack[q]), int(slack[num_quotas + q])
        if down or up:
            out.append(
                Relaxation(
                    quota.category,
                    quota.value,
                    quota.min,
                    quota.max,
                    quota.min - down,
                    quota.max + up,
                )
            )
    return out


def check_feasibility(
    quotas: QuotaTable,
    pool: Pool,
    panel_size: int,
    *,
    households: bool = False,
    monitor: Monitor | None = None,
) -> FeasibilityReport:
    """Decide whether the quotas can be met, and if not, how to relax them least.

    Args:
        quotas: the quota table.
        pool: the pool (answers must be quota values).
        panel_size: k (1 <= k <= pool size).
        households: apply the household rule.
        monitor: optional progress/cancellation.

    Returns:
        A :class:`FeasibilityReport`.

    Raises:
        InputError: the inputs do not fit together (see
            :func:`selection.model.validate_instance`); sums of mins/maxes that cannot reach
            the panel size are not raised here but reported as conflicts.
    """
    monitor = monitor or Monitor()
    try:
        validate_instance(quotas, pool, panel_size)
    except Exception as exc:  # sums that cannot add up are a feasibility matter here
        from selection.errors import InputError  # cycle

        if not isinstance(exc, InputError) or any("add up to" not in p.message for p in exc.errors):
            raise
    model = build_types(quotas, pool, panel_size, households)
    counts = {q.key: int(model.incidence[i] @ model.sizes) for i, q in enumerate(quotas)}
    monitor.tick("feasibility", 0, 2)
    found = _relax(model, True, monitor)
    within_flex = found is not None
    if found is None:
        monitor.tick("feasibility", 1, 2)
        found = _relax(model, False, monitor)
    if found is None:
        return FeasibilityReport(
            False, [], [], False, counts, panel_size, households, possible=False
        )
    if within_flex and not found.best.any():
        return FeasibilityReport(True, [], [], True, counts, panel_size, households)
    conflicts = []
    for r in _relaxations(quotas, found.best):
        if r.new_min < r.min:
            conflicts.append(Conflict(r.category, r.value, "min", r.min, r.new_min))
        if r.new_max > r.max:
            conflicts.append(Conflict(r.category, r.value, "max", r.max, r.new_max))
    return FeasibilityReport(
        False,
        conflicts,
        _relaxations(quotas, found.best),
        within_flex,
        counts,
        panel_size,
        households,
        cost=found.cost,
        alternatives=[_relaxations(quotas, other) for other in found.others],
        more_alternatives=found.more,
    )
