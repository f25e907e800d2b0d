"""The one place where assemblies' rows meet the ``selection`` engine.

Services and selectors call these functions; nothing else in ``assemblies`` imports
``selection``. Everything going in is plain data (dicts, lists, strings) and everything coming
out is plain data or the small dataclasses defined here, so a change in the engine's API is
fixed in this module only.

The pool sent to the engine uses each registrant's public id (a UUID, as text) as the person
id; household keys are replaced by a SHA-256 prefix of the key so that snapshots and reports
hold no addresses.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from selection import (
    InfeasibleQuotas,
    InputError,
    InputProblem,
    Person,
    Pool,
    Quota,
    QuotaTable,
    SelectionCancelled,
    SelectionError,
    __version__,
    read_quotas,
    read_respondents,
    validate_instance,
)

#: Version of the snapshot layout stored in ``SelectionRun.input_snapshot``.
SNAPSHOT_VERSION = 1


# --- problems ---------------------------------------------------------------------------------


#: One problem in an input, ready to show: the engine's own type (message, file, 1-based
#: line with the header on line 1, column, value), so both layers report input alike.
Problem = InputProblem


def problems_from(exc: BaseException) -> list[Problem]:
    """Every problem carried by an engine error (an :class:`InputError` lists several)."""
    items = getattr(exc, "errors", None) or [exc]
    out = []
    for item in items:
        out.append(
            Problem(
                message=str(getattr(item, "message", None) or item),
                file=getattr(item, "file", None),
                line=getattr(item, "line", None),
                column=getattr(item, "column", None),
                value=getattr(item, "value", None),
            )
        )
    return out


# --- quotas -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRow:
    """One row of a quota table as plain data (counts are whole numbers >= 0)."""

    category: str
    value: str
    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None
    line: int | None = None


def parse_quotas(text: str, *, filename: str) -> list[QuotaRow]:
    """Read a quota CSV in any dialect the engine accepts.

    Args:
        text: the file's text (a leading byte-order mark is ignored).
        filename: the name used in error messages.

    Returns:
        The rows in file order, each with the line it was read from.

    Raises:
        InputError: any problem (all of them in ``.errors``, with line and column).
    """
    table = read_quotas(io.StringIO(text), name=filename)
    origin = getattr(table, "origin", {}) or {}
    return [
        QuotaRow(
            q.category,
            q.value,
            q.min,
            q.max,
            q.min_flex,
            q.max_flex,
            (origin.get(q.key) or (None, None))[1],
        )
        for q in table
    ]


def quota_table(rows: Iterable[Any]) -> Any:
    """Build the engine's ``QuotaTable`` from objects with category, value, min, max,
    min_flex and max_flex attributes (``Quota`` rows or :class:`QuotaRow`).

    Raises:
        InputError: an invalid quota (e.g. min > max) or an empty table.
    """
    items = [
        Quota(r.category, r.value, int(r.min), int(r.max), r.min_flex, r.max_flex) for r in rows
    ]
    return QuotaTable(items)


def quota_table_from_dicts(rows: Iterable[Mapping[str, Any]]) -> Any:
    """Like :func:`quota_table` for dicts (the snapshot's ``quotas`` list)."""
    return QuotaTable(
        Quota(r["category"], r["value"], r["min"], r["max"], r.get("min_flex"), r.get("max_flex"))
        for r in rows
    )


def quota_rows_reduced(rows: Iterable[Any], kept: Mapping[tuple[str, str], int]) -> list[QuotaRow]:
    """The quotas left for a replacement draw once the kept panel members are counted.

    Args:
        rows: the assembly's quotas (objects with category/value/min/max/min_flex/max_flex).
        kept: ``{(category, value): number of kept members with that value}``.

    Returns:
        New rows with every bound reduced by the kept count (mins clipped at 0).

    Raises:
        InputError: kept members already exceed a max.
    """
    table = quota_table(rows)
    reduced = table.reduced_by(dict(kept))
    return [QuotaRow(q.category, q.value, q.min, q.max, q.min_flex, q.max_flex) for q in reduced]


# --- registrants CSV --------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedRow:
    """One data record of a registrants CSV.

    ``id`` is the id column's text (empty without an id column); ``answers`` maps each category
    to its value spelled as in the quota table; ``cells`` maps every header name to its text.
    """

    line: int
    id: str
    answers: dict[str, str]
    cells: dict[str, str]


@dataclass(frozen=True)
class ParsedRegistrants:
    """A registrants CSV read against a quota table."""

    header: list[str]
    rows: list[ParsedRow]
    category_columns: dict[str, str] = field(default_factory=dict)


def parse_registrants(
    text: str,
    *,
    filename: str,
    quota_rows: Sequence[Any],
    id_column: str | None,
    household_columns: Sequence[str] = (),
) -> ParsedRegistrants:
    """Read a registrants (respondents) CSV with the engine's reader.

    Args:
        text: the file's text.
        filename: the name used in error messages.
        quota_rows: the assembly's quotas; each category must be a column and each answer one
            of its values (matched exactly after trimming, else ignoring case).
        id_column: the column of unique ids, or None (rows then have no external id).
        household_columns: columns that must exist (they define households).

    Returns:
        :class:`ParsedRegistrants` in file order.

    Raises:
        InputError: every problem found (missing columns, wrong field counts, empty or duplicate
            ids, unknown answers), each with its line and column.
    """
    table = quota_table(quota_rows)
    respondents = read_respondents(
        io.StringIO(text),
        quotas=table,
        id_column=id_column or None,
        household_columns=tuple(household_columns),
        name=filename,
    )
    header = [cell.strip() for cell in respondents.header]
    folded = {name.casefold(): name for name in header}
    category_columns = {c: folded.get(c.strip().casefold(), c) for c in table.categories}
    rows = []
    for person in respondents.pool:
        cells = respondents.rows[person.id]
        rows.append(
            ParsedRow(
                line=respondents.lines[person.id],
                id=person.id if id_column else "",
                answers=dict(person.answers),
                cells={header[i]: cells[i] for i in range(len(header)) if header[i]},
            )
        )
    return ParsedRegistrants(header=header, rows=rows, category_columns=category_columns)


# --- pool and snapshot ------------------------------------------------------------------------


def household_hash(parts: Sequence[str]) -> str | None:
    """A short, non-reversible household key from its parts (trimmed, case-folded), or None
    when every part is empty."""
    cleaned = [str(part).strip().casefold() for part in parts]
    if not any(cleaned):
        return None
    return hashlib.sha256("\x1f".join(cleaned).encode("utf-8")).hexdigest()[:20]


def snapshot_make(
    *,
    quota_rows: Iterable[Any],
    people: Iterable[tuple[str, Mapping[str, str], str | None]],
    panel_size: int,
    households: bool,
    algorithm: str,
    seed: str,
    kind: str,
    kept: Mapping[tuple[str, str], int] | None = None,
    targets: Iterable[Any] | None = None,
) -> dict[str, Any]:
    """The exact inputs of a run, as JSON-safe data.

    Args:
        quota_rows: the quotas used (already reduced for a replacement run).
        people: ``(id, answers, household key or None)`` of every person in the pool, in order.
        panel_size: people to draw.
        households: whether at most one person per household may be drawn.
        algorithm, seed, kind: the run's parameters.
        kept: for replacements, the kept members' counts per (category, value).
        targets: for replacements, the full (unreduced) quotas of the whole panel.

    Returns:
        ``{"version", "kind", "algorithm", "seed", "panel_size", "households", "quotas": [...],
        "pool": [{"id", "answers", "household"}], "kept": [...], "targets": [...]}``.
    """
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "kind": kind,
        "algorithm": algorithm,
        "seed": seed,
        "panel_size": int(panel_size),
        "households": bool(households),
        "quotas": [_quota_dict(r) for r in quota_rows],
        "pool": [
            {"id": pid, "answers": dict(answers), "household": house}
            for pid, answers, house in people
        ],
        "kept": [
            {"category": c, "value": v, "count": n} for (c, v), n in sorted((kept or {}).items())
        ],
    }
    if targets is not None:
        snapshot["targets"] = [_quota_dict(r) for r in targets]
    return snapshot


