"""The starting panels of column generation: sampled ones (selection.columngen.sample_panels)
and multiplicative weights' (selection.columngen.weighted_panels)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from selection.columngen import initial_columns, sample_panels, weighted_panels
from selection.monitor import Monitor
from selection.relaxation import relaxed_leximin
from selection.rng import SeededRandom
from selection.solver import PanelIP
from selection.symmetry import TypeModel, build_types
from selection.synthetic import synthetic_instance
from tests.selection.test_bruteforce import random_instance


def _recomputed_draws(
    model: TypeModel, target: np.ndarray, rng: SeededRandom, count: int
) -> list[np.ndarray]:
    """The draws of :func:`sample_panels` with the available members of each quota and the
    full quotas recomputed from scratch at every step (as engine 0.7.0 first did)."""
    sizes = model.sizes
    incidence = model.incidence.astype(bool)
    lower = np.array([q.min for q in model.quotas], dtype=np.int64)
    upper = np.array([q.max for q in model.quotas], dtype=np.int64)
    house_of = np.full(model.num_types, -1, dtype=np.int64)
    for h, group in enumerate(model.household_groups):
        house_of[list(group)] = h
    expected = target * sizes
    found = []
    for _ in range(count):
        counts = np.zeros(model.num_types, dtype=np.int64)
        chosen = np.zeros(len(lower), dtype=np.int64)
        open_ = sizes > 0
        failed = False
        for _ in range(model.panel_size):
            available = incidence @ np.where(open_, sizes - counts, 0)
            need = lower - chosen
            usable = (chosen < upper) & (available > 0)
            if (need > available).any() or not usable.any():
                failed = True
                break
            q = int(np.argmax(np.where(usable, need / np.maximum(available, 1), -np.inf)))
            candidates = np.flatnonzero(incidence[q] & open_)
            weights = np.maximum(expected[candidates] - counts[candidates], 0.0) + 1e-3
            ticks = np.maximum(1, np.rint(weights / weights.sum() * float(1 << 30)))
            ticks = ticks.astype(np.int64)
            r = rng.randbelow(int(ticks.sum()))
            t = int(candidates[np.searchsorted(np.cumsum(ticks), r, side="right")])
            counts[t] += 1
            chosen += incidence[:, t]
            if counts[t] >= sizes[t]:
                open_[t] = False
            open_ &= ~incidence[chosen >= upper].any(axis=0)
            if house_of[t] >= 0:
                open_[house_of == house_of[t]] = False
        if not failed and (chosen >= lower).all() and (chosen <= upper).all():
            found.append(counts)
    return found


def _models() -> list[TypeModel]:
    models = []
    for case in range(6):
        households = case % 2 == 1
        rng = random.Random(7100 + case)
        instance = None
        while instance is None:
            instance = random_instance(rng, households)
        quotas, pool, k = instance
        models.append(build_types(quotas, pool, k, households))
    quotas, pool = synthetic_instance(120, 15, 4, seed="sampling")
    models.append(build_types(quotas, pool, 15, False))
    return models


@pytest.mark.parametrize("case", range(7))
def test_sample_panels_draw_as_when_recomputing_each_step(case):
    model = _models()[case]
    target = np.full(model.num_types, model.panel_size / model.sizes.sum())
    count = 40
    got = sample_panels(model, target, SeededRandom("draws", str(case)), count, Monitor())
    expected = _recomputed_draws(model, target, SeededRandom("draws", str(case)), count)
    assert len(got) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
    ip = PanelIP(model)
    assert all(ip.feasible(counts) for counts in got)


def _weighted_inputs(n: int, k: int, categories: int, seed: str):
    quotas, pool = synthetic_instance(n, k, categories, seed=seed)
    model = build_types(quotas, pool, k, False)
    ip = PanelIP(model, Monitor())
    columns, selectable = initial_columns(model, ip, Monitor())
    return model, ip, columns, relaxed_leximin(model, Monitor(), selectable)


def test_weighted_panels_are_new_feasible_panels_found_the_same_way_every_run():
    model, ip, columns, target = _weighted_inputs(200, 20, 5, "weighted-panels")
    known = [c.tobytes() for c in columns.panels]
    found = weighted_panels(model, ip, columns, target, 2 * model.num_types, Monitor(), eta=0.5)
    keys = [c.tobytes() for c in found]
    assert len(found) > model.num_types  # nearly every search finds a new panel
    assert len(set(keys)) == len(keys) and not set(keys) & set(known)
    assert all(ip.feasible(c) for c in found)
    assert [c.tobytes() for c in columns.panels] == known  # the known panels are not changed
    again = weighted_panels(model, ip, columns, target, 2 * model.num_types, Monitor(), eta=0.5)
    assert [c.tobytes() for c in again] == keys


def test_weighted_panels_cover_the_target_more_evenly_than_fixed_weights():
    # The weights follow what the panels so far have covered: their average comes much
    # closer to the target than as many searches under the target's own fixed weights
    # (eta 0, which keeps finding the same panel).
    model, ip, columns, target = _weighted_inputs(200, 20, 5, "weighted-cover")
    steps = 2 * model.num_types
    sizes = model.sizes.astype(np.float64)

    def shortfall(panels: list[np.ndarray]) -> float:
        average = np.mean([c / sizes for c in panels], axis=0)
        return float(np.max(target - average))

    learned = weighted_panels(model, ip, columns, target, steps, Monitor(), eta=0.5)
    fixed = weighted_panels(model, ip, columns, target, steps, Monitor(), eta=0.0)
    assert len(fixed) <= 1
    assert shortfall(learned) < 0.5 * shortfall(fixed + columns.panels[:1])


def test_weighted_panels_none_without_a_positive_target():
    model, ip, columns, target = _weighted_inputs(120, 12, 4, "weighted-zero")
    assert weighted_panels(model, ip, columns, np.zeros_like(target), 50, Monitor(), eta=0.5) == []
