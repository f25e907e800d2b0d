"""Two-phase draws for a public ceremony: fix the distribution first, draw with a seed later.

Phase 1, :func:`distribution_prepare`, computes the lottery (the distribution over panels) and
nothing else; :func:`distribution_digest` is its SHA-256, published before any seed exists.
Phase 2, :func:`distribution_draw`, takes a seed announced in advance and made in public (dice
rolls, lottery numbers) and draws the panel from the *stored* distribution exactly as
:func:`selection.draw.draw_panel` always does. Since the digest was public before the seed was
known, nobody could have chosen the distribution to favour anyone once the seed was known.

The digest is the SHA-256 (hex) of compact JSON, keys sorted, UTF-8, of::

    {"format": "opendlp-selection-ceremony/v1", "algorithm", "input_digest", "panel_size",
     "households", "types": [[id, ...], ...], "distribution": [[[[type, count], ...], weight],
     ...]}

The final report is an ordinary :class:`selection.SelectionResult` whose ``extra`` holds
``{"distribution_sha256": ...}``; :func:`selection.verification.verify` recomputes it.

With a transparent lottery (``panels=M``), phase 1 also rounds the distribution to M equally
likely tickets and publishes their digest (``lottery_sha256``) beside the distribution's;
phase 2 then takes the ticket number picked in public (two dice, a ball machine) and draws
that ticket's panel, the members within each type chosen by the seed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from selection.draw import draw_panel, type_probabilities
from selection.engine import compute_distribution
from selection.errors import InfeasibleQuotas, InputError
from selection.feasibility import check_feasibility
from selection.model import PanelShare, Pool, QuotaTable, validate_instance
from selection.monitor import CancelCheck, Monitor, ProgressCallback
from selection.result import (
    SelectionResult,
    canonical_pool,
    input_digest,
    quota_report,
    result_make,
)
from selection.symmetry import build_types
from selection.transparent import MAX_PANELS, lottery_digest, lottery_of, ticket_apply
from selection.version import __version__

CEREMONY_FORMAT = "opendlp-selection-ceremony/v1"


def distribution_digest(
    *,
    algorithm: str,
    input_digest: str,
    panel_size: int,
    households: bool,
    types: Sequence[Sequence[str]],
    distribution: Sequence[PanelShare],
) -> str:
    """SHA-256 (hex) of a fixed distribution (the canonical form is in the module doc)."""
    canonical = {
        "format": CEREMONY_FORMAT,
        "algorithm": algorithm,
        "input_digest": input_digest,
        "panel_size": panel_size,
        "households": bool(households),
        "types": [list(t) for t in types],
        "distribution": [[[list(c) for c in s.counts], s.weight] for s in distribution],
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def distribution_prepare(
    quotas: QuotaTable,
    pool: Pool,
    panel_size: int,
    *,
    algorithm: str = "leximin",
    households: bool = False,
    progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    panels: int | None = None,
) -> dict[str, Any]:
    """Phase 1: the distribution of a draw, without drawing (no seed is involved).

    With ``panels=M`` the distribution is also rounded to a transparent lottery of M tickets
    (:func:`selection.transparent.lottery_of`), stored as ``lottery`` with its digest
    ``lottery_sha256`` (:func:`selection.transparent.lottery_digest`), both fixed before the
    ticket is picked in public; phase 2 then needs the ticket number 1..M.

    Returns:
        A JSON-safe dict: ``format``, ``algorithm``, ``version``, ``input_digest``,
        ``panel_size``, ``households``, ``types`` (member ids per type, canonical order),
        ``distribution`` (``[{"counts": [[type, count], ...], "weight": int}, ...]``),
        ``probabilities`` (id -> selection probability in [0, 1]) and
        ``distribution_sha256`` (:func:`distribution_digest`).

    Raises:
        InputError: bad inputs, ``panels`` out of range, or ``legacy`` (whose panel depends
            on the seed throughout).
        InfeasibleQuotas: no panel meets every quota. SelectionCancelled: cancelled.
    """
    if algorithm == "legacy":
        raise InputError("a two-phase draw needs leximin, maximin or nash", column="algorithm")
    if panels is not None and (
        isinstance(panels, bool) or not isinstance(panels, int) or not 1 <= panels <= MAX_PANELS
    ):
        raise InputError(
            f"the number of panels must be a whole number from 1 to {MAX_PANELS}",
            column="panels",
            value=panels,
        )
    validate_instance(quotas, pool, panel_size)
    pool = canonical_pool(pool)
    monitor = Monitor(progress, should_cancel)
    monitor.tick("feasibility", 0, 1, force=True)
    report = check_feasibility(quotas, pool, panel_size, households=households, monitor=monitor)
    if not report.feasible:
        raise InfeasibleQuotas(report)
    digest = input_digest(quotas, pool, panel_size, algorithm, households)
    model = build_types(quotas, pool, panel_size, households)
    ids = pool.ids
    types = [[ids[i] for i in members] for members in model.members]
    shares = compute_distribution(model, algorithm, monitor)
    per_type = type_probabilities(shares, [len(t) for t in types])
    probabilities = {ids[i]: float(per_type[t]) for i, t in enumerate(model.person_type)}
    lottery = {} if panels is None else _lottery(shares, types, panels)
    monitor.tick("done", 1, 1, force=True)
    return {
        **lottery,
        "format": CEREMONY_FORMAT,
        "algorithm": algorithm,
        "version": __version__,
        "input_digest": digest,
        "panel_size": panel_size,
        "households": bool(households),
        "types": types,
        "distribution": [
            {"counts": [list(c) for c in s.counts], "weight": s.weight} for s in shares
        ],
        "probabilities": probabilities,
        "distribution_sha256": distribution_digest(
            algorithm=algorithm,
            input_digest=digest,
            panel_size=panel_size,
            households=households,
            types=types,
            distribution=shares,
        ),
    }


def _lottery(shares: list[PanelShare], types: list[list[str]], panels: int) -> dict[str, Any]:
    lottery = lottery_of(shares, types, panels)
    return {"lottery": lottery, "lottery_sha256": lottery_digest(lottery)}


def _shares(prepared: Mapping[str, Any]) -> list[PanelShare]:
    return [
        PanelShare(tuple((int(t), int(c)) for t, c in s["counts"]), int(s["weight"]))
        for s in prepared["distribution"]
    ]


def distribution_draw(
    prepared: Mapping[str, Any],
    seed: str,
    quotas: QuotaTable,
    pool: Pool,
    ticket: int | None = None,
) -> SelectionResult:
    """Phase 2: draw the panel from a prepared distribution with the ceremony's seed.

    Args:
        prepared: from :func:`distribution_prepare` (stored between the phases).
        seed: the seed made in public (any non-empty text, e.g. ``"3 5 6 1 2"``).
        quotas, pool: the same inputs as phase 1 (checked through the input digest).
        ticket: for a prepared transparent lottery (``panels=M``), the ticket number 1..M
            picked in public: its panel is drawn (members within types chosen by the seed,
            as :func:`selection.transparent.draw_ticket`); ``None`` without a lottery.

    Returns:
        The :class:`SelectionResult`, ``extra = {"distribution_sha256": ...}`` (with a
        lottery also its keys, ``ticket``, ``ticket_source = "public"`` and
        ``lottery_sha256``).

    Raises:
        InputError: an empty seed, inputs that differ from phase 1, a prepared distribution
            or lottery altered since (its digest no longer matches), a missing ticket for a
            lottery, a ticket without one, or a ticket outside 1..M.
    """
    if not isinstance(seed, str) or not seed.strip():
        raise InputError("the seed must be non-empty text", column="seed")
    lottery = prepared.get("lottery")
    if lottery is None and ticket is not None:
        raise InputError("this draw has no ticket lottery", column="ticket", value=ticket)
    if lottery is not None:
        if ticket is None:
            raise InputError("the ticket picked in public is missing", column="ticket")
        if lottery_digest(lottery) != prepared.get("lottery_sha256"):
            raise InputError("the prepared lottery was altered after its digest was published")
    started = time.monotonic()
    algorithm = str(prepared["algorithm"])
    panel_size = int(prepared["panel_size"])
    households = bool(prepared["households"])
    pool = canonical_pool(pool)
    digest = input_digest(quotas, pool, panel_size, algorithm, households)
    if digest != prepared["input_digest"]:
        raise InputError("the inputs differ from those the distribution was prepared from")
    types = [[str(x) for x in t] for t in prepared["types"]]
    shares = _shares(prepared)
    fixed = distribution_digest(
        algorithm=algorithm,
        input_digest=digest,
        panel_size=panel_size,
        households=households,
        types=types,
        distribution=shares,
    )
    if fixed != prepared["distribution_sha256"]:
        raise InputError("the prepared distribution was altered after its digest was published")
    order = {pid: i for i, pid in enumerate(pool.ids)}
    panel = draw_panel(shares, types, seed, order)
    probabilities = {str(k): float(v) for k, v in prepared["probabilities"].items()}
    result = result_make(
        algorithm=algorithm,
        seed=seed,
        input_digest=digest,
        panel_size=panel_size,
        households=households,
        panel=panel,
        probabilities=probabilities,
        seconds=time.monotonic() - started,
        types=types,
        distribution=shares,
        quotas=quota_report(quotas, pool, panel),
        extra={"distribution_sha256": fixed},
    )
    if lottery is None or ticket is None:
        return result
    result.extra["lottery_sha256"] = prepared["lottery_sha256"]
    return ticket_apply(result, quotas, pool, ticket, source="public", lottery=lottery)
