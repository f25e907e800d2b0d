"""Lottery services: submitting, "today" in the lottery zone, closing, the draw, verifying."""

import datetime as dt
import hashlib

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import lottery.services as services
from lottery.draw import DRAW_DOMAIN
from lottery.errors import (
    LotteryClosedError,
    LotteryNotClosableError,
    LotteryNotFoundError,
    UserBannedError,
)
from lottery.models import Ballot, Lottery
from lottery.selectors import lottery_today
from lottery.services import (
    ballot_submit,
    lottery_close,
    lottery_close_due,
    lottery_verify,
)
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.lottery.factories import BallotFactory, LotteryFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
DAY = dt.date(2026, 6, 10)


def reference_winner(ids: list[int], seed_hex: str) -> int:
    """The published recipe (see the result page), independent of lottery.draw."""
    seed, n, counter = bytes.fromhex(seed_hex), len(ids), 0
    limit = 2**256 - 2**256 % n
    while True:
        block = hashlib.sha256(DRAW_DOMAIN + seed + counter.to_bytes(8, "big")).digest()
        x = int.from_bytes(block, "big")
        if x < limit:
            return ids[x % n]
        counter += 1


def reference_digest(ids: list[int]) -> str:
    return hashlib.sha256("".join(f"{i}\n" for i in ids).encode()).hexdigest()


def submit_on(day, users, noon):
    return [ballot_submit(user=u, now=noon(day))[0] for u in users]


# --- ballot_submit ---------------------------------------------------------------------------


def test_ballot_submit_creates_todays_lottery_and_ballot(user, noon):
    ballot, created = ballot_submit(user=user, now=noon(DAY))
    assert created
    assert ballot.lottery.date == DAY and ballot.lottery.status == "open"
    assert ballot.user == user and ballot.submitted_at == noon(DAY)
    assert not AuditEvent.objects.filter(action__startswith="lottery.ballot").exists()


def test_ballot_submit_repeat_returns_existing_ballot(user, noon):
    first, created_first = ballot_submit(user=user, now=noon(DAY))
    again, created_again = ballot_submit(user=user, now=noon(DAY) + dt.timedelta(hours=3))
    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk and again.submitted_at == first.submitted_at
    assert Ballot.objects.count() == 1


def test_ballot_submit_banned_user_refused(user, noon):
    user.banned_at = timezone.now()
    user.save()
    with pytest.raises(UserBannedError):
        ballot_submit(user=user, now=noon(DAY))
    assert not Ballot.objects.exists()


def test_ballot_submit_stale_user_object_still_sees_ban(user, noon):
    stale = type(user).objects.get(pk=user.pk)
    type(user).objects.filter(pk=user.pk).update(banned_at=timezone.now())
    with pytest.raises(UserBannedError):
        ballot_submit(user=stale, now=noon(DAY))


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # Spring forward in London: 2026-03-29 01:00 UTC. Midnight of 30 March is 23:00 UTC.
        (dt.datetime(2026, 3, 29, 22, 59, 59, tzinfo=UTC), dt.date(2026, 3, 29)),
        (dt.datetime(2026, 3, 29, 23, 0, 0, tzinfo=UTC), dt.date(2026, 3, 30)),
        # The night of the change itself: midnight of 29 March is still 00:00 UTC.
        (dt.datetime(2026, 3, 28, 23, 59, 59, tzinfo=UTC), dt.date(2026, 3, 28)),
        (dt.datetime(2026, 3, 29, 0, 0, 0, tzinfo=UTC), dt.date(2026, 3, 29)),
        # Fall back: 2026-10-25 01:00 UTC. Midnight of 25 October is 23:00 UTC on the 24th,
        # midnight of 26 October is 00:00 UTC.
        (dt.datetime(2026, 10, 24, 22, 59, 59, tzinfo=UTC), dt.date(2026, 10, 24)),
        (dt.datetime(2026, 10, 24, 23, 0, 0, tzinfo=UTC), dt.date(2026, 10, 25)),
        (dt.datetime(2026, 10, 25, 23, 59, 59, tzinfo=UTC), dt.date(2026, 10, 25)),
        (dt.datetime(2026, 10, 26, 0, 0, 0, tzinfo=UTC), dt.date(2026, 10, 26)),
    ],
)
def test_ballot_submit_today_decided_in_lottery_zone_around_dst(user, instant, expected):
    ballot, _ = ballot_submit(user=user, now=instant)
    assert ballot.lottery.date == expected


