"""Fixtures of the registration tests: an open assembly and valid form data."""

from __future__ import annotations

import time

import pytest

from assemblies.registration import protection
from tests.assemblies.registration.factories import open_assembly


@pytest.fixture(autouse=True)
def _registration_settings(settings):
    """Known limits whatever the environment says, and the locmem email backend."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 3
    settings.REGISTRATION_FORM_MAX_AGE = 3600
    settings.REGISTRATION_RATE_LIMIT_IP = "100/h"
    settings.REGISTRATION_RATE_LIMIT_EMAIL = "5/h"
    settings.REGISTRATION_QUESTIONS_CACHE_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def assembly(db):
    """An open assembly (window around now) with questions gender (3 values) and age (4)."""
    return open_assembly()


def fill_token(assembly, *, seconds_ago: float = 60) -> str:
    """A fill-time token as if the form had been shown ``seconds_ago`` seconds ago."""
    return protection.fill_token_make(
        scope=f"register:{assembly.pk}", now=time.time() - seconds_ago
    )


def form_data(assembly, **overrides) -> dict[str, str]:
    """Valid registration data for the default questions; ``None`` values are dropped."""
    data = {
        "category_0": "Woman",
        "category_1": "30-44",
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "phone": "+44 1632 960 001",
        "consent": "on",
        "website": "",
        protection.FILL_TOKEN_FIELD: fill_token(assembly),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
