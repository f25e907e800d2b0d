"""Reads of published draw records, for the public pages (``/a/<slug>/draws/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from assemblies import engine
from assemblies.models import Assembly, PanelOverride, RunStatus, SelectionRun
from assemblies.selectors.runs import (
    QuotaOutcome,
    run_probabilities_sorted,
    run_quota_outcomes,
    run_report,
)
from opendlp.core.errors import NotFound


def published_runs(*, assembly: Assembly) -> QuerySet[SelectionRun]:
    """The assembly's published draw records, oldest first (the order they happened in)."""
    return SelectionRun.objects.filter(
        assembly=assembly,
        published_at__isnull=False,
        status__in=[RunStatus.SUCCEEDED, RunStatus.AWAITING_SEED],
    ).order_by("created_at", "id")


@dataclass(frozen=True)
class RecordRow:
    """One pool member on a public record: pseudonymous ``id`` (the registrant's random public
    id), the ``answers`` the draw used (values in the order of ``DrawRecord.categories``), the
    selection ``probability`` (0..1) and whether the draw ``selected`` them."""

    id: str
    answers: list[str]
    probability: float
    selected: bool


@dataclass(frozen=True)
class DrawRecord:
    """What the public record of a run shows (nothing personal).

    ``report``: the engine's result (seed, input digest, figures, panel); ``quotas``: target,
    pool and panel counts per quota; ``probabilities``: every pool member's probability,
    ascending (for the chart); ``rows``: the pool, by id; ``categories``: the quota categories,
    in table order; ``overrides``: manual overrides of the assembly's panel made after this
    draw (each with the registrant's public id, the time and the published reason), and for a
    voided run only those made before it was voided. A voided run (``run.voided_at``,
    ``run.void_reason``) stays published: the page says so with the reason.
    """

    run: SelectionRun
    report: engine.SelectionResult | None
    quotas: list[QuotaOutcome]
    probabilities: list[float]
    rows: list[RecordRow]
    categories: list[str]
    overrides: list[PanelOverride]


def published_run(*, assembly: Assembly, run_id: int) -> SelectionRun:
    """A published run of the assembly.

    Raises:
        NotFound: no such run in this assembly, or it is not published.
    """
    run = published_runs(assembly=assembly).filter(pk=run_id).first()
    if run is None:
        raise NotFound("There is no such published draw.")
    return run


def draw_record(*, run: SelectionRun) -> DrawRecord:
    """The public record of a published run (see :class:`DrawRecord`); ``report`` is None
    while a ceremony run awaits its seed (the probabilities then come from the fixed
    distribution and nobody is drawn yet)."""
    report = run_report(run=run)
    if report is None and run.status != RunStatus.AWAITING_SEED:
        raise NotFound("This run has no result.")
    chosen = set(report.panel) if report else set()
    chances = report.probabilities if report else (run.prepared or {}).get("probabilities", {})
    snapshot: dict[str, Any] = run.input_snapshot or {}
    categories = list(dict.fromkeys(q["category"] for q in snapshot.get("quotas", [])))
    rows = sorted(
        (
            RecordRow(
                id=str(person["id"]),
                answers=[str(person["answers"].get(c, "")) for c in categories],
                probability=float(chances.get(str(person["id"]), 0.0)),
                selected=str(person["id"]) in chosen,
            )
            for person in snapshot.get("pool", [])
        ),
        key=lambda row: row.id,
    )
    overrides = PanelOverride.objects.filter(
        assembly_id=run.assembly_id, created_at__gte=run.finished_at or run.created_at
    )
    if run.voided_at is not None:  # only the changes made while this panel stood
        overrides = overrides.filter(created_at__lte=run.voided_at)
    return DrawRecord(
        run=run,
        report=report,
        quotas=run_quota_outcomes(run=run),
        probabilities=(
            run_probabilities_sorted(run=run) if report else sorted(map(float, chances.values()))
        ),
        rows=rows,
        categories=categories,
        overrides=list(overrides.select_related("registrant")),
    )


def draw_bundle(*, run: SelectionRun) -> dict[str, Any]:
    """The run's verification bundle (:func:`assemblies.engine.report_bundle`)."""
    return engine.report_bundle(run.input_snapshot, run.result)