def test_ballot_submit_zone_read_at_call_time(user, settings):
    instant = dt.datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 22:00 on 9 June in New York
    settings.LOTTERY_TIME_ZONE = "America/New_York"
    ballot, _ = ballot_submit(user=user, now=instant)
    assert ballot.lottery.date == dt.date(2026, 6, 9)


def test_ballot_submit_closed_lottery_refused_but_existing_ballot_returned(noon):
    holder, late = UserFactory(), UserFactory()
    mine, _ = ballot_submit(user=holder, now=noon(DAY))
    lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    with pytest.raises(LotteryClosedError):
        ballot_submit(user=late, now=noon(DAY))
    again, created = ballot_submit(user=holder, now=noon(DAY))
    assert again.pk == mine.pk and not created
    assert Ballot.objects.filter(lottery__date=DAY).count() == 1


def test_ballot_unique_per_user_and_lottery_in_database():
    ballot = BallotFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(lottery=ballot.lottery, user=ballot.user)


def test_lottery_unique_per_date_in_database():
    LotteryFactory(date=DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lottery.objects.create(date=DAY)


def test_first_ballot_of_a_day_enqueues_catch_up_close(user, django_capture_on_commit_callbacks):
    now = timezone.now()  # the catch-up task runs on the real clock
    earlier = lottery_today(now=now) - dt.timedelta(days=2)
    ballot_submit(user=UserFactory(), now=now - dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ballot_submit(user=user, now=now)
    assert len(callbacks) == 1
    assert Lottery.objects.get(date=earlier).status == "drawn"
    with django_capture_on_commit_callbacks() as callbacks:
        ballot_submit(user=UserFactory(), now=now)
    assert callbacks == []  # not the first ballot of the day
    assert Lottery.objects.get(date=lottery_today(now=now)).status == "open"


# --- lottery_close ---------------------------------------------------------------------------


@pytest.mark.parametrize("days_ahead", [0, 1, 30])
def test_lottery_close_today_or_later_refused(noon, days_ahead):
    LotteryFactory(date=DAY + dt.timedelta(days=days_ahead))
    with pytest.raises(LotteryNotClosableError):
        lottery_close(date=DAY + dt.timedelta(days=days_ahead), now=noon(DAY))


def test_lottery_close_just_after_local_midnight_allowed():
    LotteryFactory(date=dt.date(2026, 3, 29))
    with pytest.raises(LotteryNotClosableError):
        lottery_close(
            date=dt.date(2026, 3, 29), now=dt.datetime(2026, 3, 29, 22, 59, 59, tzinfo=UTC)
        )
    closed = lottery_close(
        date=dt.date(2026, 3, 29), now=dt.datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    )
    assert closed.status == "void"


def test_lottery_close_missing_date_raises_not_found(noon):
    with pytest.raises(LotteryNotFoundError):
        lottery_close(date=DAY - dt.timedelta(days=1), now=noon(DAY))


def test_lottery_close_draws_winner_with_published_recipe(noon):
    ballots = submit_on(DAY, UserFactory.create_batch(7), noon)
    closing = noon(DAY + dt.timedelta(days=1))
    lottery = lottery_close(date=DAY, now=closing)
    ids = sorted(b.pk for b in ballots)
    assert lottery.status == "drawn" and lottery.closed_at == closing
    assert lottery.ballot_count == 7
    assert len(lottery.seed) == 64 and int(lottery.seed, 16) >= 0
    assert lottery.digest == reference_digest(ids)
    assert lottery.winning_ballot_id == reference_winner(ids, lottery.seed)


def test_lottery_close_each_close_gets_a_fresh_seed(noon):
    seeds = set()
    for back in range(1, 4):
        submit_on(DAY - dt.timedelta(days=back), [UserFactory()], noon)
        seeds.add(lottery_close(date=DAY - dt.timedelta(days=back), now=noon(DAY)).seed)
    assert len(seeds) == 3


def test_lottery_close_twice_returns_stored_result_and_audits_once(noon):
    submit_on(DAY, UserFactory.create_batch(5), noon)
    first = lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    second = lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=2)))
    assert (second.winning_ballot_id, second.seed, second.digest, second.closed_at) == (
        first.winning_ballot_id,
        first.seed,
        first.digest,
        first.closed_at,
    )
    events = AuditEvent.objects.filter(action=AuditAction.LOTTERY_CLOSED)
    assert events.count() == 1
    assert events.get().data["winning_ballot_id"] == first.winning_ballot_id
    assert events.get().data["seed"] == first.seed


