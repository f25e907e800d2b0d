"""``POST /api/users/{id}/ban`` and ``/unban``: staff only, one error shape."""

import json
import re

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from accounts.models import User
from accounts.services.tokens import api_token_create
from accounts.services.users import user_ban
from opendlp.core.audit import AuditAction, audit_credential
from opendlp.core.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Factories hash a password per user; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='t')[1]}"}


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json().keys() == {"error", "message"}
    assert response.json()["error"] == code


@pytest.fixture
def staff(db):
    """Site staff allowed to manage users (the accounts.change_user permission)."""
    from django.contrib.auth.models import Permission

    member = UserFactory(is_staff=True)
    member.user_permissions.add(Permission.objects.get(codename="change_user"))
    return member


def post(client, url, body=None, **extra):
    if body is None:  # no body at all, like `curl -X POST`
        return client.generic("POST", url, **extra)
    return client.post(url, data=body, content_type="application/json", **extra)


def test_ban_by_staff_token_200_and_audited(client, staff, user):
    response = post(client, f"/api/users/{user.pk}/ban", {"reason": "spam"}, **bearer(staff))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk and body["banned"] and body["changed"]
    assert body["ban_reason"] == "spam" and body["banned_at"]
    assert User.objects.get(pk=user.pk).is_banned
    assert AuditEvent.objects.get(action="accounts.user.banned").actor == staff


def test_ban_by_token_audits_the_token_as_credential(client, staff, user):
    token, plain = api_token_create(user=staff, name="moderation script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    response = post(client, f"/api/users/{user.pk}/ban", {"reason": "spam"}, **auth)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.USER_BANNED)
    assert event.actor == staff and event.credential == f"api_token:{token.pk}"
    assert audit_credential() == ""  # not left set after the request


def test_ban_by_session_audits_the_session_as_credential(staff, user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    browser.get("/lottery/")
    csrf = browser.cookies["csrftoken"].value
    response = post(browser, f"/api/users/{user.pk}/ban", {"reason": "spam"}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.USER_BANNED)
    assert event.actor == staff and event.credential == "session"


def test_ban_twice_200_unchanged(client, staff, user):
    auth = bearer(staff)
    post(client, f"/api/users/{user.pk}/ban", {"reason": "spam"}, **auth)
    again = post(client, f"/api/users/{user.pk}/ban", {"reason": "other"}, **auth)
    assert again.status_code == 200
    assert again.json()["changed"] is False and again.json()["ban_reason"] == "spam"


def test_ban_anonymous_401(client, user):
    assert_error(post(client, f"/api/users/{user.pk}/ban", {"reason": "x"}), 401, "unauthenticated")


def test_ban_not_staff_403(client, user):
    other = UserFactory()
    response = post(client, f"/api/users/{other.pk}/ban", {"reason": "x"}, **bearer(user))
    assert_error(response, 403, "staff_only")
    assert not User.objects.get(pk=other.pk).is_banned


def test_ban_not_staff_with_invalid_body_still_403(client, user):
    response = post(client, f"/api/users/{user.pk}/ban", {}, **bearer(user))
    assert_error(response, 403, "staff_only")


def test_ban_unknown_user_404(client, staff):
    response = post(client, "/api/users/999999/ban", {"reason": "x"}, **bearer(staff))
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 1001}])
def test_ban_invalid_reason_422(client, staff, user, body):
    response = post(client, f"/api/users/{user.pk}/ban", body, **bearer(staff))
    assert_error(response, 422, "validation_error")
    assert not User.objects.get(pk=user.pk).is_banned


