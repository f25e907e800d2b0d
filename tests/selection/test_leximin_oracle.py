"""Leximin against brute force on many random pools with shared households and tight quotas,
through every code path of :func:`selection.leximin.leximin` (forced thresholds).

The oracle enumerates every feasible panel as counts of interchangeable people (same answers,
no shared household: the test groups them itself) and runs the textbook leximin LP sequence
on that explicit list. Each instance is solved through one path (instances rotate over the
paths) and checked:

- when brute force finds no feasible panel, :func:`select` raises ``InfeasibleQuotas`` (from
  the feasibility MIP) or ``InputError`` (quota sums that cannot reach k);
- when it finds one, :func:`select` never raises, and the whole sorted leximin probability
  profile, and maximin's minimum, equal brute force's (within 1e-6).

``SELECTION_ORACLE_INSTANCES`` sets the number of instances (default 300; ``.ci/run`` sets
2,000, the bar of the engine's issue: 586 s on a loaded 2-core machine).
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable

import highspy
import numpy as np
import pytest

from selection import InfeasibleQuotas, InputError, Person, Pool, Quota, QuotaTable, select
from selection import leximin as leximin_module
from selection.errors import SolverError

INSTANCES = int(os.environ.get("SELECTION_ORACLE_INSTANCES", "300"))
#: Instances with more feasible panels than this are skipped (drawn again).
MAX_PANELS = 4000
INF = highspy.kHighsInf


def household_instance(rng: random.Random) -> tuple[QuotaTable, Pool, int]:
    """A pool of 6-32 people, 2-4 categories of 2-3 values, 1-3 shared households, and quotas
    within 0-1 of a witness panel's counts (often exactly them); about one in eight has a
    quota moved off the witness, so some instances are infeasible."""
    n = rng.randint(6, 32)
    categories = {
        f"c{g}": [f"v{g}{v}" for v in range(rng.randint(2, 3))] for g in range(rng.randint(2, 4))
    }
    houses = [f"h{h}" for h in range(rng.randint(1, 3))]
    share = rng.choice([0.1, 0.25, 0.45])
    people = []
    for i in range(n):
        answers = {c: rng.choice(values) for c, values in categories.items()}
        house = rng.choice(houses) if rng.random() < share else None
        people.append(Person(f"id{i}", answers, house))
    witness: list[int] = []
    taken: set[str] = set()
    for i in rng.sample(range(n), n):
        house = people[i].household
        if house is None or house not in taken:
            witness.append(i)
            if house is not None:
                taken.add(house)
    k = rng.randint(2, max(2, min(10, len(witness) - 1)))
    witness = witness[:k]
    quotas = []
    for c, values in categories.items():
        for v in values:
            count = sum(1 for i in witness if people[i].answers[c] == v)
            low = max(0, count - (rng.random() < 0.3))
            high = count + (rng.random() < 0.3)
            quotas.append(Quota(c, v, low, high))
    if rng.random() < 0.125:
        q = rng.randrange(len(quotas))
        old = quotas[q]
        quotas[q] = Quota(old.category, old.value, old.max + 1, old.max + 1)
    return QuotaTable(quotas), Pool(people), k


def _groups(pool: Pool) -> tuple[list[list[int]], list[list[int]]]:
    """People with the same answers and no shared household form one group; each member of a
    shared household is a group of one. Returns ``(groups, households)`` (group indices)."""
    houses: dict[str, int] = {}
    for person in pool:
        if person.household is not None:
            houses[person.household] = houses.get(person.household, 0) + 1
    by_key: dict[object, list[int]] = {}
    for i, person in enumerate(pool):
        shared = person.household is not None and houses[person.household] > 1
        key = ("alone", i) if shared else tuple(sorted(person.answers.items()))
        by_key.setdefault(key, []).append(i)
    groups = list(by_key.values())
    together: dict[str, list[int]] = {}
    for g, members in enumerate(groups):
        house = pool.people[members[0]].household
        if len(members) == 1 and house is not None and houses[house] > 1:
            together.setdefault(house, []).append(g)
    return groups, list(together.values())


def panels_by_group(quotas: QuotaTable, pool: Pool, k: int) -> tuple[list[list[int]], list]:
    """Every feasible panel as member counts per group (depth-first, pruned on the maxes);
    ``None`` for the panels when there are more than :data:`MAX_PANELS`."""
    groups, households = _groups(pool)
    rows = [[int(pool.people[m[0]].answers[q.category] == q.value) for m in groups] for q in quotas]
    low = [q.min for q in quotas]
    high = [q.max for q in quotas]
    house_of = {g: h for h, members in enumerate(households) for g in members}
    panels: list[tuple[int, ...]] = []
    counts = [0] * len(groups)
    per_quota = [0] * len(quotas)
    used = [False] * len(households)

    def walk(g: int, left: int) -> bool:
        if len(panels) > MAX_PANELS:
            return False
        if left == 0:
            if all(lo <= c for lo, c in zip(low, per_quota, strict=True)):
                panels.append(tuple(counts))
            return True
        if g == len(groups):
            return True
        top = min(left, len(groups[g]))
        if g in house_of and used[house_of[g]]:
            top = 0
        for c in range(top, -1, -1):
            if any(per_quota[q] + c * rows[q][g] > high[q] for q in range(len(quotas))):
                continue
            counts[g] = c
            for q in range(len(quotas)):
                per_quota[q] += c * rows[q][g]
            if g in house_of and c:
                used[house_of[g]] = True
            ok = walk(g + 1, left - c)
            for q in range(len(quotas)):
                per_quota[q] -= c * rows[q][g]
            if g in house_of and c:
                used[house_of[g]] = False
            counts[g] = 0
            if not ok:
                return False
        return True

    complete = walk(0, k)
    return groups, (panels if complete else None)


def reference_profile(groups: list[list[int]], panels: list[tuple[int, ...]]) -> np.ndarray:
    """Textbook leximin on the explicit panels: maximise the smallest probability of the
    unfixed groups, then fix every group that cannot exceed it (one LP per group). Returns the
    sorted per-person probabilities."""
    sizes = np.array([len(g) for g in groups], dtype=np.float64)
    share = np.array(panels, dtype=np.float64).T / sizes[:, None]  # G x P probabilities
    num_groups, m = share.shape
    fixed: dict[int, float] = {g: 0.0 for g in range(num_groups) if not share[g].any()}

    def solve(objective: int | None, floor: float | None) -> float:
        h = highspy.Highs()
        h.silent()
        h.setOptionValue("primal_feasibility_tolerance", 1e-10)
        h.setOptionValue("dual_feasibility_tolerance", 1e-10)
        h.addVars(m + 1, np.zeros(m + 1), np.full(m + 1, INF))
        h.changeColBounds(m, -INF, INF)
        h.addRow(1.0, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
        for g in range(num_groups):
            idx = np.flatnonzero(share[g]).astype(np.int32)
            vals = share[g][idx]
            if g in fixed:
                h.addRow(fixed[g] - 1e-9, INF, len(idx), idx, vals)
            elif floor is None:
                cols = np.concatenate((idx, [m])).astype(np.int32)
                h.addRow(0.0, INF, len(cols), cols, np.concatenate((vals, [-1.0])))
            else:
                h.addRow(floor - 1e-9, INF, len(idx), idx, vals)
        cost = np.zeros(m + 1)
        if objective is None:
            cost[m] = -1.0
        else:
            cost[:m] = -share[objective]
            h.changeColBounds(m, 0.0, 0.0)
        h.changeColsCost(m + 1, np.arange(m + 1, dtype=np.int32), cost)
        h.run()
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return -h.getInfo().objective_function_value

    while len(fixed) < num_groups:
        z = solve(None, None)
        newly = [g for g in range(num_groups) if g not in fixed and solve(g, z) <= z + 1e-7]
        assert newly
        for g in newly:
            fixed[g] = z
    return np.sort(list(itertools.chain.from_iterable([fixed[g]] * len(groups[g]) for g in fixed)))


def _force_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default path of small pools: relaxation, then the target master."""