def test_lottery_close_no_ballots_is_void(noon):
    LotteryFactory(date=DAY)
    lottery = lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    assert lottery.status == "void" and lottery.winning_ballot is None
    assert lottery.ballot_count == 0 and lottery.digest == hashlib.sha256(b"").hexdigest()


def test_lottery_close_only_banned_ballots_is_void(noon):
    users = UserFactory.create_batch(3)
    submit_on(DAY, users, noon)
    type(users[0]).objects.filter(pk__in=[u.pk for u in users]).update(banned_at=timezone.now())
    lottery = lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    assert lottery.status == "void" and lottery.ballot_count == 0
    assert Ballot.objects.filter(lottery=lottery, excluded=True).count() == 3


def test_lottery_close_banned_users_ballot_never_wins(noon):
    # 20 days, each with one eligible ballot among six: if banned ballots could win, the
    # eligible one would win all 20 with probability (1/6)**20.
    for back in range(1, 21):
        day = DAY - dt.timedelta(days=back)
        banned = UserFactory.create_batch(5)
        good = UserFactory()
        ballots = submit_on(day, [*banned[:3], good, *banned[3:]], noon)
        type(good).objects.filter(pk__in=[u.pk for u in banned]).update(banned_at=timezone.now())
        lottery = lottery_close(date=day, now=noon(DAY))
        assert lottery.winning_ballot_id == ballots[3].pk
        assert lottery.ballot_count == 1
        assert lottery.digest == reference_digest([ballots[3].pk])


def test_lottery_close_ban_racing_the_pick_is_redrawn(noon, monkeypatch):
    users = UserFactory.create_batch(6)
    submit_on(DAY, users, noon)
    real = services.winner_index
    calls = []

    def ban_whoever_is_picked(*, seed_hex, count):
        rank = real(seed_hex=seed_hex, count=count)
        if not calls:  # a ban commits between the pick and the lock of the winner's user
            picked = Ballot.objects.filter(excluded=False).order_by("id")[rank]
            type(users[0]).objects.filter(pk=picked.user_id).update(banned_at=timezone.now())
        calls.append(count)
        return rank

    monkeypatch.setattr(services, "winner_index", ban_whoever_is_picked)
    lottery = lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    assert calls == [6, 5]
    assert lottery.winning_ballot.user.banned_at is None
    assert lottery.ballot_count == 5
    assert Ballot.objects.filter(excluded=True).count() == 1
    assert lottery_verify(date=DAY).ok


def test_lottery_close_unbanned_before_close_is_eligible(noon):
    user = UserFactory()
    submit_on(DAY, [user], noon)
    type(user).objects.filter(pk=user.pk).update(banned_at=timezone.now())
    type(user).objects.filter(pk=user.pk).update(banned_at=None)
    assert lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1))).status == "drawn"


def test_lottery_close_picks_by_offset_without_loading_all(noon, monkeypatch):
    ballots = submit_on(DAY, UserFactory.create_batch(4), noon)
    monkeypatch.setattr(services, "winner_index", lambda *, seed_hex, count: 2)
    with CaptureQueriesContext(connection) as queries:
        lottery = lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("LIMIT 1 OFFSET 2" in s for s in sql)
    assert any(s.startswith("SELECT COUNT(*)") for s in sql)
    assert lottery.winning_ballot_id == sorted(b.pk for b in ballots)[2]


def test_lottery_close_audit_event_records_the_draw(noon, staff_user):
    submit_on(DAY, UserFactory.create_batch(2), noon)
    lottery = lottery_close(
        date=DAY, now=noon(DAY + dt.timedelta(days=1)), actor=staff_user, via="command"
    )
    event = AuditEvent.objects.get(action=AuditAction.LOTTERY_CLOSED)
    assert event.actor == staff_user and event.target_id == str(lottery.pk)
    assert event.data == {
        "date": DAY.isoformat(),
        "status": "drawn",
        "ballot_count": 2,
        "excluded_count": 0,
        "seed": lottery.seed,
        "digest": lottery.digest,
        "winning_ballot_id": lottery.winning_ballot_id,
        "via": "command",
    }


