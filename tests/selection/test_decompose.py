"""The face walk writes the relaxation's leximin point as a convex combination of panels."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from selection import decompose as decompose_module
from selection import dives as dives_module
from selection import leximin as leximin_module
from selection import sifting as sifting_module
from selection import walkfirst as walkfirst_module
from selection.decompose import MASS_TOLERANCE, decompose
from selection.monitor import Monitor
from selection.solver import run
from selection.symmetry import build_types
from selection.synthetic import synthetic_instance
from tests.selection.test_leximin_paths import _instance


def _relaxed(model):
    monitor = Monitor()
    ip = leximin_module.PanelIP(model, monitor)
    _, selectable = leximin_module.initial_columns(model, ip, monitor)
    return ip, leximin_module.relaxed_leximin(model, monitor, selectable)


def _synthetic(pool_size: int, panel_size: int, categories: int):
    quotas, pool = synthetic_instance(pool_size, panel_size, categories, seed="walk")
    return build_types(quotas, pool, panel_size, False)


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(_instance(case, households), id=f"random-{case}-households-{households}")
        for case in range(4)
        for households in (False, True)
    ]
    + [pytest.param(_synthetic(160, 16, 4), id="synthetic-160-16-4")],
)
@pytest.mark.parametrize(
    "search",
    [0, 1, 2, 3, 4, 5],
    ids=[
        "face-program",
        "support",
        "support-widened",
        "dive",
        "dive-small-support",
        "fractional-dive",
    ],
)
def test_decompose_panels_are_feasible_and_never_exceed_the_target(model, search):
    ip, target = _relaxed(model)
    panels, weights, mass = decompose(model, Monitor(), target, search=search)
    assert len(panels) == len(weights) and (weights > 0).all()
    assert weights.sum() + mass == pytest.approx(1.0, abs=1e-12)
    for counts in panels:
        assert ip.feasible(counts)
    covered = np.zeros(model.num_types)
    for counts, weight in zip(panels, weights, strict=True):
        covered += weight * counts
    expected = target * model.sizes
    assert (covered <= expected + 1e-9).all()
    if mass <= MASS_TOLERANCE:  # the walk finished: the panels reach the target
        assert np.allclose(covered, expected, atol=1e-8)


def test_decompose_covers_nearly_all_of_the_leximin_point_of_a_synthetic_pool():
    # The walk may stop at a face of the relaxation without a panel (here with less than
    # 1e-6 of the mass left); column generation then finishes from its panels.
    model = _synthetic(160, 16, 4)
    _, target = _relaxed(model)
    panels, weights, mass = decompose(model, Monitor(), target)
    assert mass < 1e-6
    assert len(panels) <= model.num_types + len(model.quotas) + 1  # Carathéodory's bound


def test_leximin_through_the_face_walk_equals_the_default_path(monkeypatch):
    model = _synthetic(160, 16, 4)

    def profile():
        columns, distribution = leximin_module.leximin(model, Monitor())
        return np.sort(columns.matrix().astype(np.float64) @ distribution / model.sizes)

    default = profile()
    monkeypatch.setattr(leximin_module, "DECOMPOSE_ABOVE_TYPES", 0)
    assert np.allclose(profile(), default, atol=1e-6)


@pytest.mark.parametrize("release", ["0.2.0", "0.3.0", "0.5.0"])
def test_leximin_on_large_pools_reaches_the_same_point_on_every_release_path(release, monkeypatch):
    # 0.3.0 walks on the supports of the face LPs, 0.2.0 with the whole face programs (kept
    # so that reports of 0.2.0 verify by re-running their own path); the leximin point is
    # unique, so both reach it.
    model = _synthetic(160, 16, 4)
    columns, distribution = leximin_module.leximin(model, Monitor())
    expected = np.sort(columns.matrix().astype(np.float64) @ distribution / model.sizes)
    monkeypatch.setattr(leximin_module, "DECOMPOSE_ABOVE_TYPES", 0)
    columns, distribution = leximin_module.leximin(model, Monitor(), release=release)
    got = np.sort(columns.matrix().astype(np.float64) @ distribution / model.sizes)
    assert np.allclose(got, expected, atol=1e-6)


def test_decompose_support_search_writes_the_leximin_point_of_a_synthetic_pool():
    model = _synthetic(160, 16, 4)
    ip, target = _relaxed(model)
    panels, weights, mass = decompose(model, Monitor(), target, search=2)
    assert mass < 1e-6
    assert all(ip.feasible(counts) for counts in panels)
    assert len(panels) <= model.num_types + len(model.quotas) + 1  # Carathéodory's bound


def _profile(model, **kwargs):
    columns, distribution = leximin_module.leximin(model, Monitor(), **kwargs)
    assert distribution.sum() == pytest.approx(1.0)
    return np.sort(columns.matrix().astype(np.float64) @ distribution / model.sizes)


@pytest.mark.parametrize(
    ("model", "release"),
    [
        pytest.param(_instance(case, True), "0.7.0", id=f"random-{case}-households")
        for case in range(4)
    ]
    # on synthetic-160 the 0.7.0 walk stops 6e-7 short of the point (its faces hold other
    # panels) and hands over to the fallback, as the 0.6.0 walk does on synthetic-120
    + [
        pytest.param(_synthetic(160, 16, 4), "0.6.0", id="synthetic-160-16-4"),
        pytest.param(_synthetic(200, 20, 4), "0.7.0", id="synthetic-200-20-4"),
    ],
)
def test_leximin_walk_first_needs_no_initial_panels_on_large_pools(model, release, monkeypatch):
    monkeypatch.setattr(leximin_module, "DECOMPOSE_ABOVE_TYPES", 0)
    expected = _profile(model, release="0.5.0")
    calls = []
    original = leximin_module.initial_columns

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(leximin_module, "initial_columns", counted)
    assert np.allclose(_profile(model, release=release), expected, atol=1e-6)
    assert np.allclose(_profile(model, stages=1, release=release)[0], expected[0], atol=1e-6)
    # 0.6.0: the walk reaches the point, so neither initial panels nor a coverage check ran
    assert calls == []


@pytest.mark.parametrize("mass", [0.5, 0.0])
def test_leximin_walk_first_falls_back_when_the_walk_stops_short(mass, monkeypatch):
    # a walk that stops short (mass left) or whose panels miss the point (the check fails)
    # hands over to the 0.5.0 path, seeded with the walk's panels: the same leximin point
    model = _synthetic(160, 16, 4)
    monkeypatch.setattr(leximin_module, "DECOMPOSE_ABOVE_TYPES", 0)
    expected = _profile(model, release="0.5.0")
    original = walkfirst_module.decompose

    def short(*args, **kwargs):
        panels, weights, _ = original(*args, **kwargs)
        half = len(panels) // 2
        return panels[:half], weights[:half], mass

    monkeypatch.setattr(walkfirst_module, "decompose", short)
    assert np.allclose(_profile(model), expected, atol=1e-6)


@pytest.mark.parametrize(
    "model",
    [pytest.param(_instance(case, True), id=f"random-{case}-households") for case in range(4)]
    + [pytest.param(_synthetic(160, 16, 4), id="synthetic-160-16-4")],
)
@pytest.mark.parametrize("search", [3, 5], ids=["nearest", "fractional"])
def test_decompose_dive_panels_lie_in_their_faces(model, search, monkeypatch):
    original = decompose_module.dive
    dived = []

    def checked(ip, face, support, weight, type_lower, type_upper, **kwargs):
        counts = original(ip, face, support, weight, type_lower, type_upper, **kwargs)
        if counts is not None:
            assert dives_module.in_face(ip, face, counts, type_lower, type_upper)
            assert (counts[~support] == 0).all()
            dived.append(counts)
        return counts

    monkeypatch.setattr(decompose_module, "dive", checked)
    _, target = _relaxed(model)
    panels, _, mass = decompose(model, Monitor(), target, search=search)
    assert mass < 1e-6
    assert dived


@pytest.mark.parametrize(("release", "search"), [("0.6.0", 3), ("0.7.0", 4), ("0.8.0", 5)])
def test_leximin_walk_searches_per_release(release, search, monkeypatch):
    # 0.7.0 solves the support programs over the support alone and sifts the face LPs;
    # a 0.6.0 report replays the whole program bounded to the support; 0.8.0 dives on the
    # most fractional count
    monkeypatch.setattr(leximin_module, "DECOMPOSE_ABOVE_TYPES", 0)
    seen = []
    original = walkfirst_module.decompose

    def spy(*args, **kwargs):
        seen.append(kwargs["search"])
        return original(*args, **kwargs)

    monkeypatch.setattr(walkfirst_module, "decompose", spy)
    model = _synthetic(160, 16, 4)
    expected = _profile(model, release="0.5.0")
    assert np.allclose(_profile(model, release=release), expected, atol=1e-6)
    assert seen == [search]


def test_decompose_small_support_programs_lie_in_their_faces(monkeypatch):
    original = decompose_module.support_program
    found, missed = [], []

    def checked(ip, face, support, weight, type_lower, type_upper):
        counts = original(ip, face, support, weight, type_lower, type_upper)
        if counts is None:
            missed.append(1)
        else:
            assert dives_module.in_face(ip, face, counts, type_lower, type_upper)
            assert (counts[~support] == 0).all()
            found.append(counts)
        return counts

    monkeypatch.setattr(decompose_module, "support_program", checked)
    monkeypatch.setattr(decompose_module, "dive", lambda *args, **kwargs: None)  # the program
    model = _synthetic(200, 20, 4)
    _, target = _relaxed(model)
    _, _, mass = decompose(model, Monitor(), target, search=4)
    assert mass < 1e-6
    assert found


def test_sifting_reaches_the_optimum_of_the_whole_face_lp(monkeypatch):
    original = sifting_module.Sifting.optimum
    gaps, sizes = [], []

    def checked(self, face, weight, type_lower, type_upper):
        x = original(self, face, weight, type_lower, type_upper)
        assert x is not None
        ip = self.ip
        every = np.arange(ip.num_types, dtype=np.int32)
        kinds = np.full(ip.num_types, highspy.HighsVarType.kContinuous)
        ip.h.changeColsIntegrality(ip.num_types, every, kinds)
        ip.h.changeColsCost(ip.num_types, every, weight)
        run(ip.h)
        whole = np.asarray(ip.h.getSolution().col_value)
        kinds = np.full(ip.num_types, highspy.HighsVarType.kInteger)
        ip.h.changeColsIntegrality(ip.num_types, every, kinds)
        assert (x >= type_lower - 1e-9).all() and (x <= type_upper + 1e-9).all()
        gaps.append(abs(float(weight @ x) - float(weight @ whole)))
        sizes.append(int(self.working.sum()))
        return x

    monkeypatch.setattr(sifting_module.Sifting, "optimum", checked)
    model = _synthetic(200, 20, 4)
    _, target = _relaxed(model)
    decompose(model, Monitor(), target, search=4)
    assert gaps and max(gaps) < 1e-6
    assert min(sizes) < model.num_types  # the working set, not every type


def test_leximin_fractional_dives_reach_the_0_7_0_profile_on_a_large_pool(monkeypatch):
    # 454 types: the large-pool walk itself (no threshold patched). Since 0.8.0 its dives
    # round the most fractional count (other panels); the leximin point is unique, so the
    # sorted probabilities are those of the 0.7.0 path.
    quotas, pool = synthetic_instance(600, 60, 5, seed="walk")
    model = build_types(quotas, pool, 60, False)
    assert model.num_types > leximin_module.DECOMPOSE_ABOVE_TYPES
    fractional = []
    original = decompose_module.dive

    def spy(*args, **kwargs):
        fractional.append(kwargs["fractional"])
        return original(*args, **kwargs)

    monkeypatch.setattr(decompose_module, "dive", spy)
    old = _profile(model, release="0.7.0")
    assert fractional and not any(fractional)
    fractional.clear()
    new = _profile(model, release="0.8.0")
    assert fractional and all(fractional)
    assert np.abs(new - old).max() <= 1e-9


def test_decompose_widens_to_the_latest_panels_before_the_whole_program(monkeypatch):
    # Search level 5 (since 0.8.0): where the support and the support with the previous
    # panel's types hold no panel (forced here: the programs over them return None and every
    # dive fails), the types of the latest panels join them; the whole program runs only at
    # the first face, which has no panels before it.
    original = decompose_module.support_program
    calls: dict[bytes, int] = {}
    widened = []

    def program(ip, face, support, weight, type_lower, type_upper):
        key = weight.tobytes()
        calls[key] = calls.get(key, 0) + 1
        if calls[key] <= 2:
            return None
        counts = original(ip, face, support, weight, type_lower, type_upper)
        assert counts is not None
        assert dives_module.in_face(ip, face, counts, type_lower, type_upper)
        widened.append(int(support.sum()))
        return counts

    wholes = []
    best = decompose_module.PanelIP.best

    def whole(self, weights):
        wholes.append(1)
        return best(self, weights)

    monkeypatch.setattr(decompose_module, "support_program", program)
    monkeypatch.setattr(decompose_module, "dive", lambda *args, **kwargs: None)
    monkeypatch.setattr(decompose_module.PanelIP, "best", whole)
    model = _synthetic(200, 20, 4)
    ip, target = _relaxed(model)
    wholes.clear()  # the initial panels' programs
    panels, _, mass = decompose(model, Monitor(), target, search=5)
    assert mass < 1e-6
    assert all(ip.feasible(counts) for counts in panels)
    assert len(widened) == len(panels) - 1 and wholes == [1]
