import re

import pytest
from django.db import connection, transaction
from django.urls import reverse

from opendlp.core.audit import AuditAction, audit_credential_reset, audit_credential_set
from opendlp.core.models import ACTION_CODE_PATTERN, AuditEvent, AuditEventImmutableError
from opendlp.core.selectors import audit_events_for
from opendlp.core.services import audit_data_clean, audit_event_record
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(user):
    return audit_event_record(
        action=AuditAction.USER_BANNED, actor=user, target=user, data={"user_id": 1}
    )


def test_audit_event_record_stores_actor_target_and_data(event, user):
    event.refresh_from_db()
    assert event.action == "accounts.user.banned"
    assert event.actor == user
    assert event.target_id == str(user.pk)
    assert event.data == {"user_id": 1}
    assert list(audit_events_for(target=user)) == [event]


def test_audit_event_record_redacts_secrets_and_personal_data(user):
    event = audit_event_record(
        action=AuditAction.USER_UNBANNED,
        actor=user,
        data={"previous": {"Email": "a@b.c", "phone_number": "0123", "count": 2}},
    )
    assert event.data == {
        "previous": {"Email": "[redacted]", "phone_number": "[redacted]", "count": 2}
    }
    assert audit_data_clean({"token": "abc", "items": [{"password": "p"}]}) == {
        "token": "[redacted]",
        "items": [{"password": "[redacted]"}],
    }


@pytest.mark.parametrize("action", ["accounts.user.banned", "Not A Code"])
def test_audit_event_record_refuses_codes_outside_the_catalogue(action):
    with pytest.raises(TypeError):
        audit_event_record(action=action)
    assert AuditEvent.objects.count() == 0


def test_audit_event_record_refuses_data_keys_the_action_does_not_list(user):
    with pytest.raises(ValueError, match="email"):
        audit_event_record(action=AuditAction.USER_BANNED, data={"email": "a@b.c"})
    assert AuditEvent.objects.count() == 0


def test_audit_catalogue_codes_are_unique_dotted_codes():
    codes = [action.value for action in AuditAction]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(ACTION_CODE_PATTERN, code) for code in codes)


def test_audit_event_records_credential_of_the_request(user):
    token = audit_credential_set("api_token:7")
    try:
        with_actor = audit_event_record(action=AuditAction.PASSWORD_CHANGED, actor=user)
        system = audit_event_record(action=AuditAction.PASSWORD_CHANGED)
    finally:
        audit_credential_reset(token)
    outside = audit_event_record(action=AuditAction.PASSWORD_CHANGED, actor=user)
    assert (with_actor.credential, system.credential, outside.credential) == ("api_token:7", "", "")


def test_session_request_records_session_credential(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"display_name": "Ada"})
    assert response.status_code in (200, 302)
    event = AuditEvent.objects.get(action=AuditAction.USER_PROFILE_UPDATED)
    assert event.credential == "session"


def test_audit_event_record_rolls_back_with_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_event_record(action=AuditAction.PASSWORD_CHANGED)
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == 0


def test_audit_event_save_again_is_refused(event):
    event.action = "opendlp.test.edited"
    with pytest.raises(AuditEventImmutableError):
        event.save()


def test_audit_event_delete_is_refused(event):
    with pytest.raises(AuditEventImmutableError):
        event.delete()
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.update(action="opendlp.test.edited")
    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
def test_audit_event_database_refuses_raw_update(event):
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE opendlp_auditevent SET action = 'x.y' WHERE id = %s", [event.pk])


def test_audit_event_admin_is_read_only(client, event):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("admin:opendlp_auditevent_changelist")).status_code == 200
    change_url = reverse("admin:opendlp_auditevent_change", args=[event.pk])
    page = client.get(change_url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(change_url, {"action": "opendlp.test.edited"}).status_code == 403
    assert client.get(reverse("admin:opendlp_auditevent_add")).status_code == 403
    delete_url = reverse("admin:opendlp_auditevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "accounts.user.banned"


def test_audit_event_target_label_never_holds_user_email(user):
    event = audit_event_record(action=AuditAction.USER_BANNED, target=user)
    assert event.target_label == f"user {user.pk}"
    assert user.email not in event.target_label


def test_audit_data_clean_keeps_row_ids_named_like_secrets():
    assert audit_data_clean({"token_id": 7, "token": "abc", "session_id": "s"}) == {
        "token_id": 7,
        "token": "[redacted]",
        "session_id": "[redacted]",
    }
