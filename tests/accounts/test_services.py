"""Ban, unban and personal API tokens."""

import datetime as dt
import hashlib

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services.tokens import (
    API_TOKEN_LAST_USED_PRECISION,
    API_TOKEN_MAX_ACTIVE,
    ApiTokenLimitError,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from accounts.services.users import (
    BanReasonRequiredError,
    user_ban,
    user_flags_set,
    user_unban,
)
from opendlp.core.audit import AuditAction
from opendlp.core.errors import Conflict, Forbidden, Invalid
from opendlp.core.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


# --- ban / unban -----------------------------------------------------------------------------


def test_user_ban_sets_state_and_audits(user, staff):
    when = timezone.now()
    banned, changed = user_ban(user_id=user.pk, reason="  spam  ", actor=staff, now=when)
    assert changed and banned.is_banned
    user.refresh_from_db()
    assert (user.banned_at, user.ban_reason) == (when, "spam")
    event = AuditEvent.objects.get(action=AuditAction.USER_BANNED)
    assert event.actor == staff and event.target_id == str(user.pk)
    assert event.data["reason"] == "spam"


def test_user_ban_twice_keeps_first_ban_and_audits_once(user, staff):
    first = timezone.now() - dt.timedelta(hours=1)
    user_ban(user_id=user.pk, reason="first", actor=staff, now=first)
    again, changed = user_ban(user_id=user.pk, reason="second", actor=staff)
    assert not changed and (again.banned_at, again.ban_reason) == (first, "first")
    assert AuditEvent.objects.filter(action=AuditAction.USER_BANNED).count() == 1


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_user_ban_without_reason_refused(user, reason):
    with pytest.raises(BanReasonRequiredError) as refused:
        user_ban(user_id=user.pk, reason=reason)
    assert isinstance(refused.value, Invalid)
    assert (refused.value.code, refused.value.status) == ("reason_required", 422)
    user.refresh_from_db()
    assert not user.is_banned


def test_user_ban_reason_too_long_refused(user):
    with pytest.raises(Invalid, match="at most") as refused:
        user_ban(user_id=user.pk, reason="x" * 1001)
    assert refused.value.code == "reason_too_long"


@pytest.mark.parametrize("service", [user_ban, user_unban])
@pytest.mark.parametrize("reason", ["spam\x00", "spam\x1b[31m", "a\u2028b"])
def test_user_ban_state_reason_with_control_characters_refused(user, service, reason):
    if service is user_unban:
        user_ban(user_id=user.pk, reason="first")
    before = User.objects.get(pk=user.pk).is_banned
    with pytest.raises(Invalid) as refused:
        service(user_id=user.pk, reason=reason)
    assert refused.value.code == "reason_invalid"
    assert User.objects.get(pk=user.pk).is_banned == before


def test_user_ban_reason_keeps_line_breaks_and_tabs(user):
    banned, _ = user_ban(user_id=user.pk, reason="line one\n\tline two")
    assert banned.ban_reason == "line one\n\tline two"


def test_user_ban_unknown_user_raises(db):
    with pytest.raises(User.DoesNotExist):
        user_ban(user_id=999_999, reason="spam")


def test_user_unban_clears_state_and_audits(user, staff):
    user_ban(user_id=user.pk, reason="spam", actor=staff)
    unbanned, changed = user_unban(user_id=user.pk, actor=staff, reason="appeal upheld")
    assert changed and not unbanned.is_banned and unbanned.ban_reason == ""
    event = AuditEvent.objects.get(action=AuditAction.USER_UNBANNED)
    assert event.data["reason"] == "appeal upheld"
    assert event.data["previous"]["ban_reason"] == "spam"


def test_user_unban_not_banned_changes_nothing(user):
    _, changed = user_unban(user_id=user.pk)
    assert not changed
    assert not AuditEvent.objects.filter(action=AuditAction.USER_UNBANNED).exists()


# --- API tokens ------------------------------------------------------------------------------


def test_api_token_create_stores_only_prefix_and_hash(user):
    token, plain = api_token_create(user=user, name=" my script ")
    assert plain.startswith(f"odlp_{token.prefix}_") and len(plain) >= 5 + 12 + 1 + 43
    assert token.name == "my script"
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    row = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert all(plain not in str(value) for value in row.values())
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_CREATED)
    assert plain not in str(event.data)


