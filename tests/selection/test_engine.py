"""Feasibility, draw, result, verification, cancellation and progress."""

from __future__ import annotations

import itertools
import json
import sys

import pytest

from selection import (
    InfeasibleQuotas,
    InputError,
    Person,
    Pool,
    Quota,
    QuotaTable,
    SeededRandom,
    SelectionCancelled,
    SelectionResult,
    check_feasibility,
    draw_panel,
    select,
    verify,
)
from selection import leximin as leximin_module
from selection import monitor as monitor_module
from selection.monitor import Monitor
from selection.synthetic import synthetic_instance


def infeasible_instance():
    quotas = QuotaTable(
        [
            Quota("gender", "f", 3, 4, min_flex=1, max_flex=4),
            Quota("gender", "m", 0, 4, min_flex=0, max_flex=4),
        ]
    )
    pool = Pool(Person(f"p{i}", {"gender": "f" if i < 2 else "m"}) for i in range(8))
    return quotas, pool, 4


def test_check_feasibility_feasible(small_instance):
    quotas, pool, k = small_instance
    report = check_feasibility(quotas, pool, k)
    assert report.feasible and not report.conflicts and "can be met" in report.message()


def test_check_feasibility_names_conflict_and_smallest_relaxation():
    quotas, pool, k = infeasible_instance()
    report = check_feasibility(quotas, pool, k)
    assert not report.feasible
    assert [(c.category, c.value, c.bound, c.needed) for c in report.conflicts] == [
        ("gender", "f", "min", 2)
    ]
    assert [(r.new_min, r.new_max) for r in report.relaxation] == [(2, 4)]
    assert report.within_flex
    assert "gender / f" in report.message()
    relaxed = report.relaxed_quotas(quotas)
    assert check_feasibility(relaxed, pool, k).feasible


def test_check_feasibility_beyond_flex_limits():
    quotas = QuotaTable(
        [Quota("g", "f", 3, 4, min_flex=3, max_flex=4), Quota("g", "m", 0, 4, 0, 4)]
    )
    pool = Pool(Person(f"p{i}", {"g": "f" if i < 2 else "m"}) for i in range(8))
    report = check_feasibility(quotas, pool, 4)
    assert not report.feasible and not report.within_flex
    assert report.relaxation[0].new_min == 2


def test_check_feasibility_household_rule():
    quotas = QuotaTable([Quota("g", "f", 2, 2), Quota("g", "m", 0, 2)])
    people = [Person("a", {"g": "f"}, "h1"), Person("b", {"g": "f"}, "h1")]
    people += [Person(f"m{i}", {"g": "m"}) for i in range(3)]
    pool = Pool(people)
    assert check_feasibility(quotas, pool, 2).feasible
    assert not check_feasibility(quotas, pool, 2, households=True).feasible


def test_select_raises_infeasible_with_report():
    quotas, pool, k = infeasible_instance()
    with pytest.raises(InfeasibleQuotas) as info:
        select(quotas, pool, k)
    assert info.value.report.conflicts[0].value == "f"


def test_select_rejects_unknown_algorithm(small_instance):
    with pytest.raises(InputError, match="unknown algorithm"):
        select(*small_instance, algorithm="random")


def test_select_default_seed_is_256_bits(small_instance):
    result = select(*small_instance)
    assert len(result.seed) == 64 and int(result.seed, 16) >= 0


def test_result_round_trips_through_json(small_instance):
    result = select(*small_instance, seed="json")
    data = json.loads(json.dumps(result.to_dict()))
    assert SelectionResult.from_dict(data) == result
    for key in ("algorithm", "seed", "panel", "probabilities", "min_probability", "seconds"):
        assert key in data
    assert all(isinstance(i, str) for i in data["panel"])
    assert data["num_panels"] == len(data["distribution"])
    assert {r["category"] for r in data["quotas"]} == {"gender", "age"}


