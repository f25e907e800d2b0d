"""The exact inputs of a run (the snapshot), its SHA-256, and the pseudonymous household
keys in it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assemblies.engine.inputs import quota_table_from_dicts
from selection import (
    Person,
    Pool,
    QuotaTable,
)

#: Version of the snapshot layout stored in ``SelectionRun.input_snapshot``.
SNAPSHOT_VERSION = 1


def household_hash(parts: Sequence[str], *, key: str) -> str | None:
    """A short, non-reversible household key from its parts (trimmed, case-folded), keyed
    with the assembly's secret, or None when every part is empty.

    The key is HMAC-SHA256 under ``key`` (the assembly's ``pseudonym_key``), first 20 hex
    digits. Keyed, a stored snapshot cannot be used to confirm a guessed address by hashing
    it, and the same address gives different keys in different assemblies. Runs stored
    before keys were keyed hold plain SHA-256 prefixes; they verify as stored (verification
    never recomputes household keys), so the snapshot layout and version are unchanged.

    Args:
        parts: the values of the household columns for one person.
        key: the assembly's secret pseudonym key (never stored in the snapshot).
    """
    cleaned = [str(part).strip().casefold() for part in parts]
    if not any(cleaned):
        return None
    message = "\x1f".join(cleaned).encode("utf-8")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()[:20]


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
    panels: int | None = None,
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
        panels: M of a transparent lottery (``None``: none; the key is then absent, so the
            digest of a run without one is what it always was).

    Returns:
        ``{"version", "kind", "algorithm", "seed", "panel_size", "households", "quotas": [...],
        "pool": [{"id", "answers", "household"}], "kept": [...], "targets": [...],
        "panels": M}`` (``targets`` and ``panels`` only when given).
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
    if panels is not None:
        snapshot["panels"] = int(panels)
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


def snapshot_inputs(snapshot: Mapping[str, Any]) -> tuple[QuotaTable, Pool, int, bool]:
    """The engine's quota table, pool, panel size and household flag a snapshot describes."""
    quotas = quota_table_from_dicts(snapshot["quotas"])
    pool = Pool(
        Person(p["id"], p["answers"], p.get("household") if snapshot["households"] else None)
        for p in snapshot["pool"]
    )
    return quotas, pool, int(snapshot["panel_size"]), bool(snapshot["households"])