def test_api_token_create_each_token_different(user):
    plains = {api_token_create(user=user, name=f"t{i}")[1] for i in range(5)}
    assert len(plains) == 5


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_api_token_create_bad_name_refused(user, name):
    with pytest.raises(Invalid):
        api_token_create(user=user, name=name)


def test_api_token_create_limit(user):
    for i in range(API_TOKEN_MAX_ACTIVE):
        api_token_create(user=user, name=f"t{i}")
    with pytest.raises(ApiTokenLimitError) as refused:
        api_token_create(user=user, name="one too many")
    assert isinstance(refused.value, Conflict)
    assert (refused.value.code, refused.value.status) == ("token_limit", 409)
    api_token_revoke(user=user, token_id=ApiToken.objects.first().pk)
    api_token_create(user=user, name="after a revoke")


def test_api_token_hash_unique_in_database(user):
    token, _ = api_token_create(user=user, name="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(user=user, name="b", prefix="x", token_hash=token.token_hash)


def test_api_token_hash_must_be_sha256_hex_in_database(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(user=user, name="b", prefix="x", token_hash="plain-token")


def test_api_token_authenticate_returns_token_with_owner_and_marks_use(
    user, django_assert_num_queries
):
    token, plain = api_token_create(user=user, name="a")
    when = timezone.now()
    found = api_token_authenticate(token=plain, now=when)
    assert found == token
    with django_assert_num_queries(0):  # the owner is loaded with the token
        assert found.user == user
    assert ApiToken.objects.get(pk=token.pk).last_used_at == when


def test_api_token_authenticate_writes_last_used_at_at_most_once_a_minute(
    user, django_assert_num_queries
):
    _, plain = api_token_create(user=user, name="a")
    when = timezone.now()
    api_token_authenticate(token=plain, now=when)
    with django_assert_num_queries(1):  # the lookup only
        api_token_authenticate(token=plain, now=when + dt.timedelta(seconds=30))
    with django_assert_num_queries(2):  # lookup and one UPDATE
        api_token_authenticate(token=plain, now=when + API_TOKEN_LAST_USED_PRECISION)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"),
        lambda p: p.upper(),
        lambda p: p.replace("odlp_", "xxxx_"),
        lambda p: p[:18],
        lambda p: "",
    ],
)
def test_api_token_authenticate_wrong_token_none(user, mangle):
    _, plain = api_token_create(user=user, name="a")
    assert api_token_authenticate(token=mangle(plain)) is None


def test_api_token_revoke_refuses_token_and_audits_once(user):
    token, plain = api_token_create(user=user, name="a")
    api_token_revoke(user=user, token_id=token.pk)
    again = api_token_revoke(user=user, token_id=token.pk)
    assert again.revoked_at is not None
    assert api_token_authenticate(token=plain) is None
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


def test_api_token_revoke_someone_elses_token_raises(user):
    token, plain = api_token_create(user=UserFactory(), name="theirs")
    with pytest.raises(ApiToken.DoesNotExist):
        api_token_revoke(user=user, token_id=token.pk)
    assert api_token_authenticate(token=plain) is not None


# --- staff and superuser flags (issue 13, defect 8) --------------------------------------


def test_user_flags_set_audits_changed_flags_without_email():
    actor = UserFactory(is_staff=True, is_superuser=True)
    target = UserFactory()
    user, changed = user_flags_set(user_id=target.pk, actor=actor, is_staff=True, is_active=True)
    assert user.is_staff and changed == {"is_staff": {"from": False, "to": True}}
    event = AuditEvent.objects.get(action=AuditAction.USER_FLAGS_CHANGED)
    assert event.actor == actor and event.data == {"user_id": target.pk, "flags": changed}
    assert target.email not in str(event.data) + event.target_label


def test_user_flags_set_unchanged_writes_nothing():
    target = UserFactory(is_staff=True)
    assert user_flags_set(user_id=target.pk, is_staff=True)[1] == {}
    assert not AuditEvent.objects.filter(action=AuditAction.USER_FLAGS_CHANGED).exists()


def test_user_flags_set_superuser_by_non_superuser_refused():
    staff = UserFactory(is_staff=True)
    with pytest.raises(Forbidden) as refused:
        user_flags_set(user_id=staff.pk, actor=staff, is_superuser=True)
    assert refused.value.code == "superuser_required"
    assert not User.objects.get(pk=staff.pk).is_superuser
    assert not AuditEvent.objects.filter(action=AuditAction.USER_FLAGS_CHANGED).exists()
