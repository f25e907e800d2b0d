"""Leximin and maximin selection by column generation (Flanigan et al., Nature 596, 2021).

Methods section, "LEXIMIN": the leximin distribution over panels is found stage by stage.
In each stage a master LP over the panels found so far maximises the minimum selection
probability ``z`` of the types not yet fixed, subject to each fixed type keeping the probability
it was fixed at. Its dual gives non-negative weights ``y_t`` (summing to 1 over unfixed types)
and a value ``mu``; the pricing integer program (:class:`selection.solver.PanelIP`) finds the
panel maximising ``sum_t y_t c_t / size_t``. If that exceeds ``mu`` by more than a tolerance,
the panel is added as a column and the master LP is re-solved (HiGHS warm start: the model is
kept and columns are appended). Otherwise the stage's optimum ``z*`` is proven; every unfixed
type with a positive dual weight is tight in every optimal solution (complementary slackness),
so it is fixed at ``z*``, and the next stage begins. Maximin is the first stage only.

Here the LPs work on types (see :mod:`selection.symmetry`), so the probability of a type is
``E[c_t] / size_t``.

Acceleration (exact, not an approximation): the achievable vectors of expected type counts form
the polytope ``conv(F)`` of feasible panels, which lies inside the polytope ``R`` of the pricing
program's LP relaxation. The leximin point of ``R`` is computed first with a compact LP per
stage (no column generation). If that point lies in ``conv(F)`` (it usually does), it is also
the leximin point of ``conv(F)``, and a distribution over panels reaching it is found by
column generation on a *target* master LP (minimise the largest shortfall ``delta`` below the
target); reaching ``delta = 0`` needs no optimality proof from the pricing program. On large
pools the target master starts from the panels of a greedy walk down the faces of ``R``
(:mod:`selection.decompose`; since 0.3.0 each face's panel is looked for on the support of
the face's LP optimum first), which usually reach the target outright (since 0.6.0 the
walk runs first there, and its own weights are the distribution when they reach the target:
see :func:`selection.walkfirst.walk_first`); on middle-sized pools since 0.8.0 the same
walk runs first within a deterministic work budget (:data:`MIDDLE_WALK_LIMITS`), and
where it stops short the master starts from the panels of multiplicative weights toward the
target (:func:`selection.columngen.target_seed`); before, the walk (search level 0) was
tried there within a budget of its face programs' simplex iterations and sampled panels
seeded the master when it stopped short (see :data:`WALK_WORK_PER_TYPE`). If the pricing
program proves the target unreachable, the stage-by-stage column generation above
(:func:`selection.stages.exact_stages`) runs instead, starting from all panels found so far.
Maximin is leximin's first stage and stops once that stage is proven; the relaxation's
first-stage optimum ``z*`` is an upper bound on it. On pools large enough for the face walk
it takes leximin's own path and stops as soon as every selectable type reaches ``z*`` (or
after the fallback's first stage), so it never does more work than leximin; on smaller pools
it aims at ``z*`` directly, since 0.4.0 for a few
pricing rounds only before taking leximin's path (see :func:`_maximin_direct`).
"""

from __future__ import annotations

import numpy as np

from selection.columngen import Columns, initial_columns, target_seed
from selection.decompose import MASS_TOLERANCE, decompose
from selection.errors import SolverError
from selection.masters import TARGET_TOLERANCE, TargetLP
from selection.monitor import Monitor
from selection.relaxation import relaxed_leximin
from selection.solver import INF, PanelIP
from selection.stages import PRICING_TOLERANCE, SWAP_STARTS, exact_stages, price
from selection.symmetry import TypeModel
from selection.version import __version__, since
from selection.walkfirst import Walk, walk_first

#: Maximin on pools of :data:`SAMPLE_ABOVE_TYPES` to :data:`DECOMPOSE_ABOVE_TYPES` types
#: aims at the bound ``z*`` for every type for at most this many pricing rounds (since
#: 0.4.0), then takes leximin's path. Measured, CPU s, flat target / leximin's path:
#: synthetic_312 5 rounds 2.1 / 7.0; synthetic_404 43 rounds 27.6 (from round 10 on the
#: shortfall stalls near 0.0016) / 16.1.
FLAT_ROUNDS = 8
#: ... and gives up as soon as one round's shortfall is above this share of the previous
#: round's (measured, shortfall ratios of the first rounds: synthetic_312 0.61, 0.56, 0.47;
#: synthetic_404 0.74, 0.70, 0.81).
FLAT_STALL = 0.65


