"""The result of a selection run, its statistics and its JSON form (the CLI's REPORT.json)."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from selection.model import PanelShare, Pool, QuotaTable
from selection.version import __version__


def input_digest(
    quotas: QuotaTable, pool: Pool, panel_size: int, algorithm: str, households: bool
) -> str:
    """SHA-256 (hex) of the canonicalised inputs.

    The canonical form is compact JSON (sorted keys, UTF-8) of: the quotas as
    ``[category, value, min, max, min_flex, max_flex]`` sorted; the pool as
    ``[id, [[category, answer], ...] sorted by category (quota categories only), household]``
    sorted by id (household ``null`` when the household rule is off); the panel size; the
    algorithm; the household flag.
    """
    categories = sorted(quotas.categories)
    canonical = {
        "quotas": sorted(
            [q.category, q.value, q.min, q.max, q.min_flex, q.max_flex] for q in quotas
        ),
        "pool": sorted(
            [
                p.id,
                [[c, p.answers.get(c)] for c in categories],
                p.household if households else None,
            ]
            for p in pool
        ),
        "panel_size": panel_size,
        "algorithm": algorithm,
        "households": bool(households),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_pool(pool: Pool) -> Pool:
    """The pool in canonical order: by id, the order :func:`input_digest` hashes it in.

    The engine works on this order, so the panel drawn depends only on what the digest
    covers: shuffling the rows of a respondents file changes neither the digest nor the panel.
    """
    return Pool(sorted(pool, key=lambda person: person.id))


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values in [0, 1] (0 = all equal; 0 for empty/all 0)."""
    xs = sorted(values)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    weighted = sum((2 * (i + 1) - n - 1) * x for i, x in enumerate(xs))
    return weighted / (n * total)


def geometric_mean(values: Sequence[float]) -> float:
    """Geometric mean (0 when any value is 0; 0 for an empty list)."""
    if not values or min(values) <= 0:
        return 0.0
    return math.exp(sum(math.log(v) for v in values) / len(values))


@dataclass(frozen=True)
class QuotaRow:
    """Report row for one quota: target range, pool count and selected count."""

    category: str
    value: str
    min: int
    max: int
    pool_count: int
    selected_count: int

    @property
    def met(self) -> bool:
        """Whether the selected count is within [min, max]."""
        return self.min <= self.selected_count <= self.max


def quota_report(quotas: QuotaTable, pool: Pool, panel: Sequence[str]) -> list[QuotaRow]:
    """Per-quota rows for a panel (ids) drawn from ``pool``."""
    selected = set(panel)
    rows = []
    for q in quotas:
        in_pool = [p for p in pool if p.answers.get(q.category) == q.value]
        rows.append(
            QuotaRow(
                q.category,
                q.value,
                q.min,
                q.max,
                len(in_pool),
                sum(1 for p in in_pool if p.id in selected),
            )
        )
    return rows


