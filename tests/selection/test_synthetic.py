"""Seeded synthetic instances: the correlated-answer (latent class) generator."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from selection import Pool
from selection.feasibility import check_feasibility
from selection.synthetic import CORRELATED_SHAPES, correlated_instance, synthetic_instance


def cramers_v(pool: Pool, first: str, second: str) -> float:
    """Cramér's V of the answers to two categories (0: independent, 1: one decides the other)."""
    n = len(pool)
    pairs = Counter((p.answers[first], p.answers[second]) for p in pool)
    left = Counter(p.answers[first] for p in pool)
    right = Counter(p.answers[second] for p in pool)
    chi2 = sum(
        (pairs.get((a, b), 0) - left[a] * right[b] / n) ** 2 / (left[a] * right[b] / n)
        for a in left
        for b in right
    )
    return math.sqrt(chi2 / n / (min(len(left), len(right)) - 1))


def test_correlated_shapes_named_by_their_figures():
    assert [s[0] for s in CORRELATED_SHAPES] == [
        f"correlated_{n}_{k}_{g}" for _, n, k, g in CORRELATED_SHAPES
    ]
    assert {(n, k, g) for _, n, k, g in CORRELATED_SHAPES} >= {(300, 20, 7), (10000, 150, 8)}


def test_correlated_instance_deterministic_for_a_seed():
    first = correlated_instance(300, 20, 7, seed="correlated_300_20_7")
    again = correlated_instance(300, 20, 7, seed="correlated_300_20_7")
    other = correlated_instance(300, 20, 7, seed="another seed")
    assert list(first[0]) == list(again[0])
    assert [(p.id, dict(p.answers)) for p in first[1]] == [
        (p.id, dict(p.answers)) for p in again[1]
    ]
    assert [dict(p.answers) for p in first[1]] != [dict(p.answers) for p in other[1]]


@pytest.mark.parametrize("name,n,k,g", CORRELATED_SHAPES[:2])
def test_correlated_instance_quotas_met_by_some_panel(name, n, k, g):
    quotas, pool = correlated_instance(n, k, g, seed=name)
    assert len(pool) == n and len(quotas.categories) == g
    assert check_feasibility(quotas, pool, k).feasible


@pytest.mark.parametrize("name,n,k,g", CORRELATED_SHAPES[:2])
def test_correlated_instance_quotas_one_or_two_around_a_target(name, n, k, g):
    quotas, pool = correlated_instance(n, k, g, seed=name)
    counts = Counter((c, v) for p in pool for c, v in p.answers.items())
    for q in quotas:
        assert 0 <= q.min <= counts[q.key] and q.max <= k
        if 2 <= q.min and q.max <= k - 2:  # not clipped: floor - slack .. ceil + slack
            assert 2 <= q.max - q.min <= 5
    widths = {q.max - q.min for q in quotas if q.min >= 2}
    assert widths & {2, 3} and widths & {4, 5}  # both slacks occur


@pytest.mark.parametrize("name,n,k,g", CORRELATED_SHAPES[:2])
def test_correlated_instance_answers_associated_unlike_independent(name, n, k, g):
    _, correlated = correlated_instance(n, k, g, seed=name)
    _, independent = synthetic_instance(n, k, g, seed=name)
    assert cramers_v(correlated, "category1", "category2") > 0.15
    assert cramers_v(independent, "category1", "category2") < 0.15
