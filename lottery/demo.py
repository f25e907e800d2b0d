"""Demo lottery data for ``manage.py demo``: a few participants and past lotteries.

Idempotent: participants are found by email, ballots are unique per user and day, and a
closed lottery is left as it is, so running the demo again creates nothing new.
"""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.demo import demo_password
from accounts.services.users import user_ensure
from lottery.errors import LotteryClosedError
from lottery.models import Lottery
from lottery.selectors import lottery_time_zone, lottery_today
from lottery.services import ballot_submit, lottery_close

#: (email, display name) of the demo participants.
DEMO_PARTICIPANTS = [
    ("ada@example.org", "Ada"),
    ("bo@example.org", "Bo"),
    ("chidi@example.org", "Chidi"),
    ("dana@example.org", "Dana"),
    ("emeka@example.org", "Emeka"),
]
#: How many past days get a closed lottery.
DEMO_PAST_DAYS = 3


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=lottery_time_zone())


def demo_populate(*, stdout: TextIO) -> None:
    """Create the demo participants, their ballots on the last few days, and close those days."""
    password = demo_password()
    users = []
    for email, name in DEMO_PARTICIPANTS:
        user, _ = user_ensure(email=email, password=password, display_name=name)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        users.append(user)
    today = lottery_today(now=timezone.now())
    for back in range(DEMO_PAST_DAYS, 0, -1):
        day = today - dt.timedelta(days=back)
        lottery = Lottery.objects.filter(date=day).first()
        if lottery is None or lottery.is_open:
            for offset, user in enumerate(users[: 2 + back]):
                try:
                    ballot_submit(user=user, now=_noon(day) + dt.timedelta(minutes=offset))
                except LotteryClosedError:
                    break
            lottery_close(date=day, via="demo")
    ballot_submit(user=users[0], now=timezone.now())
    stdout.write(
        f"Demo lottery: {len(users)} participants ({', '.join(e for e, _ in DEMO_PARTICIPANTS)}; "
        f"same password), {DEMO_PAST_DAYS} closed days; see /lottery/ on the served site\n"
    )
