"""The registrant state machine: every status, who may move a registrant between two
statuses, and the groups of statuses the rest of the code asks about.

This is the only place the transitions are written. Services check a move with
:func:`transition_allowed` (or list moves with :func:`next_statuses`); the admin, the public
links, the commands and the draws all go through those services, and each move is audited as
``AuditAction.REGISTRANT_STATUS_CHANGED`` with ``by`` set to the :class:`Mover`; a draw moves
its whole panel at once (``pool`` -> ``selected``, recorded by ``Registrant.selected_by`` and the
run's ``SELECTION_SUCCEEDED`` event).

Statuses (``RegistrantStatus``): ``pending`` (registered, email not confirmed) -> ``pool``
-> ``selected`` (drawn) -> ``confirmed``; ``reserve``; ``withdrawn``; ``deleted`` (personal
data erased; final).
"""

from __future__ import annotations

import enum

from assemblies.models import RegistrantStatus

S = RegistrantStatus


class Mover(enum.StrEnum):
    """Who moves a registrant: an assembly's ``manager`` or ``caller`` (in the admin or a
    command), the ``registrant`` (through their signed links), or a ``draw`` (a selection
    run)."""

    MANAGER = "manager"
    CALLER = "caller"
    REGISTRANT = "registrant"
    DRAW = "draw"


#: Registrants who hold a panel seat (the kept members of a replacement draw).
PANEL_STATUSES: tuple[str, ...] = (S.SELECTED, S.CONFIRMED)
#: Panel members and those who left the panel: the statuses callers work between.
PANEL_MEMBER_STATUSES: tuple[str, ...] = (S.SELECTED, S.CONFIRMED, S.WITHDRAWN)
#: Statuses from which a registrant may withdraw through their own link.
WITHDRAWABLE_STATUSES: tuple[str, ...] = (S.PENDING, S.POOL, S.SELECTED, S.RESERVE, S.CONFIRMED)
#: Statuses a draw may take people from.
DRAWABLE_STATUSES: tuple[str, ...] = (S.POOL,)

_M, _C, _R, _D = Mover.MANAGER, Mover.CALLER, Mover.REGISTRANT, Mover.DRAW

#: ``{(from, to): movers allowed}``. Erasure (any status -> ``deleted``) is separate: see
#: :data:`ERASERS`. Only a draw puts someone on a panel: ``withdrawn`` -> ``selected`` or
#: ``confirmed`` is for a drawn panel member who comes back while their seat is free, which
#: ``registrant_status_change`` checks.
TRANSITIONS: dict[tuple[str, str], frozenset[Mover]] = {
    (S.PENDING, S.POOL): frozenset({_M, _R}),
    (S.PENDING, S.WITHDRAWN): frozenset({_M, _R}),
    (S.POOL, S.RESERVE): frozenset({_M}),
    (S.POOL, S.WITHDRAWN): frozenset({_M, _R}),
    (S.POOL, S.SELECTED): frozenset({_D}),
    (S.RESERVE, S.POOL): frozenset({_M}),
    (S.RESERVE, S.WITHDRAWN): frozenset({_M, _R}),
    (S.SELECTED, S.CONFIRMED): frozenset({_M, _C}),
    (S.SELECTED, S.WITHDRAWN): frozenset({_M, _C, _R}),
    (S.CONFIRMED, S.SELECTED): frozenset({_M, _C}),
    (S.CONFIRMED, S.WITHDRAWN): frozenset({_M, _C, _R}),
    (S.WITHDRAWN, S.SELECTED): frozenset({_M, _C}),
    (S.WITHDRAWN, S.CONFIRMED): frozenset({_M, _C}),
    (S.WITHDRAWN, S.POOL): frozenset({_M}),
}
#: Who may erase a registrant's personal data (from any status but ``deleted``).
ERASERS: frozenset[Mover] = frozenset({_M, _R})


def transition_allowed(current: str, new: str, *, by: Mover) -> bool:
    """True when ``by`` may move a registrant from ``current`` to ``new``.

    Args:
        current, new: ``RegistrantStatus`` values. by: who moves them.

    Returns:
        Whether the move is allowed (moving to the same status is not a move: False).
    """
    if new == S.DELETED:
        return current != S.DELETED and by in ERASERS
    return by in TRANSITIONS.get((current, new), frozenset())


def next_statuses(current: str, *, by: Mover) -> tuple[str, ...]:
    """The statuses ``by`` may move a registrant in ``current`` to (erasure excluded), in
    the order of ``RegistrantStatus``."""
    return tuple(s for s in S.values if by in TRANSITIONS.get((current, s), frozenset()))


def refusal(current: str, new: str, *, by: Mover) -> str:
    """The sentence explaining why ``by`` may not move a registrant from ``current`` to
    ``new``."""
    if current == S.DELETED:
        return "This registrant's data was erased; their status cannot change."
    if by == Mover.CALLER and new in PANEL_MEMBER_STATUSES and current in PANEL_MEMBER_STATUSES:
        return f"A caller cannot move a registrant from {current} to {new}."
    if by == Mover.CALLER:
        return f"Callers may only move panel members between {', '.join(PANEL_MEMBER_STATUSES)}."
    return f"A registrant cannot go from {current} to {new}."