def _force_sampled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The path of middle-sized pools: the target master seeded with multiplicative weights'
    panels (sampled panels after a face walk before 0.8.0)."""
    monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)


def _force_face_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)
    monkeypatch.setattr(leximin_module, "DECOMPOSE_ABOVE_TYPES", 0)


def _force_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback: the target is (taken as) unreachable, stage-by-stage column generation."""
    monkeypatch.setattr(leximin_module, "reach_target", lambda *args, **kwargs: None)


def _force_no_relaxation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The relaxation fails: stage-by-stage column generation without its bound."""

    def fail(*args: object, **kwargs: object) -> np.ndarray:
        raise SolverError("forced")

    monkeypatch.setattr(leximin_module, "relaxed_leximin", fail)


PATHS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "small": _force_small,
    "sampled": _force_sampled,
    "face-walk": _force_face_walk,
    "stages": _force_stages,
    "no-relaxation": _force_no_relaxation,
}


@pytest.mark.parametrize("path", list(PATHS))
def test_leximin_profile_equals_brute_force_on_household_pools(path, monkeypatch):
    PATHS[path](monkeypatch)
    offset = list(PATHS).index(path)
    checked = infeasible = 0
    for case in range(offset, INSTANCES, len(PATHS)):
        rng = random.Random(f"oracle-{case}")
        panels = None
        while panels is None:
            quotas, pool, k = household_instance(rng)
            groups, panels = panels_by_group(quotas, pool, k)
        if not panels:
            with pytest.raises((InfeasibleQuotas, InputError)):
                select(quotas, pool, k, seed="o", households=True)
            infeasible += 1
            continue
        expected = reference_profile(groups, panels)
        result = select(quotas, pool, k, seed="o", households=True)
        got = np.sort([result.probabilities[p.id] for p in pool])
        assert np.allclose(got, expected, atol=1e-6), (case, got, expected)
        maximin = select(quotas, pool, k, algorithm="maximin", seed="o", households=True)
        assert maximin.min_probability == pytest.approx(expected[0], abs=1e-6), case
        checked += 1
    assert checked > infeasible > 0 or INSTANCES < 50
