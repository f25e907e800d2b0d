"""Beat entries of the lottery, written by ``manage.py setup_periodic_tasks``."""

from __future__ import annotations

from django.conf import settings

from opendlp.core.periodic import PeriodicTaskSpec

MIDNIGHT_CLOSE = "lottery.close.midnight"
HOURLY_CATCH_UP = "lottery.close.hourly_catch_up"


def periodic_tasks() -> list[PeriodicTaskSpec]:
    """Return the lottery's beat entries.

    * ``lottery.close.midnight``: at 00:00 in ``settings.LOTTERY_TIME_ZONE`` (read now, so the
      entry follows that zone's daylight-saving changes), close every open lottery dated
      before today.
    * ``lottery.close.hourly_catch_up``: every hour, the same, so a night missed while beat or
      the workers were down is caught up within the hour.
    """
    return [
        PeriodicTaskSpec(
            name=MIDNIGHT_CLOSE,
            task="lottery.close_due",
            crontab={"minute": "0", "hour": "0"},
            timezone=settings.LOTTERY_TIME_ZONE,
            description="Close yesterday's lottery (and any older open one) at midnight.",
        ),
        PeriodicTaskSpec(
            name=HOURLY_CATCH_UP,
            task="lottery.close_due",
            interval_seconds=3600,
            description="Catch up: close any lottery still open from an earlier day.",
        ),
    ]
