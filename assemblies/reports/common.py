"""What both report files share: the run's result, its categories and pool as the engine saw
them, and timestamps as written in the files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from assemblies import engine
from assemblies.models import SelectionRun
from assemblies.selectors.runs import run_report


class NoResult(ValueError):
    """The run has no result to report (it is pending, running, failed or cancelled)."""


def run_result(run: SelectionRun) -> engine.SelectionResult:
    """The run's stored engine report.

    Raises:
        NoResult: the run has not succeeded.
    """
    report = run_report(run=run)
    if report is None:
        raise NoResult(_("The run has no result: a report exists once the run has succeeded."))
    return report


def moment_text(moment: datetime | None) -> str:
    """A timestamp in the site's time zone, to the minute, with the zone's name."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def run_categories(run: SelectionRun) -> list[str]:
    """The run's categories in quota-table order."""
    quotas = (run.input_snapshot or {}).get("quotas", [])
    return list(dict.fromkeys(q["category"] for q in quotas))


def run_pool(run: SelectionRun) -> list[dict[str, Any]]:
    """The pool the engine was given: ``{"id": public id, "answers": {...}, ...}`` dicts."""
    return list((run.input_snapshot or {}).get("pool", []))
