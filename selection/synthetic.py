"""Seeded synthetic instances shaped like real citizens' assemblies (for demos and benchmarks).

A synthetic instance has ``num_categories`` categories with 3-6 values each. A *population*
share is drawn for every value; the *pool* is self-selected, so its shares differ from the
population's (each share is tilted by a factor in [0.5, 1.5] and renormalised), and each person
answers every category independently from the pool shares. The quotas are close to
proportional to the population: for a value with population share ``s`` the target is
``s * panel_size`` and the quota is ``[floor(target) - slack, ceil(target) + slack]`` with
``slack`` 0 or 1 (clipped at 0). Everything is derived from the text ``seed`` through
:class:`selection.rng.SeededRandom`, so an instance is the same on every machine.
"""

from __future__ import annotations

import math

from selection.model import Person, Pool, Quota, QuotaTable
from selection.rng import SeededRandom

#: Shapes of published real assemblies: (name, pool size, panel size, categories).
REAL_SHAPES: tuple[tuple[str, int, int, int], ...] = (
    ("synthetic_312_35_6", 312, 35, 6),
    ("synthetic_404_40_6", 404, 40, 6),
    ("synthetic_825_75_4", 825, 75, 4),
    ("synthetic_1727_110_7", 1727, 110, 7),
)


def _shares(rng: SeededRandom, count: int, spread: float = 1.0) -> list[float]:
    raw = [0.2 + spread * w for w in rng.uniform_weights(count)]
    total = sum(raw)
    return [r / total for r in raw]


def synthetic_instance(
    pool_size: int, panel_size: int, num_categories: int, *, seed: str = "synthetic"
) -> tuple[QuotaTable, Pool]:
    """Generate a quota table and a pool.

    Args:
        pool_size: number of people (n >= panel_size).
        panel_size: k >= 1.
        num_categories: number of categories (>= 1), each with 3-6 values.
        seed: text seed; the same arguments give the same instance.

    Returns:
        ``(quotas, pool)``; ids are ``"p1"``, ``"p2"``, ...; no households.
    """
    rng = SeededRandom(seed, f"synthetic/{pool_size}/{panel_size}/{num_categories}")
    quotas: list[Quota] = []
    pool_shares: dict[str, list[float]] = {}
    values: dict[str, list[str]] = {}
    for g in range(num_categories):
        category = f"category{g + 1}"
        count = 3 + rng.randbelow(4)
        values[category] = [f"value{g + 1}.{v + 1}" for v in range(count)]
        population = _shares(rng, count)
        tilt = [0.5 + w for w in rng.uniform_weights(count)]
        tilted = [p * t for p, t in zip(population, tilt, strict=True)]
        pool_shares[category] = [x / sum(tilted) for x in tilted]
        for value, share in zip(values[category], population, strict=True):
            target = share * panel_size
            slack = rng.randbelow(2)
            quotas.append(
                Quota(
                    category,
                    value,
                    max(0, math.floor(target) - slack),
                    math.ceil(target) + slack,
                )
            )
    people = []
    scale = 1 << 30
    for i in range(pool_size):
        answers = {}
        for category, shares in pool_shares.items():
            weights = [max(1, round(s * scale)) for s in shares]
            r = rng.randbelow(sum(weights))
            index = 0
            while r >= weights[index]:
                r -= weights[index]
                index += 1
            answers[category] = values[category][index]
        people.append(Person(f"p{i + 1}", answers))
    return QuotaTable(quotas), Pool(people)


#: Correlated-answer shapes for the benchmark: (name, pool size, panel size, categories).
CORRELATED_SHAPES: tuple[tuple[str, int, int, int], ...] = (
    ("correlated_300_20_7", 300, 20, 7),
    ("correlated_400_40_6", 400, 40, 6),
    ("correlated_1000_100_7", 1000, 100, 7),
    ("correlated_2000_100_7", 2000, 100, 7),
    ("correlated_5000_100_7", 5000, 100, 7),
    ("correlated_10000_150_8", 10000, 150, 8),
)


def _pick(rng: SeededRandom, shares: list[float]) -> int:
    """An index drawn with probability proportional to ``shares`` (exact integer weights)."""
    scale = 1 << 30
    weights = [max(1, round(s * scale)) for s in shares]
    r = rng.randbelow(sum(weights))
    index = 0
    while r >= weights[index]:
        r -= weights[index]
        index += 1
    return index


def correlated_instance(
    pool_size: int, panel_size: int, num_categories: int, *, seed: str = "correlated"
) -> tuple[QuotaTable, Pool]:
    """A quota table and a pool whose answers correlate, as in real self-selected pools.

    Latent classes: 3-5 classes with their own weights; every class has its own shares of the
    values of every category (skewed: one class may answer mostly "value1.2", another mostly
    "value1.3"), so answers to different categories correlate through the class. Each person
    draws a class, then every answer from that class's shares. The quotas are proportional to
    a population that differs from the self-selected pool: each value's pool share (``c`` of
    the ``n`` people) is tilted by a factor in [0.7, 1.3] and the shares renormalised to ``s``;
    the target is ``s * panel_size`` and the quota ``[floor(target) - slack, ceil(target) +
    slack]`` with ``slack`` 1 or 2, the minimum clipped to [0, c] and the maximum to
    [0, panel_size].

    Args:
        pool_size: number of people (n >= panel_size).
        panel_size: k >= 1.
        num_categories: number of categories (>= 1), each with 3-6 values.
        seed: text seed; the same arguments give the same instance on every machine.

    Returns:
        ``(quotas, pool)``; ids are ``"p1"``, ``"p2"``, ...; no households.
    """
    rng = SeededRandom(seed, f"correlated/{pool_size}/{panel_size}/{num_categories}")
    num_classes = 3 + rng.randbelow(3)
    class_shares = _shares(rng, num_classes)
    values: dict[str, list[str]] = {}
    per_class: dict[str, list[list[float]]] = {}
    for g in range(num_categories):
        category = f"category{g + 1}"
        count = 3 + rng.randbelow(4)
        values[category] = [f"value{g + 1}.{v + 1}" for v in range(count)]
        # Uniform weights to the fifth power are skewed: each class leans towards one or two values.
        per_class[category] = [_skewed(rng, count) for _ in range(num_classes)]
    people = []
    counts: dict[tuple[str, str], int] = {}
    for i in range(pool_size):
        latent = _pick(rng, class_shares)
        answers = {}
        for category, shares in per_class.items():
            value = values[category][_pick(rng, shares[latent])]
            answers[category] = value
            counts[(category, value)] = counts.get((category, value), 0) + 1
        people.append(Person(f"p{i + 1}", answers))
    quotas = []
    for category, names in values.items():
        # The population the panel must mirror differs from the self-selected pool.
        tilt = [
            (counts.get((category, v), 0) / pool_size) * (0.7 + 0.6 * w)
            for v, w in zip(names, rng.uniform_weights(len(names)), strict=True)
        ]
        population = [t / sum(tilt) for t in tilt]
        for value, share in zip(names, population, strict=True):
            have = counts.get((category, value), 0)
            target = share * panel_size
            slack = 1 + rng.randbelow(2)
            low = min(have, max(0, math.floor(target) - slack))
            high = min(panel_size, math.ceil(target) + slack)
            quotas.append(Quota(category, value, low, high))
    return QuotaTable(quotas), Pool(people)


def _skewed(rng: SeededRandom, count: int) -> list[float]:
    """Shares of ``count`` values leaning towards a few (uniform weights to the 5th power)."""
    raw = [0.01 + w**5 for w in rng.uniform_weights(count)]
    total = sum(raw)
    return [r / total for r in raw]
