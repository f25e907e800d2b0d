"""Reads of selection runs and their reports, for the run pages, exports and commands."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from assemblies import engine
from assemblies.models import (
    ACTIVE_RUN_STATUSES,
    FINISHED_RUN_STATUSES,
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


#: Below this fraction of the work done, the time left is not estimated (too noisy).
ETA_FROM_FRACTION = 0.05


@dataclass(frozen=True)
class RunProgress:
    """How far a run is, for the run page's progress bar.

    ``phase`` is the engine's current step (e.g. "leximin"), ``fraction`` the overall
    progress of the whole run in [0, 1] (never decreasing: the engine reports it so, see
    ``selection.monitor``), ``seconds_elapsed`` the seconds since the worker started it (0
    while pending) and ``seconds_left`` the estimate ``elapsed * (1 - fraction) / fraction``
    in seconds, or None while under :data:`ETA_FROM_FRACTION` done or not running.
    """

    status: str
    phase: str
    fraction: float
    seconds_elapsed: float
    seconds_left: float | None

    @property
    def percent(self) -> int:
        """The fraction as a whole percentage, rounded down (0-100)."""
        return int(self.fraction * 100 + 1e-9)

    @property
    def text(self) -> str:
        """One line for the page: "Phase: leximin — 42 % — about 1 min left"."""
        parts = [
            gettext("Phase: %(phase)s") % {"phase": self.phase or gettext("waiting")},
            f"{self.percent} %",
        ]
        if self.status == RunStatus.PENDING:
            parts.append(gettext("waiting for a worker"))
        elif self.status == RunStatus.RUNNING:
            parts.append(time_left_text(self.seconds_left))
        return " — ".join(parts)


def time_left_text(seconds: float | None) -> str:
    """The estimated time left in words: "about 3 min left", "less than 1 min left",
    "about 2 h left", or "estimating the time left" for None."""
    if seconds is None:
        return gettext("estimating the time left")
    if seconds < 60:
        return gettext("less than 1 min left")
    minutes = round(seconds / 60)
    if minutes < 120:
        return ngettext("about %(n)d min left", "about %(n)d min left", minutes) % {"n": minutes}
    hours = round(seconds / 3600)
    return ngettext("about %(n)d h left", "about %(n)d h left", hours) % {"n": hours}


def run_progress(*, run: SelectionRun, now: datetime | None = None) -> RunProgress:
    """The run's :class:`RunProgress` at ``now`` (default: the current time).

    A finished run is at fraction 1 with nothing left; a pending run at 0 with no
    estimate; a running run at ``progress_done / progress_total`` (clipped to [0, 1]), with
    the time left estimated from the time elapsed since ``started_at`` once at least
    :data:`ETA_FROM_FRACTION` is done.
    """
    now = now or timezone.now()
    elapsed = 0.0
    if run.started_at is not None:
        end = run.finished_at or now
        elapsed = max(0.0, (end - run.started_at).total_seconds())
    if run.status in FINISHED_RUN_STATUSES:
        return RunProgress(run.status, run.phase, 1.0, elapsed, 0.0)
    fraction = 0.0
    if run.progress_total > 0:
        fraction = min(1.0, max(0.0, run.progress_done / run.progress_total))
    left = None
    if run.status == RunStatus.RUNNING and fraction >= ETA_FROM_FRACTION and elapsed > 0:
        left = elapsed * (1.0 - fraction) / fraction
    return RunProgress(run.status, run.phase, fraction, elapsed, left)


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
class QuotaOutcome:
    """One line of a run's quota table: target range, pool count and selected count
    (for replacements, ``kept`` members are counted in ``selected``)."""

    category: str
    value: str
    min: int
    max: int
    pool: int
    selected: int
    kept: int

    @property
    def met(self) -> bool:
        """True when the selected count lies within [min, max]."""
        return self.min <= self.selected <= self.max


def run_quota_outcomes(*, run: SelectionRun) -> list[QuotaOutcome]:
    """Per quota: target, pool and selected counts, computed from the run's stored inputs
    (so they never change after the run). For a replacement run the targets are the full
    quotas and the counts include the kept members."""
    snapshot = run.input_snapshot or {}
    report = run_report(run=run)
    chosen = set(report.panel) if report else set()
    pool: Counter = Counter()
    selected: Counter = Counter()
    for person in snapshot.get("pool", []):
        for category, value in person["answers"].items():
            pool[(category, value)] += 1
            if person["id"] in chosen:
                selected[(category, value)] += 1
    kept = {(k["category"], k["value"]): k["count"] for k in snapshot.get("kept", [])}
    out = []
    for quota in snapshot.get("targets") or snapshot.get("quotas", []):
        key = (quota["category"], quota["value"])
        held = kept.get(key, 0)
        out.append(
            QuotaOutcome(
                category=quota["category"],
                value=quota["value"],
                min=quota["min"],
                max=quota["max"],
                pool=pool[key],
                selected=selected[key] + held,
                kept=held,
            )
        )
    return out


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


@dataclass(frozen=True)
class ValueFigures:
    """One value of a category in a run, as shares (0..1) for the charts and the report.

    ``target_low``/``target_high`` are the quota's min/max divided by the panel total,
    ``pool_share`` the value's share of the category's pool, ``panel_share`` its share of the
    panel (``selected`` people, kept members included for a replacement run).
    """

    value: str
    min: int
    max: int
    pool: int
    selected: int
    target_low: float
    target_high: float
    pool_share: float
    panel_share: float

    @property
    def met(self) -> bool:
        """True when the selected count lies within [min, max]."""
        return self.min <= self.selected <= self.max


@dataclass(frozen=True)
class CategoryFigures:
    """A category of a run: ``panel_total`` people on the panel (kept members included),
    ``pool_total`` people in the run's pool, and one :class:`ValueFigures` per value."""

    category: str
    panel_total: int
    pool_total: int
    values: list[ValueFigures]


