"""A run's progress for the run page's progress line and its poll: phase, overall fraction,
seconds elapsed and left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from assemblies.models import FINISHED_RUN_STATUSES, RunStatus, SelectionRun

#: Below this fraction of the work done, the time left is not estimated (too noisy).
ETA_FROM_FRACTION = 0.05


@dataclass(frozen=True)
class RunProgress:
    """How far a run is, for the run page's progress bar.

    ``phase`` is the engine's current step (e.g. "leximin"), ``fraction`` the overall
    progress of the whole run in [0, 1] (never decreasing: the engine reports it so, see
    ``selection.monitor``), ``seconds_elapsed`` the seconds since the worker started it (0
    while pending) and ``seconds_left`` the estimate ``elapsed * (1 - fraction) / fraction``
    in seconds, or None while under :data:`ETA_FROM_FRACTION` done or not running.
    """

    status: str
    phase: str
    fraction: float
    seconds_elapsed: float
    seconds_left: float | None

    @property
    def percent(self) -> int:
        """The fraction as a whole percentage, rounded down (0-100)."""
        return int(self.fraction * 100 + 1e-9)

    @property
    def text(self) -> str:
        """One line for the page: "Phase: leximin — 42 % — about 1 min left"."""
        parts = [
            gettext("Phase: %(phase)s") % {"phase": self.phase or gettext("waiting")},
            f"{self.percent} %",
        ]
        if self.status == RunStatus.PENDING:
            parts.append(gettext("waiting for a worker"))
        elif self.status == RunStatus.RUNNING:
            parts.append(time_left_text(self.seconds_left))
        return " — ".join(parts)


def time_left_text(seconds: float | None) -> str:
    """The estimated time left in words: "about 3 min left", "less than 1 min left",
    "about 2 h left", or "estimating the time left" for None."""
    if seconds is None:
        return gettext("estimating the time left")
    if seconds < 60:
        return gettext("less than 1 min left")
    minutes = round(seconds / 60)
    if minutes < 120:
        return ngettext("about %(n)d min left", "about %(n)d min left", minutes) % {"n": minutes}
    hours = round(seconds / 3600)
    return ngettext("about %(n)d h left", "about %(n)d h left", hours) % {"n": hours}


def run_progress(*, run: SelectionRun, now: datetime | None = None) -> RunProgress:
    """The run's :class:`RunProgress` at ``now`` (default: the current time).

    A finished run is at fraction 1 with nothing left; a pending run at 0 with no
    estimate; a running run at ``progress_done / progress_total`` (clipped to [0, 1]), with
    the time left estimated from the time elapsed since ``started_at`` once at least
    :data:`ETA_FROM_FRACTION` is done.
    """
    now = now or timezone.now()
    elapsed = 0.0
    if run.started_at is not None:
        end = run.finished_at or now
        elapsed = max(0.0, (end - run.started_at).total_seconds())
    if run.status in FINISHED_RUN_STATUSES:
        return RunProgress(run.status, run.phase, 1.0, elapsed, 0.0)
    fraction = 0.0
    if run.progress_total > 0:
        fraction = min(1.0, max(0.0, run.progress_done / run.progress_total))
    left = None
    if run.status == RunStatus.RUNNING and fraction >= ETA_FROM_FRACTION and elapsed > 0:
        left = elapsed * (1.0 - fraction) / fraction
    return RunProgress(run.status, run.phase, fraction, elapsed, left)
