import pytest
from django.db import connection, transaction
from django.urls import reverse

from opendlp.models import AuditEvent, AuditEventImmutableError
from opendlp.selectors import audit_events_for
from opendlp.services import audit_event_record
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(user):
    return audit_event_record(action="accounts.user.banned", actor=user, target=user, data={"n": 1})


def test_audit_event_record_stores_actor_target_and_data(event, user):
    event.refresh_from_db()
    assert event.action == "accounts.user.banned"
    assert event.actor == user
    assert event.target_id == str(user.pk)
    assert event.data == {"n": 1}
    assert list(audit_events_for(target=user)) == [event]


def test_audit_event_record_redacts_secrets_and_personal_data(user):
    event = audit_event_record(
        action="accounts.token.created",
        actor=user,
        data={
            "token": "abc",
            "nested": {"Email": "a@b.c", "phone_number": "0123", "count": 2},
            "items": [{"password": "p"}],
        },
    )
    assert event.data == {
        "token": "[redacted]",
        "nested": {"Email": "[redacted]", "phone_number": "[redacted]", "count": 2},
        "items": [{"password": "[redacted]"}],
    }


def test_audit_event_record_rejects_malformed_action_code():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        audit_event_record(action="Not A Code")
    assert AuditEvent.objects.count() == 0


def test_audit_event_record_rolls_back_with_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_event_record(action="opendlp.test.happened")
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
    event = audit_event_record(action="accounts.user.banned", target=user)
    assert event.target_label == f"user {user.pk}"
    assert user.email not in event.target_label
