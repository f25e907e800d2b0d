"""The verification bundle: VERIFIED as made, NOT VERIFIED after any change, and checkable
with a copy of the selection package alone."""

from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
import sys

import pytest

from selection import bundle_make, select, verify_bundle
from selection.bundle import bundle_dumps
from selection.synthetic import synthetic_instance
from tests.selection.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def bundle():
    quotas, pool = synthetic_instance(40, 8, 3, seed="bundle")
    # Households as the platform stores them: salted hashes, a few shared.
    pool = type(pool)(
        type(p)(p.id, p.answers, f"h{i // 3:04x}" if i < 9 else None) for i, p in enumerate(pool)
    )
    result = select(quotas, pool, 8, seed="public seed", households=True)
    return bundle_make(quotas, pool, result.to_dict(), panel_size=8, households=True)


def test_verify_bundle_accepts_the_bundle_as_made(bundle):
    outcome = verify_bundle(json.loads(bundle_dumps(bundle)), recompute=True)
    assert outcome.ok, outcome.message()


def _set(path: str, change):
    def apply(data):
        node = data
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        last = int(keys[-1]) if keys[-1].isdigit() else keys[-1]
        node[last] = change(node[last])

    return apply


TAMPERS = {
    "seed": _set("report.seed", lambda v: v + "x"),
    "settings seed": _set("settings.seed", lambda v: v + "x"),
    "panel size": _set("settings.panel_size", lambda v: v + 1),
    "algorithm": _set("settings.algorithm", lambda v: "nash"),
    "households": _set("settings.households", lambda v: not v),
    "an answer": _set("pool.0.answers", lambda a: {**a, next(iter(a)): "other"}),
    "an id": _set("pool.3.id", lambda v: v + "x"),
    "a household": _set("pool.1.household", lambda v: "h9999"),
    "a quota bound": _set("quotas.0.max", lambda v: v + 1),
    "a probability": _set("report.probabilities", lambda p: {**p, next(iter(p)): 0.99}),
    "the panel": _set("report.panel", lambda panel: panel[1:] + ["p-unknown"]),
    "a weight": _set("report.distribution.0.weight", lambda v: v + 1),
    "the digest": _set("report.input_digest", lambda v: "0" * 64),
    "the minimum": _set("report.min_probability", lambda v: v + 0.01),
    "the gini": _set("report.gini", lambda v: v + 0.01),
    "the version": _set("report.version", lambda v: "0.0.0"),
    "the format": _set("format", lambda v: "other"),
}


@pytest.mark.parametrize("name", TAMPERS)
def test_verify_bundle_refuses_a_tampered_field(bundle, name):
    data = copy.deepcopy(bundle)
    TAMPERS[name](data)
    outcome = verify_bundle(data)
    assert not outcome.ok, name
    assert outcome.message().endswith("NOT VERIFIED")


def test_verify_bundle_refuses_a_dropped_person(bundle):
    data = copy.deepcopy(bundle)
    dropped = next(p for p in data["pool"] if p["id"] not in data["report"]["panel"])
    data["pool"].remove(dropped)
    assert not verify_bundle(data).ok


def test_verify_bundle_runs_with_the_selection_package_alone(bundle, tmp_path):
    """As on another machine: a copy of selection/ and the bundle, no Django, no project."""
    shutil.copytree(
        PROJECT_ROOT / "selection",
        tmp_path / "selection",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    path = tmp_path / "bundle.json"
    path.write_text(bundle_dumps(bundle), encoding="utf-8")
    command = [sys.executable, "-m", "selection", "verify", "--bundle", str(path)]
    ok = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.strip().endswith("VERIFIED") and "NOT VERIFIED" not in ok.stdout
    tampered = copy.deepcopy(bundle)
    tampered["report"]["seed"] = "another seed"
    path.write_text(bundle_dumps(tampered), encoding="utf-8")
    bad = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "NOT VERIFIED" in bad.stdout, bad.stdout + bad.stderr
    assert "Traceback" not in bad.stderr


def test_verify_without_bundle_or_report_is_a_clear_error(tmp_path):
    from selection.cli import main

    out, err = io.StringIO(), io.StringIO()
    assert main(["verify"], out=out, err=err) == 2
    assert "--bundle" in err.getvalue()
