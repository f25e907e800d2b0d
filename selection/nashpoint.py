"""The maximum-Nash-welfare point of the LP relaxation of the panel polytope, and the
Frank-Wolfe gap that certifies a point's Nash welfare.

The relaxation polytope ``R`` (:mod:`selection.relaxation`: quota rows, ``sum x = k``,
household rows, ``0 <= x_t <= size_t``) contains every achievable vector of expected type
counts ``x`` (``conv(F)`` of the feasible panels ``F``). The Nash welfare of ``x`` is
``f(x) = sum_t size_t log(x_t / size_t)`` over the selectable types ``S`` (the others are 0
under every distribution and are left out). ``f`` is smooth and strictly concave on
``x_S > 0``, so it has one maximiser ``x*`` over ``R``. :func:`nash_point` finds it with a
primal-dual interior-point method (Mehrotra's predictor-corrector, Nocedal and Wright,
"Numerical Optimization", 2nd ed., 2006, §14.2 and §19.3, applied to the convex program
``min -f(x)`` s.t. the rows of ``R``; ``-f`` is itself a barrier for ``x > 0``, so only the
quota, household and upper bounds get slacks). Its Newton systems have the diagonal Hessian
``size_t / x_t^2`` plus a rank-``m`` term for the ``m`` quota and household rows, solved by
the Sherman-Morrison-Woodbury formula with one ``m x m`` Cholesky factorisation (numpy only).

Optimality is certified by the Frank-Wolfe gap (Jaggi, "Revisiting Frank-Wolfe", ICML 2013,
§2): by concavity, for every ``y`` in ``R``, ``f(y) <= f(x) + grad f(x) . (y - x)``, and
``grad f(x) . x = n`` (the number of selectable people), so
``max_R f - f(x) <= max_{y in R} sum_t size_t y_t / x_t - n``, one LP
(:class:`GapLP`). As ``conv(F)`` lies inside ``R``, the same bound holds for the best
distribution over panels; it is also at least the gap the column generation of
:mod:`selection.nash` proves (that one maximises over ``F`` only), so a distribution whose
point has a relative gap ``<= NASH_TOLERANCE`` is at least as well certified as before.
"""

from __future__ import annotations

import highspy
import numpy as np

from selection.errors import SolverError
from selection.monitor import Monitor
from selection.relaxation import add_polytope_rows, lp_highs
from selection.solver import INF, run
from selection.symmetry import TypeModel
from selection.version import __version__, since

#: :func:`nash_point` stops once its complementarity gap and dual residual (relative to the
#: number of people ``n``) and its primal residual (expected counts) are all at most this.
#: Its Frank-Wolfe gap is then about as small, but on degenerate faces the point itself is
#: only about ``sqrt`` of that close to ``x*`` (measured on the triangle instance of
#: tests/selection/test_nash.py: 1e-7 at a relative gap of 1e-12, 6e-6 at 1e-9), hence the
#: small value (see also :data:`selection.nash.TARGET_SHRINK`).
POINT_TOLERANCE = 1e-12
#: ... or once its iterates have not improved on the best for this many iterations (round-off:
#: measured on correlated_1000_100_7, the dual residual bottoms out near 1e-10 and then grows).
STALL_ITERATIONS = 4
#: ... counted only once the best error is below this (far from the optimum the error may
#: rise for a few iterations: measured on synthetic_404_40_6 from the proportional start).
STALL_FROM = 1e-7
#: At most this many interior-point iterations (measured: 25-40 on the shared, synthetic and
#: correlated instances).
MAX_ITERATIONS = 150
#: :func:`nash_point` refuses a point further than this (times the panel size, in expected
#: people) outside ``R``: the Frank-Wolfe gap bounds nothing there.
POINT_FEASIBILITY = 1e-6
#: Iterative-refinement passes per Newton solve.
REFINEMENTS = 2
#: Fraction of the distance to the boundary an interior-point step may go.
BOUNDARY_FRACTION = 0.995
#: Since 0.7.0, when Mehrotra's corrected step is shorter than this share of the predictor's,
#: the step also tries the plain centred direction (no second-order term) and takes the
#: longer one. Measured from the proportional start: on synthetic_1727_110_7 the corrector
#: drove the gradient variable ``w`` of one type to 0 (steps 1e-3, 2e-6, 1e-8, ...) and the
#: run stopped outside ``R`` after 150 iterations (3.4 CPU s, refused); guarded it converges
#: in 14 iterations (0.2 s); synthetic_404_40_6 likewise (was refused after 150 iterations,
#: 1.1 s; now 8 iterations, 0.13 s). Where the corrector works (correlated_1000_100_7,
#: synthetic_312_35_6, correlated_300_20_7) the iterates are unchanged.
CORRECTOR_GUARD = 0.1


