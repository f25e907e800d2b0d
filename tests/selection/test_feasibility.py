"""Infeasibility advice: the cheapest relaxation protects small minimums, is deterministic and
names the alternatives of equal cost."""

from __future__ import annotations

import random

import pytest

from selection import Person, Pool, Quota, QuotaTable, check_feasibility
from selection.feasibility import MAX_ALTERNATIVES, relaxation_cost


def _pool(rows: list[dict[str, str]]) -> Pool:
    return Pool(Person(f"p{i}", answers) for i, answers in enumerate(rows))


def test_relaxation_cost_weights_small_minimums():
    assert relaxation_cost(Quota("g", "x", 1, 2), 1, 0) == pytest.approx(3.0)
    assert relaxation_cost(Quota("g", "x", 4, 5), 1, 0) == pytest.approx(1.5)
    assert relaxation_cost(Quota("g", "x", 4, 5), 2, 1) == pytest.approx(4.0)
    assert relaxation_cost(Quota("g", "x", 0, 5), 0, 2) == pytest.approx(2.0)


def test_check_feasibility_keeps_a_small_minority_minimum():
    # The one minority member is old and old people are capped at 0: lowering the minority's
    # min from 1 to 0 moves one bound (cost 3), raising old's max and lowering young's min
    # moves two (cost 1 + 1.5). The minority keeps its seat.
    quotas = QuotaTable(
        [
            Quota("eth", "minority", 1, 1),
            Quota("eth", "majority", 0, 4),
            Quota("age", "young", 4, 4),
            Quota("age", "old", 0, 0),
        ]
    )
    rows = [{"eth": "minority", "age": "old"}] + [{"eth": "majority", "age": "young"}] * 6
    report = check_feasibility(quotas, _pool(rows), 4)
    assert not report.feasible
    assert [(r.value, r.new_min, r.new_max) for r in report.relaxation] == [
        ("young", 3, 4),
        ("old", 0, 1),
    ]
    assert report.cost == pytest.approx(2.5)
    assert check_feasibility(report.relaxed_quotas(quotas), _pool(rows), 4).feasible


def _two_way_instance(order: list[int]) -> tuple[QuotaTable, Pool]:
    quotas = QuotaTable([Quota("g", "a", 1, 1), Quota("g", "b", 1, 1), Quota("g", "c", 2, 2)])
    rows = [{"g": "a"}] * 5 + [{"g": "b"}] * 5 + [{"g": "c"}]
    return quotas, _pool([rows[i] for i in order])


def test_check_feasibility_lists_alternative_of_equal_cost_in_fixed_order():
    # Only one c: c's min drops to 1 and either a's or b's max must rise to 2 (cost 2 + 1).
    quotas, pool = _two_way_instance(list(range(11)))
    report = check_feasibility(quotas, pool, 4)
    assert [(r.value, r.new_min, r.new_max) for r in report.relaxation] == [
        ("a", 1, 2),
        ("c", 1, 2),
    ]
    options = [[(r.value, r.new_min, r.new_max) for r in option] for option in report.alternatives]
    assert options == [[("b", 1, 2), ("c", 1, 2)]]
    assert not report.more_alternatives
    text = report.message()
    assert "option 2" in text and "g / b: [1, 1] -> [1, 2]" in text and "cost 3" in text


def test_check_feasibility_advice_does_not_depend_on_pool_order():
    reports = set()
    for seed in range(6):
        order = list(range(11))
        random.Random(seed).shuffle(order)
        quotas, pool = _two_way_instance(order)
        report = check_feasibility(quotas, pool, 4)
        reports.add((tuple(report.relaxation), tuple(map(tuple, report.alternatives))))
    assert len(reports) == 1


def test_check_feasibility_caps_the_alternatives_listed():
    values = "abcdef"
    quotas = QuotaTable([Quota("g", v, 1, 1) for v in values] + [Quota("g", "z", 2, 2)])
    rows = [{"g": v} for v in values for _ in range(3)] + [{"g": "z"}]
    report = check_feasibility(quotas, _pool(rows), 8)
    assert [r.value for r in report.relaxation] == ["a", "z"]
    assert len(report.alternatives) == MAX_ALTERNATIVES
    assert [option[0].value for option in report.alternatives] == ["b", "c", "d"]
    assert report.more_alternatives and "Other relaxations of the same cost" in report.message()
