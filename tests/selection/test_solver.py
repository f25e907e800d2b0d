"""The swap search of the pricing program (selection.solver.SwapSearch)."""

from __future__ import annotations

import numpy as np
import pytest

from selection import solver
from selection.model import Person, Pool
from selection.rng import SeededRandom
from selection.solver import PanelIP
from selection.symmetry import build_types
from selection.synthetic import synthetic_instance


def _model(seed: str):
    quotas, pool = synthetic_instance(90, 12, 4, seed=seed)
    return build_types(quotas, pool, 12, False)


@pytest.mark.parametrize("seed", ["a", "b", "c", "d"])
def test_swap_search_bit_masks_take_the_same_steps_as_the_incidence_products(seed, monkeypatch):
    model = _model(seed)
    ip = PanelIP(model)
    start, _, _ = ip.best(np.ones(model.num_types))
    assert start is not None
    rng = SeededRandom(seed, "test-swaps")
    for _ in range(20):
        weights = np.array(rng.uniform_weights(model.num_types)) / model.sizes
        got, value = ip.swaps.improve(start, weights)
        expected, expected_value = ip.swaps._improve_matrix(start, weights, 200)
        assert np.array_equal(got, expected)
        assert value == expected_value
        assert ip.feasible(got)
        start = got
    # Without the table of differing categories (large pools) the steps are the same too.
    monkeypatch.setattr(solver, "DIFFER_TABLE_TYPES", 0)
    weights = np.array(rng.uniform_weights(model.num_types)) / model.sizes
    assert np.array_equal(
        ip.swaps.improve(start, weights)[0], ip.swaps._improve_matrix(start, weights, 200)[0]
    )


def test_swap_search_result_has_no_improving_swap_left():
    model = _model("local")
    ip = PanelIP(model)
    start, _, _ = ip.best(np.ones(model.num_types))
    assert start is not None
    weights = np.linspace(1.0, 2.0, model.num_types)
    counts, value = ip.swaps.improve(start, weights)
    for a in np.flatnonzero(counts > 0):
        for b in np.flatnonzero(counts < model.sizes):
            swapped = counts.copy()
            swapped[a] -= 1
            swapped[b] += 1
            if ip.feasible(swapped):
                assert weights @ swapped <= value + 1e-12


@pytest.mark.parametrize("seed", ["a", "b"])
def test_swap_search_bit_masks_take_the_same_steps_with_households(seed):
    quotas, pool = synthetic_instance(90, 12, 4, seed=seed)
    people = [Person(p.id, p.answers, household=str(i // 3)) for i, p in enumerate(pool)]
    model = build_types(quotas, Pool(people), 12, True)
    assert model.household_groups
    ip = PanelIP(model)
    start, _, _ = ip.best(np.ones(model.num_types))
    assert start is not None
    rng = SeededRandom(seed, "test-household-swaps")
    for _ in range(20):
        weights = np.array(rng.uniform_weights(model.num_types)) / model.sizes
        got, value = ip.swaps.improve(start, weights)
        expected, expected_value = ip.swaps._improve_matrix(start, weights, 200)
        assert np.array_equal(got, expected)
        assert value == expected_value
        assert ip.feasible(got)
        start = got
