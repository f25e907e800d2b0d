"""verify(): every part of a report is evidence; tampering with any of it is NOT VERIFIED,
while a different order of the input rows is not tampering."""

from __future__ import annotations

import pytest

from selection import Pool, select, verify
from selection.result import input_digest
from selection.rng import SeededRandom
from selection.synthetic import synthetic_instance
from selection.version import __version__


@pytest.fixture(scope="module")
def drawn():
    quotas, pool = synthetic_instance(60, 10, 3, seed="verify")
    result = select(quotas, pool, 10, seed="public seed")
    return quotas, pool, result.to_dict()


def shuffled(pool: Pool, seed: str) -> Pool:
    people = list(pool)
    return Pool(SeededRandom(seed, "shuffle").sample(people, len(people)))


def test_verify_accepts_the_untouched_report(drawn):
    quotas, pool, report = drawn
    outcome = verify(report, quotas, pool, recompute=True)
    assert outcome.ok, outcome.message()
    assert report["version"] == __version__


@pytest.mark.parametrize("release", ["0.1.0", "0.2.0", "0.3.0", "0.4.0"])
def test_verify_accepts_a_report_of_an_earlier_release(drawn, release):
    quotas, pool, report = drawn
    outcome = verify({**report, "version": release}, quotas, pool, recompute=True)
    assert outcome.ok, outcome.message()
    assert f"ok: engine version {release} wrote this draw format" in outcome.findings


@pytest.mark.parametrize(
    ("field", "value", "finding"),
    [
        ("min_probability", 0.5, "minimum probability"),
        ("gini", 0.0, "Gini coefficient"),
        ("geometric_mean", 0.9, "geometric mean"),
        ("num_panels", 99, "number of panels"),
        ("weight_total", 7, "weight total"),
        ("version", "9.9.9", "engine version"),
    ],
)
def test_verify_refuses_a_changed_figure(drawn, field, value, finding):
    quotas, pool, report = drawn
    outcome = verify({**report, field: value}, quotas, pool, recompute=False)
    assert not outcome.ok
    assert any(f.startswith("FAILED") and finding in f for f in outcome.findings), outcome.findings


def test_verify_refuses_a_changed_quota_row(drawn):
    quotas, pool, report = drawn
    rows = [dict(r) for r in report["quotas"]]
    rows[0]["selected_count"] += 1
    outcome = verify({**report, "quotas": rows}, quotas, pool, recompute=False)
    assert not outcome.ok and any("quota rows differ" in f for f in outcome.findings)


def test_verify_refuses_a_changed_panel_probability(drawn):
    quotas, pool, report = drawn
    shares = [dict(s) for s in report["distribution"]]
    shares[0]["probability"] = shares[0]["probability"] / 2
    outcome = verify({**report, "distribution": shares}, quotas, pool, recompute=False)
    assert not outcome.ok and any("probability of panel 1" in f for f in outcome.findings)


@pytest.mark.parametrize("size", [9, 11, 0, 1000])
def test_verify_says_not_verified_for_a_changed_panel_size(drawn, size):
    quotas, pool, report = drawn
    outcome = verify({**report, "panel_size": size}, quotas, pool, recompute=True)
    assert not outcome.ok
    assert "NOT VERIFIED" in outcome.message()


def test_verify_accepts_the_pool_rows_in_another_order(drawn):
    quotas, pool, report = drawn
    for seed in ("a", "b", "c"):
        outcome = verify(report, quotas, shuffled(pool, seed), recompute=True)
        assert outcome.ok, outcome.message()


def test_select_draws_the_same_panel_from_rows_in_another_order(drawn):
    quotas, pool, report = drawn
    for seed in ("a", "b"):
        again = select(quotas, shuffled(pool, seed), 10, seed="public seed")
        assert again.input_digest == report["input_digest"]
        assert again.panel == report["panel"]


def test_verify_refuses_a_distribution_holding_an_impossible_panel(drawn):
    quotas, pool, report = drawn
    shares = [dict(s) for s in report["distribution"]]
    counts = [list(c) for c in shares[-1]["counts"]]
    counts[0][1] += 1  # one person too many from the first type of the last panel
    shares[-1]["counts"] = counts
    outcome = verify({**report, "distribution": shares}, quotas, pool, recompute=False)
    assert not outcome.ok
    assert any("impossible panel" in f or "draws" in f for f in outcome.findings)


