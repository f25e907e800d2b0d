"""The invitee's way back to their invitation: after sign-up, after sign-in, and from the
admin they cannot use yet (issue 13, item 18)."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from assemblies.models import AssemblyMembership
from tests.accounts.factories import UserFactory
from tests.assemblies.invitations.conftest import INVITED
from tests.assemblies.test_invitations import PASSWORD, verified

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("with_next", [True, False], ids=["signup-link", "signup-page"])
def test_invitation_sign_up_lands_on_the_invitation_after_email_confirmation(
    client,
    invitation_link,
    assembly,
    mailoutbox,
    with_next,
):
    page = client.get(invitation_link)
    signup = re.search(r'href="(/auth/signup/[^"]*)"', page.content.decode())[1]
    url = signup.replace("&amp;", "&") if with_next else reverse("account_signup")
    response = client.post(url, {"email": INVITED, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    confirm = re.search(r"http://testserver(/auth/confirm-email/\S+/)", mailoutbox[-1].body)
    response = client.post(confirm.group(1))  # verifies the address and signs in
    assert response.status_code == 302 and response.url == invitation_link
    assert b"Accept the invitation" in client.get(response.url).content
    client.post(invitation_link)
    assert AssemblyMembership.objects.filter(
        user=User.objects.get(email=INVITED), assembly=assembly
    ).exists()


def test_invitation_sign_in_without_next_lands_on_the_invitation(client, invitation_link):
    verified(UserFactory(email=INVITED))
    client.get(invitation_link)  # the invitation is now this browser's
    response = client.post(reverse("account_login"), {"login": INVITED, "password": PASSWORD})
    assert response.status_code == 302 and response.url == invitation_link


def test_sign_in_without_invitation_lands_on_the_account_page(client):
    user = verified(UserFactory())
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("accounts:account")


def test_admin_before_acceptance_explains_and_lists_the_pending_invitation(
    client,
    invitation_link,
    assembly,
):
    invitee = verified(UserFactory(email=INVITED))
    client.force_login(invitee)
    page = client.get("/admin/", follow=True)
    html = page.content.decode()
    assert page.status_code == 200 and page.redirect_chain[-1][0] == reverse("accounts:account")
    assert "no assemblies yet" in html
    assert assembly.title in html


def test_admin_for_signed_in_non_staff_without_invitations_is_not_a_bare_403(client):
    client.force_login(verified(UserFactory()))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert "no assemblies yet" in response.content.decode()