def test_draw_panel_reproduces_stored_panel(small_instance):
    quotas, pool, k = small_instance
    result = select(quotas, pool, k, seed="x")
    assert sorted(draw_panel(result.distribution, result.types, "x")) == sorted(result.panel)


def test_draw_panel_uses_integer_weights_only(small_instance):
    result = select(*small_instance, seed="w")
    assert all(isinstance(s.weight, int) and s.weight > 0 for s in result.distribution)
    assert sum(result.panel_probabilities()) == pytest.approx(1.0)


def test_draw_frequencies_match_probabilities(small_instance):
    quotas, pool, k = small_instance
    result = select(quotas, pool, k, seed="f")
    hits = dict.fromkeys(pool.ids, 0)
    draws = 3000
    for i in range(draws):
        for pid in draw_panel(result.distribution, result.types, f"f{i}"):
            hits[pid] += 1
    for pid, count in hits.items():
        assert count / draws == pytest.approx(result.probabilities[pid], abs=0.04)


def test_seeded_random_is_deterministic_and_unbiased():
    a, b = SeededRandom("seed", "x"), SeededRandom("seed", "x")
    assert [a.randbelow(7) for _ in range(50)] == [b.randbelow(7) for _ in range(50)]
    other = SeededRandom("seed", "y")
    assert [other.randbelow(1000) for _ in range(5)] != [a.randbelow(1000) for _ in range(5)]
    rng = SeededRandom("uniform")
    counts = [0] * 3
    for _ in range(3000):
        counts[rng.randbelow(3)] += 1
    assert all(900 < c < 1100 for c in counts)
    assert sorted(rng.sample(range(10), 10)) == list(range(10))


def test_verify_accepts_untampered_report(small_instance):
    quotas, pool, k = small_instance
    report = select(quotas, pool, k, seed="v").to_dict()
    outcome = verify(report, quotas, pool, k)
    assert outcome.ok, outcome.message()


@pytest.mark.parametrize("algorithm", ["leximin", "legacy"])
def test_verify_detects_tampered_panel(small_instance, algorithm):
    quotas, pool, k = small_instance
    report = select(quotas, pool, k, seed="v", algorithm=algorithm).to_dict()
    outsider = next(p for p in pool.ids if p not in report["panel"])
    report["panel"] = [*report["panel"][1:], outsider]
    outcome = verify(report, quotas, pool, k)
    assert not outcome.ok
    assert any("different panel" in f for f in outcome.findings)


def test_verify_detects_tampered_seed(small_instance):
    quotas, pool, k = small_instance
    report = select(quotas, pool, k, seed="v").to_dict()
    for other in (f"v{i}" for i in range(50)):
        if (
            draw_panel(SelectionResult.from_dict(report).distribution, report["types"], other)
            != (report["panel"])
        ):
            report["seed"] = other
            break
    assert not verify(report, quotas, pool, k).ok


def test_verify_detects_tampered_probability(small_instance):
    quotas, pool, k = small_instance
    report = select(quotas, pool, k, seed="v").to_dict()
    first = pool.ids[0]
    report["probabilities"][first] += 0.01
    outcome = verify(report, quotas, pool, k)
    assert not outcome.ok
    assert any("probabilities" in f for f in outcome.findings if f.startswith("FAILED"))


def test_verify_detects_changed_inputs(small_instance):
    quotas, pool, k = small_instance
    report = select(quotas, pool, k, seed="v").to_dict()
    changed = Pool(
        Person(p.id, {**p.answers, "age": "old"} if p.id == "p0" else p.answers, p.household)
        for p in pool
    )
    outcome = verify(report, quotas, changed, k, recompute=False)
    assert not outcome.ok and any("digest" in f for f in outcome.findings)


def test_select_time_limit_cancels(monkeypatch):
    _stepping_clock(monkeypatch, 1.0)
    quotas, pool = synthetic_instance(300, 35, 6, seed="cancel")
    with pytest.raises(SelectionCancelled, match="time limit"):
        select(quotas, pool, 35, time_limit=5.0)


