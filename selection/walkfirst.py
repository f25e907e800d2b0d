"""Leximin's walk-first path on large pools (since 0.6.0): the face walk runs before any
column generation, and its own weights are the distribution when they reach the relaxation's
leximin point (see :func:`walk_first`). Nash's walk-first (:mod:`selection.nash`) shares the
:class:`Walk` record.
"""

from __future__ import annotations

import numpy as np

from selection.columngen import Columns
from selection.decompose import MASS_TOLERANCE, decompose
from selection.errors import SolverError
from selection.masters import TARGET_TOLERANCE
from selection.monitor import Monitor
from selection.relaxation import FIX_SLACK, relaxed_leximin
from selection.symmetry import TypeModel


class Walk:
    """A face walk taken before any column generation (leximin's and Nash's walk-first):
    the point it walked (``float[T]`` probabilities), its panels (``columns``), and their
    distribution (``float[P]``) when it is proven to reach the objective, else ``None``."""

    def __init__(
        self, point: np.ndarray, columns: Columns, distribution: np.ndarray | None
    ) -> None:
        self.point = point
        self.columns = columns
        self.distribution = distribution


def walk_first(model: TypeModel, monitor: Monitor, search: int) -> Walk | None:
    """Leximin above :data:`selection.leximin.DECOMPOSE_ABOVE_TYPES` types straight from the
    face walk (since 0.6.0): no initial panels, no coverage check, no master LP when the walk
    finishes.

    The relaxation polytope ``R`` with *every* type selectable contains ``conv(F)`` (the
    achievable expected counts), so its leximin point is an upper bound, in the leximin order,
    on every distribution over panels (Flanigan et al. 2021, Methods; the certificate of
    :mod:`selection.verification` uses the same point). The face walk
    (:func:`selection.decompose.decompose`) writes that point as a combination of panels with
    weights ``theta``; when it finishes, the distribution ``theta / sum(theta)`` is checked
    directly: if it gives every type at least the point's probability (less
    :data:`TARGET_TOLERANCE` and :data:`FIX_SLACK`, the tolerance the target master accepts),
    it is leximin-optimal, and so maximin-optimal too. That check is the proof; the walk
    only proposes. Which types can be selected needs no integer program either: a type with
    a positive probability sits on a panel of the walk, one at 0 is at 0 on every path.

    Returns:
        ``None`` when the relaxation fails; otherwise the walk, whose ``distribution`` is
        ``None`` when the walk stopped at a face without a panel or the check failed (the
        caller then takes the 0.5.0 path, seeding its master with the walk's panels when its
        own relaxation point is the same).
    """
    everyone = np.ones(model.num_types, dtype=bool)
    try:
        point = relaxed_leximin(model, monitor, everyone)
    except SolverError:
        return None
    panels, weights, mass = decompose(model, monitor, point, search=search)
    columns, merged = Columns.merged(model.num_types, panels, weights)
    if mass > MASS_TOLERANCE or merged.sum() <= 0.0:
        return Walk(point, columns, None)
    distribution = merged / merged.sum()
    reached = columns.combine(distribution) / model.sizes
    if (reached < point - TARGET_TOLERANCE - FIX_SLACK).any():
        return Walk(point, columns, None)
    return Walk(point, columns, distribution)
