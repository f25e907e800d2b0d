"""Nash welfare (selection.nash, selection.nashpoint): the relaxation's Nash point reached by a
distribution over panels (since 0.6.0), against brute force, the column generation of older
releases, its fallback, cancellation and the Frank-Wolfe certificate."""

from __future__ import annotations

import random

import numpy as np
import pytest

from selection import Person, Pool, Quota, QuotaTable, SelectionCancelled, select
from selection import columngen as columngen_module
from selection import leximin as leximin_module
from selection import nash as nash_module
from selection.engine import compute_distribution
from selection.monitor import Monitor
from selection.nash import NASH_TOLERANCE, nash
from selection.nashpoint import GapLP, nash_point
from selection.symmetry import build_types
from selection.synthetic import correlated_instance, synthetic_instance
from tests.selection.conftest import data_dir, shared_instances
from tests.selection.test_bruteforce import feasible_panels, random_instance
from tests.selection.test_shared_instances import load as load_shared


def brute_force_welfare(n: int, panels: list[tuple[int, ...]]) -> float:
    """The maximum of sum_i log p_i over the people on some panel, by EM over every panel
    (Frank-Wolfe gap over the explicit panels checked below 1e-7 of n)."""
    matrix = np.zeros((n, len(panels)))
    for j, panel in enumerate(panels):
        matrix[list(panel), j] = 1.0
    selectable = matrix.any(axis=1)
    a = matrix[selectable]
    people = float(selectable.sum())
    weights = np.full(len(panels), 1.0 / len(panels))
    for _ in range(200_000):
        gradient = (1.0 / (a @ weights)) @ a
        if gradient.max() / people - 1 < 1e-8:
            break
        weights = weights * gradient / people
        weights /= weights.sum()
    assert ((1.0 / (a @ weights)) @ a).max() / people - 1 < 1e-7
    return float(np.sum(np.log(a @ weights)))


def welfare(probabilities: dict[str, float]) -> float:
    return float(sum(np.log(p) for p in probabilities.values() if p > 0))


def model_welfare(model, columns, distribution) -> float:
    p = columns.combine(distribution) / model.sizes
    chosen = p > 0
    return float(np.sum(model.sizes[chosen] * np.log(p[chosen])))


@pytest.mark.parametrize("walk", ["none", "middle", "large"])
@pytest.mark.parametrize("households", [False, True])
@pytest.mark.parametrize("case", range(12))
def test_nash_matches_brute_force_welfare(case, households, walk, monkeypatch):
    if walk != "none":  # treat the pool as middle-sized (multiplicative weights' panels seed
        # the master) or large (the face walk comes first)
        monkeypatch.setattr(nash_module, "SAMPLE_ABOVE_TYPES", 0)
        monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)
    if walk == "large":
        monkeypatch.setattr(nash_module, "DECOMPOSE_ABOVE_TYPES", 0)
    rng = random.Random(5000 + 1000 * households + case)
    instance = None
    while instance is None:
        instance = random_instance(rng, households)
    quotas, pool, k = instance
    panels = feasible_panels(quotas, pool, k, households)
    expected = brute_force_welfare(len(pool), panels)
    result = select(quotas, pool, k, algorithm="nash", seed="brute", households=households)
    people = sum(1 for i in range(len(pool)) if any(i in panel for panel in panels))
    got = welfare(result.probabilities)
    assert got <= expected + 1e-6 * people
    assert got >= expected - NASH_TOLERANCE * people
    assert sum(1 for p in result.probabilities.values() if p > 0) == people


def triangle_instance() -> tuple[QuotaTable, Pool, int]:
    """Any two of a, b, c share a category whose "y" value allows one member; d has only "n"
    answers. k = 2: the panels are {a, d}, {b, d}, {c, d}, so the Nash optimum is a, b, c at
    1/3 and d at 1, but the relaxation's Nash point is every person at 1/2 (outside conv(F))."""
    answers = {
        "a": ("y", "n", "y"),
        "b": ("y", "y", "n"),
        "c": ("n", "y", "y"),
        "d": ("n", "n", "n"),
    }
    people = [
        Person(pid, {f"c{g}": value for g, value in enumerate(row)}, None)
        for pid, row in answers.items()
    ]
    quotas = [Quota(f"c{g}", "y", 0, 1) for g in range(3)]
    quotas += [Quota(f"c{g}", "n", 0, 2) for g in range(3)]
    return QuotaTable(quotas), Pool(people), 2


