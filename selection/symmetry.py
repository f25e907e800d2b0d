"""Symmetry reduction: group interchangeable people into types.

People with identical answers on every quota category are interchangeable for the quotas, so
the LPs and integer programs work on *types* (groups of such people) instead of individuals.
When the household rule is on, only people who share their household with nobody else in the
pool are grouped; every member of a shared household is a type of its own (size 1), tied to the
other members by a "at most one per household" row.

Per-person selection probability = (expected number selected from the type) / (type size).
This is exact: every algorithm here picks which members of a type sit on the panel uniformly at
random (see :mod:`selection.draw`), so members of a type have equal probabilities.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from selection.model import Pool, QuotaTable


@dataclass(frozen=True)
class TypeModel:
    """The instance reduced to types.

    Attributes:
        quotas: the quota table (its order fixes the quota indices).
        panel_size: k.
        households: whether the household rule is on.
        members: for each type, the pool indices of its members (increasing); types are in
            order of their first member in the pool.
        sizes: ``int64[T]`` type sizes.
        incidence: ``int8[Q, T]`` 1 where type t has the value of quota q.
        household_groups: lists of type indices that share one household (each of length >= 2).
        person_type: ``int64[n]`` type index of each person (pool order).
    """

    quotas: QuotaTable
    panel_size: int
    households: bool
    members: tuple[tuple[int, ...], ...]
    sizes: np.ndarray
    incidence: np.ndarray
    household_groups: tuple[tuple[int, ...], ...]
    person_type: np.ndarray

    @property
    def num_types(self) -> int:
        """T, the number of types."""
        return len(self.members)

    def digest(self) -> str:
        """SHA-256 hex of the reduced instance (used to derive deterministic solver weights)."""
        h = hashlib.sha256()
        h.update(f"{self.panel_size}|{self.households}|".encode())
        h.update(self.sizes.tobytes())
        h.update(self.incidence.tobytes())
        h.update(repr(self.household_groups).encode())
        for quota in self.quotas:
            h.update(f"{quota.min},{quota.max};".encode())
        return h.hexdigest()


def build_types(quotas: QuotaTable, pool: Pool, panel_size: int, households: bool) -> TypeModel:
    """Group the pool into types.

    Args:
        quotas: the quota table; every person must answer every category with a table value
            (call :func:`selection.model.validate_instance` first).
        pool: the pool.
        panel_size: k.
        households: apply the household rule (at most one person per household key).

    Returns:
        The :class:`TypeModel`.
    """
    categories = quotas.categories
    quota_index = {q.key: i for i, q in enumerate(quotas)}
    household_count: dict[str, int] = {}
    if households:
        for person in pool:
            if person.household is not None:
                household_count[person.household] = household_count.get(person.household, 0) + 1
    groups: dict[object, list[int]] = {}
    order: list[object] = []
    for index, person in enumerate(pool):
        answers = tuple(person.answers[c] for c in categories)
        shared = households and household_count.get(person.household or "", 0) > 1
        key: object = ("person", index) if shared else ("answers", answers)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(index)
    members = tuple(tuple(groups[key]) for key in order)
    num_types = len(members)
    incidence = np.zeros((len(quotas), num_types), dtype=np.int8)
    person_type = np.zeros(len(pool), dtype=np.int64)
    for t, group in enumerate(members):
        first = pool.people[group[0]]
        for category in categories:
            incidence[quota_index[(category, first.answers[category])], t] = 1
        for index in group:
            person_type[index] = t
    house_groups: dict[str, list[int]] = {}
    if households:
        for t, group in enumerate(members):
            person = pool.people[group[0]]
            if len(group) == 1 and household_count.get(person.household or "", 0) > 1:
                assert person.household is not None
                house_groups.setdefault(person.household, []).append(t)
    return TypeModel(
        quotas=quotas,
        panel_size=panel_size,
        households=households,
        members=members,
        sizes=np.array([len(g) for g in members], dtype=np.int64),
        incidence=incidence,
        household_groups=tuple(tuple(g) for g in house_groups.values()),
        person_type=person_type,
    )
