"""The figures of a run's report, computed from the run's stored inputs and result (so they
never change after the run): the quota table, per category target vs pool vs panel, and what
a replacement run's figures mean."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from assemblies.models import RunKind, SelectionRun
from assemblies.selectors.runs import run_probabilities_sorted, run_report


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