def test_nash_point_of_the_relaxation_is_outside_the_panels_on_the_triangle():
    quotas, pool, k = triangle_instance()
    model = build_types(quotas, pool, k, False)
    selectable = np.ones(model.num_types, dtype=bool)
    point = nash_point(model, Monitor(), selectable, np.full(model.num_types, 0.5))
    assert np.allclose(point, 0.5, atol=1e-5)
    assert GapLP(model, Monitor(), selectable).gap(point) <= 1e-9


def test_nash_falls_back_to_column_generation_when_the_point_is_unreachable(monkeypatch):
    calls = []
    original = nash_module._column_generation

    def spy(*args, **kwargs):
        calls.append(args[-1])
        return original(*args, **kwargs)

    monkeypatch.setattr(nash_module, "_column_generation", spy)
    quotas, pool, k = triangle_instance()
    result = select(quotas, pool, k, algorithm="nash", seed="triangle")
    assert calls, "the column generation did not run"
    assert result.probabilities["d"] == pytest.approx(1.0, abs=1e-6)
    for pid in "abc":
        assert result.probabilities[pid] == pytest.approx(1 / 3, abs=1e-3)


def test_nash_falls_back_warm_when_the_certificate_fails(monkeypatch, small_instance):
    quotas, pool, k = small_instance
    model = build_types(quotas, pool, k, False)
    columns, distribution = nash(model, Monitor())
    expected = model_welfare(model, columns, distribution)
    warm = []
    original = nash_module._column_generation

    def spy(*args, **kwargs):
        warm.append(args[-1])
        return original(*args, **kwargs)

    monkeypatch.setattr(nash_module, "_column_generation", spy)

    class Uncertified(GapLP):
        def gap(self, probabilities):
            return float("inf")  # the certificate fails: fall back

    monkeypatch.setattr(nash_module, "GapLP", Uncertified)
    columns, distribution = nash(model, Monitor())
    assert warm and warm[0] is not None, "the fallback was not warm-started"
    people = float(model.sizes.sum())
    assert model_welfare(model, columns, distribution) >= expected - NASH_TOLERANCE * people


@pytest.mark.parametrize("cut", [False, True])
def test_nash_middle_pool_walks_within_the_budget_since_0_8_0(cut, monkeypatch):
    # 0.7.0 walks middle-sized pools within its budget of face-program iterations, then
    # samples panels; 0.8.0 walks as large pools do within a budget of all the walk's work,
    # and seeds the target master with multiplicative weights' panels when the walk stops
    # short (cut: at once). Every way is certified, with the same welfare.
    monkeypatch.setattr(nash_module, "SAMPLE_ABOVE_TYPES", 0)
    monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)
    if cut:
        monkeypatch.setattr(nash_module, "MIDDLE_WALK_LIMITS", ((-1.0, -1.0),))
    quotas, pool = correlated_instance(200, 20, 5, seed="nash-middle")
    model = build_types(quotas, pool, 20, False)
    people = float(model.sizes.sum())
    weighted = columngen_module.weighted_panels
    searches: list[int] = []

    def spy(*args, **kwargs):
        searches.append(1)
        return weighted(*args, **kwargs)

    monkeypatch.setattr(columngen_module, "weighted_panels", spy)
    welfare_by_release = {}
    for release in ("0.7.0", "0.8.0"):
        searches.clear()
        columns, distribution = nash(model, Monitor(), release=release)
        assert len(searches) == (1 if release == "0.8.0" and cut else 0)
        p = columns.combine(distribution) / model.sizes
        assert GapLP(model, Monitor(), p > 0).gap(p) <= NASH_TOLERANCE
        welfare_by_release[release] = model_welfare(model, columns, distribution)
    difference = abs(welfare_by_release["0.8.0"] - welfare_by_release["0.7.0"])
    assert difference <= NASH_TOLERANCE * people


INSTANCES = [r for r in shared_instances() if int(r["panel_size"]) <= 30]


@pytest.mark.shared_data
@pytest.mark.parametrize("row", [pytest.param(r, id=r["instance"]) for r in INSTANCES])
def test_nash_new_path_matches_old_path_on_shared_instances(row):
    quotas, pool, k, households = load_shared(row)
    model = build_types(quotas, pool, k, households)
    new_columns, new = nash(model, Monitor())
    old_columns, old = nash(model, Monitor(), release="0.5.0")
    people = float(model.sizes.sum())
    new_welfare = model_welfare(model, new_columns, new)
    old_welfare = model_welfare(model, old_columns, old)
    assert abs(new_welfare - old_welfare) <= NASH_TOLERANCE * people
    p = new_columns.combine(new) / model.sizes
    assert GapLP(model, Monitor(), p > 0).gap(p) <= NASH_TOLERANCE


