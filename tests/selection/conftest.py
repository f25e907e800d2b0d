"""Shared helpers for the selection tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from selection import Person, Pool, Quota, QuotaTable
from tests.conftest import shared_data_dir

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The shared public instances (setting ``SORTITION_DATA_DIR``, default ../shared/data)."""
    return shared_data_dir()


def shared_instances() -> list[dict[str, str]]:
    """Rows of instances.csv (empty when the data directory is missing)."""
    index = data_dir() / "instances.csv"
    if not index.exists():
        return []
    with index.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def small_instance() -> tuple[QuotaTable, Pool, int]:
    """A 12-person, 2-category instance with k = 4."""
    quotas = QuotaTable(
        [
            Quota("gender", "f", 2, 2),
            Quota("gender", "m", 2, 2),
            Quota("age", "young", 1, 3),
            Quota("age", "old", 1, 3),
        ]
    )
    answers = [("f", "young")] * 5 + [("f", "old")] * 1 + [("m", "young")] * 2 + [("m", "old")] * 4
    pool = Pool(
        Person(f"p{i}", {"gender": g, "age": a}, household=f"h{i // 2}" if i < 4 else None)
        for i, (g, a) in enumerate(answers)
    )
    return quotas, pool, 4
