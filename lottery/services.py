"""Write services for the daily lottery: submit a ballot, close a day, verify a draw.

Each function owns its transaction, locks the rows it depends on, re-checks their state and
is safe to call twice. "Today" is always the calendar date in ``settings.LOTTERY_TIME_ZONE``
of the ``now`` argument (default: the server clock).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import User
from lottery.draw import ballots_digest, seed_new, winner_index
from lottery.errors import (
    LotteryClosedError,
    LotteryNotClosableError,
    LotteryNotFoundError,
    UserBannedError,
)
from lottery.models import Ballot, Lottery
from lottery.selectors import lottery_today
from lottery.tasks import lottery_close_due_task
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

logger = logging.getLogger(__name__)

#: Rows fetched per round trip when streaming ballot ids for the digest.
DIGEST_CHUNK_SIZE = 20_000


def ballot_submit(*, user: User, now: dt.datetime | None = None) -> tuple[Ballot, bool]:
    """Put ``user``'s ballot into today's lottery, creating the lottery if needed.

    A repeat submission returns the existing ballot. The user row is locked and re-read, so
    a concurrent ban is either seen here or waits for this ballot. The lottery row is read
    under a share lock that a close's ``FOR UPDATE`` waits for, so a ballot is either in
    the set a close draws from or refused: it can never enter a lottery already drawn. The
    first ballot of a day also enqueues (after commit) a catch-up close of earlier days, in
    case the midnight run was missed.

    Args:
        user: the signed-in user.
        now: the submission instant (aware); default now. Decides today's date.

    Returns:
        ``(ballot, created)``; ``created`` is False for a repeat submission.

    Raises:
        UserBannedError: the user is banned.
        LotteryClosedError: today's lottery is already closed (possible only when a close
            for this date was forced by a clock in a later day).
    """
    now = now or timezone.now()
    return _ballot_insert(user_id=user.pk, day=lottery_today(now=now), now=now)


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _submission_state(*, user_id: int, day: dt.date) -> tuple | None:
    """Lock the user row and read ``(banned, lottery_id, lottery_status, ballot_id)`` for
    ``day`` in one round trip (``None`` if the user is gone).

    On PostgreSQL the user row is locked ``FOR NO KEY UPDATE``: a concurrent ban (an
    ``UPDATE`` of that row) either committed before, and is seen, or waits for this
    transaction. The lottery and ballot columns are ``NULL`` when they do not exist yet.
    """
    lock = " FOR NO KEY UPDATE OF u" if connection.vendor == "postgresql" else ""
    sql = (
        "SELECT u.banned_at IS NOT NULL, l.id, l.status, b.id "  # noqa: S608 - model tables
        f"FROM {_table(User)} u "
        f"LEFT JOIN {_table(Lottery)} l ON l.date = %s "
        f"LEFT JOIN {_table(Ballot)} b ON b.lottery_id = l.id AND b.user_id = u.id "
        f"WHERE u.id = %s{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(day), user_id])
        return cursor.fetchone()


def _ballot_insert_if_open(*, lottery_id: int, user_id: int, now: dt.datetime) -> int | None:
    """Insert the ballot if the lottery is still open; return its id, or ``None``.

    On PostgreSQL the lottery row is read ``FOR KEY SHARE`` in the same statement:
    submissions do not block each other, but a close's ``FOR UPDATE`` waits until this
    transaction ends, and if a close committed first the locked re-read sees its new status
    and nothing is inserted. (Django creates foreign keys ``DEFERRABLE INITIALLY DEFERRED``,
    so the ballot's own foreign key would lock the row only at commit, too late.) ``None``
    also when the unique constraint already holds a ballot of this user (``ON CONFLICT DO
    NOTHING``). SQLite serialises writers, so no lock is needed there.
    """
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    sql = (
        f"INSERT INTO {_table(Ballot)} (lottery_id, user_id, submitted_at, excluded) "  # noqa: S608
        f"SELECT id, %s, %s, %s FROM {_table(Lottery)} WHERE id = %s AND status = %s{lock} "
        "ON CONFLICT (lottery_id, user_id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                user_id,
                connection.ops.adapt_datetimefield_value(now),
                False,
                lottery_id,
                Lottery.Status.OPEN,
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _ballot_insert(*, user_id: int, day: dt.date, now: dt.datetime) -> tuple[Ballot, bool]:
    """The transaction of :func:`ballot_submit`.

    Two statements in the common case (lock and read the user, the lottery and any ballot;
    insert if open), written in SQL because this is the hottest write of the site: the ORM
    version took five queries and twice the CPU per submission. The rules are the same as
    the ORM's and are backed by the unique constraint and the row locks described in
    :func:`_submission_state` and :func:`_ballot_insert_if_open`; a concurrent submission of
    the same user that slips past the user lock meets ``ON CONFLICT DO NOTHING`` and this one
    returns the ballot that won.
    """
    with transaction.atomic():
        state = _submission_state(user_id=user_id, day=day)
        if state is None:
            raise User.DoesNotExist(f"There is no user {user_id}.")
        banned, lottery_id, status, ballot_id = state
        if banned:
            raise UserBannedError("You are banned and cannot submit ballots.")
        lottery_created = False
        if lottery_id is None:
            lottery, lottery_created = Lottery.objects.get_or_create(date=day)
            lottery_id, status = lottery.pk, lottery.status
        lottery = Lottery(id=lottery_id, date=day, status=status)
        if ballot_id is None:
            # The ballot row is itself the record of who entered and when; no audit event
            # per ballot (the log covers bans, unbans and closes): submitting stays cheap.
            ballot_id = _ballot_insert_if_open(lottery_id=lottery_id, user_id=user_id, now=now)
            if ballot_id is not None:
                if lottery_created:
                    # After commit, a worker closes any lottery left open from earlier days.
                    transaction.on_commit(_close_due_enqueue)
                ballot = Ballot(id=ballot_id, lottery=lottery, user_id=user_id, submitted_at=now)
                return ballot, True
        # A repeat submission, or a concurrent one of this user that committed first.
        existing = Ballot.objects.filter(lottery_id=lottery_id, user_id=user_id).first()
        if existing is None:
            raise LotteryClosedError(f"The lottery of {day.isoformat()} is closed.")
        existing.lottery = lottery
        return existing, False


def _close_due_enqueue() -> None:
    """After commit: ask a worker to close any lottery left open from earlier days. When the job
    queue is unreachable the ballot stands (it is committed) and a warning is logged; the hourly
    catch-up closes those lotteries once the queue is back."""
    try:
        lottery_close_due_task.delay()
    except Exception as exc:  # noqa: BLE001 - never fail a committed ballot over the queue
        logger.warning(
            "the job queue is unreachable (%s: %s); earlier lotteries will be closed by the "
            "hourly catch-up",
            type(exc).__name__,
            exc,
        )


def _draw(*, lottery: Lottery, seed: str) -> tuple[int | None, int, int]:
    """Pick the winner of ``lottery`` (locked by the caller) among its eligible ballots.

    Ballots of users banned now are excluded first. The winner is found by rank in ballot-id
    order with ``OFFSET`` (one row fetched, never the whole list); its user row is then
    locked and re-checked, and if a ban slipped in meanwhile that ballot is excluded and the
    rank is drawn again from the same seed over the smaller set.

    Returns:
        ``(winning_ballot_id or None, eligible_count, excluded_count)``.
    """
    excluded = Ballot.objects.filter(
        lottery=lottery,
        excluded=False,
        user_id__in=User.objects.filter(banned_at__isnull=False).values("pk"),
    ).update(excluded=True)
    eligible = Ballot.objects.filter(lottery=lottery, excluded=False).order_by("id")
    while True:
        count = eligible.count()
        if count == 0:
            return None, 0, excluded
        rank = winner_index(seed_hex=seed, count=count)
        ballot_id, user_id = eligible.values_list("id", "user_id")[rank]
        owner = User.objects.select_for_update(no_key=True).only("pk", "banned_at").get(pk=user_id)
        if owner.banned_at is None:
            return ballot_id, count, excluded
        excluded += Ballot.objects.filter(pk=ballot_id).update(excluded=True)


def lottery_close(
    *,
    date: dt.date,
    actor: Any = None,
    now: dt.datetime | None = None,
    via: str = "",
) -> Lottery:
    """Close the lottery of ``date``: draw one winner, or mark it void.

    Locks the lottery row (``SELECT ... FOR UPDATE``); if it is still open, draws uniformly
    with a fresh 256-bit seed among the ballots of users not banned at closing time (see
    :mod:`lottery.draw`), stores seed, digest, eligible count, winner and ``closed_at`` and
    marks it ``drawn`` (``void`` when no ballot is eligible), writing the audit event
    ``lottery.lottery.closed`` in the same transaction. If it is already closed, returns it
    unchanged, so a second (or concurrent) call sees the first call's draw.

    Args:
        date: the lottery's date; must be strictly before today.
        actor: the user closing by hand, or ``None`` for the system (beat, API token, command).
        now: the closing instant (aware); default now. Decides "today" and ``closed_at``.
        via: where the close came from (``"beat"``, ``"api"``, ``"command"``), for the audit log.

    Returns:
        The closed lottery, with ``winning_ballot`` and its user loaded.

    Raises:
        LotteryNotClosableError: ``date`` is today or later.
        LotteryNotFoundError: there is no lottery on ``date``.
    """
    now = now or timezone.now()
    today = lottery_today(now=now)
    if date >= today:
        raise LotteryNotClosableError(
            f"The lottery of {date.isoformat()} cannot be closed before its day has ended "
            f"(today is {today.isoformat()})."
        )
    with transaction.atomic():
        lottery = Lottery.objects.select_for_update().filter(date=date).first()
        if lottery is None:
            raise LotteryNotFoundError(f"There is no lottery on {date.isoformat()}.")
        if lottery.is_open:
            seed = seed_new()
            winner_id, count, excluded = _draw(lottery=lottery, seed=seed)
            eligible_ids = (
                Ballot.objects.filter(lottery=lottery, excluded=False)
                .order_by("id")
                .values_list("id", flat=True)
                .iterator(chunk_size=DIGEST_CHUNK_SIZE)
            )
            digest, streamed = ballots_digest(eligible_ids)
            if streamed != count:  # the lottery lock makes this impossible; refuse if not
                raise RuntimeError(f"eligible ballots changed during the draw of {date}")
            lottery.status = Lottery.Status.DRAWN if winner_id else Lottery.Status.VOID
            lottery.closed_at = now
            lottery.seed, lottery.digest = seed, digest
            lottery.ballot_count = count
            lottery.winning_ballot_id = winner_id
            lottery.save(
                update_fields=[
                    "status",
                    "closed_at",
                    "seed",
                    "digest",
                    "ballot_count",
                    "winning_ballot",
                ]
            )
            audit_event_record(
                action=AuditAction.LOTTERY_CLOSED,
                actor=actor,
                target=lottery,
                data={
                    "date": date.isoformat(),
                    "status": lottery.status,
                    "ballot_count": count,
                    "excluded_count": excluded,
                    "seed": seed,
                    "digest": digest,
                    "winning_ballot_id": winner_id,
                    "via": via,
                },
            )
            logger.info("lottery %d closed: %s from %d ballots", lottery.pk, lottery.status, count)
    return Lottery.objects.select_related("winning_ballot__user").get(pk=lottery.pk)


def lottery_close_due(
    *, now: dt.datetime | None = None, actor: Any = None, via: str = ""
) -> list[Lottery]:
    """Close every lottery still open whose date is before today (catches up missed nights).

    Each date is closed by :func:`lottery_close` in its own transaction, oldest first; a
    date closed meanwhile by someone else is returned as it stands.

    Returns:
        The lotteries handled, oldest first (empty when nothing was due).
    """
    now = now or timezone.now()
    due = list(
        Lottery.objects.filter(status=Lottery.Status.OPEN, date__lt=lottery_today(now=now))
        .order_by("date")
        .values_list("date", flat=True)
    )
    return [lottery_close(date=day, now=now, actor=actor, via=via) for day in due]


@dataclass(frozen=True)
class LotteryVerification:
    """The outcome of :func:`lottery_verify`.

    Attributes:
        date: the lottery date.
        status: the stored status.
        ok: True when every check passed.
        problems: one sentence per failed check (empty when ``ok``).
        ballot_count: eligible ballots counted now.
        digest: the digest recomputed now (hex).
        winning_ballot_id: the winner recomputed from the stored seed (``None`` when void).
    """

    date: dt.date
    status: str
    ok: bool
    ballot_count: int
    digest: str
    winning_ballot_id: int | None
    problems: list[str] = field(default_factory=list)


def lottery_verify(*, date: dt.date) -> LotteryVerification:
    """Recompute the digest, the eligible count and the winner of ``date`` from its seed.

    Reads only (one transaction, so the ballots are seen as one snapshot on PostgreSQL);
    streams the ids, never holding them all.

    Returns:
        A :class:`LotteryVerification`; ``ok`` is False when the lottery is still open or
        any recomputed value differs from the stored one.

    Raises:
        LotteryNotFoundError: there is no lottery on ``date``.
    """
    with transaction.atomic():
        lottery = Lottery.objects.filter(date=date).first()
        if lottery is None:
            raise LotteryNotFoundError(f"There is no lottery on {date.isoformat()}.")
        eligible = Ballot.objects.filter(lottery=lottery, excluded=False).order_by("id")
        digest, count = ballots_digest(
            eligible.values_list("id", flat=True).iterator(chunk_size=DIGEST_CHUNK_SIZE)
        )
        problems: list[str] = []
        winner_id: int | None = None
        if lottery.is_open:
            problems.append("The lottery is still open: there is no draw to verify.")
        else:
            if count != lottery.ballot_count:
                problems.append(
                    f"Eligible ballots: stored {lottery.ballot_count}, counted {count}."
                )
            if digest != lottery.digest:
                problems.append(f"Digest: stored {lottery.digest}, recomputed {digest}.")
            if count:
                try:
                    rank = winner_index(seed_hex=lottery.seed, count=count)
                except ValueError:
                    problems.append(f"Seed: {lottery.seed!r} is not 64 hex characters.")
                else:
                    winner_id = eligible.values_list("id", flat=True)[rank]
            if winner_id != lottery.winning_ballot_id:
                problems.append(
                    f"Winner: stored ballot {lottery.winning_ballot_id}, "
                    f"recomputed ballot {winner_id}."
                )
            expected_status = Lottery.Status.DRAWN if count else Lottery.Status.VOID
            if lottery.status != expected_status:
                problems.append(f"Status: stored {lottery.status}, expected {expected_status}.")
    return LotteryVerification(
        date=date,
        status=lottery.status,
        ok=not problems,
        ballot_count=count,
        digest=digest,
        winning_ballot_id=winner_id,
        problems=problems,
    )