def test_ban_staff_session_needs_csrf(staff, user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    url = f"/api/users/{user.pk}/ban"
    assert_error(post(browser, url, {"reason": "spam"}), 403, "csrf_failed")
    browser.get("/lottery/")
    csrf = browser.cookies["csrftoken"].value
    assert post(browser, url, {"reason": "spam"}, HTTP_X_CSRFTOKEN=csrf).status_code == 200


def test_unban_200_with_and_without_body(client, staff, user):
    auth = bearer(staff)
    user_ban(user_id=user.pk, reason="spam")
    response = post(client, f"/api/users/{user.pk}/unban", **auth)
    assert response.status_code == 200
    assert response.json()["banned"] is False and response.json()["changed"] is True
    user_ban(user_id=user.pk, reason="spam")
    response = post(client, f"/api/users/{user.pk}/unban", {"reason": "appeal"}, **auth)
    assert response.json()["changed"] is True
    event = AuditEvent.objects.filter(action="accounts.user.unbanned").first()
    assert event.data["reason"] == "appeal"


def test_unban_not_staff_403_and_anonymous_401(client, user):
    user_ban(user_id=user.pk, reason="spam")
    assert_error(post(client, f"/api/users/{user.pk}/unban"), 401, "unauthenticated")
    response = post(client, f"/api/users/{user.pk}/unban", **bearer(UserFactory()))
    assert_error(response, 403, "staff_only")
    assert User.objects.get(pk=user.pk).is_banned


def test_unban_unknown_user_404(client, staff):
    assert_error(post(client, "/api/users/999999/unban", **bearer(staff)), 404, "not_found")


def test_ban_by_organiser_without_user_permission_403(client, user):
    organiser = UserFactory(is_staff=True)  # staff for the admin, but may not manage users
    response = post(client, f"/api/users/{user.pk}/ban", {"reason": "x"}, **bearer(organiser))
    assert_error(response, 403, "staff_only")
    user.refresh_from_db()
    assert not user.is_banned


# --- Input strings: NUL and other characters the database cannot store (issue 13, item 4) ---

UNSTORABLE = ["a\u0000b", "\u0000", "tab\u0007bell", "lone \ud800 surrogate"]


@pytest.mark.parametrize("reason", UNSTORABLE)
def test_ban_reason_with_nul_or_control_character_422_and_nothing_stored(
    client, staff, user, reason
):
    body = json.dumps({"reason": reason})  # "\u0000" escapes in the JSON text, as sent
    response = client.post(
        f"/api/users/{user.pk}/ban", data=body, content_type="application/json", **bearer(staff)
    )
    assert_error(response, 422, "validation_error")
    assert "reason" in response.json()["message"]
    assert not User.objects.get(pk=user.pk).is_banned
    assert not AuditEvent.objects.filter(action=AuditAction.USER_BANNED).exists()


@pytest.mark.parametrize("reason", UNSTORABLE)
def test_unban_reason_with_nul_or_control_character_422_and_nothing_stored(
    client, staff, user, reason
):
    user_ban(user_id=user.pk, reason="spam")
    body = json.dumps({"reason": reason})
    response = client.post(
        f"/api/users/{user.pk}/unban", data=body, content_type="application/json", **bearer(staff)
    )
    assert_error(response, 422, "validation_error")
    assert User.objects.get(pk=user.pk).is_banned
    assert not AuditEvent.objects.filter(action=AuditAction.USER_UNBANNED).exists()


def test_ban_reason_keeps_newlines_and_tabs(client, staff, user):
    response = post(
        client, f"/api/users/{user.pk}/ban", {"reason": "spam\n\tagain"}, **bearer(staff)
    )
    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).ban_reason == "spam\n\tagain"


def test_every_request_body_string_refuses_control_characters_in_the_schema(client):
    """The sweep: every string a request body takes publishes the pattern that refuses NUL."""
    document = client.get("/api/openapi.json").json()
    schemas = document["components"]["schemas"]
    seen = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                schema = media["schema"]
                ref = (schema.get("$ref") or schema["allOf"][0]["$ref"]).rsplit("/", 1)[-1]
                for name, field in schemas[ref]["properties"].items():
                    if field.get("type") == "string":
                        seen += 1
                        assert re.search(field["pattern"], "ok"), (path, method, name)
                        assert not re.search(field["pattern"], "a\u0000b"), (path, method, name)
    assert seen >= 2  # ban and unban reasons