def test_verify_refuses_types_that_mix_different_answers(drawn):
    quotas, pool, report = drawn
    answers = {p.id: dict(p.answers) for p in pool}
    types = [list(t) for t in report["types"]]
    first, other = types[0], next(t for t in types[1:] if answers[t[0]] != answers[types[0][0]])
    first[0], other[0] = other[0], first[0]
    outcome = verify({**report, "types": types}, quotas, pool, recompute=False)
    assert not outcome.ok and any("different answers" in f for f in outcome.findings)


def test_verify_certifies_every_panel_of_the_distribution(drawn):
    quotas, pool, report = drawn
    outcome = verify(report, quotas, pool, recompute=False)
    assert any("panels in the distribution" in f and f.startswith("ok") for f in outcome.findings)


@pytest.mark.parametrize("algorithm", ["leximin", "maximin"])
def test_verify_certifies_optimality_without_re_running(algorithm):
    quotas, pool = synthetic_instance(120, 20, 4, seed="certificate")
    report = select(quotas, pool, 20, seed="s", algorithm=algorithm).to_dict()
    outcome = verify(report, quotas, pool, recompute=False)
    assert outcome.ok
    assert any(f.startswith(f"ok: certified {algorithm}-optimal") for f in outcome.findings)


def test_verify_does_not_certify_a_distribution_that_is_not_leximin():
    quotas, pool = synthetic_instance(120, 20, 4, seed="certificate")
    nash = select(quotas, pool, 20, seed="s", algorithm="nash").to_dict()
    # Relabelled as leximin, with a digest to match: every other check still passes.
    claimed = {**nash, "algorithm": "leximin"}
    claimed["input_digest"] = input_digest(quotas, pool, 20, "leximin", False)
    outcome = verify(claimed, quotas, pool, recompute=False)
    assert not any("certified" in f and f.startswith("ok") for f in outcome.findings)
    assert any(f.startswith("note:") and "not certified" in f for f in outcome.findings)
    assert not verify(claimed, quotas, pool, recompute=True).ok


def test_verify_certifies_nash_without_re_running():
    quotas, pool = synthetic_instance(120, 20, 4, seed="certificate")
    report = select(quotas, pool, 20, seed="s", algorithm="nash").to_dict()
    outcome = verify(report, quotas, pool, recompute=False)
    assert outcome.ok, outcome.message()
    assert any(f.startswith("ok: certified nash-optimal") for f in outcome.findings)


def test_verify_does_not_certify_a_leximin_distribution_as_nash():
    quotas, pool = synthetic_instance(120, 20, 4, seed="certificate")
    leximin = select(quotas, pool, 20, seed="s", algorithm="leximin").to_dict()
    # Relabelled as Nash, with a digest to match: every other check still passes.
    claimed = {**leximin, "algorithm": "nash"}
    claimed["input_digest"] = input_digest(quotas, pool, 20, "nash", False)
    outcome = verify(claimed, quotas, pool, recompute=False)
    assert not any("certified" in f and f.startswith("ok") for f in outcome.findings)
    assert any(f.startswith("note:") and "Frank-Wolfe gap" in f for f in outcome.findings)


def test_verify_does_not_certify_nash_with_a_selectable_person_at_zero():
    quotas, pool = synthetic_instance(120, 20, 4, seed="certificate")
    report = select(quotas, pool, 20, seed="s", algorithm="nash").to_dict()
    # One panel alone: the people off it could be selected, yet are stated at probability 0.
    first = set(report["panel"])
    probabilities = {pid: (1.0 if pid in first else 0.0) for pid in report["probabilities"]}
    claimed = {**report, "probabilities": probabilities}
    outcome = verify(claimed, quotas, pool, recompute=False)
    assert not any("certified nash" in f and f.startswith("ok") for f in outcome.findings)
    assert any("probability 0 can be on a feasible panel" in f for f in outcome.findings)
