"""Verification of a stored selection result (e.g. a REPORT.json) against its inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from selection.ceremony import distribution_digest
from selection.certificate import certify
from selection.draw import draw_panel, type_probabilities
from selection.engine import ALGORITHMS, compute_distribution
from selection.errors import InputError
from selection.legacy import ESTIMATE_DRAWS, LegacyDrawer, estimate
from selection.model import Pool, QuotaTable, validate_instance
from selection.monitor import Monitor
from selection.result import (
    QuotaRow,
    SelectionResult,
    canonical_pool,
    geometric_mean,
    gini,
    input_digest,
    quota_report,
)
from selection.symmetry import build_types
from selection.transparent import draw_ticket, lottery_problems
from selection.version import RELEASES, __version__


@dataclass
class VerificationReport:
    """Outcome of :func:`verify`.

    Attributes:
        ok: True when every check passed.
        findings: one human-readable line per check, starting with "ok:" or "FAILED:" (or
            "note:" for a remark that changes nothing, e.g. an inconclusive certificate).
        max_probability_difference: largest |stored - recomputed| selection probability
            (``None`` when not recomputed).
    """

    ok: bool = True
    findings: list[str] = field(default_factory=list)
    max_probability_difference: float | None = None

    def passed(self, text: str) -> None:
        """Record a passed check."""
        self.findings.append(f"ok: {text}")

    def note(self, text: str) -> None:
        """Record a remark that is neither a pass nor a failure (``ok`` unchanged)."""
        self.findings.append(f"note: {text}")

    def failed(self, text: str) -> None:
        """Record a failed check (makes ``ok`` False)."""
        self.ok = False
        self.findings.append(f"FAILED: {text}")

    def message(self) -> str:
        """All findings, one per line, then the verdict."""
        verdict = "VERIFIED" if self.ok else "NOT VERIFIED"
        return "\n".join([*self.findings, verdict])


def verify(
    report: Mapping[str, Any],
    quotas: QuotaTable,
    pool: Pool,
    panel_size: int | None = None,
    *,
    households: bool | None = None,
    tolerance: float = 1e-6,
    recompute: bool = True,
) -> VerificationReport:
    """Check a stored result against the inputs it claims to come from.

    Checks: (a) re-drawing the panel from the stored distribution and seed (for ``legacy``:
    re-running the seeded greedy draw) gives the stored panel (as a set: the order of the
    input rows does not matter); (b) the SHA-256 input digest matches; (c) the stored
    probabilities equal those implied by the stored distribution, and (when ``recompute``)
    those of a fresh run of the algorithm, within ``tolerance``; (d) the panel has the right
    size, comes from the pool, meets every quota and the household rule; (e) every derived
    figure of the report is what its data imply: minimum probability, Gini coefficient,
    geometric mean, number of panels, panel probabilities and weight total, and the quota
    rows; (f) the engine version is a release that wrote this draw format
    (:data:`selection.version.RELEASES`).

    Args:
        report: a :meth:`SelectionResult.to_dict` dict (e.g. a parsed REPORT.json).
        quotas, pool: the inputs.
        panel_size: k; ``None``: taken from the report.
        households: the household flag; ``None``: taken from the report.
        tolerance: largest allowed difference between probabilities (absolute).
        recompute: re-run the algorithm (the slow part) for check (c).

    Returns:
        A :class:`VerificationReport` (never raises for a wrong report; a malformed one is a
        failed check).
    """
    out = VerificationReport()
    try:
        result = SelectionResult.from_dict(report)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        out.failed(f"the report is malformed ({type(exc).__name__}: {exc})")
        return out
    k = result.panel_size if panel_size is None else panel_size
    house = result.households if households is None else households
    if result.algorithm not in ALGORITHMS:
        out.failed(f"unknown algorithm {result.algorithm!r}")
        return out
    if result.version in RELEASES:
        out.passed(f"engine version {result.version} wrote this draw format")
    else:
        out.failed(f"engine version {result.version!r} is not a release of this draw format")
    try:
        validate_instance(quotas, pool, k)
    except InputError as exc:
        out.failed(f"the inputs do not admit a panel of {k}: {exc}")
        return out
    given, pool = pool, canonical_pool(pool)
    # 0.1.0 ran the legacy greedy draw in the order of the input rows.
    legacy_pool = given if result.version == "0.1.0" else pool
    digest = input_digest(quotas, pool, k, result.algorithm, house)
    if digest == result.input_digest:
        out.passed("the input digest matches the quotas, pool, panel size and algorithm")
    else:
        out.failed(f"the input digest differs: report {result.input_digest}, inputs {digest}")
    ids = pool.ids
    order = {pid: i for i, pid in enumerate(ids)}
    if result.algorithm == "legacy":
        drawer = LegacyDrawer(quotas, legacy_pool, k, house)
        try:
            chosen, _ = drawer.draw(result.seed)
            redrawn = [legacy_pool.ids[i] for i in chosen]
        except Exception as exc:  # noqa: BLE001 - any failure is a finding
            redrawn = [f"<draw failed: {exc}>"]
    else:
        flat = sorted(pid for group in result.types for pid in group)
        if flat != sorted(ids):
            out.failed("the report's types do not list exactly the pool's ids")
            return out
        try:
            if "tickets" in result.extra:
                redrawn = draw_ticket(result, int(result.extra["ticket"]))
            else:
                redrawn = draw_panel(result.distribution, result.types, result.seed, order)
        except Exception as exc:  # noqa: BLE001
            redrawn = [f"<draw failed: {exc}>"]
    if sorted(redrawn) == sorted(result.panel):
        out.passed("re-drawing from the stored distribution and seed gives the stored panel")
        if "tickets" in result.extra:
            out.passed(f"the panel is ticket {result.extra['ticket']}'s")
    else:
        out.failed("re-drawing from the stored distribution and seed gives a different panel")
    if set(result.probabilities) != set(ids):
        out.failed("the probabilities do not cover exactly the pool's ids")
        return out
    if result.algorithm != "legacy":
        implied = type_probabilities(result.distribution, [len(t) for t in result.types])
        type_of = {pid: t for t, group in enumerate(result.types) for pid in group}
        worst = max(abs(float(implied[type_of[p]]) - result.probabilities[p]) for p in ids)
        if worst <= tolerance:
            out.passed(f"the probabilities match the stored distribution (within {tolerance})")
        else:
            out.failed(f"the probabilities differ from the stored distribution by {worst:.3g}")
    if result.algorithm != "legacy":
        _check_distribution(out, result, quotas, pool, k)
    if "tickets" in result.extra:
        _check_lottery(out, result, tolerance)
    if "distribution_sha256" in result.extra:
        fixed = distribution_digest(
            algorithm=result.algorithm,
            input_digest=result.input_digest,
            panel_size=k,
            households=house,
            types=result.types,
            distribution=result.distribution,
        )
        if fixed == result.extra["distribution_sha256"]:
            out.passed("the distribution is the one whose digest was published before the seed")
        else:
            out.failed("the distribution differs from the one published before the seed")
    _check_figures(out, report, result, tolerance)
    if recompute:
        try:
            _recompute(
                out,
                result,
                quotas,
                legacy_pool if result.algorithm == "legacy" else pool,
                k,
                house,
                tolerance,
            )
        except Exception as exc:  # noqa: BLE001 - any failure is a finding
            out.failed(f"re-running {result.algorithm} failed ({type(exc).__name__}: {exc})")
    elif result.algorithm in ("leximin", "maximin", "nash"):
        try:
            certified, finding = certify(result, quotas, pool, k, house, tolerance)
            if certified:
                out.passed(finding)
            else:
                out.note(finding)
        except Exception as exc:  # noqa: BLE001 - an inconclusive certificate is only a note
            out.note(f"no optimality certificate ({type(exc).__name__}: {exc})")
    _check_panel(out, result, quotas, pool, k, house)
    return out


def _check_lottery(out: VerificationReport, result: SelectionResult, tolerance: float) -> None:
    """A transparent lottery: M consecutive tickets over the distribution's panels, within the
    reported change of its probabilities (:func:`selection.transparent.lottery_problems`)."""
    problems = lottery_problems(result, tolerance)
    for text in problems:
        out.failed(f"transparent lottery: {text}")
    if not problems:
        out.passed(
            f"the {result.extra['ticket_panels']} tickets cover panels of the distribution and "
            f"change no probability by more than {result.extra['max_probability_change']:.3g}"
        )
        if "lottery_sha256" in result.extra:
            out.passed("the tickets are those whose digest was published before the pick")


def _check_distribution(
    out: VerificationReport, result: SelectionResult, quotas: QuotaTable, pool: Pool, k: int
) -> None:
    """Every panel the distribution could have drawn has k people and meets every quota:
    a certificate that the lottery itself, not only the panel drawn, respected the quotas."""
    categories = sorted(quotas.categories)
    answers = {p.id: tuple(p.answers.get(c) for c in categories) for p in pool}
    mixed = [t for t, members in enumerate(result.types) if len({answers[m] for m in members}) > 1]
    if mixed:
        out.failed(f"type {mixed[0]} of the report groups people with different answers")
        return
    bad = []
    for number, share in enumerate(result.distribution, 1):
        size = 0
        counted = {q.key: 0 for q in quotas}
        for type_index, count in share.counts:
            members = result.types[type_index] if 0 <= type_index < len(result.types) else []
            if not 0 < count <= len(members):
                bad.append(f"panel {number} draws {count} from type {type_index}")
                break
            size += count
            for category, value in zip(categories, answers[members[0]], strict=True):
                key = (category, str(value))
                if value is not None and key in counted:
                    counted[key] += count
        else:
            if size != k:
                bad.append(f"panel {number} has {size} people, not {k}")
            broken = [q for q in quotas if not q.min <= counted[q.key] <= q.max]
            if broken:
                q = broken[0]
                bad.append(
                    f"panel {number} has {counted[q.key]} of {q.category}/{q.value}, "
                    f"outside [{q.min}, {q.max}]"
                )
    if bad:
        for text in bad[:5]:
            out.failed(f"the distribution holds an impossible panel: {text}")
    else:
        out.passed(
            f"every one of the {len(result.distribution)} panels in the distribution has "
            f"{k} people and meets every quota"
        )


def _check_figures(
    out: VerificationReport, raw: Mapping[str, Any], result: SelectionResult, tolerance: float
) -> None:
    """Check (e): the report's derived figures against the data they are derived from."""
    values = list(result.probabilities.values())
    figures = {
        "minimum probability": (result.min_probability, min(values)),
        "Gini coefficient": (result.gini, gini(values)),
        "geometric mean": (result.geometric_mean, geometric_mean(values)),
    }
    wrong = [
        f"{name} {stored!r} (the probabilities give {actual:.6g})"
        for name, (stored, actual) in figures.items()
        if not abs(stored - actual) <= tolerance
    ]
    if raw.get("num_panels") != result.num_panels:
        wrong.append(f"number of panels {raw.get('num_panels')!r} (the distribution has "
                     f"{result.num_panels})")  # fmt: skip
    if raw.get("weight_total") not in (None, result.weight_total):
        wrong.append(f"weight total {raw.get('weight_total')!r} (the weights sum to "
                     f"{result.weight_total})")  # fmt: skip
    for number, (share, stored) in enumerate(
        zip(result.panel_probabilities(), raw.get("distribution") or [], strict=False), 1
    ):
        if not abs(float(stored.get("probability", share)) - share) <= tolerance:
            wrong.append(f"probability of panel {number} {stored.get('probability')!r}")
    if wrong:
        for text in wrong:
            out.failed(f"the report states a wrong {text}")
    else:
        out.passed("the fairness figures and panel probabilities follow from the data")


