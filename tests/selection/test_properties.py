"""Property-based tests (hypothesis) on random small instances, for every algorithm."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selection import ALGORITHMS, select
from tests.selection.test_bruteforce import random_instance

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def instance_for(seed: int, households: bool):
    rng = random.Random(seed)
    instance = None
    while instance is None:
        instance = random_instance(rng, households)
    return instance


def meets_quotas(result, quotas, pool, households: bool) -> bool:
    chosen = [p for p in pool if p.id in set(result.panel)]
    ok = all(
        q.min <= sum(1 for p in chosen if p.answers[q.category] == q.value) <= q.max for q in quotas
    )
    if households:
        keys = [p.household for p in chosen if p.household is not None]
        ok = ok and len(keys) == len(set(keys))
    return ok


@SETTINGS
@given(st.integers(0, 10**9), st.booleans(), st.sampled_from(ALGORITHMS), st.text(min_size=1))
def test_every_drawn_panel_meets_quotas_and_household_rule(seed, households, algorithm, text):
    quotas, pool, k = instance_for(seed, households)
    result = select(quotas, pool, k, algorithm=algorithm, seed=text, households=households)
    assert len(result.panel) == k
    assert meets_quotas(result, quotas, pool, households)


@SETTINGS
@given(st.integers(0, 10**9), st.booleans(), st.sampled_from(("leximin", "maximin", "nash")))
def test_probabilities_sum_to_panel_size_and_respect_symmetry(seed, households, algorithm):
    quotas, pool, k = instance_for(seed, households)
    result = select(quotas, pool, k, algorithm=algorithm, seed="s", households=households)
    assert sum(result.probabilities.values()) == pytest.approx(k, abs=1e-6)
    assert all(0.0 <= p <= 1.0 for p in result.probabilities.values())
    groups: dict[tuple, list[float]] = {}
    for person in pool:
        if households and person.household is not None:
            continue  # household members are not interchangeable
        key = tuple(sorted(person.answers.items()))
        groups.setdefault(key, []).append(result.probabilities[person.id])
    for values in groups.values():
        assert max(values) - min(values) < 1e-9


@SETTINGS
@given(st.integers(0, 10**9), st.booleans())
def test_leximin_minimum_equals_maximin_minimum(seed, households):
    quotas, pool, k = instance_for(seed, households)
    leximin = select(quotas, pool, k, algorithm="leximin", seed="a", households=households)
    maximin = select(quotas, pool, k, algorithm="maximin", seed="a", households=households)
    assert leximin.min_probability == pytest.approx(maximin.min_probability, abs=1e-6)


@SETTINGS
@given(st.integers(0, 10**9), st.sampled_from(ALGORITHMS), st.text(min_size=1))
def test_same_seed_gives_same_panel(seed, algorithm, text):
    quotas, pool, k = instance_for(seed, False)
    first = select(quotas, pool, k, algorithm=algorithm, seed=text)
    second = select(quotas, pool, k, algorithm=algorithm, seed=text)
    assert first.panel == second.panel
    assert first.probabilities == second.probabilities


def test_different_seeds_can_give_different_panels():
    quotas, pool, k = instance_for(7, False)
    panels = {tuple(select(quotas, pool, k, seed=f"seed-{i}").panel) for i in range(30)}
    assert len(panels) > 1
