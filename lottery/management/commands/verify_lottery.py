"""``manage.py verify_lottery YYYY-MM-DD``: recompute a draw; exit 1 on any mismatch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lottery.errors import LotteryError
from lottery.services import lottery_verify


class Command(BaseCommand):
    help = (
        "Recompute the digest, eligible count and winner of a closed lottery from its seed "
        "and compare them with the stored ones. Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("date", type=str, help="the lottery date, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            date = dt.date.fromisoformat(str(options["date"]))
        except ValueError as exc:
            raise CommandError(f"the date must be YYYY-MM-DD, not {options['date']!r}") from exc
        try:
            result = lottery_verify(date=date)
        except LotteryError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{date.isoformat()} {result.status} ballots={result.ballot_count} "
            f"winner={result.winning_ballot_id or '-'} digest={result.digest}"
        )
        if not result.ok:
            raise CommandError("verification FAILED: " + " ".join(result.problems))
        self.stdout.write(self.style.SUCCESS("verified: digest, count and winner match."))
