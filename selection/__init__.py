"""The stratified-selection engine of the Open Democratic Lottery Platform.

Plain Python (no Django). Given a quota table, a pool and a panel size k, it draws a panel that
meets every quota and, among all ways to do that, gives the people in the pool selection
probabilities that are as equal as possible (leximin: Flanigan, Gölz, Gupta, Hennig &
Procaccia, "Fair algorithms for selecting citizens' assemblies", Nature 596, 2021, Methods).
The LPs and integer programs run on HiGHS through ``highspy``.

Public API
----------
``__version__``: str. ``ALGORITHMS``: ``("leximin", "maximin", "nash", "legacy")``; default
``"leximin"``.

Domain objects (frozen, validated on construction, :mod:`selection.model`):
  ``Quota(category, value, min, max, min_flex=None, max_flex=None)`` (flex bounds are
  absolute limits for relaxation); ``QuotaTable(quotas)`` with ``.categories``,
  ``.get(category, value)``, ``.reduced_by({(category, value): kept})`` for replacement draws;
  ``Person(id, answers, household=None)``; ``Pool(people)``;
  ``validate_instance(quotas, pool, panel_size)``.

Readers: ``read_quotas(path_or_file, *, name=None) -> QuotaTable`` (:mod:`selection.readers`)
  for the three quota-table dialects; ``read_respondents(path_or_file, *, quotas,
  id_column=None, household_columns=(), name=None) -> Respondents`` (``.pool``, ``.header``,
  ``.rows``, ``.panel_csv(ids)``; :mod:`selection.respondents`).

Errors (:mod:`selection.errors`): ``SelectionError`` (base); ``InputError(message, file, line,
  column, value)`` with ``.errors`` listing every problem found; ``InfeasibleQuotas``
  (``.report``: a ``FeasibilityReport``); ``SelectionCancelled``; ``SolverError``.

Feasibility: ``check_feasibility(quotas, pool, panel_size, *, households=False) ->
  FeasibilityReport`` with ``.feasible``, ``.conflicts``, ``.relaxation`` and ``.message()``.

Selection: ``select(quotas, pool, panel_size, *, algorithm="leximin", seed=None,
  households=False, progress=None, should_cancel=None, time_limit=None, panels=None,
  ticket=None) -> SelectionResult``.
  ``progress(phase, done, total)`` is called and ``should_cancel()`` checked at least once a
  second (``phase``: the step's name; ``done / total``: the overall progress, ``total`` =
  1000, never decreasing); ``time_limit`` is in seconds.

Result (:class:`SelectionResult`): ``panel`` (ids in canonical order: by id),
  ``probabilities`` (id -> selection probability in [0, 1]), ``min_probability``, ``gini``,
  ``geometric_mean``, ``num_panels``, ``seconds``, ``algorithm``, ``version``, ``seed``,
  ``input_digest``, ``types`` (type index -> member ids in canonical order),
  ``distribution`` (list of ``PanelShare(counts=((type_index, count), ...), weight=int)``;
  panel probability = weight / ``weight_total``), ``quotas`` (per-quota rows).
  ``to_dict()`` / ``from_dict()`` give the JSON form written by the command line as REPORT.json.

Transparent lottery (:mod:`selection.transparent`; Flanigan, Kehne & Procaccia, NeurIPS 2021):
  ``select(..., panels=M, ticket=K)`` rounds the distribution to M equally likely tickets
  (integer tickets per panel, summing to M, every person's probability changed as little as
  possible, less than (types + 1) / M) and draws ticket K's panel (``ticket=None``: K drawn
  from the seed). ``result.extra`` holds ``ticket_panels``, ``tickets`` (ranges per panel),
  ``ticket``, ``ticket_source``, ``max_probability_change`` and ``probability_changes``
  (per id); ``draw_ticket(result, K)`` re-draws ticket K's panel; ``verify`` checks the lottery.

Replacement draws: ``replacement_instance(quotas, pool, panel_size, kept, *, households=False)
  -> (quotas, pool, k)`` (:mod:`selection.replacement`): kept members count toward the quotas
  and the panel size and leave the pool (with their households).

Draw and verification: ``draw_panel(distribution, types, seed)`` re-draws a panel exactly
  (see :mod:`selection.draw` for the procedure); ``verify(report_dict, quotas, pool,
  panel_size=None, *, households=None, tolerance=1e-6) -> VerificationReport`` (``.ok``,
  ``.findings``).

Verification bundle (:mod:`selection.bundle`): ``bundle_make(quotas, pool, report, *,
  panel_size, households)`` and ``verify_bundle(bundle) -> VerificationReport``: one JSON file
  with a draw's pseudonymous inputs and report, checkable with this package alone.

Command line: ``python -m selection select|check|verify ...`` (see :mod:`selection.cli`).
"""

import importlib
from typing import TYPE_CHECKING, Any

# Light modules (plain Python) load at once; the solver-backed ones (numpy, HiGHS) load on
# first use, so importing the package, e.g. for its errors, costs little time and memory.
from selection.errors import (
    InfeasibleQuotas,
    InputError,
    InputProblem,
    SelectionCancelled,
    SelectionError,
    SolverError,
)
from selection.model import PanelShare, Person, Pool, Quota, QuotaTable, validate_instance
from selection.readers import read_quotas
from selection.replacement import replacement_instance
from selection.respondents import Respondents, read_respondents
from selection.rng import SeededRandom, new_seed
from selection.version import __version__

_LAZY = {
    "bundle_make": "selection.bundle",
    "verify_bundle": "selection.bundle",
    "draw_panel": "selection.draw",
    "draw_ticket": "selection.transparent",
    "ALGORITHMS": "selection.engine",
    "select": "selection.engine",
    "Conflict": "selection.feasibility",
    "FeasibilityReport": "selection.feasibility",
    "Relaxation": "selection.feasibility",
    "check_feasibility": "selection.feasibility",
    "QuotaRow": "selection.result",
    "SelectionResult": "selection.result",
    "VerificationReport": "selection.verification",
    "verify": "selection.verification",
}

if TYPE_CHECKING:
    from selection.bundle import bundle_make, verify_bundle
    from selection.draw import draw_panel
    from selection.engine import ALGORITHMS, select
    from selection.feasibility import Conflict, FeasibilityReport, Relaxation, check_feasibility
    from selection.result import QuotaRow, SelectionResult
    from selection.transparent import draw_ticket
    from selection.verification import VerificationReport, verify


def __getattr__(name: str) -> Any:
    """Load a solver-backed name of the public API on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'selection' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ALGORITHMS",
    "Conflict",
    "FeasibilityReport",
    "InfeasibleQuotas",
    "InputError",
    "InputProblem",
    "PanelShare",
    "Person",
    "Pool",
    "Quota",
    "QuotaRow",
    "QuotaTable",
    "Relaxation",
    "Respondents",
    "SeededRandom",
    "SelectionCancelled",
    "SelectionError",
    "SelectionResult",
    "SolverError",
    "VerificationReport",
    "bundle_make",
    "__version__",
    "check_feasibility",
    "draw_panel",
    "draw_ticket",
    "new_seed",
    "read_quotas",
    "read_respondents",
    "replacement_instance",
    "select",
    "validate_instance",
    "verify",
    "verify_bundle",
]