def test_nash_older_release_replays_column_generation_only(monkeypatch, small_instance):
    quotas, pool, k = small_instance
    model = build_types(quotas, pool, k, False)

    def forbidden(*args, **kwargs):
        raise AssertionError("0.5.0 has no relaxation point")

    before = compute_distribution(model, "nash", Monitor(), release="0.5.0")
    monkeypatch.setattr(nash_module, "nash_point", forbidden)
    assert compute_distribution(model, "nash", Monitor(), release="0.5.0") == before
    with pytest.raises(AssertionError, match="no relaxation point"):
        compute_distribution(model, "nash", Monitor(), release="0.6.0")


def test_nash_cancel_request_stops_the_run(small_instance):
    quotas, pool, k = small_instance
    phases = []

    def progress(phase, done, total):
        phases.append(phase)

    with pytest.raises(SelectionCancelled):
        select(quotas, pool, k, algorithm="nash", seed="x", should_cancel=lambda: True)
    result = select(quotas, pool, k, algorithm="nash", seed="x", progress=progress)
    assert phases[-1] == "done"
    assert result.algorithm == "nash"


def test_nash_cancel_inside_the_relaxation_point(small_instance):
    quotas, pool, k = small_instance
    model = build_types(quotas, pool, k, False)
    seen = []

    def cancel() -> bool:
        return "nash (relaxation)" in seen

    monitor = Monitor(progress=lambda phase, done, total: seen.append(phase), should_cancel=cancel)
    monitor.interval = 0.0
    with pytest.raises(SelectionCancelled):
        nash(model, monitor)
    assert "nash (relaxation)" in seen


def test_gap_is_infinite_when_a_selectable_type_has_probability_zero(small_instance):
    quotas, pool, k = small_instance
    model = build_types(quotas, pool, k, False)
    columns, distribution = nash(model, Monitor())
    p = columns.combine(distribution) / model.sizes
    gap = GapLP(model, Monitor(), np.ones(model.num_types, dtype=bool))
    assert gap.gap(p) <= NASH_TOLERANCE
    p[0] = 0.0
    assert gap.gap(p) == float("inf")


def test_shared_data_is_there_for_the_comparison():
    if not INSTANCES:
        pytest.skip(f"no shared instances in {data_dir()}")


def synthetic_1727_model():
    quotas, pool = synthetic_instance(1727, 110, 7, seed="synthetic_1727_110_7")
    return build_types(quotas, pool, 110, False)


def test_nash_point_stopping_outside_the_relaxation_refused():
    # From the proportional start the unguarded interior-point method (0.6.0) stops on
    # synthetic_1727_110_7 with quotas missed by several people; such a point must never
    # reach the face walk or the Frank-Wolfe gap (which bounds nothing outside R and read 0
    # there).
    model = synthetic_1727_model()
    sizes = model.sizes.astype(np.float64)
    everyone = np.ones(model.num_types, dtype=bool)
    with pytest.raises(np.linalg.LinAlgError, match="did not reach the relaxation"):
        nash_point(model, Monitor(), everyone, sizes * 110 / sizes.sum(), release="0.6.0")


def test_nash_point_guarded_corrector_reaches_the_relaxation_from_the_proportional_start():
    # Since 0.7.0 a corrected step cut short tries the centred direction: the same start
    # that 0.6.0 refuses (above) now converges to the relaxation's Nash point.
    model = synthetic_1727_model()
    sizes = model.sizes.astype(np.float64)
    everyone = np.ones(model.num_types, dtype=bool)
    point = nash_point(model, Monitor(), everyone, sizes * 110 / sizes.sum())
    x = point * sizes
    counts = model.incidence.astype(np.float64) @ x
    assert abs(x.sum() - 110) <= 1e-6
    for count, quota in zip(counts, model.quotas, strict=True):
        assert quota.min - 1e-6 <= count <= quota.max + 1e-6
    assert GapLP(model, Monitor(), everyone).gap(point) <= 1e-9


@pytest.mark.parametrize(("release", "search"), [("0.6.0", 2), ("0.7.0", 3), ("0.8.0", 5)])
def test_nash_walk_first_search_by_release(release, search, monkeypatch):
    # Since 0.7.0 Nash's walk on large pools dives for each face's panel (search 3), as
    # leximin's does since 0.6.0; 0.6.0 reports replay the walk without dives. Since 0.8.0
    # it sifts, solves the support's program alone and dives fractionally (search 5).
    quotas, pool = synthetic_instance(120, 12, 3, seed="nash point in R")
    model = build_types(quotas, pool, 12, False)
    searches = []
    real = nash_module.decompose

    def spy(*args, **kwargs):
        searches.append(kwargs["search"])
        return real(*args, **kwargs)

    monkeypatch.setattr(nash_module, "decompose", spy)
    walk = nash_module._walk_first(model, Monitor(), True, release)
    assert walk is not None and searches == [search]


