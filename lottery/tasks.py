"""Celery tasks of the lottery: thin wrappers that call one service each.

Tasks are leaves: :mod:`lottery.services` imports this module to enqueue, so each task
imports its service when it runs, never at module level.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

#: Seconds before a close raises SoftTimeLimitExceeded (and is rolled back), and before it is
#: killed. One close of a million ballots takes about a second.
CLOSE_SOFT_TIME_LIMIT = 120
CLOSE_TIME_LIMIT = 150


@shared_task(
    name="lottery.close_due",
    soft_time_limit=CLOSE_SOFT_TIME_LIMIT * 5,
    time_limit=CLOSE_TIME_LIMIT * 5,
)
def lottery_close_due_task() -> list[str]:
    """Close every open lottery dated before today (midnight run and hourly catch-up).

    Returns:
        ``["YYYY-MM-DD:status", ...]`` for the lotteries handled.
    """
    from lottery.services import lottery_close_due  # leaf

    closed = lottery_close_due(via="beat")
    return [f"{lottery.date.isoformat()}:{lottery.status}" for lottery in closed]


@shared_task(
    name="lottery.close",
    soft_time_limit=CLOSE_SOFT_TIME_LIMIT,
    time_limit=CLOSE_TIME_LIMIT,
)
def lottery_close_task(date: str) -> str:
    """Close the lottery of one date.

    Args:
        date: ``YYYY-MM-DD``.

    Returns:
        The resulting status (``drawn`` or ``void``).

    Raises:
        LotteryNotClosableError, LotteryNotFoundError: see
            :func:`lottery.services.lottery_close`.
    """
    from lottery.services import lottery_close  # leaf

    return lottery_close(date=dt.date.fromisoformat(date), via="task").status
