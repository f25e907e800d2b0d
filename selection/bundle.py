"""The verification bundle: one JSON file with everything an outsider needs to check a draw.

A bundle holds the draw's pseudonymous inputs and its report, nothing else::

    {
      "format": "opendlp-selection-bundle/v1",
      "quotas": [{"category", "value", "min", "max", "min_flex", "max_flex"}, ...],
      "pool": [{"id": text, "answers": {category: value}, "household": text | null}, ...],
      "settings": {"panel_size": k, "algorithm": name, "households": bool, "seed": text},
      "report": SelectionResult.to_dict()
    }

Ids are pseudonyms (the platform uses each registrant's random public id); household keys are
salted hashes, so equal keys stay equal without revealing an address. The input digest in the
report is :func:`selection.result.input_digest` of ``quotas``, ``pool`` and ``settings``: the
same figure on the public record, in the bundle and in REPORT.json.

``python -m selection verify --bundle FILE`` runs :func:`verify_bundle`, which needs only this
package: it checks that the settings agree with the report, then runs
:func:`selection.verification.verify` on the bundle's inputs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from selection.errors import InputError
from selection.model import Person, Pool, Quota, QuotaTable
from selection.verification import VerificationReport, verify

BUNDLE_FORMAT = "opendlp-selection-bundle/v1"


def bundle_make(
    quotas: QuotaTable,
    pool: Pool,
    report: Mapping[str, Any],
    *,
    panel_size: int,
    households: bool,
) -> dict[str, Any]:
    """The bundle of a draw (a JSON-safe dict; see the module doc for its layout).

    Args:
        quotas, pool: the draw's inputs exactly as the engine saw them (pseudonymous ids,
            hashed household keys).
        report: the draw's ``SelectionResult.to_dict()``.
        panel_size: k. households: whether the household rule was on.
    """
    return {
        "format": BUNDLE_FORMAT,
        "quotas": [
            {
                "category": q.category,
                "value": q.value,
                "min": q.min,
                "max": q.max,
                "min_flex": q.min_flex,
                "max_flex": q.max_flex,
            }
            for q in quotas
        ],
        "pool": [
            {"id": p.id, "answers": dict(p.answers), "household": p.household}
            for p in sorted(pool, key=lambda person: person.id)
        ],
        "settings": {
            "panel_size": panel_size,
            "algorithm": report.get("algorithm"),
            "households": bool(households),
            "seed": report.get("seed"),
        },
        "report": dict(report),
    }


def bundle_read(data: Mapping[str, Any]) -> tuple[QuotaTable, Pool, dict[str, Any], int, bool]:
    """The inputs of a bundle: ``(quotas, pool, report, panel_size, households)``.

    Raises:
        InputError: the bundle is not of format ``opendlp-selection-bundle/v1`` or a field
            is missing or malformed (the message names the field).
    """
    if not isinstance(data, Mapping) or data.get("format") != BUNDLE_FORMAT:
        raise InputError(f"not a verification bundle of format {BUNDLE_FORMAT}", column="format")
    try:
        quotas = QuotaTable(
            Quota(
                str(q["category"]),
                str(q["value"]),
                int(q["min"]),
                int(q["max"]),
                None if q.get("min_flex") is None else int(q["min_flex"]),
                None if q.get("max_flex") is None else int(q["max_flex"]),
            )
            for q in data["quotas"]
        )
        pool = Pool(
            Person(
                str(p["id"]),
                {str(c): str(v) for c, v in p["answers"].items()},
                None if p.get("household") is None else str(p["household"]),
            )
            for p in data["pool"]
        )
        settings = data["settings"]
        panel_size = int(settings["panel_size"])
        households = settings["households"]
        report = dict(data["report"])
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"the bundle is malformed ({type(exc).__name__}: {exc})") from exc
    if not isinstance(households, bool):
        raise InputError("settings.households must be true or false", column="households")
    return quotas, pool, report, panel_size, households


def verify_bundle(
    data: Mapping[str, Any], *, recompute: bool = False, tolerance: float = 1e-6
) -> VerificationReport:
    """Verify a bundle with this package alone.

    Checks that the bundle's settings (panel size, algorithm, household rule, seed) are the
    report's, then every check of :func:`selection.verification.verify` on the bundle's inputs.

    Args:
        data: the parsed bundle. recompute: also re-run the algorithm (slow: as long as the
            draw). tolerance: largest allowed difference between probabilities.

    Returns:
        A :class:`VerificationReport`; a malformed bundle is a failed check, never raised.
    """
    try:
        quotas, pool, report, panel_size, households = bundle_read(data)
    except InputError as exc:
        out = VerificationReport()
        out.failed(str(exc))
        return out
    settings = data["settings"]
    stated = {
        "panel_size": panel_size,
        "algorithm": settings.get("algorithm"),
        "households": households,
        "seed": settings.get("seed"),
    }
    mismatched = [key for key, value in stated.items() if report.get(key) != value]
    outcome = verify(
        report,
        quotas,
        pool,
        panel_size,
        households=households,
        tolerance=tolerance,
        recompute=recompute,
    )
    if mismatched:
        outcome.failed(f"the bundle's settings differ from its report: {', '.join(mismatched)}")
    else:
        outcome.passed("the bundle's settings are the report's")
    return outcome


def bundle_dumps(bundle: Mapping[str, Any]) -> str:
    """The bundle as pretty-printed JSON text (UTF-8 safe, keys sorted)."""
    return json.dumps(bundle, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
