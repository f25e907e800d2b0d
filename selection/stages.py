"""Stage-by-stage leximin column generation (Flanigan et al., Nature 596, 2021, Methods): the
exact method :mod:`selection.leximin` falls back on when its relaxation shortcut cannot be
used, and the pricing step it shares with the target master.

Each stage maximises the smallest probability of the unfixed types over the panels found so
far (:class:`selection.masters.MasterLP`); the pricing step (:func:`price`) adds panels that
beat the master's dual value until the integer program proves none is left; then the tight
types are fixed and the next stage begins. See :mod:`selection.leximin` for the whole method.
"""

from __future__ import annotations

import numpy as np

from selection.columngen import Columns
from selection.masters import MasterLP
from selection.monitor import Monitor
from selection.relaxation import DUAL_TOLERANCE
from selection.solver import INF, PanelIP
from selection.symmetry import TypeModel

#: A new panel is added when its weight beats the master's ``mu`` by more than this.
PRICING_TOLERANCE = 1e-9
#: Swap searches per pricing round elsewhere: on small instances a round is cheap and the
#: swap search dominates, so fewer starts per round pay (measured on the shared instances:
#: 40 starts 0.20 s / 0.40 s, 10 starts 0.13 s / 0.23 s for opendlp_monitoring_30 /
#: sf_fixture_22, with the same panels found).
SWAP_STARTS = 10


def price(
    columns: Columns,
    ip: PanelIP,
    weights: np.ndarray,
    threshold: float,
    starts: int = SWAP_STARTS,
) -> tuple[list[np.ndarray], bool]:
    """Improving panels for the given weights (``float[T]`` per member of each type): swap
    search (from ``starts`` panels) first, the integer program if that fails.

    Returns:
        ``(panels, proven)``: new panels whose weight is above ``threshold``, and whether
        the integer program showed that no panel beats it.
    """
    found = columns.improving(ip, weights, threshold, starts=starts)
    if found:
        return found, False
    counts, value, _ = ip.best(weights)
    assert counts is not None
    if value > threshold and counts.tobytes() not in columns.seen:
        return [counts], False
    return [], True


def exact_stages(
    model: TypeModel,
    monitor: Monitor,
    ip: PanelIP,
    columns: Columns,
    selectable: np.ndarray,
    *,
    stages: int | None = None,
    upper_bound: float = INF,
) -> np.ndarray:
    """Stage-by-stage leximin column generation (Flanigan et al. 2021, Methods).

    Args:
        stages: stop after this many stages (``1``: maximin); ``None``: all.
        upper_bound: a proven upper bound on the first stage's optimum (e.g. from the LP
            relaxation); the first stage ends as soon as it is reached.

    Returns:
        ``float[P]``: the probability of each panel in ``columns``.
    """
    master = MasterLP(model, monitor, selectable, columns)
    sizes = master.sizes
    stage = 0
    while not master.fixed.all() and (stages is None or stage < stages):
        stage += 1
        while True:
            monitor.tick("leximin", int(master.fixed.sum()), model.num_types)
            z, mu, y = master.solve()
            found: list[np.ndarray]
            if stage == 1 and z >= upper_bound - PRICING_TOLERANCE:
                found, proven = [], True
            else:
                found, proven = price(columns, ip, y / sizes, mu + PRICING_TOLERANCE)
            for counts in found:
                if columns.add(counts):
                    master.add_panel(counts)
            if not proven:
                continue
            # Stage optimum proven (up to the tolerance): fix the tight types.
            tight = np.flatnonzero((y > DUAL_TOLERANCE) & ~master.fixed)
            if len(tight) == 0:
                tight = np.flatnonzero(~master.fixed & (y >= y[~master.fixed].max()))
            master.fix(tight, max(0.0, z))
            break
    master.solve()
    return master.distribution()
