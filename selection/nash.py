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
"""

from __future__ import annotations

import numpy as np

from selection.columngen import Columns, initial_columns
from selection.monitor import Monitor
from selection.solver import PanelIP
from selection.symmetry import TypeModel

#: Stop when the relative Frank-Wolfe gap is at most this.
NASH_TOLERANCE = 1e-3
_EM_ROUNDS = 400


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


def nash(model: TypeModel, monitor: Monitor) -> tuple[Columns, np.ndarray]:
    """Compute the maximum-Nash-welfare distribution over panels.

    Args:
        model: the type model (the quotas must be feasible).
        monitor: progress and cancellation (raises :class:`SelectionCancelled`).

    Returns:
        ``(columns, probabilities)``: the panels and ``float[P]`` probability of each panel.
    """
    ip = PanelIP(model, monitor)
    columns, selectable = initial_columns(model, ip, monitor)
    sizes = model.sizes.astype(np.float64)[selectable]
    people = float(sizes.sum())

    def matrix() -> np.ndarray:
        return columns.matrix()[selectable].astype(np.float64) / sizes[:, None]

    a = matrix()
    weights = np.full(a.shape[1], 1.0 / a.shape[1])
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
    return columns, weights