def _add_rows(h: highspy.Highs, model: TypeModel, selectable: np.ndarray) -> None:
    """The variables ``x_t`` in ``[0, size_t]`` (0 outside ``selectable``) and the rows of
    ``R``: quotas, panel size, households."""
    num_types = model.num_types
    sizes = model.sizes.astype(np.float64)
    h.addVars(num_types, np.zeros(num_types), np.where(selectable, sizes, 0.0))
    add_polytope_rows(h, model)


class GapLP:
    """The Frank-Wolfe LP over ``R`` (see the module text), kept in one HiGHS model.

    Args:
        selectable: ``bool[T]`` the types that some feasible panel contains (a superset is
            fine: it only makes ``R`` larger and the bound weaker).
    """

    def __init__(self, model: TypeModel, monitor: Monitor, selectable: np.ndarray) -> None:
        self.monitor = monitor
        self.selectable = selectable.copy()
        self.sizes = model.sizes.astype(np.float64)
        self.people = float(self.sizes[selectable].sum())
        h = lp_highs(monitor)
        _add_rows(h, model, selectable)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h = h
        self.num_types = model.num_types

    def gap(self, probabilities: np.ndarray) -> float:
        """The relative Frank-Wolfe gap ``(max_{y in R} sum_S y_t / p_t - n) / n`` of the
        per-type probabilities ``p`` (``float[T]``): a proven upper bound on the relative
        sub-optimality ``(max f - f(p)) / n`` of their Nash welfare over all distributions
        over panels. ``inf`` when a selectable type has probability 0.

        Raises:
            SolverError: HiGHS did not solve the LP (never expected: ``R`` is not empty).
        """
        if self.people == 0:
            return 0.0
        chosen = np.asarray(probabilities, dtype=np.float64)[self.selectable]
        if not (chosen > 0).all() or not np.isfinite(chosen).all():
            return INF
        cost = np.zeros(self.num_types)
        cost[self.selectable] = 1.0 / chosen
        self.h.changeColsCost(self.num_types, np.arange(self.num_types, dtype=np.int32), cost)
        if run(self.h, self.monitor) != highspy.HighsModelStatus.kOptimal:
            raise SolverError("the Frank-Wolfe LP of the Nash welfare is not optimal")
        value = float(self.h.getInfo().objective_function_value)
        return max(0.0, value - self.people) / self.people


