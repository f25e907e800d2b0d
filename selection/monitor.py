"""Progress reporting, cancellation and time limits for long computations."""

from __future__ import annotations

import time
from collections.abc import Callable

from selection.errors import SelectionCancelled

ProgressCallback = Callable[[str, int, int], None]
CancelCheck = Callable[[], bool]

#: The clock monitors read (seconds, monotonic); tests may replace it to step time by hand.
clock: Callable[[], float] = time.monotonic

#: The ``total`` passed to the progress callback: ``done / total`` is the fraction of the
#: whole run (per mille), never decreasing from one call to the next.
PROGRESS_TOTAL = 1000

#: Each phase's span of the overall progress, as ``(start, end)`` fractions of the whole run,
#: in the order the phases run. Within a phase, ``done / total`` of the phase's own count moves
#: the overall progress from start towards end; a phase that starts below the progress already
#: reached (e.g. the stage-by-stage fallback after the target master) moves it no lower.
PHASE_SPANS: dict[str, tuple[float, float]] = {
    "feasibility": (0.0, 0.05),
    "initial panels": (0.05, 0.2),
    "initial panels (sampling)": (0.2, 0.3),
    "leximin (relaxation)": (0.3, 0.45),
    "leximin (decomposition)": (0.45, 0.65),
    "leximin (distribution)": (0.65, 0.8),
    "leximin": (0.8, 0.99),
    "nash": (0.2, 0.99),
    "legacy (estimating probabilities)": (0.05, 0.99),
    "done": (1.0, 1.0),
}


class Monitor:
    """Calls ``progress`` and checks ``should_cancel`` / the time limit, throttled.

    Args:
        progress: ``progress(phase, done, total)`` or ``None``; called at least every
            ``interval`` seconds while work is going on. ``phase`` names the current step (see
            :data:`PHASE_SPANS`); ``done / total`` is the overall progress of the whole run
            (``total`` is :data:`PROGRESS_TOTAL`), which never decreases and reaches
            ``total`` only with phase ``"done"``.
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
        self.overall = 0.0
        self.cancelled = False
        #: Simplex iterations (and MIP nodes) of every HiGHS solve run with this monitor
        #: (:func:`selection.solver.run`): a measure of work that, unlike time, is the same on
        #: every run of the same input, so a path chosen by it never depends on the machine.
        self.work = 0

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
            self.progress(self.phase, int(self.overall * PROGRESS_TOTAL), PROGRESS_TOTAL)
        if self.should_cancel is not None and self.should_cancel():
            self.cancelled = True
        if self.deadline is not None and now > self.deadline:
            self.cancelled = True
        return self.cancelled

    def tick(self, phase: str, done: int, total: int, force: bool = False) -> None:
        """Record progress; call the callback if due; raise if cancelled.

        Args:
            phase: the step running now, a name of :data:`PHASE_SPANS` (another name leaves
                the overall progress where it is).
            done, total: how far the step is by its own count (``total`` may grow).
            force: call the callback now, whatever the interval.

        Raises:
            SelectionCancelled: ``should_cancel()`` returned True or the time limit passed.
        """
        if phase != self.phase:
            force = True
        self.phase, self.done, self.total = phase, done, total
        start, end = PHASE_SPANS.get(phase, (self.overall, self.overall))
        fraction = min(1.0, max(0.0, done / total)) if total > 0 else 0.0
        self.overall = max(self.overall, start + (end - start) * fraction)
        if self._poll(force):
            self.raise_if_cancelled()

    def heartbeat(self) -> None:
        """Within a step: call the callback if due (same phase and progress); raise if
        cancelled.

        Raises:
            SelectionCancelled: ``should_cancel()`` returned True or the time limit passed.
        """
        if self._poll():
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
