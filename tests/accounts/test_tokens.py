"""``accounts/services/tokens.py``: who may mint a personal API token."""

import pytest
from allauth.mfa.models import Authenticator

from accounts.models import ApiToken
from accounts.services.tokens import TwoFactorRequiredError, api_token_create
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_api_token_create_by_staff_without_2fa_refused_when_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = UserFactory(is_staff=True)
    with pytest.raises(TwoFactorRequiredError) as refused:
        api_token_create(user=staff, name="script")
    assert refused.value.code == "mfa_required" and refused.value.status == 403
    assert not ApiToken.objects.filter(user=staff).exists()
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert api_token_create(user=staff, name="script")[0].user == staff


def test_api_token_create_by_non_staff_needs_no_2fa(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    user = UserFactory()
    assert api_token_create(user=user, name="script")[0].user == user