class _Rows:
    """The rows of ``R`` restricted to the selectable types, split for the interior-point
    method: equalities ``E x = b`` and one-sided inequalities ``G x <= h``."""

    def __init__(self, model: TypeModel, chosen: np.ndarray) -> None:
        sizes = model.sizes.astype(np.float64)[chosen]
        rows: list[tuple[np.ndarray, float, float]] = []
        for q, quota in enumerate(model.quotas):
            rows.append((model.incidence[q, chosen].astype(np.float64), quota.min, quota.max))
        rows.append((np.ones(len(chosen)), model.panel_size, model.panel_size))
        position = np.full(model.num_types, -1, dtype=np.int64)
        position[chosen] = np.arange(len(chosen))
        for group in model.household_groups:
            row = np.zeros(len(chosen))
            inside = position[list(group)]
            row[inside[inside >= 0]] = 1.0
            rows.append((row, -INF, 1.0))
        equal, equal_b, ineq, ineq_h = [], [], [], []
        for row, low, high in rows:
            if not row.any():
                continue
            reach = float(row @ sizes)
            if low == high:
                equal.append(row)
                equal_b.append(float(low))
                continue
            if high < reach:  # else implied by x <= size
                ineq.append(row)
                ineq_h.append(float(high))
            if low > 0:  # else implied by x >= 0
                ineq.append(-row)
                ineq_h.append(-float(low))
        n = len(chosen)
        self.size = float(model.panel_size)
        self.E = np.array(equal).reshape(len(equal), n)
        self.b = np.array(equal_b)
        self.G = np.array(ineq).reshape(len(ineq), n)
        self.h = np.array(ineq_h)


def _longest(v: np.ndarray, dv: np.ndarray) -> float:
    """The largest step ``a`` with ``v + a dv >= 0`` (``inf`` if none limits it)."""
    shrink = dv < 0
    return float(np.min(-v[shrink] / dv[shrink])) if shrink.any() else INF


