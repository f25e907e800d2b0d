"""Column generation shared by leximin, maximin and Nash welfare.

A *column* is one feasible panel, written as integer type counts ``c[t]`` (how many members of
type t sit on the panel). Flanigan et al. 2021 (Methods) start column generation from a set of
diverse panels found by multiplicative weights and make sure every person who can be on some
feasible panel is on at least one column; this module does the same over types.
"""

from __future__ import annotations

import numpy as np

from selection.monitor import Monitor
from selection.rng import SeededRandom
from selection.solver import PanelIP
from selection.symmetry import TypeModel
from selection.version import since

#: Sampled panels per type (:func:`target_samples`).
SAMPLE_FACTOR = 1
#: Since 0.8.0 the target master on pools of more than
#: :data:`selection.leximin.SAMPLE_ABOVE_TYPES` types starts, where it would have started
#: from sampled panels, from this many swap searches per type of multiplicative weights
#: toward the target instead (:func:`weighted_panels`), with learning rate
#: :data:`WEIGHTED_ETA`.
#: Measured on the pools with independent answers, where the face walk stops at its budget
#: (CPU s of the panels plus the target master; pricing rounds), sampled panels / 2 steps
#: per type / 3 steps per type: synthetic_404_40_6 (389 types) 11.5 (16 rounds) / 2.6-3.0
#: (5) / 2.4-2.8 (3-4); synthetic_312_35_6 (301 types) 5.8 (13) / 1.3-1.7 (4-5) / 1.3-1.6
#: (4). The sampled panels covered the target so unevenly that each round of 200 swap
#: searches cut the shortfall by only 30 %, and each master re-solve took 1,000-2,400 simplex
#: iterations.
WEIGHTED_STEPS_PER_TYPE = 3
#: ... (measured there: learning rate 0.3 and 0.5 alike, 1.2 twice as slow)
WEIGHTED_ETA = 0.5


class Columns:
    """A set of distinct panels (type counts), in the order they were found."""

    def __init__(self, num_types: int) -> None:
        self.num_types = num_types
        self.panels: list[np.ndarray] = []
        self.seen: set[bytes] = set()
        self._matrix = np.zeros((num_types, 16), dtype=np.float64)

    @classmethod
    def merged(
        cls, num_types: int, panels: list[np.ndarray], weights: np.ndarray
    ) -> tuple[Columns, np.ndarray]:
        """The distinct panels of a weighted list (e.g. a face walk's) and ``float[P]`` the
        summed weight of each, in the order each panel first appears."""
        columns = cls(num_types)
        merged: list[float] = []
        index: dict[bytes, int] = {}
        for counts, weight in zip(panels, weights, strict=True):
            if columns.add(counts):
                index[counts.tobytes()] = len(merged)
                merged.append(0.0)
            merged[index[counts.tobytes()]] += float(weight)
        return columns, np.array(merged)

    def __len__(self) -> int:
        return len(self.panels)

    def copy(self) -> Columns:
        """An independent copy (adding to one leaves the other as it was)."""
        other = Columns(self.num_types)
        other.panels = list(self.panels)
        other.seen = set(self.seen)
        other._matrix = self._matrix.copy()
        return other

    def add(self, counts: np.ndarray) -> bool:
        """Add a panel; returns False (and adds nothing) when it is already present."""
        counts = np.asarray(counts, dtype=np.int64)
        key = counts.tobytes()
        if key in self.seen:
            return False
        self.seen.add(key)
        if len(self.panels) == self._matrix.shape[1]:
            grown = np.zeros((self.num_types, 2 * self._matrix.shape[1]), dtype=np.float64)
            grown[:, : len(self.panels)] = self._matrix
            self._matrix = grown
        self._matrix[:, len(self.panels)] = counts
        self.panels.append(counts)
        return True

    def values(self, weights: np.ndarray) -> np.ndarray:
        """``float[P]``: the weight ``weights @ c`` of every panel."""
        return weights @ self._matrix[:, : len(self.panels)]

    def combine(self, probabilities: np.ndarray) -> np.ndarray:
        """``float[T]``: expected type counts ``sum_P probabilities_P c_P`` of a distribution
        over the panels (``probabilities``: ``float[P]`` in the order the panels were added)."""
        return self._matrix[:, : len(self.panels)] @ probabilities

    def improving(
        self, ip: PanelIP, weights: np.ndarray, threshold: float, starts: int = 40
    ) -> list[np.ndarray]:
        """New panels of weight above ``threshold`` found by swap search (may be empty).

        The search starts from the ``starts`` heaviest known panels (see
        :class:`selection.solver.SwapSearch`); it is a heuristic, so an empty answer proves
        nothing.
        """
        values = self.values(weights)
        found: list[np.ndarray] = []
        keys: set[bytes] = set()
        for index in np.argsort(-values, kind="stable")[:starts]:
            if ip.monitor is not None:
                ip.monitor.heartbeat()  # many starts can take a while on large pools
            counts, value = ip.swaps.improve(self.panels[int(index)], weights)
            key = counts.tobytes()
            if value > threshold and key not in self.seen and key not in keys:
                keys.add(key)
                found.append(counts)
        return found

    def matrix(self) -> np.ndarray:
        """``int64[T, P]`` counts of all panels (columns)."""
        if not self.panels:
            return np.zeros((self.num_types, 0), dtype=np.int64)
        return np.stack(self.panels, axis=1)


