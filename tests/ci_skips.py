"""Pytest plugin: in CI, a skipped test fails the run.

Tests that need a service (PostgreSQL, Redis, Chromium) or the shared sortition data skip with
a reason on a developer's machine that lacks it. With the environment variable ``CI`` set to a
true value (``1``, ``true``, ``yes``) any skip (an expected failure, ``xfail``, is not a skip)
makes the run fail, so CI can never pass by silently not running a test. The skipped tests are
listed in the terminal summary either way.
"""

from __future__ import annotations

import os

import pytest

_skips: list[str] = []


def ci() -> bool:
    """True when the ``CI`` environment variable is set to a true value."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Record every skipped test (setup or call phase) with its reason."""
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skips.append(f"{report.nodeid}: {reason.removeprefix('Skipped: ')}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session in CI when anything was skipped."""
    if ci() and _skips and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    """List the skipped tests, saying whether CI fails because of them."""
    if _skips:
        verdict = "FAILED in CI" if ci() else "skipped"
        terminalreporter.section(f"skipped tests {verdict}")
        for line in _skips:
            terminalreporter.write_line(line)
