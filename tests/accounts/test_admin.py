"""Ban and unban as admin actions, with a reason on a confirmation page."""

import pytest

from accounts.models import User
from accounts.services.users import user_ban
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Factories hash a password per user; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def act(client, action, users, **extra):
    data = {"action": action, "_selected_action": [u.pk for u in users], **extra}
    return client.post(CHANGELIST, data, follow=bool(extra))


def test_ban_action_asks_for_reason_first(admin_client):
    targets = UserFactory.create_batch(2)
    response = act(admin_client, "ban_users", targets)
    assert response.status_code == 200
    assert b'name="reason"' in response.content
    assert not User.objects.filter(banned_at__isnull=False).exists()


def test_ban_action_with_reason_bans_and_reports(admin_client, admin_user):
    targets = UserFactory.create_batch(2)
    user_ban(user_id=targets[1].pk, reason="earlier")
    response = act(admin_client, "ban_users", targets, confirm="yes", reason="spam")
    assert response.redirect_chain[-1][0].endswith(CHANGELIST)
    assert "Banned 1 user(s). 1 already banned." in response.content.decode()
    assert User.objects.get(pk=targets[0].pk).ban_reason == "spam"
    assert User.objects.get(pk=targets[1].pk).ban_reason == "earlier"
    events = AuditEvent.objects.filter(action=AuditAction.USER_BANNED, actor=admin_user)
    assert events.count() == 1
    assert events.get().credential == "session"  # the admin acts through the session


def test_ban_action_blank_reason_shows_form_again(admin_client):
    target = UserFactory()
    response = act(admin_client, "ban_users", [target], confirm="yes", reason="  ")
    assert response.status_code == 200 and b"errornote" in response.content
    assert not User.objects.get(pk=target.pk).is_banned


def test_unban_action_reason_optional(admin_client):
    target = UserFactory()
    user_ban(user_id=target.pk, reason="spam")
    response = act(admin_client, "unban_users", [target], confirm="yes", reason="")
    assert "Unbanned 1 user(s)." in response.content.decode()
    assert not User.objects.get(pk=target.pk).is_banned
    assert AuditEvent.objects.filter(action=AuditAction.USER_UNBANNED).count() == 1


def test_ban_action_needs_change_permission(client):
    viewer = UserFactory(is_staff=True)
    client.force_login(viewer)
    target = UserFactory()
    act(client, "ban_users", [target], confirm="yes", reason="spam")
    assert not User.objects.get(pk=target.pk).is_banned


def test_api_token_admin_read_only_and_never_shows_hash(admin_client, admin_user):
    from accounts.services.tokens import api_token_create

    token, plain = api_token_create(user=admin_user, name="script")
    html = admin_client.get("/admin/accounts/apitoken/").content.decode()
    assert token.prefix in html and token.token_hash not in html and plain not in html
    assert admin_client.get("/admin/accounts/apitoken/add/").status_code == 403


# --- staff and superuser flags are audited (issue 13, defect 8) ----------------------------


def change_user(client, target, **flags):
    data = {"email": target.email, "display_name": target.display_name, **flags}
    return client.post(f"{CHANGELIST}{target.pk}/change/", data)


def test_user_admin_making_staff_and_superuser_is_audited(admin_client, admin_user):
    target = UserFactory()
    response = change_user(admin_client, target, is_active="on", is_staff="on", is_superuser="on")
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.is_staff and target.is_superuser
    event = AuditEvent.objects.get(action=AuditAction.USER_FLAGS_CHANGED)
    assert event.actor == admin_user and event.target_id == str(target.pk)
    assert event.data == {
        "user_id": target.pk,
        "flags": {
            "is_staff": {"from": False, "to": True},
            "is_superuser": {"from": False, "to": True},
        },
    }
    assert target.email not in str(event.data) + event.target_label


def test_user_admin_removing_staff_is_audited(admin_client):
    target = UserFactory(is_staff=True)
    assert change_user(admin_client, target, is_active="on").status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.USER_FLAGS_CHANGED)
    assert event.data["flags"] == {"is_staff": {"from": True, "to": False}}


def test_user_admin_save_without_flag_change_writes_no_flag_event(admin_client):
    target = UserFactory(is_staff=True)
    change_user(admin_client, target, is_active="on", is_staff="on", display_name="Renamed")
    assert User.objects.get(pk=target.pk).display_name == "Renamed"
    assert not AuditEvent.objects.filter(action=AuditAction.USER_FLAGS_CHANGED).exists()


def test_user_admin_staff_editor_cannot_make_superuser(client):
    from django.contrib.auth.models import Permission

    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_user", "view_user"])
    )
    client.force_login(editor)
    change_user(client, editor, is_active="on", is_staff="on", is_superuser="on")
    assert not User.objects.get(pk=editor.pk).is_superuser
