"""The one place where assemblies' rows meet the ``selection`` engine.

Services and selectors call these functions; nothing else in ``assemblies`` imports
``selection``. Everything going in is plain data (dicts, lists, strings) and everything coming
out is plain data or the small dataclasses defined here, so a change in the engine's API is
fixed in this package only.

The pool sent to the engine uses each registrant's public id (a UUID, as text) as the person
id; household keys are replaced by a SHA-256 prefix of the key so that snapshots and reports
hold no addresses.

Modules: ``inputs`` (readers, quota tables, problems), ``snapshot`` (a run's exact inputs and
digest), ``draws`` (feasibility, draw, verification) and ``reports`` (reading a report). Callers
use the names re-exported here (``engine.draw``), so tests can replace the draw in one place.
"""

from assemblies.engine.draws import (
    Feasibility,
    Verification,
    algorithms,
    draw,
    engine_version,
    feasibility,
    is_cancelled,
    is_engine_error,
    is_infeasible,
    verify,
)
from assemblies.engine.inputs import (
    ParsedRegistrants,
    ParsedRow,
    Problem,
    QuotaRow,
    parse_quotas,
    parse_registrants,
    problems_from,
    quota_rows_reduced,
    quota_table,
    quota_table_from_dicts,
)
from assemblies.engine.reports import (
    PanelShare,
    Report,
    report_read,
)
from assemblies.engine.snapshot import (
    SNAPSHOT_VERSION,
    household_hash,
    snapshot_digest,
    snapshot_inputs,
    snapshot_make,
)
from selection import InputError

__all__ = [
    "Feasibility",
    "InputError",
    "PanelShare",
    "ParsedRegistrants",
    "ParsedRow",
    "Problem",
    "QuotaRow",
    "Report",
    "SNAPSHOT_VERSION",
    "Verification",
    "algorithms",
    "draw",
    "engine_version",
    "feasibility",
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
    "report_read",
    "snapshot_digest",
    "snapshot_inputs",
    "snapshot_make",
    "verify",
]
