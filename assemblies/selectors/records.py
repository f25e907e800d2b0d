"""Reads of published draw records, for the public pages (``/a/<slug>/draws/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from assemblies import engine
from assemblies.models import Assembly, PanelOverride, RunStatus, SelectionRun
from assemblies.selectors.run_figures import QuotaOutcome, run_quota_outcomes
from assemblies.selectors.runs import run_probabilities_sorted, run_report
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


@dataclass(frozen=True)
class LotteryTicketRow:
    """One panel of a transparent lottery: the tickets ``first``..``last`` that name it, and
    its members as ``(count, size, answers)`` per type (``count`` of the ``size`` people of
    the pool who gave ``answers``, in the order of ``DrawRecord.categories``); ``drawn`` when
    the ticket picked is in its range."""

    first: int
    last: int
    members: list[tuple[int, int, list[str]]]
    drawn: bool

    @property
    def tickets(self) -> int:
        """How many of the M tickets name this panel."""
        return self.last - self.first + 1


@dataclass(frozen=True)
class DrawLottery:
    """A run's transparent lottery, as its public record shows it.

    ``panels``: M, the number of equally likely tickets; ``ticket``: the one picked (None
    before the pick); ``source``: ``"public"`` (picked in public), ``"seed"`` (drawn from the
    seed) or ``""`` (not yet picked); ``max_change``: the largest change of anyone's selection
    probability made by rounding the distribution to M tickets (0..1); ``digest``: the
    tickets' SHA-256 published before a ceremony's pick (``""`` otherwise); ``rows``: one per
    panel holding tickets, in ticket order.
    """

    panels: int
    ticket: int | None
    source: str
    max_change: float
    digest: str
    rows: list[LotteryTicketRow]

    @property
    def max_change_points(self) -> float:
        """``max_change`` in percentage points."""
        return 100.0 * self.max_change


def draw_lottery(*, run: SelectionRun) -> DrawLottery | None:
    """The transparent lottery stored with a run (its report's ``extra`` once drawn, its
    prepared phase-1 data while a ceremony awaits the pick), or None without one."""
    report = run_report(run=run)
    if report is not None:
        lottery: dict[str, Any] = report.extra
        types: list[list[str]] = report.types
        ticket = lottery.get("ticket")
    else:
        prepared = run.prepared or {}
        lottery = prepared.get("lottery") or {}
        lottery = {**lottery, "lottery_sha256": prepared.get("lottery_sha256", "")}
        types = prepared.get("types") or []
        ticket = None
    if run.panels is None or "tickets" not in lottery:
        return None
    snapshot: dict[str, Any] = run.input_snapshot or {}
    categories = list(dict.fromkeys(q["category"] for q in snapshot.get("quotas", [])))
    answers = {
        str(p["id"]): [str(p["answers"].get(c, "")) for c in categories]
        for p in snapshot.get("pool", [])
    }
    rows = []
    for entry in lottery["tickets"]:
        first, last = int(entry["first"]), int(entry["last"])
        members = [
            (int(count), len(types[t]), answers.get(types[t][0], []))
            for t, count in entry["counts"]
            if 0 <= t < len(types) and types[t]
        ]
        drawn = isinstance(ticket, int) and first <= ticket <= last
        rows.append(LotteryTicketRow(first=first, last=last, members=members, drawn=drawn))
    return DrawLottery(
        panels=int(lottery["ticket_panels"]),
        ticket=ticket if isinstance(ticket, int) else None,
        source=str(lottery.get("ticket_source", "")) if ticket is not None else "",
        max_change=float(lottery.get("max_probability_change", 0.0)),
        digest=str(lottery.get("lottery_sha256", "")),
        rows=rows,
    )
