"""Quantising a distribution over panels and drawing one panel from it with a seed.

A distribution is a list of :class:`PanelShare`: a panel *composition* (how many members of
each type, see :mod:`selection.symmetry`) with an integer ``weight``. Floating-point panel
probabilities from the LPs are quantised to integer weights (multiples of ``2**-40``,
:data:`WEIGHT_BITS`) before anything is drawn, and only the stored integers are used, so a draw
is the same on every machine.

Drawing (:func:`draw_panel`), with ``rng = SeededRandom(seed, "panel")``:

1. ``r = rng.randbelow(total weight)``; the panel is the first share (in stored order) whose
   cumulative weight exceeds ``r``.
2. For each type in increasing type index with ``0 < count < size``, ``count`` members are
   chosen with ``rng.sample(members, count)`` (members listed in pool order); types with
   ``count == size`` contribute all members.
3. The panel's ids are returned in pool order (the engine works on the canonical pool, sorted
   by id, so this is id order for every draw it makes).

Step 2 picks members of a type uniformly, so each member's selection probability is exactly
``E[count] / size``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from selection.errors import InputError
from selection.model import PanelShare
from selection.rng import SeededRandom

#: Panel probabilities are quantised to multiples of 2**-WEIGHT_BITS.
WEIGHT_BITS = 40


def quantise(panels: Sequence[np.ndarray], probabilities: np.ndarray) -> list[PanelShare]:
    """Integer weights for a float distribution.

    Args:
        panels: type-count vectors (``int[T]`` each).
        probabilities: ``float[P]`` (non-negative; normalised here).

    Returns:
        The shares with weight ``round(p * 2**40) > 0``, heaviest first (ties by counts).
    """
    probabilities = np.maximum(np.asarray(probabilities, dtype=np.float64), 0.0)
    probabilities = probabilities / probabilities.sum()
    scale = float(1 << WEIGHT_BITS)
    shares = []
    for counts, p in zip(panels, probabilities, strict=True):
        weight = int(round(float(p) * scale))
        if weight > 0:
            nz = np.flatnonzero(counts)
            shares.append(PanelShare(tuple((int(t), int(counts[t])) for t in nz), weight))
    shares.sort(key=lambda s: (-s.weight, s.counts))
    return shares


def type_probabilities(shares: Sequence[PanelShare], sizes: Sequence[int]) -> list[Fraction]:
    """Exact per-type selection probabilities of a quantised distribution."""
    total = sum(s.weight for s in shares)
    expected = [0] * len(sizes)
    for share in shares:
        for t, count in share.counts:
            expected[t] += share.weight * count
    return [Fraction(e, total * size) for e, size in zip(expected, sizes, strict=True)]


def draw_panel(
    shares: Sequence[PanelShare],
    types: Sequence[Sequence[str]],
    seed: str,
    order: dict[str, int] | None = None,
) -> list[str]:
    """Draw one panel (a list of ids) from a quantised distribution.

    Args:
        shares: the distribution (non-empty, positive weights).
        types: for each type index, its members' ids in pool order.
        seed: the text seed.
        order: ``{id: pool position}`` for sorting the result (default: order of ``types``
            flattened).

    Returns:
        The selected ids in pool order.

    Raises:
        InputError: an empty distribution, a non-positive weight, or counts that do not fit
            the types.
    """
    if not shares:
        raise InputError("the distribution is empty")
    if any(s.weight <= 0 for s in shares):
        raise InputError("the distribution has a non-positive weight")
    rng = SeededRandom(seed, "panel")
    r = rng.randbelow(sum(s.weight for s in shares))
    chosen = shares[-1]
    for share in shares:
        if r < share.weight:
            chosen = share
            break
        r -= share.weight
    ids: list[str] = []
    for t, count in chosen.counts:
        if not 0 <= t < len(types) or not 0 < count <= len(types[t]):
            raise InputError(f"panel count {count} for type {t} does not fit the pool")
        members = list(types[t])
        ids.extend(members if count == len(members) else rng.sample(members, count))
    if order is None:
        order = {pid: i for i, pid in enumerate(pid for group in types for pid in group)}
    return sorted(ids, key=order.__getitem__)
