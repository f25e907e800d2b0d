"""Maximin reuses the relaxation-then-decompose path of leximin; its fallback stays exact."""

from __future__ import annotations

import random

import numpy as np
import pytest

from selection import columngen as columngen_module
from selection import leximin as leximin_module
from selection import walkfirst as walkfirst_module
from selection.masters import MasterLP
from selection.monitor import Monitor
from selection.symmetry import build_types
from selection.synthetic import correlated_instance, synthetic_instance
from tests.selection.test_bruteforce import random_instance


def _instance(case: int, households: bool):
    rng = random.Random(5000 + 1000 * households + case)
    instance = None
    while instance is None:
        instance = random_instance(rng, households)
    quotas, pool, k = instance
    return build_types(quotas, pool, k, households)


def _type_probabilities(model, columns, distribution):
    counts = columns.matrix().astype(np.float64)
    return counts @ distribution / model.sizes


@pytest.mark.parametrize("large", ["no", "sampled", "flat-gives-up", "face-walk"])
@pytest.mark.parametrize("households", [False, True])
@pytest.mark.parametrize("case", range(6))
def test_maximin_minimum_with_and_without_target_path(case, households, large, monkeypatch):
    if large != "no":  # treat the instance as large: maximin via the target
        monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)
    if large == "flat-gives-up":  # ... giving up the flat target at once: leximin's path
        monkeypatch.setattr(leximin_module, "FLAT_ROUNDS", 0)
    if large == "face-walk":  # ... seeded by the face walk instead of sampled panels
        monkeypatch.setattr(leximin_module, "DECOMPOSE_ABOVE_TYPES", 0)
    model = _instance(case, households)
    columns, distribution = leximin_module.leximin(model, Monitor())
    expected = _type_probabilities(model, columns, distribution).min()
    columns, distribution = leximin_module.leximin(model, Monitor(), stages=1)
    assert distribution.sum() == pytest.approx(1.0)
    assert _type_probabilities(model, columns, distribution).min() == pytest.approx(
        expected, abs=1e-6
    )
    # Force the fallback (the stage-by-stage method bounded by the relaxation).
    monkeypatch.setattr(leximin_module, "reach_target", lambda *args, **kwargs: None)
    columns, distribution = leximin_module.leximin(model, Monitor(), stages=1)
    assert _type_probabilities(model, columns, distribution).min() == pytest.approx(
        expected, abs=1e-6
    )


def test_reach_target_distribution_meets_target():
    model = _instance(0, False)
    monitor = Monitor()
    ip = leximin_module.PanelIP(model, monitor)
    columns, selectable = leximin_module.initial_columns(model, ip, monitor)
    target = leximin_module.relaxed_leximin(model, monitor, selectable)
    distribution = leximin_module.reach_target(model, monitor, ip, columns, target)
    if distribution is None:  # pragma: no cover - the relaxation is not reachable here
        pytest.skip("target unreachable")
    reached = _type_probabilities(model, columns, distribution)
    assert (reached >= target - 1e-6).all()
    for counts in columns.panels:
        assert ip.feasible(counts)


class _Counter:
    """Counts the calls of a real method (a spy: the method still runs)."""

    def __init__(self, owner: object, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        method = getattr(owner, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return method(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


def _synthetic_model(pool_size: int, panel_size: int, categories: int, seed: str):
    quotas, pool = synthetic_instance(pool_size, panel_size, categories, seed=seed)
    return build_types(quotas, pool, panel_size, False)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: _instance(1, True), id="random-households"),
        pytest.param(lambda: _instance(3, False), id="random"),
        pytest.param(lambda: _synthetic_model(160, 16, 4, "first-stage"), id="synthetic-160"),
        pytest.param(lambda: _synthetic_model(300, 30, 5, "first-stage"), id="synthetic-300"),
    ],
)
@pytest.mark.parametrize("face_walk", [False, True])
def test_maximin_equals_leximin_first_stage(make, face_walk, monkeypatch):
    if face_walk:  # treat the instance as large: maximin follows leximin's own path
        monkeypatch.setattr(leximin_module, "DECOMPOSE_ABOVE_TYPES", 0)
    model = make()
    pricing = _Counter(leximin_module.PanelIP, "best", monkeypatch)
    masters = _Counter(leximin_module.TargetLP, "solve", monkeypatch)
    stages = _Counter(MasterLP, "solve", monkeypatch)
    columns, distribution = leximin_module.leximin(model, Monitor())
    first_stage = _type_probabilities(model, columns, distribution).min()
    leximin_work = (pricing.calls, masters.calls + stages.calls)
    pricing.calls = masters.calls = stages.calls = 0
    columns, distribution = leximin_module.leximin(model, Monitor(), stages=1)
    assert _type_probabilities(model, columns, distribution).min() == pytest.approx(
        first_stage, abs=1e-6
    )
    if face_walk:  # on leximin's path maximin stops early: never more work
        assert pricing.calls <= leximin_work[0]
        assert masters.calls + stages.calls <= leximin_work[1]


