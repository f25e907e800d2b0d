"""``close_lotteries`` and ``verify_lottery``."""

import datetime as dt
import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lottery.models import Ballot, Lottery
from lottery.selectors import lottery_today
from lottery.services import ballot_submit, lottery_close
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def ballots_days_ago(*days: int) -> None:
    for back in days:
        ballot_submit(user=UserFactory(), now=timezone.now() - dt.timedelta(days=back))


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_close_lotteries_closes_every_past_open_day():
    ballots_days_ago(3, 1, 0)
    out = run("close_lotteries")
    assert "2 lottery(ies) closed." in out
    assert Lottery.objects.filter(status="drawn").count() == 2
    assert Lottery.objects.get(date=lottery_today()).status == "open"
    assert "0 lottery(ies) closed." in run("close_lotteries")


def test_close_lotteries_one_date():
    ballots_days_ago(3, 1)
    day = lottery_today() - dt.timedelta(days=3)
    out = run("close_lotteries", "--date", day.isoformat())
    lottery = Lottery.objects.get(date=day)
    assert f"{day.isoformat()} drawn ballots=1 winner={lottery.winning_ballot_id}" in out
    assert Lottery.objects.get(date=day + dt.timedelta(days=2)).status == "open"


@pytest.mark.parametrize(
    ("argument", "message"),
    [("2026-13-01", "YYYY-MM-DD"), (None, "cannot be closed"), ("2001-01-01", "no lottery")],
)
def test_close_lotteries_errors(argument, message):
    ballots_days_ago(0)
    date = argument or lottery_today().isoformat()
    with pytest.raises(CommandError, match=message):
        run("close_lotteries", "--date", date)


def test_verify_lottery_ok():
    ballots_days_ago(1, 1, 1)
    lottery = lottery_close(date=lottery_today() - dt.timedelta(days=1))
    out = run("verify_lottery", lottery.date.isoformat())
    assert "verified" in out and lottery.digest in out


def test_verify_lottery_mismatch_raises():
    ballots_days_ago(1, 1, 1)
    lottery = lottery_close(date=lottery_today() - dt.timedelta(days=1))
    Ballot.objects.filter(pk=lottery.winning_ballot_id).update(excluded=True)
    with pytest.raises(CommandError, match="verification FAILED"):
        run("verify_lottery", lottery.date.isoformat())


@pytest.mark.parametrize(
    ("argument", "message"), [("nope", "YYYY-MM-DD"), ("2001-01-01", "no lottery")]
)
def test_verify_lottery_bad_input_raises(argument, message):
    with pytest.raises(CommandError, match=message):
        run("verify_lottery", argument)


def test_verify_lottery_exit_status_non_zero_on_failure(tmp_path):
    # manage.py turns CommandError into exit status 1; here on a missing lottery, with an
    # empty database of its own.
    env = {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    import os

    env = {**os.environ, **env}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env=env, check=True
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_lottery", "2001-01-01"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "no lottery" in result.stderr


@pytest.mark.parametrize(
    "args", [("close_lotteries", "--date", "2026-01-01\x00"), ("verify_lottery", "\x0020260101")]
)
def test_date_argument_with_nul_is_a_clear_error(args):
    """PostgreSQL stores no NUL: the date is parsed (and refused) before any query."""
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run(*args)
