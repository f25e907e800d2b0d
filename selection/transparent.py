"""Transparent lotteries: a distribution over panels rounded to M equally likely tickets.

Flanigan, Kehne & Procaccia, "Fair sortition made transparent" (NeurIPS 2021): a lottery that
anyone can watch is a uniform pick of one of M tickets (two ten-sided dice give 1..100, a ball
machine 1..1000). Each panel of the distribution (:class:`selection.draw.PanelShare`) gets an
integer number of tickets, the ticket counts summing to M, so that every person's selection
probability changes as little as possible.

Rounding (:func:`tickets_round`), over the panels of the distribution only (so every ticket's
panel is one the optimisation produced and meets every quota):

1. **Dependent rounding of a basic solution.** The ticket counts ``x_j = M * w_j`` (``w_j``:
   panel probability) solve ``sum_j x_j = M`` and, for every type t,
   ``sum_j x_j a_jt = M p_t`` (``a_jt = count_jt / size_t``, ``p_t``: the type's probability).
   A basic solution of this system (simplex, HiGHS) has at most T + 1 non-zero, hence
   fractional, entries (T types, one row each, plus the sum row). Flooring them and giving
   the missing tickets to the largest fractional parts moves each of those entries by less
   than 1, so every type's probability changes by less than ``(T + 1) / M`` (as
   ``a_jt <= 1``): the guarantee.
2. **Integer program.** Starting from that rounding, HiGHS minimises ``z`` subject to the
   integer ticket counts summing to M and ``|sum_j n_j a_jt / M - p_t| <= z`` for every type,
   with a fixed node limit (deterministic: no time limit decides the answer). The better of the
   two is kept, so the guarantee of step 1 holds.

The public draw (:func:`draw_ticket`): ticket K (1 <= K <= M) names the panel whose ticket
range holds K; its members are then chosen within types exactly as
:func:`selection.draw.draw_panel` does (``rng.sample(members, count)`` per type in increasing
type index, all members when ``count == size``), with ``rng = SeededRandom(seed, "ticket")``.
Without a public pick, :func:`seed_ticket` draws K from the seed.

The lottery is kept in :attr:`SelectionResult.extra` (the draw format is unchanged):
``ticket_panels`` (M), ``tickets`` (``[{"share": index into distribution, "first": K1,
"last": K2, "counts": [[type, count], ...]}, ...]``, ranges in distribution order, panels
with no ticket left out), ``ticket`` (the number drawn), ``ticket_source`` (``"public"`` or
``"seed"``), ``max_probability_change`` and ``probability_changes`` (``{id: ticket
probability - distribution probability}``); in a two-phase (ceremony) draw also
``lottery_sha256`` (:func:`lottery_digest`, published before the ticket is picked).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import highspy
import numpy as np

from selection.draw import type_probabilities
from selection.errors import InputError, SolverError
from selection.model import PanelShare, Pool, QuotaTable
from selection.result import SelectionResult, quota_report
from selection.rng import SeededRandom
from selection.solver import new_highs

#: Branch-and-bound nodes of the integer program (a fixed limit keeps the answer deterministic).
MIP_NODES = 100
#: Safety net only (seconds); the node limit normally ends the search first.
MIP_SECONDS = 60.0
#: Largest number of tickets accepted.
MAX_PANELS = 1_000_000
#: The format named in :func:`lottery_digest`'s canonical form.
LOTTERY_FORMAT = "opendlp-transparent-lottery/v1"


def _matrix(shares: Sequence[PanelShare], sizes: Sequence[int]) -> np.ndarray:
    """``a[t, j] = count of type t in panel j / size_t``."""
    a = np.zeros((len(sizes), len(shares)))
    for j, share in enumerate(shares):
        for t, count in share.counts:
            a[t, j] = count / sizes[t]
    return a


def _basic_rounding(a: np.ndarray, weights: np.ndarray, m: int) -> np.ndarray:
    """Step 1: floor a basic solution and give the rest to the largest fractional parts."""
    num_types, num_panels = a.shape
    target = a @ (weights * m)
    h = new_highs()
    h.setOptionValue("solver", "simplex")
    h.addVars(num_panels, np.zeros(num_panels), np.full(num_panels, float(m)))
    for t in range(num_types):
        cols = np.flatnonzero(a[t]).astype(np.int32)
        h.addRow(float(target[t]), float(target[t]), len(cols), cols, a[t, cols])
    everyone = np.arange(num_panels, dtype=np.int32)
    h.addRow(float(m), float(m), num_panels, everyone, np.ones(num_panels))
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        x = np.maximum(np.array(h.getSolution().col_value), 0.0)
    else:  # pragma: no cover - x = M * w is feasible; keep the plain scaling
        x = weights * m
    return _largest_remainder(x, m)


def _largest_remainder(x: np.ndarray, m: int) -> np.ndarray:
    base = np.floor(x + 1e-9).astype(np.int64)
    missing = m - int(base.sum())
    if missing > 0:
        order = sorted(range(len(x)), key=lambda j: (-(x[j] - base[j]), j))
        for j in order[:missing]:
            base[j] += 1
    elif missing < 0:  # pragma: no cover - only by float drift
        order = sorted(range(len(x)), key=lambda j: (x[j] - base[j], j))
        for j in order:
            if missing == 0:
                break
            take = min(int(base[j]), -missing)
            base[j] -= take
            missing += take
    return base


def _worst(a: np.ndarray, probs: np.ndarray, n: np.ndarray, m: int) -> float:
    return float(np.max(np.abs(a @ n / m - probs))) if len(probs) else 0.0


def tickets_round(shares: Sequence[PanelShare], sizes: Sequence[int], m: int) -> list[int]:
    """Integer ticket counts, one per panel of ``shares``, summing to ``m``.

    Args:
        shares: the quantised distribution (positive integer weights).
        sizes: the number of people of each type.
        m: the number of tickets (1 <= m <= :data:`MAX_PANELS`).

    Returns:
        ``list[int]`` aligned with ``shares``: non-negative, sum ``m``; the largest change of a
        type's probability is below ``(T + 1) / m`` (T types) and is minimised by an integer program
        within :data:`MIP_NODES` nodes (see the module docstring).

    Raises:
        InputError: ``m`` out of range or an empty distribution.
    """
    if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= MAX_PANELS:
        raise InputError(
            f"the number of panels must be a whole number from 1 to {MAX_PANELS}",
            column="panels",
            value=m,
        )
    if not shares:
        raise InputError("the distribution is empty: there is nothing to round")
    total = sum(s.weight for s in shares)
    weights = np.array([s.weight / total for s in shares])
    a = _matrix(shares, sizes)
    probs = np.array([float(p) for p in type_probabilities(shares, sizes)])
    best = _basic_rounding(a, weights, m)
    try:
        improved = _mip(a, probs, m, best)
    except SolverError:  # pragma: no cover - the rounding of step 1 stands
        improved = None
    if improved is not None and _worst(a, probs, improved, m) < _worst(a, probs, best, m):
        best = improved
    return [int(v) for v in best]


def _mip(a: np.ndarray, probs: np.ndarray, m: int, start: np.ndarray) -> np.ndarray | None:
    """Step 2: minimise the largest change (scaled by m: ``y = m z``) from ``start``."""
    num_types, num_panels = a.shape
    h = new_highs()
    h.setOptionValue("mip_max_nodes", MIP_NODES)
    h.setOptionValue("time_limit", MIP_SECONDS)
    h.setOptionValue("threads", 1)
    h.addVars(num_panels, np.zeros(num_panels), np.full(num_panels, float(m)))
    h.changeColsIntegrality(
        num_panels,
        np.arange(num_panels, dtype=np.int32),
        np.full(num_panels, highspy.HighsVarType.kInteger),
    )
    h.addVar(0.0, float(m))
    y = num_panels
    h.changeColCost(y, 1.0)
    for t in range(num_types):
        cols = np.flatnonzero(a[t]).astype(np.int32)
        index = np.concatenate((cols, [y])).astype(np.int32)
        target = float(m * probs[t])
        h.addRow(-highspy.kHighsInf, target, len(index), index, np.append(a[t, cols], -1.0))
        h.addRow(target, highspy.kHighsInf, len(index), index, np.append(a[t, cols], 1.0))
    everyone = np.arange(num_panels, dtype=np.int32)
    h.addRow(float(m), float(m), num_panels, everyone, np.ones(num_panels))
    solution = highspy.HighsSolution()
    solution.col_value = [float(v) for v in start] + [_worst(a, probs, start, m) * m]
    h.setSolution(solution)
    h.run()
    values = h.getSolution().col_value
    if not h.getSolution().value_valid or len(values) != num_panels + 1:
        return None
    n = np.rint(np.array(values[:num_panels])).astype(np.int64)
    if n.min() < 0 or int(n.sum()) != m:
        return None
    return n


def lottery_make(result: SelectionResult, m: int) -> dict[str, Any]:
    """The M-ticket lottery of a result's distribution (the ``extra`` keys, no ticket yet).

    Returns:
        ``{"ticket_panels", "tickets", "max_probability_change", "probability_changes"}``
        (see the module docstring); probabilities are exact fractions turned into floats.

    Raises:
        InputError: a result without a distribution (legacy) or ``m`` out of range.
    """
    return lottery_of(result.distribution, result.types, m)


def lottery_of(
    shares: Sequence[PanelShare], types: Sequence[Sequence[str]], m: int
) -> dict[str, Any]:
    """The M-ticket lottery of a distribution (``shares``) over ``types`` (member ids per type).

    Returns and raises as :func:`lottery_make` (which calls it with a result's distribution).
    """
    sizes = [len(t) for t in types]
    counts = tickets_round(shares, sizes, m)
    tickets, first = [], 1
    for index, (share, n) in enumerate(zip(shares, counts, strict=True)):
        if n:
            tickets.append(
                {
                    "share": index,
                    "first": first,
                    "last": first + n - 1,
                    "counts": [[t, c] for t, c in share.counts],
                }
            )
            first += n
    changes = ticket_changes(shares, sizes, counts, m)
    per_person = {pid: float(changes[t]) for t, group in enumerate(types) for pid in group}
    return {
        "ticket_panels": m,
        "tickets": tickets,
        "max_probability_change": max((abs(float(c)) for c in changes), default=0.0),
        "probability_changes": per_person,
    }


def lottery_digest(lottery: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a lottery's tickets, published with a ceremony's distribution digest
    before the ticket is picked: compact JSON, keys sorted, UTF-8, of
    ``{"format": "opendlp-transparent-lottery/v1", "ticket_panels": M, "tickets": [{"share",
    "first", "last", "counts"}, ...]}``."""
    canonical = {
        "format": LOTTERY_FORMAT,
        "ticket_panels": int(lottery["ticket_panels"]),
        "tickets": [
            {
                "share": int(e["share"]),
                "first": int(e["first"]),
                "last": int(e["last"]),
                "counts": [[int(t), int(c)] for t, c in e["counts"]],
            }
            for e in lottery["tickets"]
        ],
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ticket_changes(
    shares: Sequence[PanelShare], sizes: Sequence[int], counts: Sequence[int], m: int
) -> list[Fraction]:
    """Exact change of each type's probability: ticket lottery minus distribution."""
    original = type_probabilities(shares, sizes)
    expected = [0] * len(sizes)
    for share, n in zip(shares, counts, strict=True):
        for t, count in share.counts:
            expected[t] += n * count
    return [Fraction(e, m * size) - p for e, size, p in zip(expected, sizes, original, strict=True)]


def seed_ticket(seed: str, m: int) -> int:
    """A ticket number 1..m drawn from the seed (when no public pick is given)."""
    return SeededRandom(seed, "ticket-number").randbelow(m) + 1


def _ticket_share(result: SelectionResult, ticket_number: int) -> PanelShare:
    extra = result.extra
    m = extra.get("ticket_panels")
    if not isinstance(m, int) or "tickets" not in extra:
        raise InputError("the result holds no ticket lottery (select with panels=M)")
    if isinstance(ticket_number, bool) or not isinstance(ticket_number, int):
        raise InputError("the ticket must be a whole number", column="ticket", value=ticket_number)
    if not 1 <= ticket_number <= m:
        raise InputError(f"the ticket must be from 1 to {m}", column="ticket", value=ticket_number)
    for entry in extra["tickets"]:
        if int(entry["first"]) <= ticket_number <= int(entry["last"]):
            index = int(entry["share"])
            if not 0 <= index < len(result.distribution):
                raise InputError(f"ticket {ticket_number} names no panel of the distribution")
            share = result.distribution[index]
            if [list(x) for x in share.counts] != [list(x) for x in entry["counts"]]:
                raise InputError(f"ticket {ticket_number}'s panel is not the distribution's")
            return share
    raise InputError(f"no panel holds ticket {ticket_number}", column="ticket", value=ticket_number)


def draw_ticket(result: SelectionResult, ticket_number: int) -> list[str]:
    """The panel of ticket ``ticket_number``, its members chosen within types by the seed.

    Args:
        result: a result with a ticket lottery in ``extra`` (:func:`lottery_make`).
        ticket_number: the number picked in public, 1..M.

    Returns:
        The panel's ids in canonical order (sorted by id).

    Raises:
        InputError: no lottery, a ticket outside 1..M, or counts that do not fit the types.
    """
    share = _ticket_share(result, ticket_number)
    rng = SeededRandom(result.seed, "ticket")
    ids: list[str] = []
    for t, count in share.counts:
        if not 0 <= t < len(result.types) or not 0 < count <= len(result.types[t]):
            raise InputError(f"panel count {count} for type {t} does not fit the pool")
        members = list(result.types[t])
        ids.extend(members if count == len(members) else rng.sample(members, count))
    return sorted(ids)


def ticket_apply(
    result: SelectionResult,
    quotas: QuotaTable,
    pool: Pool,
    ticket: int,
    *,
    source: str,
    lottery: Mapping[str, Any] | None = None,
) -> SelectionResult:
    """The result with the panel of ``ticket`` (and the lottery) in place of its own draw.

    Args:
        result: a selection result (its ``distribution``, ``types`` and ``seed`` are used).
        quotas, pool: the inputs (for the quota rows of the new panel).
        ticket: 1..M.
        source: ``"public"`` (picked in public) or ``"seed"`` (:func:`seed_ticket`).
        lottery: the :func:`lottery_make` keys; ``None``: those already in ``result.extra``.

    Raises:
        InputError: as :func:`draw_ticket`.
    """
    extra = {**result.extra, **(lottery or {}), "ticket": ticket, "ticket_source": source}
    staged = dataclasses.replace(result, extra=extra)
    panel = draw_ticket(staged, ticket)
    return dataclasses.replace(staged, panel=panel, quotas=quota_report(quotas, pool, panel))


def lottery_text(lottery: Mapping[str, Any], types: Sequence[Sequence[str]]) -> str:
    """The lottery as lines of text: one line per panel with its ticket range and types."""
    lines = [
        f"Transparent lottery: {lottery['ticket_panels']} tickets over "
        f"{len(lottery['tickets'])} panels; largest change of a selection probability "
        f"{lottery['max_probability_change']:.6f}"
    ]
    for entry in lottery["tickets"]:
        members = ", ".join(f"{c} of the {len(types[t])} of type {t}" for t, c in entry["counts"])
        lines.append(f"tickets {entry['first']}-{entry['last']}: {members}")
    return "\n".join(lines)


def lottery_problems(result: SelectionResult, tolerance: float) -> list[str]:
    """What is wrong with a result's ticket lottery (empty when it checks out).

    Checks: the ticket ranges are consecutive from 1 to M, each names a panel of the
    distribution with its counts; the probabilities implied by the M tickets differ from the
    distribution's by the reported per-person changes, none larger than the reported maximum;
    a seed-drawn ticket is the seed's (the panel itself is re-drawn by :func:`verify`); a
    ceremony's tickets are those whose digest (``lottery_sha256``) was published.
    """
    extra = result.extra
    problems: list[str] = []
    try:
        m = int(extra["ticket_panels"])
        counts = [0] * len(result.distribution)
        expect = 1
        for entry in extra["tickets"]:
            first, last, index = int(entry["first"]), int(entry["last"]), int(entry["share"])
            if not 0 <= index < len(result.distribution):
                raise IndexError(f"panel {index} is not in the distribution")
            share = result.distribution[index]
            if first != expect or last < first:
                problems.append(f"the ticket ranges are not consecutive at ticket {expect}")
            if [list(x) for x in share.counts] != [list(x) for x in entry["counts"]]:
                problems.append(f"tickets {first}-{last} name a panel not in the distribution")
            counts[index] += last - first + 1
            expect = last + 1
        if expect - 1 != m:
            problems.append(f"the tickets number {expect - 1}, not {m}")
            return problems
        sizes = [len(t) for t in result.types]
        changes = ticket_changes(result.distribution, sizes, counts, m)
        stated = float(extra["max_probability_change"])
        worst = max((abs(float(c)) for c in changes), default=0.0)
        if worst > stated + tolerance:
            problems.append(f"the tickets change a probability by {worst:.6g} > {stated:.6g}")
        given = extra["probability_changes"]
        wrong = [
            pid
            for t, group in enumerate(result.types)
            for pid in group
            if abs(float(given[pid]) - float(changes[t])) > tolerance
        ]
        if wrong:
            problems.append(f"the stated change of {wrong[0]}'s probability is wrong")
        ticket = int(extra["ticket"])
        if not 1 <= ticket <= m:
            problems.append(f"ticket {ticket} is not from 1 to {m}")
        if extra.get("ticket_source") == "seed" and ticket != seed_ticket(result.seed, m):
            problems.append("the ticket is not the one the seed draws")
        if "lottery_sha256" in extra and extra["lottery_sha256"] != lottery_digest(extra):
            problems.append("the tickets differ from those whose digest was published")
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        problems.append(f"the lottery is malformed ({type(exc).__name__}: {exc})")
    return problems
