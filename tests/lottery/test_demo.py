"""``manage.py demo`` adds demo participants and closed past lotteries, idempotently."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from lottery.demo import DEMO_PARTICIPANTS, DEMO_PAST_DAYS
from lottery.models import Ballot, Lottery
from lottery.services import lottery_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    return tmp_path


def test_demo_creates_participants_and_closed_days_once(var_dir, client):
    call_command("demo", stdout=io.StringIO())
    counts = (User.objects.count(), Lottery.objects.count(), Ballot.objects.count())
    call_command("demo", stdout=io.StringIO())
    assert (User.objects.count(), Lottery.objects.count(), Ballot.objects.count()) == counts
    assert User.objects.filter(email__in=[e for e, _ in DEMO_PARTICIPANTS]).count() == 5
    closed = Lottery.objects.exclude(status="open")
    assert closed.count() == DEMO_PAST_DAYS
    assert all(lottery_verify(date=lottery.date).ok for lottery in closed)
    assert Lottery.objects.filter(status="open").count() == 1
    assert client.get("/lottery/").status_code == 200