#: Seed the target master with sampled panels when there are more types than this.
SAMPLE_ABOVE_TYPES = 150
#: Since 0.8.0 pools of :data:`SAMPLE_ABOVE_TYPES` to :data:`DECOMPOSE_ABOVE_TYPES` types
#: walk first as large ones do (:func:`selection.walkfirst.walk_first`), and take
#: multiplicative weights' panels when the walk stops short. It stops once, for some pair
#: ``(w, m)`` here, its solves took more than ``w`` work per type
#: (:attr:`selection.monitor.Monitor.work`: simplex iterations and MIP nodes, the same on
#: every run) with more than the share ``m`` of the mass still to write.
#: Measured, leximin CPU s, walk first (unlimited) / weighted panels alone: latent-class pools
#: correlated_300_20_7 0.24 / 0.39, correlated_400_40_6 0.26 / 0.87, of 362, 389 and 406
#: types 0.7 / 3.6, 1.1 / 2.6-3.6 and 0.5 / 6.2; independent answers of 424 and 431 types
#: 1.9 / 5.2 and 1.0 / 5.0; but synthetic_312_35_6 6.8 / 1.3, synthetic_404_40_6 3.9 / 2.4,
#: one of 426 types 3.9-4.7 / 5.0 and one of 197 types 48 (unfinished) / 10.5. Work per type
#: and mass left: the walks that win wrote half the mass within 3-12 and had at most 0.0018
#: left at 30 (then finished at 19-145); synthetic_312_35_6 took 21 to half, the 197-type
#: pool 279, and synthetic_404_40_6 and the 426-type pool had 0.058 and 0.086 left at 30
#: (then finished at 349 and 370).
MIDDLE_WALK_LIMITS = ((15.0, 0.5), (30.0, 0.01), (150.0, 0.0))
#: Swap searches per pricing round of the target master on large instances (more than
#: :data:`SAMPLE_ABOVE_TYPES` types): many columns per round cut the number of master LP
#: re-solves, which dominate the running time there.
TARGET_SWAP_STARTS = 200
#: Above this many types the target master is seeded with the panels of the face walk
#: (:func:`selection.decompose.decompose`) instead of sampled ones: on such pools column
#: generation alone slows down sharply as the master grows (measured: 389 types 17 s, 542
#: types 102 s, 1400 types unfinished after 10 minutes), while the walk's cost grows with the
#: integer program's, about 120 face programs of 0.1-0.4 s each (389 types about 35 s, 542
#: types 12 s, 1400 types 30 s).
DECOMPOSE_ABOVE_TYPES = 450
#: Multiplicative-weights rounds of :func:`selection.columngen.initial_columns` above
#: :data:`DECOMPOSE_ABOVE_TYPES` types (since 0.3.0; default 24): there the face walk finds
#: the panels the target needs, so diverse starting panels matter little, and each round is
#: a swap search over a thousand types and more (synthetic_1727_110_7: 24 rounds 2.8 s).
LARGE_INITIAL_ROUNDS = 8
#: From :data:`SAMPLE_ABOVE_TYPES` to :data:`DECOMPOSE_ABOVE_TYPES` types the face walk is
#: tried first, with a budget of this many simplex iterations of its face programs per type
#: (a deterministic measure of its cost: the same input always takes the same path). Where
#: its face programs are easy (pools with correlated answers, as real pools have) it finishes
#: within the budget and is 3-8 times faster than column generation from sampled panels
#: (measured, CPU s, walk / sampled: latent-class pools of 272 types 0.6 / 3.1, 374 types
#: 1.35 / 11.6, 417 types 9.0 / 15.1); where they are hard (independent answers:
#: synthetic_312, 301 types, 30 s / 8 s) it stops at the budget and the sampled panels are
#: added, so little is lost.
WALK_WORK_PER_TYPE = 60
#: ... and it stops once its face programs took this many per type with more than half the
#: mass still to write (measured, simplex iterations per type at half the mass: 3-5 on the
#: latent-class pools above, 16 on synthetic_312, which then wastes about 1 s, not 5 s).
WALK_HALF_WORK_PER_TYPE = 12
#: ... and once they took this many per type without writing 1 % of the mass
#: (:data:`selection.decompose.START_MASS`). Measured, simplex iterations per type and mass
#: written after the first face program: latent-class pools of 281-417 types 0.9-1.0 and
#: 7-10 %; synthetic_312 1.95 and 0 % (its first eight face programs write nothing), where
#: this stop saves leximin and maximin the walk's wasted second or more.
WALK_START_WORK_PER_TYPE = 2