def test_nash_point_lies_in_the_relaxation_when_returned():
    quotas, pool = synthetic_instance(120, 12, 3, seed="nash point in R")
    model = build_types(quotas, pool, 12, False)
    sizes = model.sizes.astype(np.float64)
    everyone = np.ones(model.num_types, dtype=bool)
    x = nash_point(model, Monitor(), everyone, sizes * 12 / sizes.sum()) * sizes
    counts = model.incidence.astype(np.float64) @ x
    assert abs(x.sum() - 12) <= 1e-6
    for count, quota in zip(counts, model.quotas, strict=True):
        assert quota.min - 1e-6 <= count <= quota.max + 1e-6


def test_nash_walk_first_retries_from_the_relaxation_leximin_point(monkeypatch):
    # When the interior-point method fails from the proportional start (as on
    # synthetic_1727_110_7), walk-first starts it again from the relaxation's leximin point,
    # which lies inside R, instead of giving up the walk.
    quotas, pool = synthetic_instance(120, 12, 3, seed="nash point in R")
    model = build_types(quotas, pool, 12, False)
    starts = []
    real = nash_module.nash_point

    def failing_first(model, monitor, selectable, start, release):
        starts.append(np.asarray(start, dtype=np.float64))
        if len(starts) == 1:
            raise np.linalg.LinAlgError("the interior-point method did not reach the relaxation")
        return real(model, monitor, selectable, start, release=release)

    monkeypatch.setattr(nash_module, "nash_point", failing_first)
    walk = nash_module._walk_first(model, Monitor(), True, "0.7.0")
    assert walk is not None and len(starts) == 2
    everyone = np.ones(model.num_types, dtype=bool)
    expected = nash_module.relaxed_leximin(model, Monitor(), everyone) * model.sizes
    assert np.allclose(starts[1], expected)
    assert walk.distribution is not None


@pytest.mark.parametrize("release", ["0.6.0", "0.7.0"])
def test_nash_walk_first_stops_once_certified_since_0_7_0(release, monkeypatch):
    # Since 0.7.0 the walk ends as soon as its panels make a distribution with a relative
    # Frank-Wolfe gap of at most NASH_TOLERANCE; 0.6.0 reports replay the walk to its end.
    quotas, pool = synthetic_instance(200, 20, 4, seed="walk stop")
    model = build_types(quotas, pool, 20, False)
    masses = []
    real = nash_module.decompose

    def spy(*args, **kwargs):
        panels, weights, mass = real(*args, **kwargs)
        masses.append(mass)
        return panels, weights, mass

    monkeypatch.setattr(nash_module, "decompose", spy)
    walk = nash_module._walk_first(model, Monitor(), True, release)
    assert walk is not None and walk.distribution is not None
    if release == "0.7.0":
        assert masses[0] > nash_module.MASS_TOLERANCE  # stopped before writing all the mass
    else:
        assert masses[0] <= nash_module.MASS_TOLERANCE
    p = walk.columns.combine(walk.distribution) / model.sizes
    everyone = np.ones(model.num_types, dtype=bool)
    assert GapLP(model, Monitor(), everyone).gap(p) <= NASH_TOLERANCE


def test_certified_stop_checks_the_gap_only_below_its_mass(small_instance):
    quotas, pool, k = small_instance
    model = build_types(quotas, pool, k, False)
    columns, distribution = nash(model, Monitor())
    calls = []

    class Counting(GapLP):
        def gap(self, probabilities):
            calls.append(probabilities)
            return super().gap(probabilities)

    everyone = np.ones(model.num_types, dtype=bool)
    stop = nash_module._Certified(Counting(model, Monitor(), everyone), model.sizes)
    panels, weights = list(columns.panels), list(distribution)
    assert not stop(panels, weights, 2 * nash_module.CHECK_FROM_MASS)
    assert not calls
    assert stop(panels, weights, nash_module.CHECK_FROM_MASS)
    assert len(calls) == 1
    # the next check waits until the mass has fallen by CHECK_EVERY
    assert not stop(panels, weights, nash_module.CHECK_FROM_MASS)
    assert len(calls) == 1