def initial_columns(
    model: TypeModel,
    ip: PanelIP,
    monitor: Monitor,
    rounds: int | None = None,
) -> tuple[Columns, np.ndarray]:
    """Find a diverse starting set of panels and the types that can be selected at all.

    Args:
        model: the type model.
        ip: its pricing program (must have a feasible panel).
        monitor: progress/cancellation.
        rounds: multiplicative-weights rounds (default ``min(T, 24)``).

    Returns:
        ``(columns, selectable)`` where ``selectable`` is ``bool[T]``: True when some feasible
        panel contains a member of the type. Types that are not selectable have selection
        probability 0 under every algorithm.

    The solver weights are pseudo-random but derived from the instance (not from the draw
    seed), so re-running the algorithm on the same inputs gives the same distribution.
    """
    num_types = model.num_types
    columns = Columns(num_types)
    rng = SeededRandom(model.digest(), "initial-columns")
    sizes = model.sizes.astype(np.float64)
    rounds = min(num_types, 24) if rounds is None else rounds
    steps = 4 * model.panel_size
    first, _, _ = ip.best(np.ones(num_types) / sizes)
    assert first is not None
    columns.add(first)
    # Diverse panels: swap search under seeded random weights, multiplicatively reduced for
    # the types already used (Flanigan et al. 2021 use multiplicative weights likewise).
    weights = np.ones(num_types)
    current = first
    for r in range(rounds):
        monitor.tick("initial panels", r, rounds)
        jitter = np.array(rng.uniform_weights(num_types))
        current, _ = ip.swaps.improve(current, weights * jitter / sizes, max_steps=steps)
        columns.add(current)
        weights *= 1.0 - 0.5 * current / sizes
        weights /= weights.mean()
    covered = np.zeros(num_types, dtype=bool)
    for counts in columns.panels:
        covered |= counts > 0
    selectable = covered.copy()
    stalled = 0
    while not covered.all():
        monitor.tick("initial panels", len(columns), len(columns) + int((~covered).sum()))
        target = (~covered).astype(np.float64) / sizes
        if stalled < 3:
            start = columns.panels[int(np.argmax(columns.values(target)))]
            counts, _ = ip.swaps.improve(start, target, max_steps=steps)
            if (counts[~covered] > 0).any():
                columns.add(counts)
                covered |= counts > 0
                selectable |= counts > 0
                stalled = 0
                continue
            stalled += 1
        best, _, _ = ip.best(target)
        assert best is not None
        if not (best[~covered] > 0).any():
            break
        stalled = 0
        columns.add(best)
        covered |= best > 0
        selectable |= best > 0
    return columns, selectable


