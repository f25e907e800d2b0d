"""Leximin against brute force: enumerate every feasible panel of tiny random instances, solve
the leximin LP sequence on the explicit panel list, compare the whole sorted profile."""

from __future__ import annotations

import itertools
import random

import highspy
import numpy as np
import pytest

from selection import Person, Pool, Quota, QuotaTable, select
from selection import leximin as leximin_module

INF = highspy.kHighsInf


def random_instance(rng: random.Random, households: bool):
    n = rng.randint(4, 12)
    k = rng.randint(2, min(6, n - 1))
    categories = {
        f"c{g}": [f"v{g}{v}" for v in range(rng.randint(2, 3))] for g in range(rng.randint(1, 3))
    }
    people = []
    for i in range(n):
        answers = {c: rng.choice(vs) for c, vs in categories.items()}
        house = f"h{rng.randint(0, n // 2)}" if households and rng.random() < 0.5 else None
        people.append(Person(f"id{i}", answers, house))
    # quotas around a random witness panel, so a feasible panel exists
    witness = rng.sample(range(n), k)
    if households:
        seen, witness = set(), []
        for i in rng.sample(range(n), n):
            h = people[i].household
            if h is None or h not in seen:
                witness.append(i)
                seen.add(h)
            if len(witness) == k:
                break
        if len(witness) < k:
            return None
    quotas = []
    for c, values in categories.items():
        for v in values:
            count = sum(1 for i in witness if people[i].answers[c] == v)
            quotas.append(Quota(c, v, max(0, count - rng.randint(0, 1)), count + rng.randint(0, 1)))
    return QuotaTable(quotas), Pool(people), k


def feasible_panels(quotas: QuotaTable, pool: Pool, k: int, households: bool):
    people = pool.people
    panels = []
    for combo in itertools.combinations(range(len(people)), k):
        ok = all(
            q.min <= sum(1 for i in combo if people[i].answers[q.category] == q.value) <= q.max
            for q in quotas
        )
        if ok and households:
            keys = [people[i].household for i in combo if people[i].household is not None]
            ok = len(keys) == len(set(keys))
        if ok:
            panels.append(combo)
    return panels


def reference_leximin(n: int, panels: list[tuple[int, ...]]) -> np.ndarray:
    """Textbook leximin on an explicit panel list: maximise the minimum over unfixed people,
    then fix everyone who cannot exceed it (checked one by one with an LP)."""
    m = len(panels)
    member = np.zeros((n, m))
    for j, panel in enumerate(panels):
        member[list(panel), j] = 1.0
    can = member.sum(axis=1) > 0
    fixed = {i: 0.0 for i in range(n) if not can[i]}

    def solve(objective_person: int | None, floor: float | None):
        h = highspy.Highs()
        h.silent()
        h.setOptionValue("primal_feasibility_tolerance", 1e-10)
        h.setOptionValue("dual_feasibility_tolerance", 1e-10)
        h.addVars(m + 1, np.zeros(m + 1), np.concatenate((np.full(m, INF), [INF])))
        h.changeColBounds(m, -INF, INF)
        h.addRow(1.0, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
        for i in range(n):
            idx = np.flatnonzero(member[i]).astype(np.int32)
            if i in fixed:
                h.addRow(fixed[i] - 1e-9, INF, len(idx), idx, np.ones(len(idx)))
            elif floor is None:
                cols = np.concatenate((idx, [m])).astype(np.int32)
                vals = np.concatenate((np.ones(len(idx)), [-1.0]))
                h.addRow(0.0, INF, len(cols), cols, vals)
            else:
                h.addRow(floor - 1e-9, INF, len(idx), idx, np.ones(len(idx)))
        cost = np.zeros(m + 1)
        if objective_person is None:
            cost[m] = -1.0
        else:
            cost[:m] = -member[objective_person]
            h.changeColBounds(m, 0.0, 0.0)
        h.changeColsCost(m + 1, np.arange(m + 1, dtype=np.int32), cost)
        h.run()
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return -h.getInfo().objective_function_value

    while len(fixed) < n:
        z = solve(None, None)
        newly = [i for i in range(n) if i not in fixed and solve(i, z) <= z + 1e-7]
        assert newly
        for i in newly:
            fixed[i] = z
    return np.array([fixed[i] for i in range(n)])


@pytest.mark.parametrize("face_walk", [False, True])
@pytest.mark.parametrize("households", [False, True])
@pytest.mark.parametrize("case", range(16))
def test_leximin_matches_brute_force_profile(case, households, face_walk, monkeypatch):
    if face_walk:  # treat the instance as large: the target master starts from the face walk
        monkeypatch.setattr(leximin_module, "DECOMPOSE_ABOVE_TYPES", 0)
    rng = random.Random(1000 * households + case)
    instance = None
    while instance is None:
        instance = random_instance(rng, households)
    quotas, pool, k = instance
    panels = feasible_panels(quotas, pool, k, households)
    assert panels
    expected = reference_leximin(len(pool), panels)
    result = select(quotas, pool, k, seed="brute", households=households)
    got = np.array([result.probabilities[p.id] for p in pool])
    assert np.allclose(np.sort(got), np.sort(expected), atol=1e-6), (got, expected)
    assert tuple(sorted(pool.ids.index(i) for i in result.panel)) in set(panels)
    maximin = select(quotas, pool, k, algorithm="maximin", seed="brute", households=households)
    assert maximin.min_probability == pytest.approx(expected.min(), abs=1e-6)
