"""factory-boy factories for the lottery models (plain rows, no services)."""

import datetime as dt

import factory

from lottery.models import Ballot, Lottery
from tests.accounts.factories import UserFactory


class LotteryFactory(factory.django.DjangoModelFactory):
    """An open lottery on a distinct past date (2020-01-01 onwards)."""

    class Meta:
        model = Lottery

    date = factory.Sequence(lambda n: dt.date(2020, 1, 1) + dt.timedelta(days=n))


class BallotFactory(factory.django.DjangoModelFactory):
    """A ballot of a new user in a new open lottery."""

    class Meta:
        model = Ballot

    lottery = factory.SubFactory(LotteryFactory)
    user = factory.SubFactory(UserFactory)
