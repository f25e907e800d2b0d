"""No valid instance ends in a solver error, and leximin stays exact on every code path."""

from __future__ import annotations

import numpy as np
import pytest

from selection import Person, Pool, Quota, QuotaTable, select
from selection.columngen import initial_columns
from selection.monitor import Monitor
from selection.relaxation import relaxed_leximin
from selection.solver import PanelIP
from selection.symmetry import build_types
from tests.selection.test_bruteforce import feasible_panels, reference_leximin


def coded_instance(quotas, codes: str, panel_size: int):
    """An instance from compact codes: each person is the digits of their value per category
    (``"0112"``: c0=v00, c1=v11, c2=v21, c3=v32), then optionally one more character naming
    their household (``"0112H"``: household H)."""
    table = QuotaTable(Quota(*row) for row in quotas)
    categories = len(table.categories)
    people = []
    for i, code in enumerate(codes.split()):
        house = code[categories:] or None
        answers = {f"c{g}": f"v{g}{d}" for g, d in enumerate(code[:categories])}
        people.append(Person(f"p{i}", answers, house))
    return table, Pool(people), panel_size


#: 31 people, one shared household of two, k = 8: the fallback of leximin (the relaxation's
#: leximin point is not reachable by panels) used to fix types at the master LP's optimum,
#: which HiGHS reports up to its feasibility tolerance above the true one; a later stage's
#: restricted master then became infeasible ("the leximin master LP is not optimal").
SHARED_HOUSEHOLD_31 = coded_instance(
    [
        ("c0", "v00", 3, 4),
        ("c0", "v01", 3, 4),
        ("c0", "v02", 0, 2),
        ("c1", "v10", 3, 4),
        ("c1", "v11", 5, 5),
        ("c2", "v20", 1, 1),
        ("c2", "v21", 2, 3),
        ("c2", "v22", 1, 2),
        ("c2", "v23", 1, 3),
        ("c3", "v30", 2, 2),
        ("c3", "v31", 3, 5),
        ("c3", "v32", 2, 2),
    ],
    "0002 2100 0111 1032 0112 2031 1112 0000H 2112 2131 0102 0111 2130 2001 1002 1120 1022 "
    "0111 2012 2132 1030 1130 0120 1032 2112 0110 1002 0121 2032 2110 1121H",
    8,
)


#: 31 people, three households (two shared), k = 7: the LP relaxation's stages fixed types
#: at the same inflated optimum and a later stage was infeasible; leximin fell back to the
#: slow stage-by-stage path (oracle instance 516 of test_leximin_oracle).
RELAXATION_31 = coded_instance(
    [
        ("c0", "v00", 1, 1),
        ("c0", "v01", 2, 2),
        ("c0", "v02", 4, 4),
        ("c1", "v10", 3, 4),
        ("c1", "v11", 4, 4),
        ("c2", "v20", 4, 5),
        ("c2", "v21", 2, 2),
        ("c2", "v22", 1, 1),
        ("c3", "v30", 3, 3),
        ("c3", "v31", 4, 5),
    ],
    "2101 2001 1020 0121 2100 2120 11210 0000 2020 1001 2110 0001 0020 1000 2011 10211 1011 "
    "2100 2020 0000 2010 0021 1100 1121 2100 1100 1011 21012 2000 1001 1121",
    7,
)


def test_relaxed_leximin_household_pool_stays_feasible():
    quotas, pool, k = RELAXATION_31
    model = build_types(quotas, pool, k, True)
    monitor = Monitor()
    ip = PanelIP(model, monitor)
    _, selectable = initial_columns(model, ip, monitor)
    relaxed = relaxed_leximin(model, monitor, selectable)  # raised SolverError before
    assert relaxed[selectable].min() > 0


@pytest.mark.parametrize("algorithm", ["leximin", "maximin", "nash"])
def test_select_shared_household_pool_solves_without_solver_error(algorithm):
    quotas, pool, k = SHARED_HOUSEHOLD_31
    result = select(quotas, pool, k, algorithm=algorithm, seed="r", households=True)
    assert len(result.panel) == k
    assert sum(result.probabilities.values()) == pytest.approx(k, abs=1e-6)


def test_leximin_shared_household_pool_matches_brute_force():
    quotas, pool, k = SHARED_HOUSEHOLD_31
    expected = reference_leximin(len(pool), feasible_panels(quotas, pool, k, True))
    result = select(quotas, pool, k, seed="r", households=True)
    got = np.array([result.probabilities[p.id] for p in pool])
    assert np.allclose(np.sort(got), np.sort(expected), atol=1e-6)
