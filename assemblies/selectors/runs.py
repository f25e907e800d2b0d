"""Reads of selection runs and their reports, for the run pages, exports and commands: the
runs of an assembly, a run's parsed report, its panel and probabilities.

The run report's figures are :mod:`assemblies.selectors.run_figures`, a run's progress
:mod:`assemblies.selectors.run_progress`, engine problems and infeasibility in plain words
:mod:`assemblies.selectors.infeasibility`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from assemblies import engine
from assemblies.models import (
    ACTIVE_RUN_STATUSES,
    Assembly,
    Registrant,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.states import (
    PANEL_STATUSES,
)


def active_run(*, assembly: Assembly) -> SelectionRun | None:
    """The assembly's pending or running selection run, if any."""
    return SelectionRun.objects.filter(assembly=assembly, status__in=ACTIVE_RUN_STATUSES).first()


def runs_of(*, assembly: Assembly) -> QuerySet[SelectionRun]:
    """The assembly's runs, newest first."""
    return SelectionRun.objects.filter(assembly=assembly).select_related("requested_by")


def latest_panel_run(*, assembly: Assembly) -> SelectionRun | None:
    """The newest succeeded panel run."""
    return (
        SelectionRun.objects.filter(
            assembly=assembly, kind=RunKind.PANEL, status=RunStatus.SUCCEEDED
        )
        .order_by("-finished_at", "-id")
        .first()
    )


def run_report(*, run: SelectionRun) -> engine.SelectionResult | None:
    """A succeeded run's report as the engine's :class:`selection.SelectionResult`, or None
    before it succeeds.

    The parsed report is kept on the ``run`` instance for as long as ``run.result`` is the same
    object, so a page that asks several reads of one run (quotas, panel, chart) parses a
    report of a large pool once, not once per read.
    """
    if run.status != RunStatus.SUCCEEDED or not run.result:
        return None
    cached = getattr(run, "_parsed_report", None)
    if cached is None or cached[0] is not run.result:
        cached = (run.result, engine.report_read(run.result))
        run._parsed_report = cached  # type: ignore[attr-defined]
    return cached[1]


@dataclass(frozen=True)
class PanelMember:
    """A selected person of a run: the registrant (None if unknown) and their probability."""

    engine_id: str
    registrant: Registrant | None
    probability: float | None


def run_panel_members(*, run: SelectionRun) -> list[PanelMember]:
    """The run's panel in report order, with registrants fetched in one query."""
    report = run_report(run=run)
    if report is None:
        return []
    registrants = {
        str(r.public_id): r
        for r in Registrant.objects.filter(assembly_id=run.assembly_id, public_id__in=report.panel)
    }
    return [
        PanelMember(pid, registrants.get(pid), report.probabilities.get(pid))
        for pid in report.panel
    ]


def run_probabilities_sorted(*, run: SelectionRun) -> list[float]:
    """Every pool member's selection probability, ascending (for the chart)."""
    report = run_report(run=run)
    if report is None:
        return []
    ids = [p["id"] for p in (run.input_snapshot or {}).get("pool", [])]
    probabilities = [report.probabilities.get(pid, 0.0) for pid in ids] or list(
        report.probabilities.values()
    )
    return sorted(probabilities)


def panel_registrants(*, assembly: Assembly, run: SelectionRun | None = None) -> list[Registrant]:
    """The panel to export: the run's panel members (any status), or without a run the
    registrants currently selected or confirmed."""
    if run is not None:
        report = run_report(run=run)
        ids = report.panel if report else []
        return list(Registrant.objects.filter(assembly=assembly, public_id__in=ids).order_by("id"))
    return list(
        Registrant.objects.filter(assembly=assembly, status__in=PANEL_STATUSES).order_by("id")
    )
