"""Reads for the lottery: today's date, lotteries and ballots, page data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from lottery.errors import LotteryNotFoundError, WinnerNotFoundError
from lottery.models import Ballot, Lottery


def lottery_time_zone() -> ZoneInfo:
    """Return the zone whose calendar days are the lotteries' days.

    Read from ``settings.LOTTERY_TIME_ZONE`` at every call (an IANA name such as
    ``"Europe/London"``), so a settings change applies at once.
    """
    return ZoneInfo(settings.LOTTERY_TIME_ZONE)


def lottery_today(*, now: dt.datetime | None = None) -> dt.date:
    """Return the lottery date of the instant ``now``.

    Args:
        now: an aware datetime; default :func:`django.utils.timezone.now`.

    Returns:
        The calendar date of ``now`` in ``settings.LOTTERY_TIME_ZONE``.

    Raises:
        ValueError: ``now`` is naive.
    """
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    return now.astimezone(lottery_time_zone()).date()


def lottery_get(*, date: dt.date) -> Lottery:
    """Return the lottery of ``date`` with its winning ballot and winner loaded.

    Raises:
        LotteryNotFoundError: there is no lottery on that date.
    """
    lottery = Lottery.objects.select_related("winning_ballot__user").filter(date=date).first()
    if lottery is None:
        raise LotteryNotFoundError(f"There is no lottery on {date.isoformat()}.")
    return lottery


def lottery_winner(*, date: dt.date) -> Ballot:
    """Return the winning ballot of ``date`` (with its user and lottery loaded).

    Raises:
        LotteryNotFoundError: there is no lottery on that date.
        WinnerNotFoundError: the lottery is still open, or void.
    """
    lottery = lottery_get(date=date)
    if lottery.winning_ballot is None:
        state = "still open" if lottery.is_open else "void (no eligible ballot)"
        raise WinnerNotFoundError(f"The lottery of {date.isoformat()} has no winner: {state}.")
    ballot = lottery.winning_ballot
    ballot.lottery = lottery
    return ballot


def lottery_ballot_total(*, lottery: Lottery) -> int:
    """Return the number of ballots to show for ``lottery``.

    For a closed lottery: the eligible ballots its draw was made from (stored at close).
    For an open one: the ballots submitted so far (one ``COUNT`` query).
    """
    if lottery.ballot_count is not None:
        return lottery.ballot_count
    return Ballot.objects.filter(lottery=lottery).count()


def lottery_eligible_ids(*, date: dt.date) -> tuple[Lottery, Iterator[int]]:
    """The eligible ballot ids of a closed lottery, increasing, streamed from the database:
    the list its digest and draw were computed from (published so anyone can check them).

    Returns:
        ``(lottery, ids)``; ``ids`` is consumed once, in chunks, never held whole.

    Raises:
        LotteryNotFoundError: no lottery on that date, or it is still open (nothing is
            fixed before the close).
    """
    lottery = lottery_get(date=date)
    if lottery.is_open:
        raise LotteryNotFoundError(
            f"The lottery of {date.isoformat()} is still open: its ballots are not final."
        )
    ids = (
        Ballot.objects.filter(lottery=lottery, excluded=False)
        .order_by("id")
        .values_list("id", flat=True)
        .iterator(chunk_size=10_000)
    )
    return lottery, ids


def lotteries_closed() -> models.QuerySet[Lottery]:
    """Return closed lotteries (drawn or void), newest date first, winners joined."""
    return (
        Lottery.objects.exclude(status=Lottery.Status.OPEN)
        .select_related("winning_ballot__user")
        .order_by("-date")
    )


def ballot_of(*, user: object, date: dt.date) -> Ballot | None:
    """Return ``user``'s ballot in the lottery of ``date``, or ``None`` (also when anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Ballot.objects.select_related("lottery")
        .filter(lottery__date=date, user_id=user.pk)  # type: ignore[attr-defined]
        .first()
    )


@dataclass(frozen=True)
class LotteryOverview:
    """What the ``/lottery/`` page shows.

    Attributes:
        today: today's lottery date in the lottery time zone.
        lottery: today's lottery, or ``None`` before its first ballot.
        ballot_total: ballots in today's lottery so far.
        my_ballot: the signed-in user's ballot today, or ``None``.
        closed: closed lotteries, newest first (a queryset for the view to paginate).
        time_zone: the IANA name of the lottery time zone.
    """

    today: dt.date
    lottery: Lottery | None
    ballot_total: int
    my_ballot: Ballot | None
    closed: models.QuerySet[Lottery]
    time_zone: str


def lottery_overview(*, user: object, now: dt.datetime | None = None) -> LotteryOverview:
    """Collect today's lottery, the user's ballot in it and the closed lotteries."""
    today = lottery_today(now=now)
    lottery = Lottery.objects.filter(date=today).first()
    return LotteryOverview(
        today=today,
        lottery=lottery,
        ballot_total=lottery_ballot_total(lottery=lottery) if lottery else 0,
        my_ballot=ballot_of(user=user, date=today) if lottery else None,
        closed=lotteries_closed(),
        time_zone=str(lottery_time_zone()),
    )


@dataclass(frozen=True)
class LotteryPage:
    """What the ``/lottery/<date>/`` page shows.

    Attributes:
        lottery: the lottery, winner loaded.
        ballot_total: see :func:`lottery_ballot_total`.
        my_ballot: the signed-in user's ballot in it, or ``None``.
        i_won: True when ``my_ballot`` is the winning ballot.
    """

    lottery: Lottery
    ballot_total: int
    my_ballot: Ballot | None
    i_won: bool


def lottery_page(*, date: dt.date, user: object) -> LotteryPage:
    """Collect a date's lottery and the user's ballot in it.

    Raises:
        LotteryNotFoundError: there is no lottery on that date.
    """
    lottery = lottery_get(date=date)
    mine = ballot_of(user=user, date=date)
    return LotteryPage(
        lottery=lottery,
        ballot_total=lottery_ballot_total(lottery=lottery),
        my_ballot=mine,
        i_won=mine is not None and mine.pk == lottery.winning_ballot_id,
    )