@pytest.mark.parametrize(
    ("release", "draws", "weighted"), [("0.5.0", 2, 0), ("0.6.0", 1, 0), ("0.8.0", 0, 1)]
)
def test_maximin_samples_once_when_flat_target_gives_up(release, draws, weighted, monkeypatch):
    # A "middle" pool (sampled panels, no face walk) whose flat target gives up at once.
    monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)
    monkeypatch.setattr(leximin_module, "FLAT_ROUNDS", 0)
    monkeypatch.setattr(leximin_module, "face_walk_seed", lambda *args, **kwargs: False)
    model = _synthetic_model(120, 12, 4, "flat-gives-up")
    columns, distribution = leximin_module.leximin(model, Monitor())
    expected = _type_probabilities(model, columns, distribution).min()
    targets: list[np.ndarray] = []
    sample = columngen_module.sample_panels

    def spy(model, target, rng, count, monitor):
        targets.append(target.copy())
        return sample(model, target, rng, count, monitor)

    monkeypatch.setattr(columngen_module, "sample_panels", spy)
    searched = _Counter(columngen_module, "weighted_panels", monkeypatch)
    columns, distribution = leximin_module.leximin(model, Monitor(), stages=1, release=release)
    assert len(targets) == draws
    assert searched.calls == weighted
    assert _type_probabilities(model, columns, distribution).min() == pytest.approx(
        expected, abs=1e-6
    )


@pytest.mark.parametrize("cut", [False, True])
@pytest.mark.parametrize("algorithm", ["leximin", "maximin"])
def test_middle_pool_walks_within_the_budget_since_0_8_0(algorithm, cut, monkeypatch):
    # A "middle" pool: 0.7.0 walks the faces first within its budget of face-program
    # iterations and samples panels when the walk stops short; 0.8.0 walks as large pools
    # do within a budget of all the walk's work (Monitor.work), and takes the walk's own
    # distribution when it finishes, else (cut: at once) multiplicative weights' panels.
    # Every way reaches the same leximin profile (the same maximin minimum).
    monkeypatch.setattr(leximin_module, "SAMPLE_ABOVE_TYPES", 0)
    if cut:
        monkeypatch.setattr(leximin_module, "MIDDLE_WALK_LIMITS", ((-1.0, -1.0),))
    quotas, pool = correlated_instance(200, 20, 5, seed="weighted-middle")
    model = build_types(quotas, pool, 20, False)
    stages = 1 if algorithm == "maximin" else None
    walks = _Counter(leximin_module, "walk_first", monkeypatch)
    searched = _Counter(columngen_module, "weighted_panels", monkeypatch)
    profiles = {}
    for release in ("0.7.0", "0.8.0"):
        walks.calls = searched.calls = 0
        columns, distribution = leximin_module.leximin(
            model, Monitor(), stages=stages, release=release
        )
        profiles[release] = np.sort(_type_probabilities(model, columns, distribution))
        assert abs(distribution.sum() - 1.0) < 1e-9 and distribution.min() >= 0.0
        new = release == "0.8.0"
        assert (walks.calls, searched.calls) == (int(new), int(new and cut))
    if algorithm == "maximin":
        assert profiles["0.8.0"][0] == pytest.approx(profiles["0.7.0"][0], abs=1e-7)
    else:
        assert np.allclose(profiles["0.8.0"], profiles["0.7.0"], atol=1e-7)


def test_walk_work_is_counted_the_same_on_every_run():
    # The middle walk's budget is counted in simplex iterations and MIP nodes
    # (Monitor.work), so the path taken never depends on the machine or its load.
    model = _synthetic_model(200, 20, 5, "work-count")
    counted = []
    for _ in range(2):
        monitor = Monitor()
        walk = walkfirst_module.walk_first(model, monitor, 5, work_limits=[(1e12, 0.0)])
        assert walk is not None
        counted.append(monitor.work)
    assert counted[0] > 0 and counted[0] == counted[1]


@pytest.mark.parametrize(
    ("mass", "work", "stops"),
    [
        (0.005, 100, False),
        (0.005, 101, True),
        (0.6, 11, True),
        (0.4, 11, False),
        (0.4, 21, True),
        (0.005, 21, False),
    ],
)
def test_work_stop_limits(mass, work, stops):
    # stop above 10 with more than half the mass left, above 20 with more than 1 %, above 100
    monitor = Monitor()
    monitor.work = 1000  # counted from the call on
    stop = walkfirst_module.work_stop(monitor, [(10, 0.5), (20, 0.01), (100, 0.0)])
    assert stop is not None
    monitor.work += work
    assert stop([], [], mass) is stops


def test_work_stop_none_without_limits():
    assert walkfirst_module.work_stop(Monitor(), []) is None
