import pytest
from django.urls import reverse

from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from opendlp.core.services import audit_event_record

pytestmark = pytest.mark.django_db


def test_account_page_shows_profile_security_and_own_events(client, user):
    audit_event_record(action=AuditAction.MFA_ADDED, actor=user, target=user)
    audit_event_record(action=AuditAction.USER_BANNED, target=None)  # someone else's event
    client.force_login(user)
    page = client.get(reverse("accounts:account"))
    content = page.content.decode()
    assert page.status_code == 200
    assert reverse("mfa_index") in content
    assert 'name="display_name"' in content
    assert "accounts.mfa.added" in content
    assert "accounts.user.banned" not in content


def test_account_page_anonymous_redirects_to_sign_in(client):
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_profile_update_saves_display_name_and_audits(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"display_name": "  Ada L.  "})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Ada L."
    assert AuditEvent.objects.filter(action=AuditAction.USER_PROFILE_UPDATED, actor=user).exists()


def test_profile_update_too_long_refused(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"display_name": "x" * 151})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.display_name != "x" * 151
