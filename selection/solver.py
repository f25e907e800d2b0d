"""Thin helpers around HiGHS (``highspy``): silent models and the panel integer program."""

from __future__ import annotations

import highspy
import numpy as np

from selection.errors import SolverError
from selection.monitor import Monitor
from selection.symmetry import TypeModel

INF = highspy.kHighsInf
_OPTIMAL = highspy.HighsModelStatus.kOptimal
_INFEASIBLE = (
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)
_INTERRUPTED = (
    highspy.HighsModelStatus.kInterrupt,
    highspy.HighsModelStatus.kTimeLimit,
)


def new_highs(monitor: Monitor | None = None) -> highspy.Highs:
    """A silent, single-model HiGHS instance; polls ``monitor`` from inside long solves."""
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("random_seed", 0)
    if monitor is not None and monitor.active:
        h.cbSimplexInterrupt.subscribe(monitor.solver_callback)
        h.cbMipInterrupt.subscribe(monitor.solver_callback)
        h.cbIpmInterrupt.subscribe(monitor.solver_callback)
    return h


def run(h: highspy.Highs, monitor: Monitor | None = None) -> highspy.HighsModelStatus:
    """Solve; return the model status.

    Raises:
        SelectionCancelled: the monitor cancelled the solve.
        SolverError: HiGHS failed for another reason (not optimal and not infeasible).
    """
    h.run()
    _count_work(h, monitor)
    status = h.getModelStatus()
    if status not in _INTERRUPTED and status != _OPTIMAL and status not in _INFEASIBLE:
        # Numerical trouble on a warm start: solve again from scratch with the default
        # strategy before giving up.
        strategy = h.getOptionValue("simplex_strategy")[1]
        h.clearSolver()
        h.setOptionValue("simplex_strategy", 1)
        h.run()
        _count_work(h, monitor)
        h.setOptionValue("simplex_strategy", strategy)
        status = h.getModelStatus()
    if status in _INTERRUPTED and monitor is not None:
        monitor.cancelled = True
        monitor.raise_if_cancelled()
    if status != _OPTIMAL and status not in _INFEASIBLE:
        raise SolverError(f"HiGHS stopped with status {h.modelStatusToString(status)}")
    return status


def _count_work(h: highspy.Highs, monitor: Monitor | None) -> None:
    """Add the last solve's simplex iterations and MIP nodes to ``monitor.work``."""
    if monitor is not None:
        info = h.getInfo()
        monitor.work += max(0, int(info.simplex_iteration_count)) + max(0, info.mip_node_count)