def face_walk_seed(
    model: TypeModel,
    monitor: Monitor,
    columns: Columns,
    point: np.ndarray,
    *,
    search: int = 2,
    release: str = __version__,
) -> bool:
    """Seed ``columns`` with the face walk's panels for ``point`` (``float[T]`` probabilities
    of a point of the relaxation polytope); returns True when the walk was taken.

    Above :data:`DECOMPOSE_ABOVE_TYPES` types the walk always runs (its panels are kept even
    when it stops at a face without a panel) and looks for each face's panel on the support
    of the face's LP optimum first (``search`` of :func:`selection.decompose.decompose`;
    since 0.3.0, unless ``search`` is 0: measured on synthetic_1727_110_7, 1,400 types,
    the walk's CPU time falls from 46 s to 13 s; ``search`` 2, since 0.5.0, also tries the
    support with the previous panel's types before the whole face program; ``search`` 3,
    since 0.6.0, dives for the panel on the support first, see
    :func:`selection.dives.dive`). From
    :data:`SAMPLE_ABOVE_TYPES` types on it runs within :data:`WALK_WORK_PER_TYPE` (stopping
    early, see :data:`WALK_HALF_WORK_PER_TYPE` and :data:`WALK_START_WORK_PER_TYPE`) and its
    panels are kept only when it wrote all of
    ``point`` (a walk cut short leaves the sampled path as it was: its panels measured no
    help there). Below, it does not run; since 0.8.0 (``release``) it does not run up to
    :data:`DECOMPOSE_ABOVE_TYPES` types either: there the large pools' walk runs first
    (:data:`MIDDLE_WALK_LIMITS`), and when it stops short the master seeded with
    multiplicative weights' panels (:func:`selection.columngen.target_seed`) reaches the
    target faster than this walk and sampled panels (measured, leximin CPU s, this walk /
    weighted panels alone, latent-class pools: correlated_300_20_7 1.9 / 0.35,
    correlated_400_40_6 2.1 / 1.0, three more of 235-281 types 1.7-7.2 / 0.6-1.8; see also
    :data:`selection.columngen.WEIGHTED_STEPS_PER_TYPE`).
    """
    large = model.num_types > DECOMPOSE_ABOVE_TYPES
    if not large and (model.num_types <= SAMPLE_ABOVE_TYPES or since(release, "0.8.0")):
        return False
    limit = half = start = None
    if not large:
        limit = WALK_WORK_PER_TYPE * model.num_types
        half = WALK_HALF_WORK_PER_TYPE * model.num_types
        start = WALK_START_WORK_PER_TYPE * model.num_types
    panels, _, mass = decompose(
        model,
        monitor,
        point,
        work_limit=limit,
        half_work_limit=half,
        start_work_limit=start,
        search=search if large else 0,
    )
    walked = large or mass <= MASS_TOLERANCE
    for counts in panels if walked else ():
        columns.add(counts)
    return walked


def reach_target(
    model: TypeModel,
    monitor: Monitor,
    ip: PanelIP,
    columns: Columns,
    target: np.ndarray,
    point: np.ndarray | None = None,
    floor: float | None = None,
    walked: bool = False,
    search: int = 2,
    rounds: int | None = None,
    stall: float | None = None,
    samples: list[np.ndarray] | None = None,
    release: str = __version__,
) -> np.ndarray | None:
    """A distribution over ``columns`` (extended as needed) whose type probabilities are at
    least ``target`` (within :data:`TARGET_TOLERANCE`); ``None`` if proven unreachable.

    Args:
        point: ``float[T]`` probabilities of a point of the relaxation polytope at or above
            ``target`` (e.g. the target itself when it is the relaxation's leximin point);
            on large instances its face-walk decomposition seeds the master.
        floor: stop as soon as every type with a positive target reaches this probability
            (maximin: the relaxation's first-stage optimum, an upper bound on the maximin
            value, so reaching it proves the maximin optimum); ``None``: reach ``target``.
        walked: ``columns`` already hold the panels of a finished face walk (no sampling).
        search: passed to :func:`face_walk_seed`.
        rounds: give up (raise :class:`_GaveUp`) when the target is not reached after this
            many pricing rounds; ``None``: no limit.
        stall: give up too when a round's shortfall is above this share of the previous
            round's; ``None``: never.
        samples: the panels to seed the master with when no face walk gives them; ``None``:
            find them near ``target`` (:func:`selection.columngen.target_seed`).
        release: the engine version whose path to take (see :func:`leximin`).
    """
    master = TargetLP(model, monitor, target)
    walked = walked or (
        point is not None
        and face_walk_seed(model, monitor, columns, point, search=search, release=release)
    )
    if not walked and model.num_types > SAMPLE_ABOVE_TYPES:
        if samples is None:
            samples = target_seed(model, monitor, ip, columns, target, release)
        for counts in samples:
            columns.add(counts)
    for counts in columns.panels:
        master.add_panel(counts)
    sizes = master.sizes
    starts = TARGET_SWAP_STARTS if model.num_types > SAMPLE_ABOVE_TYPES else SWAP_STARTS
    iteration = 0
    previous = INF
    while True:
        iteration += 1
        delta, mu, y = master.solve()
        monitor.tick("leximin (distribution)", iteration, iteration + 1)
        if delta <= TARGET_TOLERANCE:
            return master.distribution()
        if (rounds is not None and iteration > rounds) or (
            stall is not None and delta > stall * previous
        ):
            raise _GaveUp
        previous = delta
        if floor is not None:
            reached = columns.combine(master.distribution()) / sizes
            if reached[target > 0].min(initial=1.0) >= floor - TARGET_TOLERANCE:
                return master.distribution()
        found, proven = price(columns, ip, y / sizes, mu + PRICING_TOLERANCE, starts=starts)
        if proven:
            return None
        for counts in found:
            if columns.add(counts):
                master.add_panel(counts)


