"""Invitation emails: a title with line breaks never breaks the email, and an email that
cannot be sent withdraws the invitation and says so (issue 13, defect 12)."""

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from assemblies.models import Assembly, Invitation, Role
from assemblies.services.invitations import InvitationNotSent, invitation_send
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import AssemblyMembershipFactory

CRLF_TITLE = "Climate\r\nBcc: someone@example.org"
FAILING_BACKEND = "tests.assemblies.services.test_invitations.FailingBackend"


class FailingBackend(BaseEmailBackend):
    """The mail server refuses every message (the outside edge of the system)."""

    def send_messages(self, email_messages):  # noqa: ANN001, ANN201
        raise smtplib.SMTPServerDisconnected("the mail server went away")


@pytest.fixture
def manager(db):
    return AssemblyMembershipFactory(role=Role.MANAGER).user


@pytest.fixture
def assembly(manager):
    assembly = manager.assembly_memberships.get().assembly
    Assembly.objects.filter(pk=assembly.pk).update(title=CRLF_TITLE)  # as old data may be
    assembly.refresh_from_db()
    return assembly


def send(assembly, manager):
    return invitation_send(
        assembly_id=assembly.pk,
        email="new.organiser@example.org",
        role="caller",
        invited_by=manager,
        accept_url=lambda token: f"http://testserver/account/invitations/{token}/",
    )


@pytest.mark.django_db
def test_invitation_send_title_with_line_breaks_sends_one_line_subject(
    manager, assembly, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _ = send(assembly, manager)
    subject = mailoutbox[0].subject
    assert "\r" not in subject and "\n" not in subject
    assert subject == "[Open DLP] You are invited to organise “Climate Bcc: someone@example.org”"
    invitation.refresh_from_db()
    assert invitation.state() == "pending"


@pytest.mark.django_db(transaction=True)
def test_invitation_admin_title_with_line_breaks_sends(client, manager, assembly, mailoutbox):
    client.force_login(manager)
    response = client.post(
        reverse("admin:assemblies_invitation_add"),
        {"assembly": assembly.pk, "email": "x@example.org", "role": "viewer"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Invitation sent to x@example.org" in response.content.decode()
    assert len(mailoutbox) == 1 and "\n" not in mailoutbox[0].subject


@pytest.mark.django_db(transaction=True)
def test_invitation_send_email_failure_withdraws_invitation(manager, assembly, settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with pytest.raises(InvitationNotSent) as refused:
        send(assembly, manager)
    assert refused.value.code == "email_not_sent"
    invitation = Invitation.objects.get()
    assert invitation.state() == "revoked"
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_REVOKED)
    assert event.data["reason"] == "email not sent"


@pytest.mark.django_db(transaction=True)
def test_invitation_admin_email_failure_shown_not_500(client, manager, assembly, settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    client.force_login(manager)
    response = client.post(
        reverse("admin:assemblies_invitation_add"),
        {"assembly": assembly.pk, "email": "x@example.org", "role": "viewer"},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "could not be sent" in page and "Invitation sent" not in page
    assert Invitation.objects.get().state() == "revoked"
