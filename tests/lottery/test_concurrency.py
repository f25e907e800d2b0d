"""Concurrency on PostgreSQL: real threads, real row locks, committed transactions."""

import datetime as dt
import threading

import pytest
from django.db import connection

from lottery.errors import LotteryClosedError
from lottery.models import Ballot, Lottery
from lottery.selectors import lottery_today
from lottery.services import ballot_submit, lottery_close, lottery_verify
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def day():
    """Today on the real clock: the first ballot of a day enqueues (eagerly, after commit) a
    catch-up close of earlier days on the real clock, which must leave this day alone."""
    return lottery_today()


def run_together(*targets) -> list:
    """Run each target in its own thread, all released at the same instant; return results."""
    count = len(targets)
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def worker(slot: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[slot] = targets[slot]()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_two_concurrent_closes_draw_once_and_agree(noon, day):
    for user in UserFactory.create_batch(50):
        ballot_submit(user=user, now=noon(day))
    closing = noon(day + dt.timedelta(days=1))
    first, second = run_together(*[lambda: lottery_close(date=day, now=closing)] * 2)
    assert first.winning_ballot_id == second.winning_ballot_id is not None
    assert (first.seed, first.digest) == (second.seed, second.digest)
    assert AuditEvent.objects.filter(action=AuditAction.LOTTERY_CLOSED).count() == 1
    assert Lottery.objects.get(date=day).winning_ballot_id == first.winning_ballot_id


def test_concurrent_repeat_submissions_make_one_ballot(noon, day):
    user = UserFactory()
    results = run_together(*[lambda: ballot_submit(user=user, now=noon(day))] * 4)
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({ballot.pk for ballot, _ in results}) == 1
    assert Ballot.objects.count() == 1


def test_concurrent_first_ballots_make_one_lottery(noon, day):
    users = UserFactory.create_batch(6)
    results = run_together(*[lambda u=u: ballot_submit(user=u, now=noon(day)) for u in users])
    assert all(created for _, created in results)
    assert Lottery.objects.count() == 1
    assert Ballot.objects.filter(lottery__date=day).count() == 6


@pytest.mark.parametrize("days_ahead", range(6))
def test_ballot_racing_a_close_is_either_drawn_from_or_refused(noon, day, days_ahead):
    # Future days on purpose: the catch-up close enqueued by a day's first ballot runs on
    # the real clock and leaves them alone; the race is run once per day.
    day = day + dt.timedelta(days=days_ahead)
    for user in UserFactory.create_batch(5):
        ballot_submit(user=user, now=noon(day))
    late = UserFactory()
    closing = noon(day + dt.timedelta(days=1))
    refused: list = []

    def submit():
        try:
            return ballot_submit(user=late, now=noon(day))
        except LotteryClosedError:
            refused.append(True)
            return None

    closed, _ = run_together(lambda: lottery_close(date=day, now=closing), submit)
    in_lottery = Ballot.objects.filter(lottery__date=day).count()
    assert closed.ballot_count == in_lottery  # a ballot is never added after the draw
    assert in_lottery == (5 if refused else 6)
    assert lottery_verify(date=day).ok