class _GaveUp(Exception):
    """:func:`reach_target` stopped at its limit of pricing rounds (nothing is proven)."""


def _maximin_direct(
    model: TypeModel,
    monitor: Monitor,
    ip: PanelIP,
    columns: Columns,
    selectable: np.ndarray,
    release: str,
) -> tuple[Columns, np.ndarray]:
    """Maximin up to :data:`DECOMPOSE_ABOVE_TYPES` types: the relaxation's first stage gives
    the upper bound ``z*``; above :data:`SAMPLE_ABOVE_TYPES` types leximin's face walk is
    tried first before 0.8.0 (within its budget, :func:`face_walk_seed`) and, when it
    finishes, the target master stops once every selectable type reaches ``z*``; otherwise a
    target master looks for every selectable type at ``z*`` from sampled panels (since 0.8.0
    multiplicative weights' panels); then (or if that fails)
    leximin's first stage runs and ends as soon as it reaches ``z*``.

    Since 0.4.0 the flat target gets :data:`FLAT_ROUNDS` pricing rounds, fewer when its
    shortfall stalls (:data:`FLAT_STALL`); then leximin's own path runs from the panels
    leximin would have (the flat target's are dropped: they only slow its master), stopped
    once every type reaches ``z*``. So maximin costs at most leximin's time plus a few
    rounds of a small master, and much less where the flat target is quickly reached.
    Since 0.6.0 both masters start from the same panels, found once near the
    relaxation's point (as leximin's path finds them; since 0.8.0 by multiplicative weights,
    :func:`selection.columngen.target_seed`), not first near the flat target and then again: on
    synthetic_404_40_6 one draw of 389 attempts (about 0.8 CPU s) less, for one more round
    of the flat target (about 0.3 s); medians of 5-6 interleaved runs on a loaded machine
    (noise about 15 %), CPU s: maximin 17.4, was 17.7 (leximin 15.0); synthetic_312_35_6
    maximin 1.9, was 1.9.

    Returns:
        ``(columns, probabilities)`` (``columns`` is the given object unless replaced).
    """
    middle = model.num_types > SAMPLE_ABOVE_TYPES
    try:
        relaxed = relaxed_leximin(model, monitor, selectable, stages=None if middle else 1)
    except SolverError:  # the relaxation only accelerates; the exact method needs no bound
        return columns, exact_stages(model, monitor, ip, columns, selectable, stages=1)
    bound = float(relaxed[selectable].min()) if selectable.any() else 0.0
    if middle and face_walk_seed(model, monitor, columns, relaxed, release=release):
        # leximin's own path, stopped once every type reaches the bound: never slower
        distribution = reach_target(model, monitor, ip, columns, relaxed, floor=bound, walked=True)
        if distribution is not None:
            return columns, distribution
    if middle:
        flat = np.where(selectable, bound, 0.0)
        limited = release not in ("0.1.0", "0.2.0", "0.3.0")
        # Since 0.6.0 the flat target starts from the panels sampled near the relaxation's
        # point, which leximin's path draws anyway: drawn once, they serve both.
        # Since 0.8.0 they are multiplicative weights' panels (see target_seed).
        samples = (
            target_seed(model, monitor, ip, columns, relaxed, release)
            if since(release, "0.6.0")
            else None
        )
        kept = columns.copy() if limited else columns
        try:
            distribution = reach_target(
                model,
                monitor,
                ip,
                columns,
                flat,
                rounds=FLAT_ROUNDS if limited else None,
                stall=FLAT_STALL if limited else None,
                samples=samples,
                release=release,
            )
        except _GaveUp:
            columns = kept
            distribution = reach_target(
                model, monitor, ip, columns, relaxed, floor=bound, samples=samples, release=release
            )
        if distribution is not None:
            return columns, distribution
    return columns, exact_stages(
        model, monitor, ip, columns, selectable, stages=1, upper_bound=bound
    )