def sample_panels(
    model: TypeModel, target: np.ndarray, rng: SeededRandom, count: int, monitor: Monitor
) -> list[np.ndarray]:
    """Random feasible panels drawn near a target, to seed column generation.

    A greedy draw in the style of the legacy algorithm: repeatedly take the value most in
    need (highest ``(min - selected) / available``) and pick a type with that value with
    probability proportional to its target expected count still unmet (plus a small floor);
    types whose values reached their max (or whose household is taken) drop out. Draws that
    fail to meet every min are discarded. A heuristic: it proves nothing.

    Args:
        target: ``float[T]`` target selection probability per type.
        count: number of draws attempted.

    Returns:
        The feasible panels found (type counts), possibly fewer than ``count``.
    """
    sizes = model.sizes
    incidence = model.incidence.astype(bool)
    counted = incidence.astype(np.int64)
    lower = np.array([q.min for q in model.quotas], dtype=np.int64)
    upper = np.array([q.max for q in model.quotas], dtype=np.int64)
    house_of = np.full(model.num_types, -1, dtype=np.int64)
    for h, group in enumerate(model.household_groups):
        house_of[list(group)] = h
    expected = target * sizes
    scale = float(1 << 30)
    found = []
    # The members still available per quota are kept up to date step by step (exact integer
    # arithmetic, so the same draws as recomputing them; measured, means of 2 interleaved runs:
    # 301 draws on synthetic_312_35_6 0.61 -> 0.44 CPU s, 389 on synthetic_404_40_6 0.91 ->
    # 0.57 s).
    start_open = sizes > 0
    start_room = np.where(start_open, sizes, 0).astype(np.int64)
    start_available = counted @ start_room
    for attempt in range(count):
        if attempt % 32 == 0:
            monitor.tick("initial panels (sampling)", attempt, count)
        counts = np.zeros(model.num_types, dtype=np.int64)
        chosen = np.zeros(len(lower), dtype=np.int64)
        open_ = start_open.copy()
        room = start_room.copy()  # members of each type still to pick (0 once closed)
        available = start_available.copy()  # counted @ room
        full = np.zeros(len(lower), dtype=bool)  # quotas at their max, types closed
        failed = False
        for _ in range(model.panel_size):
            need = lower - chosen
            if (need > available).any():
                failed = True
                break
            usable = (chosen < upper) & (available > 0)
            if not usable.any():
                failed = True
                break
            ratio = np.where(usable, need / np.maximum(available, 1), -np.inf)
            q = int(np.argmax(ratio))
            candidates = np.flatnonzero(incidence[q] & open_)
            weights = np.maximum(expected[candidates] - counts[candidates], 0.0) + 1e-3
            ticks = np.maximum(1, np.rint(weights / weights.sum() * scale)).astype(np.int64)
            r = rng.randbelow(int(ticks.sum()))
            t = int(candidates[np.searchsorted(np.cumsum(ticks), r, side="right")])
            counts[t] += 1
            chosen += counted[:, t]
            room[t] -= 1
            available -= counted[:, t]
            if counts[t] >= sizes[t]:
                open_[t] = False
            newly = (chosen >= upper) & ~full
            if newly.any():
                full |= newly
                open_ &= ~incidence[newly].any(axis=0)
            if house_of[t] >= 0:
                open_[house_of == house_of[t]] = False
            shut = np.flatnonzero(~open_ & (room > 0))
            if len(shut):
                available -= counted[:, shut] @ room[shut]
                room[shut] = 0
        if not failed and (chosen >= lower).all() and (chosen <= upper).all():
            found.append(counts)
    return found


