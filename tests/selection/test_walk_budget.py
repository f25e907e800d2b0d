"""The face walk's deterministic work budget on middle-sized pools (issue 14, item 1).

From ``SAMPLE_ABOVE_TYPES`` to ``DECOMPOSE_ABOVE_TYPES`` types, leximin of releases 0.2.0-0.7.0
first walks the faces of the relaxation within a budget of simplex iterations, and adds sampled
panels when the walk stops short (since 0.8.0 the large pools' walk runs there within
``selection.leximin.MIDDLE_WALK_LIMITS``, see test_leximin_paths; verification still replays
the old path, so it is tested at 0.7.0). Every way through stays exact: the profile equals
the brute-force oracle.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from selection import leximin as leximin_module
from selection.columngen import initial_columns
from selection.decompose import MASS_TOLERANCE, START_MASS, decompose
from selection.monitor import Monitor
from selection.relaxation import relaxed_leximin
from selection.solver import PanelIP
from selection.symmetry import build_types
from selection.synthetic import synthetic_instance
from tests.selection.test_leximin_oracle import (
    household_instance,
    panels_by_group,
    reference_profile,
)

#: The last release whose leximin walks the faces of middle-sized pools.
WALK_RELEASE = "0.7.0"
#: (budget per type, description): no walk, a walk cut short after one step, the default.
BUDGETS = {"no-walk": -1, "cut-short": 0, "default": leximin_module.WALK_WORK_PER_TYPE}


def _walk_inputs(pool_size: int, panel_size: int, categories: int):
    quotas, pool = synthetic_instance(pool_size, panel_size, categories, seed="walk-budget")
    model = build_types(quotas, pool, panel_size, False)
    monitor = Monitor()
    _, selectable = initial_columns(model, PanelIP(model, monitor), monitor)
    return model, relaxed_leximin(model, monitor, selectable)


def test_decompose_work_limit_stops_the_walk_early():
    model, point = _walk_inputs(160, 16, 4)
    full, _, mass = decompose(model, Monitor(), point)
    assert mass <= MASS_TOLERANCE and len(full) > 1
    short, _, left = decompose(model, Monitor(), point, work_limit=0)
    assert len(short) == 1 and left > MASS_TOLERANCE
    assert np.array_equal(short[0], full[0])


def test_decompose_start_work_limit_stops_a_walk_that_writes_nothing():
    model, point = _walk_inputs(160, 16, 4)
    full, weights, mass = decompose(model, Monitor(), point)
    assert mass <= MASS_TOLERANCE and weights[0] < START_MASS  # the walk starts by crawling
    short, _, left = decompose(model, Monitor(), point, start_work_limit=0)
    assert len(short) == 1 and left > 1 - START_MASS


def test_decompose_start_work_limit_keeps_a_walk_that_writes_mass():
    model, point = _walk_inputs(80, 8, 2)
    full, weights, mass = decompose(model, Monitor(), point)
    assert weights[0] >= START_MASS
    kept, kept_weights, left = decompose(model, Monitor(), point, start_work_limit=0)
    assert [p.tobytes() for p in kept] == [p.tobytes() for p in full]
    assert np.array_equal(kept_weights, weights) and left == mass


def test_decompose_work_limit_is_deterministic():
    model, point = _walk_inputs(160, 16, 4)
    first, weights, _ = decompose(model, Monitor(), point, work_limit=20 * model.num_types)
    again, weights_again, _ = decompose(model, Monitor(), point, work_limit=20 * model.num_types)
    assert [p.tobytes() for p in first] == [p.tobytes() for p in again]
    assert np.array_equal(weights, weights_again)


@pytest.mark.parametrize("budget", list(BUDGETS))
def test_leximin_profile_equals_brute_force_whatever_the_walk_budget(budget, monkeypatch):
    monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)  # a middle-sized pool
    monkeypatch.setattr(leximin_module, "WALK_WORK_PER_TYPE", BUDGETS[budget])
    checked = 0
    for case in range(24):
        rng = random.Random(f"walk-budget-{case}")
        panels = None
        while panels is None:
            quotas, pool, k = household_instance(rng)
            groups, panels = panels_by_group(quotas, pool, k)
        if not panels:
            continue
        expected = reference_profile(groups, panels)
        model = build_types(quotas, pool, k, True)
        columns, distribution = leximin_module.leximin(model, Monitor(), release=WALK_RELEASE)
        per_type = columns.combine(distribution) / model.sizes
        got = np.sort(np.repeat(per_type, model.sizes))
        assert np.allclose(got, expected, atol=1e-6), (case, got, expected)
        checked += 1
    assert checked >= 10


def test_leximin_same_distribution_on_every_run_with_the_walk_budget(monkeypatch):
    monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)
    quotas, pool = synthetic_instance(200, 20, 5, seed="walk-determinism")
    model = build_types(quotas, pool, 20, False)
    first = leximin_module.leximin(model, Monitor(), release=WALK_RELEASE)
    again = leximin_module.leximin(model, Monitor(), release=WALK_RELEASE)
    assert [p.tobytes() for p in first[0].panels] == [p.tobytes() for p in again[0].panels]
    assert np.array_equal(first[1], again[1])