def leximin(
    model: TypeModel, monitor: Monitor, *, stages: int | None = None, release: str = __version__
) -> tuple[Columns, np.ndarray]:
    """Compute the leximin (or, with ``stages=1``, the maximin) distribution over panels.

    Maximin stops as soon as leximin's first stage is proven (the first stage of leximin is
    the maximin optimum). Above :data:`DECOMPOSE_ABOVE_TYPES` types it takes leximin's own
    path and stops once every selectable type reaches the relaxation's first-stage optimum
    (an upper bound on the maximin value), or after the fallback's first stage, so it never
    does more work than leximin there. Below, :func:`_maximin_direct` aims at the first stage
    alone for a few pricing rounds, then takes leximin's path (measured: as fast as leximin
    or up to 4 times faster on the shared and synthetic instances).

    Args:
        model: the type model (the quotas must be feasible).
        monitor: progress and cancellation (raises :class:`SelectionCancelled`).
        stages: ``1`` for maximin (the first stage only); ``None`` for full leximin.
        release: the engine version whose path to take (:data:`selection.version.RELEASES`;
            verification re-runs the path of the version that wrote a report): before 0.3.0
            large pools walk with the whole face programs and 24 initial rounds; since 0.6.0
            they walk first and take the walk's weights when they reach the relaxation's
            point (:func:`selection.walkfirst.walk_first`).

    Returns:
        ``(columns, probabilities)``: the panels and ``float[P]`` probability of each panel.
    """
    ip = PanelIP(model, monitor)
    search = {"0.1.0": 0, "0.2.0": 0, "0.3.0": 1, "0.4.0": 1, "0.5.0": 2}.get(release, 3)
    if since(release, "0.7.0"):
        search = 4  # the face walk's support programs over the support's types alone
    if since(release, "0.8.0"):
        search = 5  # ... and fractional dives
    large = model.num_types > DECOMPOSE_ABOVE_TYPES
    walk: Walk | None = None
    if large and since(release, "0.6.0"):
        walk = walk_first(model, monitor, search)
        if walk is not None and walk.distribution is not None:
            return walk.columns, walk.distribution
    elif model.num_types > SAMPLE_ABOVE_TYPES and since(release, "0.8.0"):
        limits = [(w * model.num_types, m) for w, m in MIDDLE_WALK_LIMITS]
        middle_walk = walk_first(model, monitor, search, work_limits=limits)
        if middle_walk is not None and middle_walk.distribution is not None:
            return middle_walk.columns, middle_walk.distribution
    rounds = LARGE_INITIAL_ROUNDS if large and search else None
    columns, selectable = initial_columns(model, ip, monitor, rounds=rounds)
    if stages == 1 and model.num_types <= DECOMPOSE_ABOVE_TYPES:
        return _maximin_direct(model, monitor, ip, columns, selectable, release)
    try:
        relaxed = relaxed_leximin(model, monitor, selectable)
    except SolverError:  # the relaxation only accelerates; the exact method needs no bound
        return columns, exact_stages(model, monitor, ip, columns, selectable, stages=stages)
    bound = float(relaxed[selectable].min()) if selectable.any() else 0.0
    floor = bound if stages == 1 else None
    walked = False
    if walk is not None and np.array_equal(relaxed, walk.point):
        # the walk already ran on this very point: its panels seed the master
        for counts in walk.columns.panels:
            columns.add(counts)
        walked = True
    distribution = reach_target(
        model,
        monitor,
        ip,
        columns,
        relaxed,
        point=None if walked else relaxed,
        floor=floor,
        walked=walked,
        search=search,
        release=release,
    )
    if distribution is not None:
        return columns, distribution
    upper = bound if stages == 1 else INF
    return columns, exact_stages(
        model, monitor, ip, columns, selectable, stages=stages, upper_bound=upper
    )