# --- The error contract of the bodies (issue 13, item 15) ---


def test_ban_whitespace_only_reason_is_a_validation_error_as_the_schema_says(client, staff, user):
    response = post(client, f"/api/users/{user.pk}/ban", {"reason": " \t\n "}, **bearer(staff))
    assert_error(response, 422, "validation_error")
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["BanIn"]
    pattern = schema["properties"]["reason"]["pattern"]
    assert not re.search(pattern, " \t\n ") and re.search(pattern, " spam ")
    assert not User.objects.get(pk=user.pk).is_banned


@pytest.mark.parametrize("body", ["[]", '"spam"', "1", "null", '[{"reason": "spam"}]'])
@pytest.mark.parametrize("action", ["ban", "unban"])
def test_ban_and_unban_non_object_body_422(client, staff, user, body, action):
    user_ban(user_id=user.pk, reason="spam")
    response = client.post(
        f"/api/users/{user.pk}/{action}",
        data=body,
        content_type="application/json",
        **bearer(staff),
    )
    assert_error(response, 422, "validation_error")
    assert "object" in response.json()["message"]
    assert User.objects.get(pk=user.pk).is_banned
    assert AuditEvent.objects.filter(action=AuditAction.USER_UNBANNED).count() == 0


def test_unban_malformed_json_400(client, staff, user):
    response = client.post(
        f"/api/users/{user.pk}/unban",
        data='{"reason": ',
        content_type="application/json",
        **bearer(staff),
    )
    assert_error(response, 400, "bad_request")


# --- Staff without two-factor authentication (issue 13, item 9) ---


def with_totp(user):
    """Give ``user`` a TOTP authenticator, set up now."""
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


def session_client(user) -> tuple[Client, str]:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get("/lottery/")
    return browser, browser.cookies["csrftoken"].value


def test_ban_by_staff_session_without_2fa_403_when_required(staff, user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    browser, csrf = session_client(staff)
    url = f"/api/users/{user.pk}/ban"
    assert_error(post(browser, url, {"reason": "spam"}, HTTP_X_CSRFTOKEN=csrf), 403, "mfa_required")
    unban = post(browser, f"/api/users/{user.pk}/unban", HTTP_X_CSRFTOKEN=csrf)
    assert_error(unban, 403, "mfa_required")
    assert not User.objects.get(pk=user.pk).is_banned


def test_ban_by_staff_token_without_2fa_403_when_required(client, staff, user, settings):
    auth = bearer(staff)  # minted before the requirement was switched on
    settings.MFA_REQUIRED_FOR_STAFF = True
    response = post(client, f"/api/users/{user.pk}/ban", {"reason": "spam"}, **auth)
    assert_error(response, 403, "mfa_required")
    assert not User.objects.get(pk=user.pk).is_banned


def test_staff_token_minted_before_2fa_stays_refused_after_2fa_setup(client, staff, user, settings):
    old = bearer(staff)  # minted before the requirement, without 2FA
    settings.MFA_REQUIRED_FOR_STAFF = True
    with_totp(staff)
    response = post(client, f"/api/users/{user.pk}/ban", {"reason": "spam"}, **old)
    assert_error(response, 403, "token_predates_2fa")
    new = bearer(staff)
    assert post(client, f"/api/users/{user.pk}/ban", {"reason": "spam"}, **new).status_code == 200


def test_ban_by_staff_session_with_2fa_200_when_required(staff, user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    browser, csrf = session_client(with_totp(staff))
    response = post(browser, f"/api/users/{user.pk}/ban", {"reason": "spam"}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200


def test_staff_without_2fa_allowed_when_not_required(client, staff, user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    response = post(client, f"/api/users/{user.pk}/ban", {"reason": "spam"}, **bearer(staff))
    assert response.status_code == 200


def test_non_staff_token_needs_no_2fa_when_required(client, user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    response = post(client, "/api/lotteries/today/ballots", {}, **bearer(user))
    assert response.status_code == 201
