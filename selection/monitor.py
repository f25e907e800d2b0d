"""Progress reporting, cancellation and time limits for long computations."""

from __future__ import annotations

import time
from collections.abc import Callable

from selection.errors import SelectionCancelled

ProgressCallback = Callable[[str, int, int], None]
CancelCheck = Callable[[], bool]

#: The clock monitors read (seconds, monotonic); tests may replace it to step time by hand.
clock: Callable[[], float] = time.monotonic


class Monitor:
    """Calls ``progress`` and checks ``should_cancel`` / the time limit, throttled.

    Args:
        progress: ``progress(phase, done, total)`` or ``None``; called at least every
            ``interval`` seconds while work is going on (phase: text; done/total: ints, total
            may grow as work is discovered).
        should_cancel: ``should_cancel() -> bool`` or ``None``; checked at least every
            ``interval`` seconds; when it returns True, :class:`SelectionCancelled` is raised.
        time_limit: seconds of wall time after which the run is cancelled, or ``None``.
        interval: seconds between calls (default 0.25 s, so well under one second).
    """

    def __init__(
        self,
        progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
        time_limit: float | None = None,
        interval: float = 0.25,
    ) -> None:
        self.progress = progress
        self.should_cancel = should_cancel
        self.started = clock()
        self.deadline = None if time_limit is None else self.started + float(time_limit)
        self.interval = interval
        self._last = float("-inf")
        self.phase = "start"
        self.done = 0
        self.total = 1
        self.cancelled = False

    @property
    def active(self) -> bool:
        """Whether anything needs polling (a callback, a cancel check or a time limit)."""
        return (
            self.progress is not None or self.should_cancel is not None or self.deadline is not None
        )

    def elapsed(self) -> float:
        """Seconds since the monitor was created."""
        return clock() - self.started

    def _poll(self, force: bool = False) -> bool:
        """Report progress and check for cancellation; returns True when cancelled."""
        now = clock()
        if not force and now - self._last < self.interval:
            return self.cancelled
        self._last = now
        if self.progress is not None:
            self.progress(self.phase, self.done, max(self.total, self.done))
        if self.should_cancel is not None and self.should_cancel():
            self.cancelled = True
        if self.deadline is not None and now > self.deadline:
            self.cancelled = True
        return self.cancelled

    def tick(self, phase: str, done: int, total: int, force: bool = False) -> None:
        """Record progress; call the callback if due; raise if cancelled.

        Raises:
            SelectionCancelled: ``should_cancel()`` returned True or the time limit passed.
        """
        if phase != self.phase:
            force = True
        self.phase, self.done, self.total = phase, done, total
        if self._poll(force):
            self.raise_if_cancelled()

    def solver_callback(self, event: object) -> None:
        """HiGHS interrupt callback: polls, and interrupts the solver when cancelled."""
        if self._poll():
            event.interrupt()  # type: ignore[attr-defined]

    def raise_if_cancelled(self) -> None:
        """Raise :class:`SelectionCancelled` if the run was cancelled."""
        if self.cancelled:
            reason = (
                "time limit reached"
                if self.deadline is not None and (clock() > self.deadline)
                else "cancelled by the caller"
            )
            raise SelectionCancelled(f"selection stopped: {reason}")
