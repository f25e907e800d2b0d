"""Reading a stored engine report (``SelectionResult.to_dict()``) back into the engine's own
:class:`selection.SelectionResult`; plain Python, so run pages load no numpy or HiGHS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assemblies.engine.snapshot import snapshot_inputs
from selection.result import SelectionResult


def report_read(report: Mapping[str, Any]) -> SelectionResult:
    """The engine's result for a stored report.

    Args:
        report: a run's stored report, as written by ``SelectionResult.to_dict()``.

    Returns:
        :class:`selection.SelectionResult` (panel ids in pool order, probabilities in [0, 1],
        the distribution with integer weights; ``panel_probabilities()`` gives each panel's
        probability).

    Raises:
        KeyError, TypeError, ValueError: the report lacks a field or has a malformed one;
        stored reports come from the engine, so this means the row was altered.
    """
    return SelectionResult.from_dict(report)


def report_bundle(snapshot: Mapping[str, Any], report: Mapping[str, Any]) -> dict[str, Any]:
    """The verification bundle of a run (:mod:`selection.bundle`): its pseudonymous inputs
    (quotas; pool as public id, answers and hashed household key, the latter only when the
    household rule was on), settings and report, checkable with
    ``python -m selection verify --bundle``.

    Args:
        snapshot: the run's stored inputs. report: the run's stored report.
    """
    from selection.bundle import bundle_make  # lazy

    quotas, pool, size, households = snapshot_inputs(snapshot)
    return bundle_make(quotas, pool, report, panel_size=size, households=households)
