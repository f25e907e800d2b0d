"""Leximin's walk-first path on large pools (since 0.6.0): the face walk runs before any
column generation, and its own weights are the distribution when they reach the relaxation's
leximin point (see :func:`walk_first`). Nash's walk-first (:mod:`selection.nash`) shares the
:class:`Walk` record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from selection.columngen import Columns
from selection.decompose import MASS_TOLERANCE, decompose, face_program
from selection.errors import SolverError
from selection.masters import TARGET_TOLERANCE
from selection.monitor import Monitor
from selection.relaxation import FIX_SLACK, relaxed_leximin
from selection.symmetry import TypeModel

#: A ``stop`` test of :func:`selection.decompose.decompose`: called with the panels and
#: weights so far and the mass left, True to end the walk.
StopTest = Callable[[list[np.ndarray], list[float], float], bool]


def work_stop(monitor: Monitor, limits: Sequence[tuple[float, float]]) -> StopTest | None:
    """A ``stop`` test for :func:`selection.decompose.decompose`: True once, for some
    ``(work, mass)`` of ``limits``, the solves run with ``monitor`` took more than ``work``
    since this call (:attr:`selection.monitor.Monitor.work`) with more than ``mass`` (a share
    in [0, 1]) still to write; ``None`` without limits."""
    if not limits:
        return None
    start = monitor.work

    def stop(panels: list[np.ndarray], weights: list[float], mass: float) -> bool:
        done = monitor.work - start
        return any(done > work and mass > left for work, left in limits)

    return stop


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


def walk_first(
    model: TypeModel,
    monitor: Monitor,
    search: int,
    work_limits: Sequence[tuple[float, float]] = (),
) -> Walk | None:
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

    Args:
        work_limits: ``(work, mass)`` pairs: stop the walk once its solves took more than
            ``work`` (:attr:`selection.monitor.Monitor.work`: simplex iterations and MIP
            nodes, the same on every run) with more than ``mass`` still to write (see
            :func:`work_stop`); empty: no limit. Since 0.8.0 middle-sized pools walk first
            within such limits (:data:`selection.leximin.MIDDLE_WALK_LIMITS`).

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
    stop = work_stop(monitor, work_limits)
    ip = None
    if stop is not None:
        ip = face_program(model)
        ip.monitor = monitor  # the walk's solves count towards monitor.work
    panels, weights, mass = decompose(model, monitor, point, ip=ip, search=search, stop=stop)
    columns, merged = Columns.merged(model.num_types, panels, weights)
    if mass > MASS_TOLERANCE or merged.sum() <= 0.0:
        return Walk(point, columns, None)
    distribution = merged / merged.sum()
    reached = columns.combine(distribution) / model.sizes
    if (reached < point - TARGET_TOLERANCE - FIX_SLACK).any():
        return Walk(point, columns, None)
    return Walk(point, columns, distribution)
