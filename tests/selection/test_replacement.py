"""Replacement draws: kept members count toward the quotas and leave the pool."""

from __future__ import annotations

import pytest

from selection import InputError, Person, Pool, Quota, QuotaTable
from selection.replacement import replacement_instance

QUOTAS = QuotaTable([Quota("g", "f", 1, 3), Quota("g", "m", 2, 2)])


def _people(*rows: tuple[str, str, str | None]) -> list[Person]:
    return [Person(pid, {"g": g}, house) for pid, g, house in rows]


POOL = Pool(_people(("a", "f", "h1"), ("b", "f", "h1"), ("c", "m", None), ("d", "m", "h2"),
                    ("e", "f", None), ("f", "m", None)))  # fmt: skip


def test_replacement_instance_reduces_quotas_pool_and_size():
    kept = Pool(_people(("a", "f", "h1"), ("c", "m", None)))
    quotas, pool, k = replacement_instance(QUOTAS, POOL, 4, kept, households=True)
    assert k == 2
    assert [(q.min, q.max) for q in quotas] == [(0, 2), (1, 1)]
    assert pool.ids == ["d", "e", "f"]  # a and c kept, b shares a's household
    _, pool, _ = replacement_instance(QUOTAS, POOL, 4, kept, households=False)
    assert pool.ids == ["b", "d", "e", "f"]


def test_replacement_instance_rejects_a_full_panel_and_shared_households():
    kept = Pool(_people(("a", "f", "h1"), ("b", "f", "h1")))
    with pytest.raises(InputError, match="share a household"):
        replacement_instance(QUOTAS, POOL, 4, kept, households=True)
    with pytest.raises(InputError, match="fills the panel"):
        replacement_instance(QUOTAS, POOL, 2, kept)
