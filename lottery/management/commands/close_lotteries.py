"""``manage.py close_lotteries [--date YYYY-MM-DD]``: close lotteries by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lottery.errors import LotteryError
from lottery.services import lottery_close, lottery_close_due


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Close every open lottery dated before today (in LOTTERY_TIME_ZONE), or only the one "
        "of --date. Closing a closed lottery prints its stored result."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=str, help="close only this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["date"]:
                closed = [lottery_close(date=_date(str(options["date"])), via="command")]
            else:
                closed = lottery_close_due(via="command")
        except LotteryError as exc:
            raise CommandError(str(exc)) from exc
        for lottery in closed:
            winner = lottery.winning_ballot_id
            self.stdout.write(
                f"{lottery.date.isoformat()} {lottery.status} ballots={lottery.ballot_count} "
                f"winner={winner if winner else '-'} digest={lottery.digest}"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(closed)} lottery(ies) closed."))