def _csr(
    rows: list[list[int | np.integer]], num_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    starts = np.zeros(len(rows), dtype=np.int32)
    index: list[int | np.integer] = []
    for r, cols in enumerate(rows):
        starts[r] = len(index)
        index.extend(cols)
    return starts, np.array(index, dtype=np.int32), np.ones(len(index), dtype=np.float64)


class PanelIP:
    """The pricing integer program: the feasible panel (as type counts) of maximum weight.

    Variables: ``c_t`` integer in ``[0, size_t]``. Rows: for each quota,
    ``min <= sum of c_t over types with that value <= max``; ``sum c_t = k``; with the household
    rule, ``sum of c_t over a household's types <= 1``. (Flanigan et al. 2021, Methods: the
    "best committee" oracle, here over types.)

    Args:
        model: the :class:`TypeModel`.
        monitor: polled during solves, or ``None``.
        lower, upper: optional per-quota bounds overriding the quota table (``int[Q]``).
    """

    def __init__(
        self,
        model: TypeModel,
        monitor: Monitor | None = None,
        lower: np.ndarray | None = None,
        upper: np.ndarray | None = None,
    ) -> None:
        self.model = model
        self.monitor = monitor
        num_types = model.num_types
        h = new_highs(monitor)
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("mip_abs_gap", 1e-11)
        h.setOptionValue("presolve", "on")
        h.addVars(num_types, np.zeros(num_types), model.sizes.astype(np.float64))
        h.changeColsIntegrality(
            num_types,
            np.arange(num_types, dtype=np.int32),
            np.full(num_types, highspy.HighsVarType.kInteger),
        )
        quotas = list(model.quotas)
        lo = np.array([q.min for q in quotas], dtype=np.float64) if lower is None else lower
        hi = np.array([q.max for q in quotas], dtype=np.float64) if upper is None else upper
        rows: list[list[int | np.integer]] = [
            list(np.flatnonzero(model.incidence[q])) for q in range(len(quotas))
        ]
        rows.append(list(range(num_types)))
        lows = list(lo) + [float(model.panel_size)]
        highs = list(hi) + [float(model.panel_size)]
        for group in model.household_groups:
            rows.append(list(group))
            lows.append(0.0)
            highs.append(1.0)
        starts, index, values = _csr(rows, num_types)
        h.addRows(len(rows), np.array(lows), np.array(highs), len(index), starts, index, values)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h = h
        self.num_types = num_types
        self.quota_lower = np.asarray(lo, dtype=np.float64)
        self.quota_upper = np.asarray(hi, dtype=np.float64)
        self.swaps = SwapSearch(model, self.quota_lower, self.quota_upper)

    def restrict(
        self,
        *,
        type_lower: np.ndarray,
        type_upper: np.ndarray,
        quota_lower: np.ndarray,
        quota_upper: np.ndarray,
        household_lower: np.ndarray,
    ) -> None:
        """Narrow the program to a face of its polytope, for the next :meth:`best` calls.

        Args:
            type_lower, type_upper: ``float[T]`` bounds on each type count (within
                ``[0, size_t]``).
            quota_lower, quota_upper: ``float[Q]`` bounds on each quota's count (within the
                program's own quota bounds).
            household_lower: ``float[H]`` lower bound (0 or 1) on each household group's
                count.

        :meth:`feasible` still checks the program's own bounds, which a face only narrows.
        """
        h, num_quotas = self.h, len(self.quota_lower)
        h.changeColsBounds(
            self.num_types, np.arange(self.num_types, dtype=np.int32), type_lower, type_upper
        )
        # highspy's stubs omit changeRowsBounds, which the extension module does define.
        h.changeRowsBounds(  # type: ignore[attr-defined]
            num_quotas, np.arange(num_quotas, dtype=np.int32), quota_lower, quota_upper
        )
        groups = len(household_lower)
        if groups:
            rows = np.arange(num_quotas + 1, num_quotas + 1 + groups, dtype=np.int32)
            h.changeRowsBounds(  # type: ignore[attr-defined]  # missing from highspy's stubs
                groups, rows, household_lower, np.ones(groups)
            )

    def best(self, weights: np.ndarray) -> tuple[np.ndarray | None, float, float]:
        """Maximise ``weights @ c`` over feasible panels.

        Args:
            weights: ``float[T]`` weight per selected member of each type.

        Returns:
            ``(counts, value, bound)``: ``int64[T]`` type counts of the best panel found (or
            ``None`` when no feasible panel exists), its weight, and an upper bound on the
            weight of any feasible panel (equal to the value up to the MIP gap 1e-9).
        """
        h = self.h
        h.changeColsCost(
            self.num_types, np.arange(self.num_types, dtype=np.int32), weights.astype(np.float64)
        )
        status = run(h, self.monitor)
        if status in _INFEASIBLE:
            return None, float("-inf"), float("-inf")
        x = np.asarray(h.getSolution().col_value)
        counts = np.rint(x).astype(np.int64)
        if not self.feasible(counts):
            raise SolverError("HiGHS returned a panel that does not meet the quotas")
        value = float(weights @ counts)
        bound = float(h.getInfo().mip_dual_bound)
        return counts, value, max(bound, value)

    def feasible(self, counts: np.ndarray) -> bool:
        """Whether integer type counts form a panel meeting the rows of this program."""
        model = self.model
        if counts.sum() != model.panel_size:
            return False
        if (counts < 0).any() or (counts > model.sizes).any():
            return False
        per_quota = model.incidence.astype(np.int64) @ counts
        if (per_quota < self.quota_lower - 1e-9).any():
            return False
        if (per_quota > self.quota_upper + 1e-9).any():
            return False
        if not model.household_groups:
            return True
        house_of = self.swaps.house_of
        inside = house_of >= 0
        taken = np.bincount(
            house_of[inside], weights=counts[inside], minlength=len(model.household_groups)
        )
        return bool((taken <= 1).all())


class SwapSearch:
    """A fast heuristic for the pricing problem: steepest-ascent local search by swaps.

    A swap removes one member of type ``a`` from a panel and adds one member of type ``b``; it is
    allowed when every quota (and the household rule) still holds. Starting from a known panel,
    the best improving swap is applied until none is left. This finds improving panels far
    faster than the integer program; the integer program is still solved whenever the search
    fails, so optimality proofs never rely on the heuristic.

    Args:
        model: the type model; lower/upper: per-quota bounds (``float[Q]``).
    """

    def __init__(self, model: TypeModel, lower: np.ndarray, upper: np.ndarray) -> None:
        self.model = model
        self.lower = lower
        self.upper = upper
        by_category: dict[str, list[int]] = {}
        for q, quota in enumerate(model.quotas):
            by_category.setdefault(quota.category, []).append(q)
        incidence = model.incidence
        self.incidence = incidence.astype(np.float64)
        #: value_of[g, t]: the quota index of type t's value in category g.
        self.value_of = np.stack(
            [np.asarray(qs)[incidence[qs].argmax(axis=0)] for qs in by_category.values()]
        )
        self.house_of = np.full(model.num_types, -1, dtype=np.int64)
        for h, group in enumerate(model.household_groups):
            self.house_of[list(group)] = h
        num_categories = len(self.value_of)
        #: quota_bit[q]: the bit of quota q's category (categories numbered as in value_of).
        self.quota_bit = np.zeros(len(model.quotas), dtype=np.float64)
        for g, qs in enumerate(by_category.values()):
            self.quota_bit[qs] = float(1 << g) if num_categories <= BIT_CATEGORIES else 0.0
        self._differ: np.ndarray | None = None
        self._incidence_t = np.ascontiguousarray(self.incidence.T)

    def _differ_block(self, out: np.ndarray, into: np.ndarray) -> np.ndarray:
        """``[A, B]`` bit masks: bit g set where types ``out[i]`` and ``into[j]`` differ in
        category g (from a table over all type pairs, built once, up to
        :data:`DIFFER_TABLE_TYPES` types, in the table's unsigned dtype; ``int64`` above)."""
        value_of = self.value_of
        if self.model.num_types > DIFFER_TABLE_TYPES:
            block = np.zeros((len(out), len(into)), dtype=np.int64)
            for g in range(len(value_of)):
                block |= (value_of[g, out][:, None] != value_of[g, into][None, :]).astype(
                    np.int64
                ) << g
            return block
        if self._differ is None:
            num_types = self.model.num_types
            differ = np.zeros((num_types, num_types), dtype=_bits_dtype(len(value_of)))
            for g in range(len(value_of)):
                differ |= (value_of[g][:, None] != value_of[g][None, :]).astype(differ.dtype) << g
            self._differ = differ
        return self._differ.take(out, axis=0).take(into, axis=1)

    def _swap_candidates(
        self, counts: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The types a swap step may remove (``out``: in the panel) and add (``into``: below
        their size, in no household already on the panel, and weighing more than the lightest
        type in ``out``, so only they can gain); ``None`` when either is empty."""
        out = np.flatnonzero(counts > 0)
        if len(out) == 0:
            return None
        addable = counts < self.model.sizes
        if len(self.model.household_groups):
            busy = np.zeros(len(self.model.household_groups) + 1, dtype=bool)
            chosen = self.house_of[out]
            busy[chosen[chosen >= 0]] = True
            addable &= ~busy[self.house_of] | (self.house_of < 0)
        addable &= weights > weights[out].min() + 1e-12
        into = np.flatnonzero(addable)
        if len(into) == 0:
            return None
        return out, into

    def improve(
        self, counts: np.ndarray, weights: np.ndarray, max_steps: int = 200
    ) -> tuple[np.ndarray, float]:
        """Local search from ``counts``; returns ``(counts, weight)`` of the local optimum.

        Each step applies the swap of largest gain (ties: the lowest type removed, then the
        lowest type added).
        """
        if len(self.value_of) > BIT_CATEGORIES:
            return self._improve_matrix(counts, weights, max_steps)
        counts = counts.copy()
        incidence = self.incidence
        quota_count = incidence @ counts
        locks = np.empty((len(self.quota_bit), 2))
        for _ in range(max_steps):
            candidates = self._swap_candidates(counts, weights)
            if candidates is None:
                break
            out, into = candidates
            w_out = weights[out]
            # A quota "locks" a member out (in) when one fewer (more) would break its min (max);
            # a type's lock bits are the bits of the categories whose value it has locked (sums
            # of distinct powers of two below 2**52: exact in floating point).
            np.multiply(self.quota_bit, quota_count < self.lower + 0.5, out=locks[:, 0])
            np.multiply(self.quota_bit, quota_count > self.upper - 0.5, out=locks[:, 1])
            differ = self._differ_block(out, into)
            type_locks = (self._incidence_t @ locks).astype(differ.dtype)
            locked_out, locked_in = type_locks[out, 0], type_locks[into, 1]
            # Swap a -> b is allowed iff in every category where a and b differ, a's value is
            # not locked out and b's value is not locked in (bit masks over categories).
            gain = weights[into][None, :] - w_out[:, None]
            allowed = (differ & (locked_out[:, None] | locked_in[None, :])) == 0
            allowed &= gain > 1e-12
            gain = np.where(allowed, gain, -np.inf)
            best = int(np.argmax(gain))
            if gain.flat[best] == -np.inf:
                break
            a, b = out[best // len(into)], into[best % len(into)]
            counts[a] -= 1
            counts[b] += 1
            quota_count += incidence[:, b] - incidence[:, a]
        return counts, float(weights @ counts)

    def _improve_matrix(
        self, counts: np.ndarray, weights: np.ndarray, max_steps: int
    ) -> tuple[np.ndarray, float]:
        """:meth:`improve` for more than :data:`BIT_CATEGORIES` categories (the same steps,
        the swap rule as products of the quota incidence)."""
        counts = counts.copy()
        incidence = self.incidence
        for _ in range(max_steps):
            quota_count = incidence @ counts
            lock_out = (quota_count < self.lower + 0.5).astype(np.float64)
            lock_in = (quota_count > self.upper - 0.5).astype(np.float64)
            candidates = self._swap_candidates(counts, weights)
            if candidates is None:
                break
            out, into = candidates
            gain = weights[into][None, :] - weights[out][:, None]
            # Swap a -> b is allowed iff b shares a's value in every category where a's value
            # is locked out, and a shares b's value wherever b's value is locked in.
            locked_a = incidence[:, out] * lock_out[:, None]  # Q x A
            locked_b = incidence[:, into] * lock_in[:, None]  # Q x B
            ok = (locked_a.T @ incidence[:, into]) >= locked_a.sum(axis=0)[:, None] - 0.5
            ok &= (incidence[:, out].T @ locked_b) >= locked_b.sum(axis=0)[None, :] - 0.5
            gain = np.where(ok & (gain > 1e-12), gain, -np.inf)
            best = int(np.argmax(gain))
            if gain.flat[best] == -np.inf:
                break
            a, b = out[best // len(into)], into[best % len(into)]
            counts[a] -= 1
            counts[b] += 1
        return counts, float(weights @ counts)


#: :meth:`SwapSearch.improve` keeps one bit per category in a machine word up to this many
#: categories (beyond, the same search runs on products of the quota incidence).
BIT_CATEGORIES = 52
#: Up to this many types the swap search keeps a table of the categories every two types
#: differ in (one byte per pair up to 8 categories: 16 MB at 4,096 types); above, the block
#: a step needs is computed from the answers.
DIFFER_TABLE_TYPES = 4096


def _bits_dtype(num_categories: int) -> type[np.unsignedinteger]:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if num_categories <= 8 * np.dtype(dtype).itemsize:
            return dtype
    return np.uint64
