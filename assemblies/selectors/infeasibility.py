"""Engine problems and infeasibility in plain words, for failed runs and the feasibility
page, with the suggested relaxation as :class:`QuotaChange` rows."""

from __future__ import annotations

import json
from dataclasses import dataclass

from assemblies import engine
from assemblies.models import RunStatus, SelectionRun


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