def _recompute(
    out: VerificationReport,
    result: SelectionResult,
    quotas: QuotaTable,
    pool: Pool,
    k: int,
    house: bool,
    tolerance: float,
) -> None:
    """Check (c), second half: a fresh run of the algorithm gives the same probabilities."""
    ids = pool.ids
    if result.algorithm == "legacy":
        drawer = LegacyDrawer(quotas, pool, k, house)
        fresh_list = estimate(
            drawer, result.seed, Monitor(), result.estimated_from or ESTIMATE_DRAWS
        )
        fresh = dict(zip(ids, fresh_list, strict=True))
    else:
        model = build_types(quotas, pool, k, house)
        release = result.version if result.version in RELEASES else __version__
        shares = compute_distribution(model, result.algorithm, Monitor(), release=release)
        per_type = type_probabilities(shares, [len(m) for m in model.members])
        fresh = {ids[i]: float(per_type[t]) for i, t in enumerate(model.person_type)}
    worst = max(abs(fresh[p] - result.probabilities[p]) for p in ids)
    out.max_probability_difference = worst
    if worst <= tolerance:
        out.passed(
            f"re-running {result.algorithm} gives the same probabilities "
            f"(largest difference {worst:.2g} <= {tolerance})"
        )
    else:
        out.failed(
            f"re-running {result.algorithm} gives probabilities differing by "
            f"{worst:.3g} > {tolerance}"
        )


