"""Errors the lottery services raise. Each has a stable machine-readable ``code``."""


class LotteryError(Exception):
    """Base class of the lottery's business-rule errors."""

    code = "lottery_error"


class UserBannedError(LotteryError):
    """The user is banned and cannot submit ballots."""

    code = "banned"


class LotteryClosedError(LotteryError):
    """The lottery is already closed and accepts no more ballots."""

    code = "lottery_closed"


class LotteryNotClosableError(LotteryError):
    """Only a lottery dated strictly before today (in LOTTERY_TIME_ZONE) can be closed."""

    code = "not_closable"


class LotteryNotFoundError(LotteryError):
    """There is no lottery on that date."""

    code = "not_found"


class WinnerNotFoundError(LotteryError):
    """The lottery has no winner (it is still open, or void)."""

    code = "no_winner"
