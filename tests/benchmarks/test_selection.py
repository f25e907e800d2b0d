"""The selection benchmark's options, worker timeout and Markdown table."""

from __future__ import annotations

import pytest

from benchmarks import selection as bench


def test_shape_names_accepts_short_and_full_names():
    assert bench.shape_names("300_20_7, correlated_400_40_6,1000/100/7") == [
        "correlated_300_20_7",
        "correlated_400_40_6",
        "correlated_1000_100_7",
    ]
    assert bench.shape_names("small") == [
        "correlated_300_20_7",
        "correlated_400_40_6",
        "correlated_1000_100_7",
    ]
    assert len(bench.shape_names("all")) == 6


def test_shape_names_unknown_shape_names_it():
    with pytest.raises(ValueError, match="unknown shape '300_21_7'"):
        bench.shape_names("300_21_7")


def test_load_correlated_shape_gives_its_sizes():
    quotas, pool, k, households = bench.load("correlated_400_40_6")
    assert (len(pool), k, len(quotas.categories), households) == (400, 40, 6, False)


def test_spawn_kills_a_run_past_its_timeout():
    assert bench._spawn(["ours", "correlated_1000_100_7", "leximin"], 0.5) == {"timeout": 0.5}


def test_spawn_returns_a_finished_runs_figures():
    outcome = bench._spawn(["ours", "synthetic_312_35_6", "legacy"], 300)
    assert outcome is not None and outcome["n"] == 312 and outcome["k"] == 35
    assert outcome["cpu"] > 0 and outcome["peak_mb"] > 0


def test_table_row_timeout_unavailable_and_ratio():
    shape = {"n": 300, "k": 20, "types": 249}
    timed_out = bench.table_row("x", "leximin", {"timeout": 180.0}, shape)
    assert timed_out.startswith("| x | 300 | 20 | 249 | leximin | > 180 s |")
    assert timed_out.count("|") == bench.HEADER.count("|")
    missing = bench.table_row("x", "SA maximin (mip)", {"unavailable": "backend unavailable"}, {})
    assert "backend unavailable" in missing and missing.count("|") == bench.HEADER.count("|")
    done = {
        "seconds": 2.0,
        "cpu": 3.0,
        "peak_mb": 80.0,
        "min_probability": 0.1,
        "gini": 0.01,
        "panels": 9,
    }
    assert bench.table_row("x", "SA maximin (highspy)", done, shape, 1.5).endswith("| 9 | 2.0x |")


def test_backend_available_false_for_a_missing_package():
    assert bench.backend_available("highspy")
    assert not bench.backend_available("no_such_solver_package")


def test_instance_shape_counts_pool_panel_and_types():
    assert bench.instance_shape("correlated_300_20_7") == {"n": 300, "k": 20, "types": 249}