def run_category_figures(*, run: SelectionRun) -> list[CategoryFigures]:
    """Per category of the run's quota table (in table order): target range, pool share and
    panel count/share of each value, from :func:`run_quota_outcomes` (so they never change
    after the run). Shares are 0..1; a zero total gives shares of 0."""
    grouped: dict[str, list[QuotaOutcome]] = {}
    for outcome in run_quota_outcomes(run=run):
        grouped.setdefault(outcome.category, []).append(outcome)
    out = []
    for category, outcomes in grouped.items():
        panel_total = sum(o.selected for o in outcomes) or run.panel_size
        pool_total = sum(o.pool for o in outcomes)
        out.append(
            CategoryFigures(
                category=category,
                panel_total=panel_total,
                pool_total=pool_total,
                values=[
                    ValueFigures(
                        value=o.value,
                        min=o.min,
                        max=o.max,
                        pool=o.pool,
                        selected=o.selected,
                        target_low=_share(o.min, panel_total),
                        target_high=_share(o.max, panel_total),
                        pool_share=_share(o.pool, pool_total),
                        panel_share=_share(o.selected, panel_total),
                    )
                    for o in outcomes
                ],
            )
        )
    return out


def _share(count: int, total: int) -> float:
    return min(1.0, count / total) if total else 0.0


@dataclass(frozen=True)
class ReplacementFigures:
    """The figures that matter for a replacement run: ``drawn`` replacements from a pool of
    ``pool`` people (the kept members, ``kept``, are not in it), the equal share
    ``drawn / pool``, the highest probability any one person had, and how many quotas of
    the full panel are met (``quotas_met`` of ``quotas``)."""

    drawn: int
    pool: int
    kept: int
    equal_share: float
    max_probability: float
    quotas_met: int
    quotas: int


def run_replacement_figures(*, run: SelectionRun) -> ReplacementFigures | None:
    """:class:`ReplacementFigures` of a succeeded replacement run, else None."""
    report = run_report(run=run)
    if report is None or run.kind != RunKind.REPLACEMENT:
        return None
    probabilities = run_probabilities_sorted(run=run)
    outcomes = run_quota_outcomes(run=run)
    kept_by_category: Counter = Counter()
    for outcome in outcomes:
        kept_by_category[outcome.category] += outcome.kept
    pool = len(probabilities)
    return ReplacementFigures(
        drawn=len(report.panel),
        pool=pool,
        kept=max(kept_by_category.values(), default=0),
        equal_share=len(report.panel) / pool if pool else 0.0,
        max_probability=probabilities[-1] if probabilities else 0.0,
        quotas_met=sum(1 for o in outcomes if o.met),
        quotas=len(outcomes),
    )


def problem_plain(problem: engine.Problem) -> str:
    """One input problem as a plain sentence: the engine's message first, then where it was
    found ("line 5 of quotas.csv, in the “min” column") and the value if the message does not
    already say it. Nothing is lost compared with ``str(problem)``."""
    message = problem.message.strip()
    text = message[:1].upper() + message[1:]
    if not text.endswith((".", "!", "?")):
        text += "."
    where = []
    if problem.line is not None:
        where.append(f"line {problem.line}" + (f" of {problem.file}" if problem.file else ""))
    elif problem.file is not None:
        where.append(f"the file {problem.file}")
    if problem.column is not None:
        where.append(f"in the “{problem.column}” column")
    if where:
        text += " See " + ", ".join(where) + "."
    if problem.value is not None and str(problem.value) not in message:
        text += f" The value there is “{problem.value}”."
    return text


