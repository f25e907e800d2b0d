"""The CI rule of tests/ci_skips.py: a skipped test fails the run when CI is set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]

SKIPPING = """
import pytest

def test_runs():
    assert True

def test_needs_something():
    pytest.skip("needs the shared sortition data")

@pytest.mark.xfail(reason="known")
def test_known_failure():
    assert False
"""


def _run(tmp_path: Path, ci: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(SKIPPING, encoding="utf-8")
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:django", "-p", "no:cacheprovider",
         "-p", "tests.ci_skips", "-c", os.devnull, str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip


def test_ci_skips_fail_the_run_in_ci(tmp_path):
    result = _run(tmp_path, "true")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "skipped tests FAILED in CI" in result.stdout
    assert "test_needs_something: needs the shared sortition data" in result.stdout
    assert "test_known_failure" not in result.stdout.split("skipped tests")[1]


def test_ci_skips_only_list_skips_outside_ci(tmp_path):
    result = _run(tmp_path, "")
    assert result.returncode == pytest.ExitCode.OK, result.stdout
    assert "skipped tests skipped" in result.stdout
