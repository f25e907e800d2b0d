"""The one place where assemblies' rows meet the ``selection`` engine.

Services and selectors call these functions; nothing else in ``assemblies`` imports
``selection``. Everything going in is plain data (dicts, lists, strings) and everything coming
out is plain data or the engine's own result types (``SelectionResult``,
``FeasibilityReport``, ``VerificationReport``), so a change in the engine's API is
fixed in this package only.

The pool sent to the engine uses each registrant's public id (a UUID, as text) as the person
id; household keys are replaced by a SHA-256 prefix of the key so that snapshots and reports
hold no addresses.

Modules: ``inputs`` (readers, quota tables, problems), ``snapshot`` (a run's exact inputs and
digest), ``draws`` (feasibility, draw, verification) and ``reports`` (reading a report). Callers
use the names re-exported here (``engine.draw``), so tests can replace the draw in one place.
"""

from typing import TYPE_CHECKING, Any

from assemblies.engine.draws import (
    algorithms,
    draw,
    draw_prepared,
    engine_version,
    feasibility,
    is_cancelled,
    is_engine_error,
    is_infeasible,
    prepare,
    verify,
)
from assemblies.engine.inputs import (
    ParsedRegistrants,
    ParsedRow,
    Problem,
    QuotaRow,
    decode_csv,
    parse_quotas,
    parse_registrants,
    problems_from,
    quota_rows_reduced,
    quota_table,
    quota_table_from_dicts,
)
from assemblies.engine.reports import report_bundle, report_read
from assemblies.engine.snapshot import (
    SNAPSHOT_VERSION,
    household_hash,
    snapshot_digest,
    snapshot_inputs,
    snapshot_make,
)
from selection import InputError
from selection.result import SelectionResult

if TYPE_CHECKING:
    from selection.feasibility import FeasibilityReport
    from selection.verification import VerificationReport


def __getattr__(name: str) -> Any:
    """The solver-backed result types, loaded on first use (PEP 562) so Django starts
    without numpy or HiGHS."""
    if name in ("FeasibilityReport", "VerificationReport"):
        import selection  # lazy

        return getattr(selection, name)
    raise AttributeError(f"module 'assemblies.engine' has no attribute {name!r}")


__all__ = [
    "FeasibilityReport",
    "InputError",
    "ParsedRegistrants",
    "ParsedRow",
    "Problem",
    "QuotaRow",
    "SNAPSHOT_VERSION",
    "SelectionResult",
    "VerificationReport",
    "algorithms",
    "decode_csv",
    "draw",
    "draw_prepared",
    "engine_version",
    "feasibility",
    "prepare",
    "household_hash",
    "is_cancelled",
    "is_engine_error",
    "is_infeasible",
    "parse_quotas",
    "parse_registrants",
    "problems_from",
    "quota_rows_reduced",
    "quota_table",
    "quota_table_from_dicts",
    "report_bundle",
    "report_read",
    "snapshot_digest",
    "snapshot_inputs",
    "snapshot_make",
    "verify",
]
