"""Optimality certificates of a stored result that need no re-run of the optimisation
(:func:`selection.verification.verify` with ``recompute=False``).

Leximin and maximin reports are compared with the leximin point of the LP relaxation of the
panel polytope (an upper bound in the leximin order); Nash reports are certified by the
Frank-Wolfe gap of their probabilities over the same relaxation. Each function returns
``(certified, finding)``: a finding to record as passed when certified, as a note otherwise
(an inconclusive certificate is not a failure: the relaxation may be loose).
"""

from __future__ import annotations

import numpy as np

from selection.model import Pool, QuotaTable
from selection.monitor import Monitor
from selection.nash import NASH_TOLERANCE
from selection.nashpoint import GapLP
from selection.relaxation import relaxed_leximin
from selection.result import SelectionResult
from selection.solver import PanelIP
from selection.symmetry import TypeModel, build_types


def certify(
    result: SelectionResult,
    quotas: QuotaTable,
    pool: Pool,
    k: int,
    house: bool,
    tolerance: float,
) -> tuple[bool, str]:
    """Optimality without re-running the optimisation: the leximin point of the LP relaxation
    of the panel polytope (every type selectable, so a superset of the achievable points) is
    an upper bound, in the leximin order, on every distribution's probabilities (Flanigan et
    al. 2021, Methods). A leximin report whose sorted probabilities equal that point, or a
    maximin report whose minimum equals its first stage, is therefore optimal. When the bound
    is not reached the certificate is inconclusive (a note, not a failure: the relaxation may
    be loose); ``recompute`` then decides. Nash reports are certified by their Frank-Wolfe
    gap instead (:func:`certify_nash`).

    Args:
        result: the stored result (leximin, maximin or nash).
        quotas, pool, k, house: its inputs (``pool`` in canonical order) and household flag.
        tolerance: largest allowed difference from the bound (a probability).

    Returns:
        ``(certified, finding)``: the finding is a sentence for the verification report.

    Raises:
        SolverError: HiGHS failed on the relaxation (the caller records a note).
    """
    model = build_types(quotas, pool, k, house)
    if result.algorithm == "nash":
        probabilities = np.zeros(model.num_types)
        probabilities[model.person_type] = [result.probabilities[p] for p in pool.ids]
        return certify_nash(model, probabilities)
    everyone = np.ones(model.num_types, dtype=bool)
    maximin = result.algorithm == "maximin"
    point = relaxed_leximin(model, Monitor(), everyone, stages=1 if maximin else None)
    bound = np.sort(point[model.person_type])
    stated = np.sort(np.array([result.probabilities[p] for p in pool.ids]))
    if maximin:
        reached = bool(stated[0] >= bound[0] - tolerance)
        what = f"its minimum probability {stated[0]:.6g} is the relaxation's {bound[0]:.6g}"
    else:
        reached = bool(np.max(np.abs(bound - stated)) <= tolerance)
        what = "its probabilities are the leximin point of the LP relaxation"
    if reached:
        return True, f"certified {result.algorithm}-optimal without re-running: {what}"
    return False, (
        f"the LP relaxation's {result.algorithm} bound is not reached, so optimality is "
        "not certified here (the relaxation may be loose): use recompute to re-run"
    )


def certify_nash(model: TypeModel, probabilities: np.ndarray) -> tuple[bool, str]:
    """Nash optimality without re-running: the Frank-Wolfe gap of the stated per-type
    probabilities (``float[T]``) over the LP relaxation ``R`` of the panel polytope bounds
    their relative sub-optimality in Nash welfare over every distribution over panels
    (:class:`selection.nashpoint.GapLP`; Frank and Wolfe 1956; the engine stops at a gap of
    :data:`selection.nash.NASH_TOLERANCE`). ``R`` is taken over the types with a positive
    probability, which is sound only if no feasible panel holds any other type: one panel
    integer program checks that (a selectable type at probability 0 has Nash welfare minus
    infinity, so such a report is not certified).

    Returns:
        ``(certified, finding)`` as :func:`certify`.
    """
    positive = probabilities > 0
    if not positive.all():
        counts, _, _ = PanelIP(model, Monitor()).best((~positive).astype(np.float64))
        if counts is not None and counts[~positive].sum() > 0:
            return False, (
                "a type with probability 0 can be on a feasible panel, so Nash optimality is "
                "not certified here: use recompute to re-run"
            )
    gap = GapLP(model, Monitor(), positive).gap(probabilities)
    if gap <= NASH_TOLERANCE:
        return True, (
            "certified nash-optimal without re-running: the Frank-Wolfe gap of its "
            f"probabilities over the LP relaxation is {gap:.2g} (at most {NASH_TOLERANCE:g})"
        )
    return False, (
        f"the Frank-Wolfe gap of its probabilities is {gap:.3g}, above {NASH_TOLERANCE:g}, "
        "so Nash optimality is not certified here: use recompute to re-run"
    )
