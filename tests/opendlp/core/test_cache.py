"""The cache while its Redis server is unreachable (``REDIS_URL`` at a closed port): pages and
sign-in keep working, rate limits keep counting in this process, one warning per outage, and
``/healthz`` still reports the outage (opendlp/core/cache.py)."""

import copy
import logging

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse

from assemblies.models import AssemblyStatus
from opendlp.core.cache import FallbackRedisCache
from tests.accounts.factories import UserFactory
from tests.assemblies.factories import AssemblyFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def verified_user():
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_settings_use_redis_for_the_cache(unreachable_cache_settings):
    assert "redis" in unreachable_cache_settings["default"]["BACKEND"].lower()


def test_home_with_cache_unreachable_answers_200(client, cache_down):
    AssemblyFactory(title="Open one", slug="open-one", status=AssemblyStatus.OPEN)
    response = client.get("/")
    assert response.status_code == 200 and "Open one" in response.content.decode()


def test_sign_in_with_cache_unreachable_logs_in(client, cache_down):
    user = verified_user()
    assert client.get(reverse("account_login")).status_code == 200
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_in_limit_still_holds_with_cache_unreachable(client, cache_down):
    user = verified_user()
    for _ in range(5):
        sign_in(client, user.email, password="wrong-password")
    response = sign_in(client, user.email)  # counted in this process while Redis is down
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_cache_unreachable_logs_one_warning_per_outage(client, cache_down, caplog, settings):
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["OPTIONS"]["FALLBACK_SECONDS"] = 0  # try Redis again on every call
    settings.CACHES = caches
    caplog.set_level(logging.WARNING)
    for _ in range(3):
        assert client.get("/").status_code == 200
        cache.set("some-key", "value")
        assert cache.get("some-key") == "value"  # kept in this process meanwhile
    warnings = [r for r in caplog.records if "cache server is unreachable" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


def test_healthz_with_cache_unreachable_still_reports_it(client, cache_down):
    cache.set("warm", "up")  # the fallback is already in use
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "error"


@pytest.mark.redis
def test_cache_back_after_outage_uses_redis_again_and_says_so(settings, caplog):
    params = copy.deepcopy(settings.CACHES["default"])
    reachable = FallbackRedisCache(params["LOCATION"], params)
    reachable.redis_failed(ConnectionRefusedError("refused"))  # as after a failed call
    reachable.set("during", "memory")
    assert reachable.fallback.get("during") == "memory"  # Redis left alone meanwhile
    reachable.redis_retry_at = 0.0  # the fallback window is over
    caplog.set_level(logging.WARNING)
    reachable.set("after", "redis")
    assert reachable.server_check() is None and cache.get("after") == "redis"
    assert reachable.get("during") is None  # what memory kept is not copied back
    assert "cache server answers again" in caplog.text