def _quota_dict(row: Any) -> dict[str, Any]:
    return {
        "category": row.category,
        "value": row.value,
        "min": int(row.min),
        "max": int(row.max),
        "min_flex": row.min_flex,
        "max_flex": row.max_flex,
    }


def snapshot_digest(snapshot: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the snapshot's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _inputs(snapshot: Mapping[str, Any]) -> tuple[Any, Any, int, bool]:
    quotas = quota_table_from_dicts(snapshot["quotas"])
    pool = Pool(
        Person(p["id"], p["answers"], p.get("household") if snapshot["households"] else None)
        for p in snapshot["pool"]
    )
    return quotas, pool, int(snapshot["panel_size"]), bool(snapshot["households"])


# --- feasibility ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feasibility:
    """Whether the quotas can be met: ``feasible``; ``message`` (a sentence or more);
    ``conflicts`` (texts naming the quotas in conflict); ``relaxation`` (texts giving the
    smallest change within min_flex/max_flex that would work); ``problems`` (input problems
    that prevent the check, e.g. a panel larger than the pool)."""

    feasible: bool
    message: str
    conflicts: list[str] = field(default_factory=list)
    relaxation: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _describe(item: Any) -> str:
    """One conflict or relaxation of a feasibility report as a sentence."""
    if all(hasattr(item, a) for a in ("category", "value", "new_min", "new_max")):
        return (
            f"{item.category}/{item.value}: from [{item.min}, {item.max}] "
            f"to [{item.new_min}, {item.new_max}]"
        )
    if all(hasattr(item, a) for a in ("category", "value", "bound", "needed")):
        return (
            f"{item.category}/{item.value}: {item.bound} {item.current} would have to be "
            f"{item.needed}"
        )
    return str(item)


def feasibility(snapshot: Mapping[str, Any]) -> Feasibility:
    """Check that the snapshot's quotas can be met by its pool with its panel size.

    Returns:
        :class:`Feasibility`; input problems (unknown answers, panel larger than the pool,
        quota sums that cannot reach the panel size) are reported as infeasible with
        ``problems`` filled, never raised.
    """
    try:
        quotas, pool, size, households = _inputs(snapshot)
        _validate(quotas, pool, size)
        from selection.feasibility import check_feasibility  # lazy

        report = check_feasibility(quotas, pool, size, households=households)
    except InputError as exc:
        problems = problems_from(exc)
        return Feasibility(False, "; ".join(str(p) for p in problems), problems=problems)
    message = report.message() if callable(getattr(report, "message", None)) else ""
    return Feasibility(
        feasible=bool(report.feasible),
        message=str(message or ("The quotas can be met." if report.feasible else "Infeasible.")),
        conflicts=[_describe(c) for c in getattr(report, "conflicts", None) or []],
        relaxation=[_describe(r) for r in getattr(report, "relaxation", None) or []],
    )


def _validate(quotas: QuotaTable, pool: Pool, size: int) -> None:
    validate_instance(quotas, pool, size)


# --- draw and verification --------------------------------------------------------------------


def algorithms() -> tuple[str, ...]:
    """Names of the engine's algorithms (``leximin`` first): :data:`selection.ALGORITHMS`."""
    from selection.engine import ALGORITHMS  # lazy

    return tuple(ALGORITHMS)


def engine_version() -> str:
    """The engine's version string ("unknown" when it does not say)."""
    return __version__


def draw(
    snapshot: Mapping[str, Any],
    *,
    progress: Callable[[str, int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Run the selection the snapshot describes and return the report (CLI REPORT.json).

    Args:
        snapshot: from :func:`snapshot_make`.
        progress: ``progress(phase, done, total)``, called by the engine while it works.
        should_cancel: returns True to stop; the engine then raises ``SelectionCancelled``.

    Returns:
        The engine's ``SelectionResult.to_dict()``.

    Raises:
        InputError: inconsistent inputs. ``InfeasibleQuotas``: the quotas cannot be met.
        ``SelectionCancelled``: cancelled. Any other engine error on a solver failure.
    """
    quotas, pool, size, households = _inputs(snapshot)
    from selection.engine import select  # lazy

    result = select(
        quotas,
        pool,
        size,
        algorithm=snapshot["algorithm"],
        seed=snapshot["seed"],
        households=households,
        progress=progress,
        should_cancel=should_cancel,
    )
    return result.to_dict()


def is_cancelled(exc: BaseException) -> bool:
    """True when ``exc`` is the engine's ``SelectionCancelled``."""
    return isinstance(exc, SelectionCancelled)


def is_infeasible(exc: BaseException) -> bool:
    """True when ``exc`` is the engine's ``InfeasibleQuotas``."""
    return isinstance(exc, InfeasibleQuotas)


def is_engine_error(exc: BaseException) -> bool:
    """True for any error raised on purpose by the engine (bad input, infeasible, solver)."""
    return isinstance(exc, SelectionError)


@dataclass(frozen=True)
class Verification:
    """Outcome of re-checking a run: ``ok`` and the ``findings`` (texts, one per check)."""

    ok: bool
    findings: list[str]


def verify(
    report: Mapping[str, Any], snapshot: Mapping[str, Any], *, recompute: bool = False
) -> Verification:
    """Re-check a stored report against the stored inputs: the panel re-drawn from the stored
    distribution and seed, the input digest, the probabilities implied by the distribution,
    the panel's size, quotas and households; with ``recompute`` also a fresh run of the
    algorithm (slow: as long as the original run).

    Returns:
        :class:`Verification`; input problems are findings with ``ok`` False, not raised.
    """
    try:
        quotas, pool, size, households = _inputs(snapshot)
        from selection.verification import verify as verify_report  # lazy

        outcome = verify_report(
            dict(report), quotas, pool, size, households=households, recompute=recompute
        )
    except InputError as exc:
        return Verification(False, [str(p) for p in problems_from(exc)])
    findings = getattr(outcome, "findings", None) or []
    return Verification(bool(outcome.ok), [str(f) for f in findings])


# --- reading a report -------------------------------------------------------------------------


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