def _check_panel(
    out: VerificationReport,
    result: SelectionResult,
    quotas: QuotaTable,
    pool: Pool,
    k: int,
    house: bool,
) -> None:
    """Check (d): size, membership, quotas and households of the panel, and the quota rows."""
    order = {pid: i for i, pid in enumerate(pool.ids)}
    unknown = [p for p in result.panel if p not in order]
    if unknown:
        out.failed(f"panel ids not in the pool: {unknown[:5]}")
        return
    if len(result.panel) != k or len(set(result.panel)) != k:
        out.failed(f"the panel has {len(set(result.panel))} distinct people, not {k}")
    rows = quota_report(quotas, pool, result.panel)
    broken = [r for r in rows if not r.met]
    if broken:
        for r in broken:
            out.failed(
                f"quota {r.category}/{r.value} [{r.min}, {r.max}] not met: "
                f"{r.selected_count} selected"
            )
    else:
        out.passed("the panel meets every quota")
    if sorted(result.quotas, key=_row_key) == sorted(rows, key=_row_key):
        out.passed("the report's quota rows match the quotas, pool and panel")
    else:
        out.failed("the report's quota rows differ from the quotas, pool and panel")
    if house:
        keys = [pool.people[order[p]].household for p in result.panel]
        named = [key for key in keys if key is not None]
        if len(named) != len(set(named)):
            out.failed("the panel has two people from one household")
        else:
            out.passed("the panel has at most one person per household")


def _row_key(row: QuotaRow) -> tuple[str, str]:
    return (row.category, row.value)
