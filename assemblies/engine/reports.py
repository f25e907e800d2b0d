"""Reading a stored engine report (``SelectionResult.to_dict()``) into what the pages show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PanelShare:
    """One panel of the distribution: its ``probability``, integer ``weight`` (0 when the
    report gives none) and composition ``counts``: ``[(type index, members drawn)]``; the
    members of each type are ``Report.types[type index]``."""

    probability: float
    weight: int
    counts: list[tuple[int, int]]


@dataclass(frozen=True)
class Report:
    """The parts of an engine report the pages show.

    ``panel``: selected ids in report order; ``probabilities``: ``{id: selection probability}``
    (0..1) for everyone in the pool; ``distribution``: the panels with their probabilities;
    ``types``: ids of interchangeable people per type; the fairness figures may be None when
    the report does not give them.
    """

    panel: list[str]
    probabilities: dict[str, float]
    distribution: list[PanelShare]
    types: list[list[str]]
    min_probability: float | None
    gini: float | None
    geometric_mean: float | None
    num_panels: int | None
    seconds: float | None
    algorithm: str
    version: str
    seed: str
    input_digest: str
    estimated_from: int | None = None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def report_read(report: Mapping[str, Any]) -> Report:
    """Extract the shown parts of a stored report (``SelectionResult.to_dict()``), tolerating
    missing keys."""
    probabilities = {str(k): float(v) for k, v in (report.get("probabilities") or {}).items()}
    distribution = [
        PanelShare(
            probability=float(item.get("probability", 0.0)),
            weight=int(item.get("weight", 0)),
            counts=[(int(t), int(c)) for t, c in item.get("counts", [])],
        )
        for item in report.get("distribution") or []
    ]
    num_panels = report.get("num_panels")
    estimated = report.get("probabilities_estimated_from")
    return Report(
        panel=[str(x) for x in report.get("panel") or []],
        probabilities=probabilities,
        distribution=distribution,
        types=[[str(x) for x in t] for t in report.get("types") or []],
        min_probability=_float(report.get("min_probability")),
        gini=_float(report.get("gini")),
        geometric_mean=_float(report.get("geometric_mean")),
        num_panels=int(num_panels) if num_panels is not None else len(distribution) or None,
        seconds=_float(report.get("seconds")),
        algorithm=str(report.get("algorithm") or ""),
        version=str(report.get("version") or ""),
        seed=str(report.get("seed") or ""),
        input_digest=str(report.get("input_digest") or ""),
        estimated_from=int(estimated) if estimated is not None else None,
    )
