"""The package version and the releases whose reports this version can verify."""

__version__ = "0.8.0"

#: Every released engine version whose reports use the draw format ``opendlp-selection/v1``
#: (the byte format pinned by tests/selection/vectors/draw_v1.json). A report naming any other
#: version fails verification: the version is part of the evidence, not a free-text label.
#: 0.2.0 draws from the pool in canonical (id) order; 0.1.0 used the order of the input rows.
#: 0.3.0: above 450 types leximin and maximin find the face walk's panels on the support of
#: each face's LP optimum and start from 8 rounds of initial panels (other distributions there).
#: 0.4.0: maximin on pools of 151-450 types gives up the flat target after a few rounds when it
#: stalls and takes leximin's path (other distributions there where it did).
#: 0.5.0: above 450 types, where a face's LP support holds no panel, the walk tries the support
#: with the previous panel's types before the whole face program (other distributions there).
#: 0.6.0: (each change of path since 0.5.0 is gated with :func:`since`)
#: 0.6.0: above 450 types leximin and maximin walk the faces first, from the relaxation with every
#: type selectable, and take the walk's own weights when they reach its point (no initial panels).
#: 0.6.0: Nash welfare reaches the LP relaxation's Nash point when it can, certified by the
#: Frank-Wolfe gap over the relaxation (other distributions, same objective within tolerance).
#: 0.6.0: maximin on pools of 151-450 types draws its sampled panels once, near the relaxation's
#: point, for both the flat target and leximin's path (other distributions there).
#: 0.6.0: above 450 types the face walk looks for each face's panel by LP diving on the
#: support first.
#: 0.7.0: (each change of path since 0.6.0 is gated with :func:`since`)
#: 0.7.0: Nash's interior point guards Mehrotra's corrector (the point's last digits may differ),
#: and above 450 types its face walk dives for each face's panel as leximin's does.
#: 0.7.0: Nash's face walk stops once its panels make a certified distribution (gap <= 1e-3).
#: 0.7.0: above 450 types leximin's face walk solves each face's LP by sifting and its support's
#: program over the support's types alone (other panels there, the same leximin point).
#: 0.8.0: (each change of path since 0.7.0 is gated with :func:`since`)
#: 0.8.0: on pools of 151-450 types leximin, maximin and Nash walk first as on large pools,
#: within a budget of the walk's simplex iterations and MIP nodes, and where the walk stops
#: short the target master starts from multiplicative weights' panels toward its target,
#: not from sampled ones (other distributions there).
#: 0.8.0: above 450 types the face walk (leximin's, maximin's and Nash's) dives on the most
#: fractional count, dives again with the previous panel's types before any program, and
#: tries the last 5 panels' types before the whole face program; Nash's sifts each face's LP
#: and solves the support's program over the support's types alone, as leximin's does since
#: 0.7.0 (other panels there; the same leximin point).
RELEASES = ("0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0")


def since(release: str, version: str) -> bool:
    """Whether ``release`` (a version of :data:`RELEASES`, e.g. the one that wrote a report)
    is ``version`` or later, so a path introduced in ``version`` applies to it.

    Args:
        release: the engine version whose path to take.
        version: the release that introduced the path.

    Raises:
        ValueError: either is not in :data:`RELEASES`.
    """
    return RELEASES.index(release) >= RELEASES.index(version)
