import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_by_email_logs_in_with_password():
    user = User.objects.create_user(email="Ada@Example.org", password="s3cret-pass-phrase")
    assert user.email == "Ada@example.org"  # domain normalised, local part kept
    assert user.check_password("s3cret-pass-phrase")
    assert not user.is_staff and not user.is_banned


def test_create_user_without_email_raises():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user(email="", password="x")


def test_email_login_ignores_case():
    User.objects.create_user(email="grace@example.org", password="s3cret-pass-phrase")
    assert authenticate(username="GRACE@EXAMPLE.ORG", password="s3cret-pass-phrase") is not None


def test_email_unique_ignoring_case_in_manager():
    User.objects.create_user(email="lin@example.org", password="x")
    with pytest.raises(ValidationError):
        User.objects.create_user(email="LIN@example.org", password="x")


def test_email_unique_ignoring_case_in_database():
    UserFactory(email="mo@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="MO@example.org")])


def test_create_superuser_sets_flags():
    admin = User.objects.create_superuser(email="root@example.org", password="x")
    assert admin.is_staff and admin.is_superuser


def test_is_banned_follows_banned_at(user):
    from django.utils import timezone

    user.banned_at = timezone.now()
    assert user.is_banned
