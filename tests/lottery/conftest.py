"""Fixtures for the lottery tests: a fixed lottery zone, instants around midnight, clients."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accounts.services.tokens import api_token_create
from tests.accounts.factories import UserFactory

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Factories hash a password for every user; a fast hasher keeps many-user tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _lottery_zone(settings):
    """Lottery days are London days in these tests (UTC+0 in winter, UTC+1 in summer)."""
    settings.LOTTERY_TIME_ZONE = "Europe/London"
    settings.LOTTERY_CLOSE_TOKEN = "internal-close-token-for-tests"


@pytest.fixture
def noon():
    """Return the aware instant 12:00 London time on a date."""

    def make(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(12), tzinfo=LONDON)

    return make


@pytest.fixture
def staff_user(db):
    """Site staff allowed to manage users (the accounts.change_user permission)."""
    from django.contrib.auth.models import Permission

    member = UserFactory(is_staff=True, display_name="Staff")
    member.user_permissions.add(Permission.objects.get(codename="change_user"))
    return member


@pytest.fixture
def token_for(db):
    """Return ``{"HTTP_AUTHORIZATION": "Bearer <token>"}`` for a new token of a user."""

    def make(user) -> dict[str, str]:
        _, plain = api_token_create(user=user, name="tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}

    return make