@dataclass(frozen=True)
class SelectionResult:
    """What a selection run produced, with the evidence to verify it.

    Attributes:
        algorithm: "leximin", "maximin", "nash" or "legacy".
        version: the ``selection`` package version.
        seed: the text seed of the draw.
        input_digest: SHA-256 of the canonical inputs (:func:`input_digest`).
        panel_size: k.
        households: whether the household rule was on.
        panel: the selected ids, in canonical order (by id, :func:`canonical_pool`).
        probabilities: ``{id: selection probability in [0, 1]}`` for everyone in the pool.
        min_probability, gini, geometric_mean: statistics of ``probabilities``.
        seconds: wall time of the run (seconds).
        types: for each type index, its members' ids in canonical order.
        distribution: the panels (compositions over ``types``) with integer weights; a panel
            maps to ids deterministically given the seed (:func:`selection.draw.draw_panel`).
            Empty for ``legacy``, whose panel is re-drawn by re-running the greedy draw.
        weight_total: sum of the weights (panel probability = weight / weight_total).
        quotas: per-quota report rows.
        estimated_from: for ``legacy``, the number of seeded draws the probabilities were
            estimated from (``None`` otherwise: the probabilities are exact).
        attempts: for ``legacy``, the attempt number (1-based) that produced the panel.
    """

    algorithm: str
    version: str
    seed: str
    input_digest: str
    panel_size: int
    households: bool
    panel: list[str]
    probabilities: dict[str, float]
    min_probability: float
    gini: float
    geometric_mean: float
    seconds: float
    types: list[list[str]]
    distribution: list[PanelShare]
    quotas: list[QuotaRow]
    estimated_from: int | None = None
    attempts: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def num_panels(self) -> int:
        """Number of panels with positive probability in the distribution."""
        return len(self.distribution)

    @property
    def weight_total(self) -> int:
        """Sum of the distribution's integer weights."""
        return sum(s.weight for s in self.distribution)

    def panel_probabilities(self) -> list[float]:
        """Probability of each panel of the distribution, in stored order."""
        total = self.weight_total
        return [s.weight / total for s in self.distribution]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (the CLI's REPORT.json); inverse of :meth:`from_dict`."""
        total = self.weight_total
        return {
            "algorithm": self.algorithm,
            "version": self.version,
            "seed": self.seed,
            "input_digest": self.input_digest,
            "panel_size": self.panel_size,
            "households": self.households,
            "panel": list(self.panel),
            "probabilities": dict(self.probabilities),
            "min_probability": self.min_probability,
            "gini": self.gini,
            "geometric_mean": self.geometric_mean,
            "num_panels": self.num_panels,
            "seconds": self.seconds,
            "probabilities_estimated_from": self.estimated_from,
            "attempts": self.attempts,
            "quotas": [
                {
                    "category": r.category,
                    "value": r.value,
                    "min": r.min,
                    "max": r.max,
                    "pool_count": r.pool_count,
                    "selected_count": r.selected_count,
                }
                for r in self.quotas
            ],
            "types": [list(t) for t in self.types],
            "weight_total": total,
            "distribution": [
                {
                    "weight": s.weight,
                    "probability": s.weight / total,
                    "counts": [[t, c] for t, c in s.counts],
                }
                for s in self.distribution
            ],
            **({"extra": self.extra} if self.extra else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectionResult:
        """Rebuild a result from :meth:`to_dict` output (e.g. a parsed REPORT.json).

        Raises:
            KeyError, TypeError, ValueError: a required field is missing or malformed.
        """
        return cls(
            algorithm=str(data["algorithm"]),
            version=str(data["version"]),
            seed=str(data["seed"]),
            input_digest=str(data["input_digest"]),
            panel_size=int(data["panel_size"]),
            households=bool(data["households"]),
            panel=[str(x) for x in data["panel"]],
            probabilities={str(k): float(v) for k, v in data["probabilities"].items()},
            min_probability=float(data["min_probability"]),
            gini=float(data["gini"]),
            geometric_mean=float(data["geometric_mean"]),
            seconds=float(data["seconds"]),
            types=[[str(x) for x in t] for t in data.get("types", [])],
            distribution=[
                PanelShare(tuple((int(t), int(c)) for t, c in s["counts"]), int(s["weight"]))
                for s in data.get("distribution", [])
            ],
            quotas=[
                QuotaRow(
                    str(r["category"]),
                    str(r["value"]),
                    int(r["min"]),
                    int(r["max"]),
                    int(r["pool_count"]),
                    int(r["selected_count"]),
                )
                for r in data.get("quotas", [])
            ],
            estimated_from=data.get("probabilities_estimated_from"),
            attempts=data.get("attempts"),
            extra=dict(data.get("extra", {})),
        )


def result_make(
    *,
    algorithm: str,
    seed: str,
    input_digest: str,
    panel_size: int,
    households: bool,
    panel: list[str],
    probabilities: dict[str, float],
    seconds: float,
    types: list[list[str]],
    distribution: list[PanelShare],
    quotas: list[QuotaRow],
    estimated_from: int | None = None,
    attempts: int | None = None,
    extra: dict[str, Any] | None = None,
) -> SelectionResult:
    """A :class:`SelectionResult` of this engine version, with the fairness figures (minimum,
    Gini, geometric mean) computed from ``probabilities`` (id -> probability in [0, 1]);
    ``seconds`` is the run's wall time. The one place every kind of draw builds its result."""
    values = list(probabilities.values())
    return SelectionResult(
        algorithm=algorithm,
        version=__version__,
        seed=seed,
        input_digest=input_digest,
        panel_size=panel_size,
        households=households,
        panel=panel,
        probabilities=probabilities,
        min_probability=min(values),
        gini=gini(values),
        geometric_mean=geometric_mean(values),
        seconds=seconds,
        types=types,
        distribution=distribution,
        quotas=quotas,
        estimated_from=estimated_from,
        attempts=attempts,
        extra=dict(extra or {}),
    )
