"""The sampled starting panels of column generation (selection.columngen.sample_panels)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from selection.columngen import sample_panels
from selection.monitor import Monitor
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
