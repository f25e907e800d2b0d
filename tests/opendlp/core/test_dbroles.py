"""The audit log on PostgreSQL: TRUNCATE refused by trigger, and the app's restricted role.

``manage.py create_app_role`` (opendlp/core/dbroles.py) is run inside each test's
transaction, so the role it creates and its grants are rolled back with the test. The
connection then acts as that role with ``SET ROLE``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from opendlp.core.services import audit_event_record
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _execute(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def event(user):
    return audit_event_record(
        action=AuditAction.USER_BANNED, actor=user, target=user, data={"user_id": user.pk}
    )


@pytest.fixture
def app_role() -> str:
    """A role made by ``create_app_role`` for this test (rolled back with it)."""
    role = f"opendlp_test_app_{uuid.uuid4().hex[:10]}"
    call_command("create_app_role", role, stdout=StringIO())
    return role


@contextmanager
def acting_as(role: str) -> Iterator[None]:
    _execute(f"SET ROLE {connection.ops.quote_name(role)}")
    try:
        yield
    finally:
        _execute("RESET ROLE")


def test_audit_table_refuses_truncate_even_by_its_owner(event):
    _execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks in the way
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _execute("TRUNCATE opendlp_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_app_role_may_insert_and_read_audit_events(app_role, user):
    with acting_as(app_role):
        recorded = audit_event_record(
            action=AuditAction.USER_BANNED, actor=user, target=user, data={"user_id": user.pk}
        )
        assert AuditEvent.objects.filter(pk=recorded.pk).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE opendlp_auditevent SET action = 'x.y'",
        "DELETE FROM opendlp_auditevent",
        "TRUNCATE opendlp_auditevent",
        "ALTER TABLE opendlp_auditevent DISABLE TRIGGER opendlp_auditevent_append_only",
        "ALTER TABLE opendlp_auditevent DISABLE TRIGGER opendlp_auditevent_no_truncate",
        "ALTER TABLE opendlp_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER opendlp_auditevent_append_only ON opendlp_auditevent",
        "DROP TABLE opendlp_auditevent",
        "ALTER FUNCTION opendlp_auditevent_refuse_change() RENAME TO x",
    ],
)
def test_app_role_cannot_change_the_audit_log(app_role, event, statement):
    with acting_as(app_role):
        with pytest.raises(DatabaseError, match="permission denied|must be owner"):
            with transaction.atomic():
                _execute(statement)
    assert AuditEvent.objects.filter(pk=event.pk, action=event.action).exists()


def test_app_role_has_ordinary_rights_on_other_tables(app_role):
    with acting_as(app_role):
        user = UserFactory()
        user.first_name = "Changed"
        user.save()
        user.delete()


def test_create_app_role_twice_changes_nothing(app_role):
    out = StringIO()
    call_command("create_app_role", app_role, stdout=out)
    assert "already exists" in out.getvalue()
    with acting_as(app_role), pytest.raises(DatabaseError, match="permission denied"):
        with transaction.atomic():
            _execute("DELETE FROM opendlp_auditevent")


def test_create_app_role_sets_password_from_environment(monkeypatch):
    role = f"opendlp_test_app_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("TEST_APP_DB_PASSWORD", "correct horse battery staple")
    out = StringIO()
    call_command("create_app_role", role, "--password-env", "TEST_APP_DB_PASSWORD", stdout=out)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolcanlogin, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = %s", [role]
        )
        assert cursor.fetchone() == (True, True)
    assert "correct horse" not in out.getvalue()


def test_create_app_role_refuses_the_table_owner():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    with pytest.raises(CommandError, match="owns"):
        call_command("create_app_role", owner, stdout=StringIO())


def test_create_app_role_sql_prints_statements_without_running_them():
    role = f"opendlp_test_app_{uuid.uuid4().hex[:10]}"
    out = StringIO()
    call_command("create_app_role", role, "--sql", stdout=out)
    text = out.getvalue()
    assert f'CREATE ROLE "{role}" LOGIN' in text
    assert f'REVOKE ALL ON TABLE "opendlp_auditevent" FROM "{role}"' in text
    assert f'GRANT SELECT, INSERT ON TABLE "opendlp_auditevent" TO "{role}"' in text
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() is None


def test_audit_truncate_trigger_is_enabled():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'opendlp_auditevent_no_truncate'"
        )
        assert cursor.fetchone() == ("O",)


def test_create_app_role_refuses_a_name_that_is_not_a_plain_identifier():
    with pytest.raises(CommandError, match="lower-case role name"):
        call_command("create_app_role", 'app"; DROP TABLE x; --', stdout=StringIO())
