"""Registration state and questions (registration/selectors.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assemblies.models import AssemblyStatus
from assemblies.selectors.registration import (
    RegistrationState,
    registrant_by_email,
    registration_questions,
    registration_state,
)
from tests.assemblies.registration.factories import AssemblyFactory, RegistrantFactory

NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("status", "opens", "closes", "expected"),
    [
        (AssemblyStatus.DRAFT, None, None, RegistrationState.DRAFT),
        (AssemblyStatus.OPEN, None, None, RegistrationState.OPEN),
        (AssemblyStatus.OPEN, NOW - HOUR, NOW + HOUR, RegistrationState.OPEN),
        (AssemblyStatus.OPEN, NOW, NOW + HOUR, RegistrationState.OPEN),
        (AssemblyStatus.OPEN, NOW + HOUR, NOW + 2 * HOUR, RegistrationState.NOT_YET),
        (AssemblyStatus.OPEN, NOW - 2 * HOUR, NOW, RegistrationState.CLOSED),
        (AssemblyStatus.CLOSED, NOW - HOUR, NOW + HOUR, RegistrationState.CLOSED),
        (AssemblyStatus.SELECTED, None, None, RegistrationState.CLOSED),
        (AssemblyStatus.ARCHIVED, None, None, RegistrationState.CLOSED),
    ],
)
def test_registration_state_follows_status_and_window(db, status, opens, closes, expected):
    assembly = AssemblyFactory.build(
        status=status, registration_opens_at=opens, registration_closes_at=closes
    )
    assert registration_state(assembly=assembly, now=NOW) == expected


def test_registration_state_defaults_to_current_time(db):
    assembly = AssemblyFactory.build(
        registration_closes_at=timezone.now() - HOUR,
        registration_opens_at=timezone.now() - 2 * HOUR,
    )
    assert registration_state(assembly=assembly) == RegistrationState.CLOSED


def test_registrant_by_email_ignores_case(db):
    registrant = RegistrantFactory(email="Ada@Example.org")
    found = registrant_by_email(assembly=registrant.assembly, email=" ADA@example.ORG ")
    assert found == registrant


def test_registrant_by_email_only_in_same_assembly(db):
    registrant = RegistrantFactory(email="ada@example.org")
    other = AssemblyFactory()
    assert registrant_by_email(assembly=other, email="ada@example.org") is None
    assert registrant_by_email(assembly=registrant.assembly, email="") is None


def test_registration_questions_cached_until_assembly_changes(
    db, settings, django_assert_num_queries
):
    from tests.assemblies.registration.factories import open_assembly

    settings.REGISTRATION_QUESTIONS_CACHE_SECONDS = 60
    assembly = open_assembly()
    with django_assert_num_queries(2):
        first = registration_questions(assembly=assembly)
    with django_assert_num_queries(0):
        assert registration_questions(assembly=assembly) == first
    assembly.title = "Renamed"
    assembly.save()  # a new updated_at: the cached questions are not used
    with django_assert_num_queries(2):
        registration_questions(assembly=assembly)


def test_registration_questions_not_cached_when_seconds_zero(db, django_assert_num_queries):
    from tests.assemblies.registration.factories import open_assembly

    assembly = open_assembly()
    registration_questions(assembly=assembly)
    with django_assert_num_queries(2):
        registration_questions(assembly=assembly)
