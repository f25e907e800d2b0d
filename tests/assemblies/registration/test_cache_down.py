"""The public registration pages while the cache's Redis server is unreachable: the landing
page and the form work, the questions come from the database, the rate limits keep counting
in this process (see opendlp/core/cache.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assemblies.models import Registrant
from tests.assemblies.registration.conftest import form_data


def url(name, assembly):
    return reverse(f"assemblies:{name}", kwargs={"slug": assembly.slug})


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def send(path, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data)

    return send


@pytest.fixture(autouse=True)
def _questions_cached(settings):
    settings.REGISTRATION_QUESTIONS_CACHE_SECONDS = 10


def test_landing_and_form_with_cache_unreachable_answer_200(client, assembly, cache_down):
    assert client.get(url("landing", assembly)).status_code == 200
    response = client.get(url("register", assembly))
    assert response.status_code == 200 and "30-44" in response.content.decode()


def test_register_with_cache_unreachable_stores_and_emails(post, assembly, cache_down, mailoutbox):
    response = post(url("register", assembly), form_data(assembly))
    assert response.status_code == 302 and response["Location"] == url("thanks", assembly)
    assert Registrant.objects.count() == 1 and len(mailoutbox) == 1


def test_register_email_limit_still_holds_with_cache_unreachable(
    post, assembly, cache_down, settings
):
    settings.REGISTRATION_RATE_LIMIT_EMAIL = "2/h"
    for _ in range(2):
        assert post(url("register", assembly), form_data(assembly)).status_code == 302
    assert post(url("register", assembly), form_data(assembly)).status_code == 429