def weighted_panels(
    model: TypeModel,
    ip: PanelIP,
    columns: Columns,
    target: np.ndarray,
    steps: int,
    monitor: Monitor,
    *,
    eta: float,
) -> list[np.ndarray]:
    """Panels found by multiplicative weights toward a target, to seed column generation.

    The target master LP of :func:`selection.leximin.reach_target` is a zero-sum game: the
    panel player picks a distribution over panels, the type player a distribution ``y`` over
    types, and the payoff is ``y . (target - p)``, ``p`` the panels' type probabilities.
    Here the type player plays multiplicative weights (Freund & Schapire, "Adaptive game
    playing using multiplicative weights", Games and Economic Behavior 29, 1999, section 2):
    it starts uniform over the types with a positive target, and after each panel ``c``
    multiplies each type's weight by ``exp(-eta (c_t / size_t - target_t))``, so the types the
    panels so far have covered less than their target weigh more. The panel player answers
    each ``y`` with a swap search (:meth:`selection.solver.SwapSearch.improve`) from the
    known panel heaviest under ``y / size``. The answers form a set of panels that covers the
    target's types in the right proportions, which column generation would otherwise find
    one master LP round at a time; deterministic (no random draws). A heuristic: it proves
    nothing.

    Args:
        model: the type model.
        ip: its pricing program (for its swap search).
        columns: the known panels (the starts of the first searches; not changed).
        target: ``float[T]`` target selection probability per type, in [0, 1].
        steps: swap searches to run (each adds at most one panel).
        monitor: progress and cancellation.
        eta: the learning rate (per unit of probability).

    Returns:
        The new panels (type counts) not in ``columns``, in the order found (at most
        ``steps``).
    """
    if not (target > 0).any() or not columns.panels:
        return []
    sizes = model.sizes.astype(np.float64)
    known = columns.copy()
    log_weights = np.where(target > 0, 0.0, -np.inf)
    found: list[np.ndarray] = []
    for step in range(steps):
        if step % 32 == 0:
            monitor.tick("initial panels (multiplicative weights)", step, steps)
        weights = np.exp(log_weights - log_weights.max())
        per_member = weights / weights.sum() / sizes
        start = known.panels[int(np.argmax(known.values(per_member)))]
        counts, _ = ip.swaps.improve(start, per_member)
        if known.add(counts):
            found.append(counts)
        log_weights -= eta * (counts / sizes - target)
    return found


def target_samples(model: TypeModel, monitor: Monitor, target: np.ndarray) -> list[np.ndarray]:
    """The sampled panels :func:`selection.leximin.reach_target` seeds its master with on
    pools of more than :data:`selection.leximin.SAMPLE_ABOVE_TYPES` types before 0.8.0
    (:func:`sample_panels` near ``target``, ``float[T]`` probabilities, seeded from the
    instance: the same panels on every run)."""
    rng = SeededRandom(model.digest(), "target-samples")
    return sample_panels(model, target, rng, SAMPLE_FACTOR * model.num_types, monitor)


def target_seed(
    model: TypeModel,
    monitor: Monitor,
    ip: PanelIP,
    columns: Columns,
    target: np.ndarray,
    release: str,
) -> list[np.ndarray]:
    """The panels :func:`selection.leximin.reach_target` seeds its master with on pools of
    more than :data:`selection.leximin.SAMPLE_ABOVE_TYPES` types when no face walk gave them
    (``release``: the engine version whose path to take): since 0.8.0 those of multiplicative
    weights toward ``target`` (``float[T]`` probabilities) from ``columns``
    (:func:`weighted_panels`, :data:`WEIGHTED_STEPS_PER_TYPE`), before sampled ones
    (:func:`target_samples`)."""
    if since(release, "0.8.0"):
        steps = WEIGHTED_STEPS_PER_TYPE * model.num_types
        return weighted_panels(model, ip, columns, target, steps, monitor, eta=WEIGHTED_ETA)
    return target_samples(model, monitor, target)