class _Newton:
    """The Newton system of one interior-point iteration, factorised once and solved for
    several right-hand sides (Mehrotra's predictor and corrector).

    The matrix is ``diag(d) + G^T diag(zg / sg) G`` bordered by the equality rows ``E``:
    ``diag(d)`` is solved directly, the rank-``m`` term by Sherman-Morrison-Woodbury (one
    ``m x m`` Cholesky factorisation) and the equalities by their Schur complement (least
    squares, as equal quotas may repeat the panel-size row).
    """

    def __init__(self, state: dict[str, np.ndarray], rows: _Rows) -> None:
        self.v = state
        self.rows = rows
        x, w, sg, zg, su, zu = (state[k] for k in ("x", "w", "sg", "zg", "su", "zu"))
        self.d = w / x + zu / su
        self.c = np.sqrt(zg / sg)[:, None] * rows.G
        self.scaled = self.c / self.d
        self.factor = np.linalg.cholesky(np.eye(len(sg)) + self.scaled @ self.c.T)
        self.ye = self._solve(rows.E.T)
        self.schur = rows.E @ self.ye

    def _solve(self, v: np.ndarray) -> np.ndarray:
        scaled_v = v / self.d[:, None] if v.ndim == 2 else v / self.d
        inner = np.linalg.solve(self.factor.T, np.linalg.solve(self.factor, self.c @ scaled_v))
        return scaled_v - self.scaled.T @ inner

    def _apply(self, dx: np.ndarray) -> np.ndarray:
        """``(diag(d) + G^T diag(zg/sg) G) dx``."""
        weight = self.v["zg"] / self.v["sg"]
        return self.d * dx + self.rows.G.T @ (weight * (self.rows.G @ dx))

    def _solve_kkt(self, r1: np.ndarray, r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(dx, dnu)`` with ``M dx + E^T dnu = r1`` and ``E dx = r2``."""
        base = self._solve(r1)
        if not len(r2):
            return base, np.zeros(0)
        dnu = np.linalg.lstsq(self.schur, self.rows.E @ base - r2, rcond=None)[0]
        return base - self.ye @ dnu, dnu

    def step(
        self, residual: dict[str, np.ndarray], cx: np.ndarray, cg: np.ndarray, cu: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The Newton direction for the targets ``x w = cx``, ``sg zg = cg``, ``su zu = cu``
        (the other residuals driven to 0)."""
        x, w, sg, zg, su, zu = (self.v[k] for k in ("x", "w", "sg", "zg", "su", "zu"))
        G, E = self.rows.G, self.rows.E
        rg, ru, re = residual["g"], residual["u"], residual["e"]
        fx = x * w - cx
        rhs = (
            -residual["d"]
            - fx / x
            - G.T @ ((cg - sg * zg + zg * rg) / sg)
            - (cu - su * zu + zu * ru) / su
        )
        dx, dnu = self._solve_kkt(rhs, -re)
        for _ in range(REFINEMENTS):  # iterative refinement (Woodbury loses digits near the end)
            more, less = self._solve_kkt(rhs - self._apply(dx) - E.T @ dnu, -re - E @ dx)
            dx, dnu = dx + more, dnu + less
        dsg = -rg - G @ dx
        dsu = -ru - dx
        return {
            "x": dx,
            "w": (-fx - w * dx) / x,
            "sg": dsg,
            "su": dsu,
            "zg": (cg - sg * zg - zg * dsg) / sg,
            "zu": (cu - su * zu - zu * dsu) / su,
            "nu": dnu,
        }


def _step_length(state: dict[str, np.ndarray], direction: dict[str, np.ndarray]) -> float:
    """The largest step (at most 1) keeping every positive variable positive."""
    keys = ("x", "w", "sg", "su", "zg", "zu")
    return min(1.0, *(_longest(state[k], direction[k]) for k in keys))


def _interior_point(
    s: np.ndarray, rows: _Rows, start: np.ndarray, monitor: Monitor, guard: bool
) -> np.ndarray:
    """Maximise ``sum s log x`` over ``E x = b``, ``G x <= h``, ``0 < x <= s`` from ``start``
    (``x > 0``; need not meet the rows). Returns the best iterate (smallest error). ``guard``
    (since 0.7.0): a corrected step cut short tries the centred direction too
    (:data:`CORRECTOR_GUARD`; the safeguard of Nocedal and Wright, §14.2, where the
    second-order term of Mehrotra's corrector is dropped when it hurts).

    The gradient ``w = s / x`` of the objective is a variable of its own, with the condition
    ``x w = s`` linearised like a complementarity pair (as primal-dual methods for the
    Eisenberg-Gale program do): linearising ``-s / x`` itself let the complementarity gap
    vanish while the dual residual stalled at 1e-4 (measured on correlated_1000_100_7)."""
    E, b, G, h = rows.E, rows.b, rows.G, rows.h
    n, m = len(s), len(h)
    people = float(s.sum())
    # Halfway between the start and the proportional point (strictly inside the bounds):
    # from the mean of the initial panels alone, types on every panel sit at their upper
    # bound and the first steps stall (measured: 40 steps of length < 1e-13 on
    # synthetic_1727_110_7).
    x = 0.5 * start + 0.5 * s * min(1.0, rows.size / people)
    v = {
        "x": x,
        "w": s / x,
        "sg": np.maximum(h - G @ x, 1.0),  # slacks of G x <= h
        "su": np.maximum(s - x, np.minimum(1.0, 0.5 * s)),  # slacks of x <= size
        "zg": np.ones(m),
        "zu": np.ones(n),
        "nu": np.zeros(len(b)),
    }
    best, best_error, since_best = x, INF, 0
    for iteration in range(MAX_ITERATIONS):
        monitor.tick("nash (relaxation)", iteration, iteration + 1)
        x = v["x"]
        residual = {
            "d": -v["w"] + G.T @ v["zg"] + v["zu"] + E.T @ v["nu"],
            "g": G @ x + v["sg"] - h,
            "u": x + v["su"] - s,
            "e": E @ x - b,
        }
        mu = (v["sg"] @ v["zg"] + v["su"] @ v["zu"]) / (m + n)
        primal = max(float(np.abs(r).max(initial=0.0)) for k, r in residual.items() if k != "d")
        dual = float(np.abs(residual["d"] * x).max() + np.abs(x * v["w"] - s).max()) / people
        error = max((m + n) * mu / people, primal, dual)
        if error < best_error:
            best, best_error, since_best = x.copy(), error, 0
        elif best_error <= STALL_FROM:
            since_best += 1
        if error <= POINT_TOLERANCE or since_best >= STALL_ITERATIONS:
            break
        system = _Newton(v, rows)
        affine = system.step(residual, s, np.zeros(m), np.zeros(n))
        a_affine = a = _step_length(v, affine)
        mu_affine = (
            (v["sg"] + a * affine["sg"]) @ (v["zg"] + a * affine["zg"])
            + (v["su"] + a * affine["su"]) @ (v["zu"] + a * affine["zu"])
        ) / (m + n)
        sigma = (mu_affine / mu) ** 3 if mu > 0 else 0.0
        direction = system.step(
            residual,
            s - affine["x"] * affine["w"],
            sigma * mu - affine["sg"] * affine["zg"],
            sigma * mu - affine["su"] * affine["zu"],
        )
        a = min(1.0, BOUNDARY_FRACTION * _step_length(v, direction))
        if guard and a < CORRECTOR_GUARD * a_affine:
            centred = system.step(residual, s, np.full(m, sigma * mu), np.full(n, sigma * mu))
            a_centred = min(1.0, BOUNDARY_FRACTION * _step_length(v, centred))
            if a_centred > a:
                direction, a = centred, a_centred
        v = {k: v[k] + a * direction[k] for k in v}
    return best


def nash_point(
    model: TypeModel,
    monitor: Monitor,
    selectable: np.ndarray,
    start: np.ndarray,
    *,
    release: str = __version__,
) -> np.ndarray:
    """The maximum-Nash-welfare point of ``R`` (see the module text).

    Args:
        selectable: ``bool[T]`` the selectable types.
        start: ``float[T]`` expected counts, positive on the selectable types (e.g. the mean
            of the initial panels; it need not lie in ``R``).
        release: the engine version whose path to take: since 0.7.0 the corrector's steps
            are guarded (:data:`CORRECTOR_GUARD`), which changes the iterates, and so the
            point's last digits, where the guard fires.

    Returns:
        ``float[T]`` per-type probabilities ``x_t / size_t`` (0 outside ``selectable``). Not
        certified here: the caller checks the gap (:class:`GapLP`) of the distribution that
        reaches it.

    Raises:
        SelectionCancelled: the monitor cancelled the run.
        numpy.linalg.LinAlgError: a Newton system could not be solved, the iterates
            diverged (seen only when a type that no panel can hold is counted selectable),
            or the method stopped at a point outside ``R`` (more than
            :data:`POINT_FEASIBILITY` times the panel size off a row or bound).
    """
    chosen = np.flatnonzero(selectable)
    sizes = model.sizes.astype(np.float64)
    point = np.zeros(model.num_types)
    if len(chosen) == 0:
        return point
    s = sizes[chosen]
    with np.errstate(all="ignore"):  # a diverging run is caught below
        x = _interior_point(
            s,
            _Rows(model, chosen),
            np.asarray(start, dtype=np.float64)[chosen],
            monitor,
            since(release, "0.7.0"),
        )
    if not np.isfinite(x).all():
        raise np.linalg.LinAlgError("the interior-point method diverged")
    rows = _Rows(model, chosen)
    slack = POINT_FEASIBILITY * max(1.0, float(model.panel_size))
    if (
        np.abs(rows.E @ x - rows.b).max(initial=0.0) > slack
        or (rows.G @ x - rows.h).max(initial=0.0) > slack
        or (x - s).max(initial=0.0) > slack
        or x.min(initial=0.0) < -slack
    ):
        # stopped (iteration limit or stall) outside R: not the point, and the Frank-Wolfe
        # gap is no bound there (measured: from the proportional start on
        # synthetic_1727_110_7, quotas missed by up to 8 people with a "gap" of 0)
        raise np.linalg.LinAlgError("the interior-point method did not reach the relaxation")
    point[chosen] = np.clip(x / s, 0.0, 1.0)
    return point
