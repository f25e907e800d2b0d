"""Every public instance in the shared data directory, with every algorithm."""

from __future__ import annotations

import pytest

from selection import ALGORITHMS, read_quotas, read_respondents, select
from tests.selection.conftest import data_dir, shared_instances

INSTANCES = shared_instances()
# Without the data, one placeholder case skips with the reason (and fails CI).
ROWS = [pytest.param(r, id=r["instance"]) for r in INSTANCES] or [pytest.param(None, id="none")]
pytestmark = pytest.mark.shared_data
PUBLISHED_LEXIMIN_MINIMUM = {"example_small_20": 0.10, "example_large_200": 0.10}


def load(row: dict[str, str]):
    folder = data_dir() / row["instance"]
    quotas = read_quotas(folder / "categories.csv")
    house = [c for c in row["household_columns"].split(";") if c]
    respondents = read_respondents(
        folder / "respondents.csv",
        quotas=quotas,
        id_column=row["id_column"] or None,
        household_columns=house,
    )
    return quotas, respondents.pool, int(row["panel_size"]), bool(house)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("row", ROWS)
def test_shared_instance_selects_panel_meeting_quotas(row, algorithm):
    quotas, pool, k, households = load(row)
    result = select(quotas, pool, k, algorithm=algorithm, seed="shared", households=households)
    assert len(result.panel) == k
    assert all(r.met for r in result.quotas)
    chosen = [p for p in pool if p.id in set(result.panel)]
    for q in quotas:
        count = sum(1 for p in chosen if p.answers[q.category] == q.value)
        assert q.min <= count <= q.max
    if households:
        keys = [p.household for p in chosen if p.household is not None]
        assert len(keys) == len(set(keys))
    assert sum(result.probabilities.values()) == pytest.approx(k, abs=1e-6)
    if algorithm == "leximin" and row["instance"] in PUBLISHED_LEXIMIN_MINIMUM:
        expected = PUBLISHED_LEXIMIN_MINIMUM[row["instance"]]
        assert result.min_probability == pytest.approx(expected, abs=1e-6)


def test_shared_data_directory_has_the_published_examples():
    names = {r["instance"] for r in INSTANCES}
    assert set(PUBLISHED_LEXIMIN_MINIMUM) <= names
