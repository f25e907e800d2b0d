"""Feasibility of the quotas, and the smallest relaxation when they cannot be met.

A HiGHS mixed-integer program over type counts (see :mod:`selection.symmetry`) with slack
variables: for each quota, ``u_q >= 0`` lowers the min (at most down to ``min_flex``, or 0) and
``v_q >= 0`` raises the max (at most up to ``max_flex``, or without limit); the program
minimises ``sum u + sum v`` subject to the panel size and the household rule. The quotas are
feasible exactly when the optimum is 0; otherwise the quotas with positive slack are the
conflicting ones and the optimal slacks give the smallest total relaxation.
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
        lines.append("Smallest relaxation:")
        for r in self.relaxation:
            lines.append(
                f"  - {r.category} / {r.value}: [{r.min}, {r.max}] -> [{r.new_min}, {r.new_max}]"
            )
        return "\n".join(lines)


def _relax(model: TypeModel, use_flex: bool, monitor: Monitor) -> np.ndarray | None:
    """Minimum slacks ``int[2Q]`` (u then v), or None when infeasible even so relaxed."""
    quotas = list(model.quotas)
    num_types, num_quotas = model.num_types, len(quotas)
    h = new_highs(monitor)
    h.addVars(num_types, np.zeros(num_types), model.sizes.astype(np.float64))
    u_upper = [float(q.min - (q.lowest_min if use_flex else 0)) for q in quotas]
    v_upper = [
        float(q.highest_max - q.max) if use_flex and q.highest_max is not None else INF
        for q in quotas
    ]
    h.addVars(num_quotas, np.zeros(num_quotas), np.array(u_upper))
    h.addVars(num_quotas, np.zeros(num_quotas), np.array(v_upper))
    total = num_types + 2 * num_quotas
    h.changeColsIntegrality(
        total,
        np.arange(total, dtype=np.int32),
        np.full(total, highspy.HighsVarType.kInteger),
    )
    cost = np.concatenate((np.zeros(num_types), np.ones(2 * num_quotas)))
    h.changeColsCost(total, np.arange(total, dtype=np.int32), cost)
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
    status = run(h, monitor)
    if status != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value)
    return np.rint(x[num_types:]).astype(np.int64)


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
    slack = _relax(model, True, monitor)
    within_flex = slack is not None
    if slack is None:
        monitor.tick("feasibility", 1, 2)
        slack = _relax(model, False, monitor)
    if slack is None:
        return FeasibilityReport(
            False, [], [], False, counts, panel_size, households, possible=False
        )
    num_quotas = len(quotas)
    if within_flex and not slack.any():
        return FeasibilityReport(True, [], [], True, counts, panel_size, households)
    conflicts, relaxation = [], []
    for q, quota in enumerate(quotas):
        down, up = int(slack[q]), int(slack[num_quotas + q])
        if down:
            conflicts.append(
                Conflict(quota.category, quota.value, "min", quota.min, quota.min - down)
            )
        if up:
            conflicts.append(
                Conflict(quota.category, quota.value, "max", quota.max, quota.max + up)
            )
        if down or up:
            relaxation.append(
                Relaxation(
                    quota.category,
                    quota.value,
                    quota.min,
                    quota.max,
                    quota.min - down,
                    quota.max + up,
                )
            )
    return FeasibilityReport(
        False, conflicts, relaxation, within_flex, counts, panel_size, households
    )