@dataclass(frozen=True)
class QuotaChange:
    """One quota's suggested new bounds: from ``min``-``max`` (the bounds the engine saw) to
    ``new_min``-``new_max`` (``new_min <= min``, ``new_max >= max``). Plain data, the shape of
    the engine's ``Relaxation``, stored with a failed run and posted by the "Apply this
    relaxation" form."""

    category: str
    value: str
    min: int
    max: int
    new_min: int
    new_max: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: the six fields by name."""
        return {
            "category": self.category,
            "value": self.value,
            "min": self.min,
            "max": self.max,
            "new_min": self.new_min,
            "new_max": self.new_max,
        }


@dataclass(frozen=True)
class Infeasibility:
    """Why the quotas cannot be met, said once for organisers.

    ``lines`` are plain sentences (what cannot be met, each conflicting quota with its pool
    count, the equally good other changes) without the suggestion itself, which is
    ``relaxation`` (empty when none exists, e.g. the pool is smaller than the panel);
    ``beyond_flex`` is True when the suggestion goes beyond the allowed min_flex/max_flex.
    """

    lines: list[str]
    relaxation: list[QuotaChange]
    beyond_flex: bool

    @property
    def relaxation_json(self) -> str:
        """The suggestion as JSON, as the "Apply this relaxation" form posts it."""
        return json.dumps([change.as_dict() for change in self.relaxation], ensure_ascii=False)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, read back by :func:`infeasibility_from_dict`."""
        return {
            "lines": list(self.lines),
            "relaxation": [change.as_dict() for change in self.relaxation],
            "beyond_flex": self.beyond_flex,
        }


def infeasibility_of(report: engine.FeasibilityReport) -> Infeasibility | None:
    """The report's :class:`Infeasibility`, or None for a feasible report."""
    if report.feasible:
        return None
    lines = [
        line
        for line in feasibility_plain(report)
        if not line.startswith(("Suggested change: ", "The flexible limits"))
    ]
    return Infeasibility(
        lines=lines,
        relaxation=[
            QuotaChange(r.category, r.value, r.min, r.max, r.new_min, r.new_max)
            for r in report.relaxation
        ],
        beyond_flex=not report.within_flex,
    )


def infeasibility_from_dict(data: dict) -> Infeasibility:
    """The inverse of :meth:`Infeasibility.as_dict`."""
    return Infeasibility(
        lines=[str(line) for line in data.get("lines", [])],
        relaxation=[QuotaChange(**change) for change in data.get("relaxation", [])],
        beyond_flex=bool(data.get("beyond_flex")),
    )


def run_infeasibility(*, run: SelectionRun) -> Infeasibility | None:
    """The :class:`Infeasibility` stored with a run that failed because its quotas could not
    be met (``run.result["infeasibility"]``), else None."""
    if run.status != RunStatus.FAILED or not isinstance(run.result, dict):
        return None
    data = run.result.get("infeasibility")
    return infeasibility_from_dict(data) if isinstance(data, dict) else None


def feasibility_plain(report: engine.FeasibilityReport) -> list[str]:
    """A feasibility report in plain sentences for organisers: what cannot be met, each
    conflicting quota with the number of such people in the pool, and the suggested change
    of each quota (the smallest relaxation, then the equally good alternatives).

    Returns:
        One sentence per line; empty for a feasible report.
    """
    if report.feasible:
        return []
    household = ", with at most one person per household," if report.households else ""
    lines = [
        f"The quotas cannot be met: no panel of {report.panel_size} people{household} "
        "drawn from this pool meets every quota."
    ]
    if not report.possible:
        lines.append(
            "Even without any quotas the pool cannot fill the panel: add people to the pool "
            "or draw a smaller panel."
        )
        return lines
    for c in report.conflicts:
        count = report.pool_counts.get((c.category, c.value), 0)
        people = "person" if count == 1 else "people"
        if c.bound == "min":
            lines.append(
                f"{c.category} “{c.value}”: the panel must have at least {c.current}, but only "
                f"{c.needed} can be reached ({count} such {people} in the pool)."
            )
        else:
            lines.append(
                f"{c.category} “{c.value}”: the panel may have at most {c.current}, but at "
                f"least {c.needed} are needed to fill it ({count} such {people} in the pool)."
            )
    if not report.within_flex:
        lines.append(
            "The flexible limits you allowed (min flex, max flex) are not enough; the change "
            "below goes beyond them."
        )
    if report.relaxation:
        lines.append("Suggested change: " + _relaxation_plain(report.relaxation))
    for number, option in enumerate(report.alternatives, start=2):
        lines.append(f"Or, equally good (option {number}): " + _relaxation_plain(option))
    if report.more_alternatives:
        lines.append("Other changes are equally good.")
    return lines


def _relaxation_plain(relaxation: list) -> str:
    parts = [
        f"{r.category} “{r.value}” from {r.min}–{r.max} to {r.new_min}–{r.new_max} people"
        for r in relaxation
    ]
    return "; ".join(parts) + "."
