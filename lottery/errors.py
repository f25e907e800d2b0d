"""Errors the lottery services raise: each a :class:`opendlp.core.errors.DomainError` with a
stable machine-readable ``code`` and the HTTP ``status`` the JSON API answers with."""

from __future__ import annotations

from opendlp.core.errors import Conflict, DomainError, Forbidden, NotFound


class LotteryError(DomainError):
    """Base class of the lottery's business-rule errors."""

    code = "lottery_error"


class UserBannedError(Forbidden, LotteryError):
    """The user is banned and cannot submit ballots."""

    code = "banned"
    status = 403


class LotteryClosedError(Conflict, LotteryError):
    """The lottery is already closed and accepts no more ballots."""

    code = "lottery_closed"
    status = 409


class LotteryNotClosableError(Conflict, LotteryError):
    """Only a lottery dated strictly before today (in LOTTERY_TIME_ZONE) can be closed."""

    code = "not_closable"
    status = 409


class LotteryNotFoundError(NotFound, LotteryError):
    """There is no lottery on that date."""

    code = "not_found"
    status = 404


class WinnerNotFoundError(NotFound, LotteryError):
    """The lottery has no winner (it is still open, or void)."""

    code = "no_winner"
    status = 404
