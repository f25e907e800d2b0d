"""The account page: list, create (shown once) and revoke personal API tokens."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services.tokens import api_token_authenticate, api_token_create
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Factories hash a password per user; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_account_requires_sign_in(client):
    response = client.get("/account/")
    assert response.status_code == 302 and response.url.startswith("/auth/login/")


def test_account_lists_own_tokens_only(client, user):
    api_token_create(user=user, name="mine")
    api_token_create(user=UserFactory(), name="someone else's")
    client.force_login(user)
    html = client.get("/account/").content.decode()
    assert "mine" in html and "someone else" not in html
    assert "<script" not in html


def test_token_create_redirects_and_shows_plain_token_once(client, user):
    client.force_login(user)
    response = client.post("/account/tokens/", {"name": "my script"})
    assert response.status_code == 303 and response.url.startswith("/account/tokens/")
    page = client.get(response.url)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    plain = re.search(r'value="(odlp_[0-9a-f]{12}_[A-Za-z0-9_-]+)"', page.content.decode())[1]
    assert api_token_authenticate(token=plain).user == user
    again = client.get(response.url)  # a refresh shows the list, not the token, and mints none
    assert plain not in again.content.decode() and "my script" in again.content.decode()
    assert plain not in client.get("/account/").content.decode()
    assert ApiToken.objects.filter(user=user).count() == 1


def test_token_plain_value_is_not_kept_in_the_session_after_shown(client, user):
    client.force_login(user)
    client.get(client.post("/account/tokens/", {"name": "my script"}).url)
    assert not any("odlp_" in str(value) for value in client.session.values())


def test_token_list_url_get_is_the_tokens_page(client, user):
    api_token_create(user=user, name="mine")
    client.force_login(user)
    response = client.get("/account/tokens/")
    assert response.status_code == 200 and "mine" in response.content.decode()


def test_token_create_blank_name_400(client, user):
    client.force_login(user)
    assert client.post("/account/tokens/", {"name": "  "}).status_code == 400
    assert not ApiToken.objects.exists()


def test_token_create_anonymous_redirected(client):
    assert client.post("/account/tokens/", {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_token_revoke_own(client, user):
    token, plain = api_token_create(user=user, name="old")
    client.force_login(user)
    response = client.post(f"/account/tokens/{token.pk}/revoke/", follow=True)
    assert response.redirect_chain == [("/account/", 302)]
    assert api_token_authenticate(token=plain) is None
    assert "revoked" in response.content.decode()


def test_token_revoke_someone_elses_404(client, user):
    token, plain = api_token_create(user=UserFactory(), name="theirs")
    client.force_login(user)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert api_token_authenticate(token=plain) is not None


def test_token_revoke_get_not_allowed(client, user):
    token, _ = api_token_create(user=user, name="old")
    client.force_login(user)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405


def test_token_create_by_staff_without_2fa_refused_when_required(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.post("/account/tokens/", {"name": "script"})
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_activate_totp"))
    assert not ApiToken.objects.exists()


def test_account_page_marks_staff_tokens_created_before_2fa(client, settings):
    staff = UserFactory(is_staff=True)
    api_token_create(user=staff, name="old script")
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(staff)
    assert "Staff need two-factor authentication" in client.get("/account/").content.decode()
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    html = client.get("/account/").content.decode()
    assert "created before two-factor authentication" in html
    assert "Staff need two-factor authentication" not in html