def test_progress_names_phases_and_ends_done(small_instance):
    calls = []
    select(*small_instance, progress=lambda *a: calls.append(a))
    assert calls and calls[-1][0] == "done"
    assert all(isinstance(c[0], str) and 0 <= c[1] <= c[2] for c in calls)


def _stepping_clock(monkeypatch, step: float) -> None:
    """Make every monitor read of the clock advance it by ``step`` seconds."""
    reads = itertools.count()
    monkeypatch.setattr(monitor_module, "clock", lambda: next(reads) * step)


def _inside_solver() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "solver_callback":
            return True
        frame = frame.f_back
    return False


def test_monitor_reports_once_per_interval_with_a_stepping_clock(monkeypatch):
    _stepping_clock(monkeypatch, 0.1)
    calls = []
    monitor = Monitor(progress=lambda *a: calls.append(a), interval=0.25)
    for done in range(30):
        monitor.tick("phase", done, 30)
    # 30 ticks, 0.1 s apart on the clock: due at the first and then every third tick.
    assert 9 <= len(calls) <= 11
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)


def test_monitor_cancels_when_asked_or_past_its_time_limit(monkeypatch):
    _stepping_clock(monkeypatch, 1.0)
    asked = Monitor(should_cancel=lambda: True)
    with pytest.raises(SelectionCancelled, match="cancelled by the caller"):
        asked.tick("phase", 1, 2)
    limited = Monitor(time_limit=3.0)
    with pytest.raises(SelectionCancelled, match="time limit"):
        for done in range(10):
            limited.tick("phase", done, 10)


@pytest.mark.slow
def test_progress_is_reported_from_inside_long_solves(monkeypatch):
    """What "progress at least once a second" rests on: the engine polls from inside HiGHS
    solves as well as between them. With a clock that makes every poll due, progress comes
    from the solver callback too. (Wall-clock gaps are measured by benchmarks/progress.py.)"""
    _stepping_clock(monkeypatch, 1.0)
    quotas, pool = synthetic_instance(300, 35, 6, seed="progress")
    calls = []
    select(quotas, pool, 35, progress=lambda *a: calls.append((*a, _inside_solver())))
    assert any(inside for *_, inside in calls), "no progress from inside a solve"
    assert all(0 <= done <= total for _, done, total, _ in calls)


def test_cancel_request_stops_a_long_run_inside_a_solve(monkeypatch):
    _stepping_clock(monkeypatch, 1.0)
    quotas, pool = synthetic_instance(300, 35, 6, seed="progress")
    checks = []

    def should_cancel() -> bool:
        checks.append(_inside_solver())
        return any(checks)  # cancel at the first check made from inside a solve

    with pytest.raises(SelectionCancelled):
        select(quotas, pool, 35, should_cancel=should_cancel)
    first = checks.index(True)
    assert len(checks) - first <= 3, "the run went on polling after the cancel request"


def test_selection_package_has_no_module_level_random_state():
    from tests.selection.conftest import PROJECT_ROOT

    for path in (PROJECT_ROOT / "selection").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import random" not in text and "from random" not in text, path
        assert "np.random" not in text and "import django" not in text, path
        assert "from django" not in text, path


def test_progress_is_monotone_overall_with_phase_names(monkeypatch):
    monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)  # the middle path's phases too
    quotas, pool = synthetic_instance(120, 12, 4, seed="monotone")
    calls: list[tuple[str, int, int]] = []
    select(quotas, pool, 12, progress=lambda *call: calls.append(call))
    done = [c[1] for c in calls]
    assert done == sorted(done) and {c[2] for c in calls} == {monitor_module.PROGRESS_TOTAL}
    assert calls[-1] == ("done", monitor_module.PROGRESS_TOTAL, monitor_module.PROGRESS_TOTAL)
    assert calls[0][0] == "feasibility" and len({c[0] for c in calls}) >= 3
