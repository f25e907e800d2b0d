"""The LP optimum of a face program of the walk by sifting (:mod:`selection.decompose`, search
level 4, since 0.7.0).

Each face of the walk needs the optimum of the face program's LP relaxation over every type
(its support is where the walk looks for the face's panel, its value the bound a dive's panel
is measured against). On 10,000 people (about 5,000 types) that LP took about 45 ms per face
(a warm-started dual simplex of about 200 iterations over every column), 40 of the walk's
180 CPU s. Its optimum needs only a few dozen types, so it is found by sifting instead (the
column generation of an LP; Bixby et al., "Very large-scale linear programming: a case study
in combining interior point and simplex methods", Operations Research 40(5), 1992): the LP is
solved over a working set of types only (:func:`selection.dives.support_lp`), the reduced cost
of every other type is priced from its row duals, the types that would improve the objective
join the set, and the LP is solved again until none would. The working set is carried from
face to face as the previous face's support (the walk's weights change little from one face to
the next) with the heaviest types of the new weights; measured on the first 150 faces of
correlated_10000_150_8: 4.7 small LPs per face (at most 9) over about 100-400 types, 15 ms
in all (the walk's 919 faces: 14 s instead of about 40 s). The optimum is then an optimum
of the whole LP (every type outside the set prices out, so its duals are feasible for the
whole LP): the same value, possibly another vertex, so its support may differ from the whole
LP's (a choice of the engine version).
"""

from __future__ import annotations

import highspy
import numpy as np

from selection.dives import Face, support_groups, support_lp
from selection.solver import PanelIP, run

#: A type outside the working set joins it when its reduced cost is above this (in the
#: weights' units, which are probabilities at most 1: HiGHS's default dual feasibility
#: tolerance; the optimum's value then differs from the whole LP's by less than 1e-7 per
#: seat, measured at most 6e-8 in all on synthetic pools).
PRICE_TOLERANCE = 1e-7
#: Each face's working set starts from the previous face's support and this many of the
#: heaviest types per panel seat (measured on correlated_10000_150_8: the face LP's support
#: holds about 90 types for a panel of 150).
FIRST_TYPES_PER_SEAT = 2
#: The cost of a unit of slack on a row of the working set's LP (its rows are elastic, so
#: the LP is feasible before the set holds enough types to meet them): far above any dual of
#: the face program, whose weights are probabilities at most 1 on rows of 0-1 coefficients.
SLACK_COST = 1e4
#: The optimum counts as the face LP's when its slacks sum to at most this.
SLACK_TOLERANCE = 1e-9
#: Give up sifting (and solve the LP over every type) after this many rounds (measured on
#: correlated_10000_150_8: at most 9 rounds per face). Each round adds at most the panel
#: size's number of types, those of largest reduced cost (adding every type that prices out
#: took the first face's set to 4,979 of 5,063 types: the slacks' duals price in nearly all).
MAX_ROUNDS = 50


class Sifting:
    """The working set of types, carried over the faces of one walk.

    Args:
        ip: the walk's face program (its model and household index are used).

    Attributes:
        working: ``bool[T]``, the previous face's support (``None`` before the first face).
        rounds: the number of small LPs solved so far.
    """

    def __init__(self, ip: PanelIP) -> None:
        self.ip = ip
        self.working: np.ndarray | None = None
        self.incidence = ip.model.incidence.astype(np.float64)
        self.rounds = 0

    def optimum(
        self,
        face: Face,
        weight: np.ndarray,
        type_lower: np.ndarray,
        type_upper: np.ndarray,
    ) -> np.ndarray | None:
        """``float[T]`` an optimal solution of the face program's LP relaxation (maximising
        ``weight``, ``float[T]``, over the counts within ``type_lower``/``type_upper`` and the
        face's rows), 0 outside the final working set; ``None`` when the LP over the working
        set is not optimal (infeasible there, or no convergence in :data:`MAX_ROUNDS`): the
        caller then solves the LP over every type.

        Raises:
            SelectionCancelled: the monitor cancelled the run.
        """
        ip = self.ip
        model = ip.model
        open_ = type_upper > 0
        needed = type_lower > 0
        count = min(model.num_types, FIRST_TYPES_PER_SEAT * model.panel_size)
        heaviest = np.argsort(-np.where(open_, weight, -np.inf), kind="stable")[:count]
        if self.working is None:
            self.working = np.zeros(model.num_types, dtype=bool)
        self.working[heaviest] = True
        house_of = ip.swaps.house_of
        if len(face.household_lower):  # a full household's members can all be needed
            full = np.append(face.household_lower > 0, False)
            needed = needed | (full[house_of] & open_)
        working = (self.working & open_) | needed
        num_quotas = len(model.quotas)
        for _ in range(MAX_ROUNDS):
            self.rounds += 1
            cols = np.flatnonzero(working)
            h = support_lp(ip, face, cols, weight, type_lower, type_upper)
            _add_slacks(h)
            if run(h, ip.monitor) != highspy.HighsModelStatus.kOptimal:
                return None
            solution = h.getSolution()
            duals = np.asarray(solution.row_dual)
            # the rows of support_lp: the quotas, the panel size, then its households
            groups = support_groups(ip, face, cols)
            group_dual = np.zeros(len(face.household_lower) + 1)
            group_dual[groups] = duals[num_quotas + 1 :]
            reduced = (
                weight
                - self.incidence.T @ duals[:num_quotas]
                - duals[num_quotas]
                - np.where(house_of >= 0, group_dual[house_of], 0.0)
            )
            joining = open_ & ~working & (reduced > PRICE_TOLERANCE)
            if joining.sum() > model.panel_size:  # the best of them only
                cut = np.partition(reduced[joining], -model.panel_size)[-model.panel_size]
                joining &= reduced >= cut
            if not joining.any():
                values = np.asarray(solution.col_value)
                if values[len(cols) :].sum() > SLACK_TOLERANCE:
                    return None  # the face's rows need more than every type allows
                x = np.zeros(model.num_types)
                x[cols] = values[: len(cols)]
                self.working = x > 0
                return x
            working |= joining
        return None


def _add_slacks(h: highspy.Highs) -> None:
    """Make every row of ``h`` elastic: two columns per row (coefficients +1 and -1, in
    ``[0, inf)``) costing :data:`SLACK_COST` each (the model maximises), after its columns."""
    rows = h.getNumRow()
    count = 2 * rows
    index = np.repeat(np.arange(rows, dtype=np.int32), 2)
    values = np.tile(np.array([1.0, -1.0]), rows)
    h.addCols(
        count,
        np.full(count, -SLACK_COST),
        np.zeros(count),
        np.full(count, highspy.kHighsInf),
        count,
        np.arange(count, dtype=np.int32),
        index,
        values,
    )