def test_lottery_status_constraint_refuses_drawn_without_winner():
    lottery = LotteryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Lottery.objects.filter(pk=lottery.pk).update(
            status="drawn", closed_at=timezone.now(), seed="a" * 64, digest="b" * 64, ballot_count=1
        )


def test_lottery_close_due_closes_every_earlier_open_day_only(noon):
    for back in (5, 2, 1, 0):
        submit_on(DAY - dt.timedelta(days=back), [UserFactory()], noon)
    closed = lottery_close_due(now=noon(DAY))
    assert [lot.date for lot in closed] == [DAY - dt.timedelta(days=b) for b in (5, 2, 1)]
    assert Lottery.objects.get(date=DAY).status == "open"
    assert lottery_close_due(now=noon(DAY)) == []


# --- lottery_verify --------------------------------------------------------------------------


def test_lottery_verify_closed_lottery_ok(noon):
    submit_on(DAY, UserFactory.create_batch(9), noon)
    lottery = lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    result = lottery_verify(date=DAY)
    assert result.ok and result.problems == []
    assert (result.winning_ballot_id, result.digest, result.ballot_count) == (
        lottery.winning_ballot_id,
        lottery.digest,
        9,
    )


def test_lottery_verify_ban_after_close_changes_nothing(noon):
    users = UserFactory.create_batch(4)
    submit_on(DAY, users, noon)
    lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    type(users[0]).objects.update(banned_at=timezone.now())
    assert lottery_verify(date=DAY).ok


def test_lottery_verify_void_ok(noon):
    LotteryFactory(date=DAY)
    lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    result = lottery_verify(date=DAY)
    assert result.ok and result.winning_ballot_id is None


def test_lottery_verify_detects_tampered_seed(noon):
    submit_on(DAY, UserFactory.create_batch(30), noon)
    lottery = lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    for candidate in range(16):
        seed = f"{candidate:x}" * 64
        ids = list(Ballot.objects.order_by("id").values_list("id", flat=True))
        if reference_winner(ids, seed) != lottery.winning_ballot_id:
            break
    Lottery.objects.filter(pk=lottery.pk).update(seed=seed)
    result = lottery_verify(date=DAY)
    assert not result.ok and any(p.startswith("Winner") for p in result.problems)


def test_lottery_verify_detects_ballot_set_change(noon):
    submit_on(DAY, UserFactory.create_batch(5), noon)
    lottery_close(date=DAY, now=noon(DAY + dt.timedelta(days=1)))
    Ballot.objects.filter(pk=Ballot.objects.order_by("id").first().pk).update(excluded=True)
    result = lottery_verify(date=DAY)
    assert not result.ok
    assert any(p.startswith("Digest") for p in result.problems)
    assert any(p.startswith("Eligible") for p in result.problems)


def test_lottery_verify_open_lottery_not_ok(noon):
    submit_on(DAY, [UserFactory()], noon)
    result = lottery_verify(date=DAY)
    assert not result.ok and "still open" in result.problems[0]


def test_lottery_verify_missing_raises():
    with pytest.raises(LotteryNotFoundError):
        lottery_verify(date=DAY)


def test_ballot_submit_lost_race_returns_the_winning_ballot(user, noon, monkeypatch):
    first, _ = ballot_submit(user=user, now=noon(DAY))
    real = services._submission_state

    def stale_read(**kwargs):
        # As if a concurrent submission of this user committed just after our read.
        banned, lottery_id, status, _ = real(**kwargs)
        return banned, lottery_id, status, None

    monkeypatch.setattr(services, "_submission_state", stale_read)
    ballot, created = ballot_submit(user=user, now=noon(DAY))
    assert not created and ballot.pk == first.pk
    assert Ballot.objects.filter(user=user).count() == 1


def test_first_ballot_with_broker_unreachable_is_kept_and_logged(
    user, django_capture_on_commit_callbacks, unreachable_broker, caplog
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        ballot, created = ballot_submit(user=user, now=now)
    assert created and Ballot.objects.filter(pk=ballot.pk).exists()
    assert "job queue is unreachable" in caplog.text and "hourly catch-up" in caplog.text
