"""Sign-in through django-allauth: verification, two-factor, the admin's login, rate limits."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def sign_in(client, email, password=PASSWORD, next_url=""):
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": password})


def test_sign_in_verified_email_logs_in(client):
    user = verified(UserFactory())
    response = sign_in(client, user.email.upper())
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_in_unverified_email_sends_verification_and_refuses(client, mailoutbox):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = sign_in(client, user.email)
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and "confirm-email" in response.url
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]
    link = re.search(r"https?://\S+/auth/confirm-email/\S+/", mailoutbox[0].body).group(0)
    page = client.get(link)  # opening the link shows a button; a GET confirms nothing
    assert page.status_code == 200
    assert not EmailAddress.objects.get(user=user).verified
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified


def test_sign_in_wrong_password_does_not_reveal_whether_account_exists(client):
    verified(UserFactory(email="known@example.org"))
    known = sign_in(client, "known@example.org", password="wrong-password")
    unknown = sign_in(client, "nobody@example.org", password="wrong-password")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors


def test_password_reset_same_answer_for_unknown_email(client, mailoutbox):
    verified(UserFactory(email="known@example.org"))
    known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert [m.to for m in mailoutbox] == [["known@example.org"], ["nobody@example.org"]]
    assert "reset" in mailoutbox[0].body.lower()


def test_signup_closed_without_invitation(client):
    response = client.get(reverse("account_signup"))
    assert b"Sign Up Closed" in response.content or response.status_code == 403
    client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not EmailAddress.objects.filter(email="new@example.org").exists()


def test_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_admin_sign_in_requires_totp_code(client):
    staff = verified(UserFactory(is_staff=True))
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    response = sign_in(client, staff.email, next_url="/admin/")
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # not signed in yet
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.get("/admin/").status_code == 200


def test_admin_requires_2fa_setup_when_required(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = verified(UserFactory(is_staff=True))
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_activate_totp"))
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/admin/").status_code == 200


def test_admin_open_without_2fa_when_not_required(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(verified(UserFactory(is_staff=True)))
    assert client.get("/admin/").status_code == 200


def test_totp_activation_creates_recovery_codes(client, django_capture_on_commit_callbacks):
    user = verified(UserFactory(is_staff=True))
    sign_in(client, user.email)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 302 and page.url.startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert AuditEvent.objects.filter(action=AuditAction.MFA_ADDED, actor=user).exists()


def test_sign_in_failures_over_limit_are_refused(client, settings):
    user = verified(UserFactory())
    for _ in range(5):
        sign_in(client, user.email, password="wrong-password")
    response = sign_in(client, user.email)  # even the right password is refused now
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    event = AuditEvent.objects.get(action=AuditAction.SIGNIN_RATE_LIMITED)
    assert event.target_id == str(user.pk)
    assert user.email not in str(event.data)


def test_password_reset_rate_limited_per_email(client, mailoutbox):
    verified(UserFactory(email="known@example.org"))
    statuses = [
        client.post(reverse("account_reset_password"), {"email": "known@example.org"}).status_code
        for _ in range(7)
    ]
    assert 429 in statuses
    assert len(mailoutbox) == 5
