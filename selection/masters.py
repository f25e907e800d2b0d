"""The master LPs of leximin's column generation (Flanigan et al., Nature 596, 2021, Methods),
each kept in one HiGHS model that new panels are appended to as columns (warm start).

:class:`MasterLP` is one stage of the stage-by-stage leximin program; :class:`TargetLP` looks
for a distribution over panels reaching target probabilities. See :mod:`selection.leximin`.
"""

from __future__ import annotations

import highspy
import numpy as np

from selection.columngen import Columns
from selection.errors import SolverError
from selection.monitor import Monitor
from selection.relaxation import FIX_SLACK, lp_highs
from selection.solver import INF, run
from selection.symmetry import TypeModel

#: :class:`TargetLP`'s target is reached when the shortfall is at most this (a probability).
TARGET_TOLERANCE = 1e-9


def _column(counts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    nz = np.flatnonzero(counts)
    index = np.concatenate(([0], nz + 1)).astype(np.int32)
    values = np.concatenate(([1.0], counts[nz] / sizes[nz]))
    return index, values


class MasterLP:
    """The restricted master LP of one leximin stage, kept in one HiGHS model.

    Columns: ``z`` (column 0) and one ``lambda_P`` per panel of ``columns`` (in their order;
    add each new panel with :meth:`add_panel` right after ``columns.add`` accepted it). Rows:
    ``sum lambda = 1`` (row 0) and per type t (row 1 + t): ``sum_P lambda_P c_Pt / size_t - z
    >= 0`` while t is unfixed, ``sum_P lambda_P c_Pt / size_t >= b_t`` once t is fixed. Types
    that cannot be selected at all are fixed at 0 from the start.

    Fixing (:meth:`fix`) keeps the LP feasible in exact arithmetic, not only up to HiGHS's
    tolerance: HiGHS meets bounds and rows only up to its tolerance, 1e-9 (panel
    weights of -3e-10 are "feasible"), so its optimum ``z`` can lie above every probability a
    true distribution reaches. Fixing at that ``z`` let the error grow stage by stage until a
    later master was infeasible (a false solver error on a feasible pool). Every fixed bound
    is therefore at most the probability that the *clipped and normalised* current
    distribution (a true distribution over panels) gives the type, less :data:`FIX_SLACK`;
    that distribution then meets every row with room to spare, at every stage.
    """

    def __init__(
        self, model: TypeModel, monitor: Monitor, selectable: np.ndarray, columns: Columns
    ) -> None:
        self.model = model
        self.monitor = monitor
        self.columns = columns
        self.sizes = model.sizes.astype(np.float64)
        num_types = model.num_types
        h = lp_highs(monitor)
        h.addCol(-1.0, -INF, INF, 0, np.array([], dtype=np.int32), np.array([]))
        h.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        for t in range(num_types):
            if selectable[t]:
                h.addRow(0.0, INF, 1, np.array([0], dtype=np.int32), np.array([-1.0]))
            else:
                h.addRow(0.0, INF, 0, np.array([], dtype=np.int32), np.array([]))
        self.h = h
        self.fixed = ~selectable.copy()
        self.bound = np.zeros(num_types)
        self.num_panels = 0
        for counts in columns.panels:
            self.add_panel(counts)

    def add_panel(self, counts: np.ndarray) -> None:
        """Append one panel as a column (the last one of ``columns``)."""
        index, values = _column(counts, self.sizes)
        self.h.addCol(0.0, 0.0, INF, len(index), index, values)
        self.num_panels += 1

    def solve(self) -> tuple[float, float, np.ndarray]:
        """Solve; returns ``(z, mu, y)`` with ``y`` the ``float[T]`` dual weights (>= 0).

        Raises:
            SolverError: HiGHS did not find the optimum (never expected: the LP is feasible).
        """
        status = run(self.h, self.monitor)
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError("the leximin master LP is not optimal")
        solution = self.h.getSolution()
        duals = np.asarray(solution.row_dual)
        z = -float(self.h.getInfo().objective_function_value)
        mu = -float(duals[0])
        y = np.maximum(duals[1:], 0.0)
        return z, mu, y

    def fix(self, types: np.ndarray, value: float) -> None:
        """Fix the given types at the stage optimum ``value`` (a probability), as lower bounds.

        Call right after :meth:`solve`. Each new bound is the lower of ``value`` and the
        probability the clipped, normalised current distribution gives the type, less
        :data:`FIX_SLACK`; the bounds fixed before are lowered to that too where needed (by at
        most about the tolerance), so the distribution meets every row (see the class text).
        """
        reached = (self.columns.combine(self.distribution()) / self.sizes) - FIX_SLACK
        types = np.asarray(types, dtype=np.int64)
        for t in types:
            self.h.changeCoeff(int(t) + 1, 0, 0.0)
        self.bound[types] = np.minimum(value - FIX_SLACK, reached[types])
        self.fixed[types] = True
        fixed = np.flatnonzero(self.fixed)
        self.bound[fixed] = np.maximum(0.0, np.minimum(self.bound[fixed], reached[fixed]))
        # highspy's stubs omit changeRowsBounds, which the extension module does define.
        self.h.changeRowsBounds(  # type: ignore[attr-defined]
            len(fixed), (fixed + 1).astype(np.int32), self.bound[fixed], np.full(len(fixed), INF)
        )
        if self.fixed.all():
            # z no longer appears in any row: pin it so the LP stays bounded.
            self.h.changeColBounds(0, 0.0, 0.0)

    def distribution(self) -> np.ndarray:
        """``float[P]`` the current panel probabilities (clipped at 0, summing to 1)."""
        values = np.asarray(self.h.getSolution().col_value)[1:]
        values = np.maximum(values, 0.0)
        return values / values.sum()


class TargetLP:
    """Master LP that looks for a distribution over panels reaching target probabilities.

    Columns: ``delta >= 0`` (column 0, cost 1) and one ``lambda_P`` per panel. Rows:
    ``sum lambda = 1`` and, per type, ``sum_P lambda_P c_Pt / size_t + delta >= target_t``.
    Minimising ``delta`` to 0 proves the target reachable by the panels found.
    """

    def __init__(self, model: TypeModel, monitor: Monitor, target: np.ndarray) -> None:
        self.monitor = monitor
        self.sizes = model.sizes.astype(np.float64)
        h = lp_highs(monitor)
        h.addCol(1.0, 0.0, INF, 0, np.array([], dtype=np.int32), np.array([]))
        h.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        for t in range(model.num_types):
            low = max(0.0, float(target[t]) - FIX_SLACK)
            h.addRow(low, INF, 1, np.array([0], dtype=np.int32), np.array([1.0]))
        self.h = h

    def add_panel(self, counts: np.ndarray) -> None:
        """Append one panel as a column."""
        index, values = _column(counts, self.sizes)
        self.h.addCol(0.0, 0.0, INF, len(index), index, values)

    def solve(self) -> tuple[float, float, np.ndarray]:
        """Solve; returns ``(delta, mu, y)`` (shortfall, convexity dual, type duals >= 0)."""
        if run(self.h, self.monitor) != highspy.HighsModelStatus.kOptimal:
            raise SolverError("the target master LP is not optimal")
        duals = np.asarray(self.h.getSolution().row_dual)
        delta = float(self.h.getInfo().objective_function_value)
        return delta, -float(duals[0]), np.maximum(duals[1:], 0.0)

    def distribution(self) -> np.ndarray:
        """``float[P]`` panel probabilities (clipped at 0, summing to 1)."""
        values = np.maximum(np.asarray(self.h.getSolution().col_value)[1:], 0.0)
        return values / values.sum()
