"""The leximin point of the LP relaxation of the panel polytope, and the LP settings shared
by the master LPs of :mod:`selection.leximin`.

The relaxation drops the integrality of the panel: its polytope ``R`` (quota rows, panel size,
households, ``0 <= c_t <= size_t``) contains every achievable vector of expected type counts,
so its leximin point bounds the true one from above, stage by stage; it is found with one
compact LP per stage, no column generation (see :mod:`selection.leximin` for its use).
"""

from __future__ import annotations

import highspy
import numpy as np

from selection.errors import SolverError
from selection.monitor import Monitor
from selection.solver import INF, new_highs, run
from selection.symmetry import TypeModel

#: A dual weight above this marks a type as tight (fixed at the stage optimum).
DUAL_TOLERANCE = 1e-9
#: HiGHS meets the rows and bounds of the master LPs up to this (absolute) tolerance.
FEASIBILITY_TOLERANCE = 1e-9
#: Fixed probabilities are kept as lower bounds this much below what a true distribution
#: reaches (see :class:`selection.leximin.MasterLP`), so later stages stay feasible.
FIX_SLACK = 1e-10


def lp_highs(monitor: Monitor) -> highspy.Highs:
    """A HiGHS model for repeated warm-started LP solves (primal simplex, no presolve)."""
    h = new_highs(monitor)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_strategy", 4)
    h.setOptionValue("primal_feasibility_tolerance", FEASIBILITY_TOLERANCE)
    h.setOptionValue("dual_feasibility_tolerance", FEASIBILITY_TOLERANCE)
    return h


def add_polytope_rows(h: highspy.Highs, model: TypeModel) -> None:
    """Append the rows of the relaxation polytope ``R`` over the first ``T`` columns of
    ``h`` (expected type counts): one per quota (``min <= sum <= max``), the panel size
    (``sum_t x_t = k``) and one per household (``sum <= 1``), in that order."""
    num_types = model.num_types
    for q, quota in enumerate(model.quotas):
        index = np.flatnonzero(model.incidence[q]).astype(np.int32)
        h.addRow(float(quota.min), float(quota.max), len(index), index, np.ones(len(index)))
    everyone = np.arange(num_types, dtype=np.int32)
    size = float(model.panel_size)
    h.addRow(size, size, num_types, everyone, np.ones(num_types))
    for group in model.household_groups:
        h.addRow(0.0, 1.0, len(group), np.array(group, dtype=np.int32), np.ones(len(group)))


def relaxed_leximin(
    model: TypeModel, monitor: Monitor, selectable: np.ndarray, *, stages: int | None = None
) -> np.ndarray:
    """The leximin point of the LP relaxation of the panel polytope.

    Variables ``x_t`` in ``[0, size_t]`` (0 for types that cannot be selected) and ``z``; rows:
    the quota rows, ``sum x = k``, household rows, and ``x_t - size_t z >= 0`` per unfixed type
    (``x_t >= size_t p_t`` once fixed). Stage by stage, as in the Methods section of Flanigan et
    al. 2021, types with a positive dual are fixed at the stage optimum.

    Returns:
        ``float[T]`` per-type probabilities ``x_t / size_t`` (after ``stages`` stages if given,
        the later ones not yet leximin-optimal).
    """
    num_types = model.num_types
    sizes = model.sizes.astype(np.float64)
    h = lp_highs(monitor)
    upper = np.where(selectable, sizes, 0.0)
    h.addVars(num_types, np.zeros(num_types), upper)
    h.addVar(-INF, INF)
    h.changeColCost(num_types, -1.0)
    add_polytope_rows(h, model)
    base = h.getNumRow()
    fixed = ~selectable.copy()
    for t in range(num_types):
        if selectable[t]:
            h.addRow(0.0, INF, 2, np.array([t, num_types], dtype=np.int32), [1.0, -sizes[t]])
        else:
            h.addRow(0.0, INF, 1, np.array([t], dtype=np.int32), np.array([1.0]))
    floor = np.zeros(num_types)
    stage = 0
    while not fixed.all() and (stages is None or stage < stages):
        stage += 1
        monitor.tick("leximin (relaxation)", int(fixed.sum()), num_types)
        if run(h, monitor) != highspy.HighsModelStatus.kOptimal:
            raise SolverError("the relaxed leximin LP is not optimal")
        z = -float(h.getInfo().objective_function_value)
        duals = np.asarray(h.getSolution().row_dual)[base:]
        tight = np.flatnonzero((duals > DUAL_TOLERANCE) & ~fixed)
        if len(tight) == 0:
            tight = np.flatnonzero(~fixed & (duals >= duals[~fixed].max()))
        # As in the master LP (selection.leximin.MasterLP.fix): HiGHS meets bounds and rows
        # only up to its tolerance, so z may exceed what the relaxation truly reaches; every
        # fixed bound stays at most the (clipped) count the current point gives the type.
        reached = np.clip(np.asarray(h.getSolution().col_value)[:num_types], 0.0, upper)
        reached -= FIX_SLACK
        for tight_type in tight:
            h.changeCoeff(base + int(tight_type), num_types, 0.0)
        floor[tight] = np.minimum(sizes[tight] * z - FIX_SLACK, reached[tight])
        settled = np.flatnonzero(fixed | np.isin(np.arange(num_types), tight))
        floor[settled] = np.maximum(0.0, np.minimum(floor[settled], reached[settled]))
        # highspy's stubs omit changeRowsBounds, which the extension module does define.
        h.changeRowsBounds(  # type: ignore[attr-defined]
            len(settled),
            (base + settled).astype(np.int32),
            floor[settled],
            np.full(len(settled), INF),
        )
        fixed[tight] = True
        if fixed.all():
            h.changeColBounds(num_types, 0.0, 0.0)
    if fixed.all():
        run(h, monitor)
    x = np.asarray(h.getSolution().col_value)[:num_types]
    return np.clip(x / sizes, 0.0, 1.0)
