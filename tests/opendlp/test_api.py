"""The API's error contract through the real URLs: every failure answers the one JSON shape
``{"error", "message"}`` with its status, never Django's HTML pages (issue 13, item 15)."""

from __future__ import annotations

import contextlib
import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.test import Client

from accounts.models import User
from accounts.services.tokens import api_token_create
from opendlp.api import bad_request, server_error
from tests.accounts.factories import UserFactory


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body.keys() == {"error", "message"} and body["error"] == code


@pytest.fixture
def staff(db):
    from django.contrib.auth.models import Permission

    member = UserFactory(is_staff=True)
    member.user_permissions.add(Permission.objects.get(codename="change_user"))
    return member


@pytest.fixture
def unraised():
    """A client that answers with the error page instead of raising server errors."""
    return Client(raise_request_exception=False)


@contextlib.contextmanager
def database_down():
    """Point the default database at a port nobody listens on, as when PostgreSQL is down."""
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", "1"
    try:
        yield
    finally:
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = saved


@pytest.mark.django_db
def test_api_body_over_the_size_limit_413_json(unraised, staff, user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"reason": "x" * 2000})
    token = api_token_create(user=staff, name="t")[1]
    response = unraised.post(
        f"/api/users/{user.pk}/ban",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert_error(response, 413, "payload_too_large")
    assert not User.objects.get(pk=user.pk).is_banned


@pytest.mark.django_db
def test_api_form_body_over_the_size_limit_413_json(unraised, staff, user, settings):
    """A form-encoded body is read by the session's CSRF check, before the endpoint."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    unraised.force_login(staff)
    response = unraised.post(f"/api/users/{user.pk}/ban", data={"reason": "x" * 2000})
    assert_error(response, 413, "payload_too_large")
    assert not User.objects.get(pk=user.pk).is_banned


@pytest.mark.django_db
def test_non_api_body_over_the_size_limit_keeps_the_html_page(unraised, user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    unraised.force_login(user)
    response = unraised.post("/account/profile/", data={"display_name": "x" * 2000})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_api_database_outage_503_json(unraised, caplog):
    with database_down():
        response = unraised.get("/api/lotteries/2025-01-01")
    assert_error(response, 503, "service_unavailable")
    assert int(response["Retry-After"]) > 0
    assert "database unavailable" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_api_database_outage_with_token_503_json(unraised, staff, user):
    token = api_token_create(user=staff, name="t")[1]
    with database_down():
        response = unraised.generic(
            "POST", f"/api/users/{user.pk}/unban", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    assert_error(response, 503, "service_unavailable")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_api_database_outage_with_session_503_json(unraised, staff, user, settings):
    """With 2FA required the middleware loads the session's user before the API runs."""
    settings.MFA_REQUIRED_FOR_STAFF = True
    unraised.force_login(staff)
    with database_down():
        response = unraised.generic("POST", f"/api/users/{user.pk}/unban")
    assert_error(response, 503, "service_unavailable")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_page_database_outage_keeps_the_html_page(unraised):
    with database_down():
        response = unraised.get("/lottery/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_api_uncaught_error_500_json(rf):
    request = rf.get("/api/lotteries/2025-01-01")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = server_error(request)
    assert_error(response, 500, "server_error")
    assert "boom" not in response.content.decode()


def test_api_body_too_big_seen_by_middleware_413_json(rf):
    """Django's handler400 gets a body over the limit read outside the endpoint."""
    response = bad_request(rf.post("/api/users/1/ban"), RequestDataTooBig("too big"))
    assert_error(response, 413, "payload_too_large")
    assert bad_request(rf.post("/account/profile/"), RequestDataTooBig("x")).status_code == 400


@pytest.mark.django_db
def test_api_unknown_path_404_json(client):
    assert_error(client.get("/api/nope"), 404, "not_found")


@pytest.mark.django_db
def test_api_huge_user_id_404_json(unraised, staff):
    token = api_token_create(user=staff, name="t")[1]
    response = unraised.generic(
        "POST", "/api/users/99999999999999999999999/unban", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code in (404, 422), response.content
    assert response.json().keys() == {"error", "message"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/users/1/ban"),
        ("PUT", "/api/lotteries/2025-01-01"),
        ("DELETE", "/api/lotteries/today/ballots"),
    ],
)
def test_api_wrong_method_405_json_with_allow(client, method, url):
    response = client.generic(method, url)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"]


@pytest.mark.django_db
def test_api_root_404_json(client):
    assert_error(client.get("/api/"), 404, "not_found")
