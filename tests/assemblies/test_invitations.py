"""Invitations: a manager invites by email; the link creates or upgrades a membership once."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from assemblies.models import AssemblyMembership, Invitation, Role
from assemblies.services.invitations import (
    InvitationError,
    invitation_accept,
    invitation_revoke,
    invitation_send,
)
from opendlp.core.audit import AuditAction
from opendlp.core.errors import DomainError, Forbidden, Invalid
from opendlp.core.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.assemblies.factories import AssemblyFactory, AssemblyMembershipFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def verified(user):
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


@pytest.fixture
def manager():
    membership = AssemblyMembershipFactory(role=Role.MANAGER)
    return membership.user


@pytest.fixture
def assembly(manager):
    return manager.assembly_memberships.get().assembly


def send(assembly, manager, email="new.organiser@example.org", role="caller", **kwargs):
    return invitation_send(
        assembly_id=assembly.pk,
        email=email,
        role=role,
        invited_by=manager,
        accept_url=lambda token: f"http://testserver/account/invitations/{token}/",
        **kwargs,
    )


def link_in(mail) -> str:
    return re.search(r"http://testserver(/account/invitations/\S+/)", mail.body).group(1)


def test_invitation_send_emails_link_and_stores_only_digest(
    manager, assembly, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = send(assembly, manager)
    assert mailoutbox[0].to == ["new.organiser@example.org"]
    assert token in mailoutbox[0].body
    assert token not in invitation.token_hash
    assert invitation.state() == "pending"
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_SENT)
    assert "new.organiser" not in str(event.data) + event.target_label


def test_invitation_send_by_non_manager_refused(assembly):
    viewer = AssemblyMembershipFactory(assembly=assembly, role=Role.VIEWER).user
    with pytest.raises(Forbidden) as refused:
        send(assembly, viewer)
    assert refused.value.code == "not_manager"
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("email", "role", "code"),
    [("x@example.org", "owner", "invalid_role"), ("  ", "caller", "email_required")],
)
def test_invitation_send_invalid_input_refused(manager, assembly, email, role, code):
    with pytest.raises(Invalid) as refused:
        send(assembly, manager, email=email, role=role)
    assert (refused.value.code, refused.value.status) == (code, 422)
    assert not Invitation.objects.exists()


def test_invitation_send_again_revokes_previous_link(manager, assembly):
    first, first_token = send(assembly, manager)
    second, _ = send(assembly, manager)
    first.refresh_from_db()
    assert first.state() == "revoked" and second.state() == "pending"
    revoked = AuditEvent.objects.get(action=AuditAction.INVITATION_REVOKED)
    assert revoked.data == {"assembly_id": assembly.pk, "superseded": True}


def test_invitation_accept_grants_membership_once(manager, assembly):
    _, token = send(assembly, manager)
    invitee = verified(UserFactory(email="New.Organiser@example.org"))
    invitation = invitation_accept(token=token, user=invitee)
    membership = AssemblyMembership.objects.get(assembly=assembly, user=invitee)
    assert membership.role == Role.CALLER
    invitee.refresh_from_db()
    assert invitee.is_staff
    assert invitation.state() == "accepted"
    with pytest.raises(InvitationError) as reuse:
        invitation_accept(token=token, user=invitee)
    assert isinstance(reuse.value, DomainError)
    assert (reuse.value.code, reuse.value.status) == ("accepted", 409)
    assert AssemblyMembership.objects.filter(user=invitee).count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.INVITATION_ACCEPTED, AuditAction.MEMBERSHIP_SET} <= actions
    membership_set = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_SET)
    assert membership_set.target_id == str(assembly.pk)
    assert membership_set.data == {
        "user_id": invitee.pk,
        "role": "caller",
        "previous_role": None,
        "invitation_id": invitation.pk,
    }


def test_invitation_accept_changes_role_of_existing_member(manager, assembly):
    member = verified(AssemblyMembershipFactory(assembly=assembly, role=Role.VIEWER).user)
    _, token = send(assembly, manager, email=member.email, role="manager")
    invitation_accept(token=token, user=member)
    assert AssemblyMembership.objects.get(assembly=assembly, user=member).role == Role.MANAGER


def test_invitation_accept_expired_refused(manager, assembly):
    past = timezone.now() - datetime.timedelta(days=8)
    _, token = send(assembly, manager, now=past)
    invitee = verified(UserFactory(email="new.organiser@example.org"))
    with pytest.raises(InvitationError) as error:
        invitation_accept(token=token, user=invitee)
    assert error.value.code == "expired"
    assert not AssemblyMembership.objects.filter(user=invitee).exists()


def test_invitation_accept_revoked_refused(manager, assembly):
    invitation, token = send(assembly, manager)
    invitation_revoke(invitation_id=invitation.pk, actor=manager)
    invitee = verified(UserFactory(email="new.organiser@example.org"))
    with pytest.raises(InvitationError) as error:
        invitation_accept(token=token, user=invitee)
    assert error.value.code == "revoked"


def test_invitation_accept_other_email_refused(manager, assembly):
    _, token = send(assembly, manager)
    stranger = verified(UserFactory(email="someone.else@example.org"))
    with pytest.raises(InvitationError) as error:
        invitation_accept(token=token, user=stranger)
    assert error.value.code == "wrong_account"


def test_invitation_accept_unknown_token_refused(user):
    with pytest.raises(InvitationError) as error:
        invitation_accept(token="not-a-token", user=user)
    assert error.value.code == "invalid"


def test_invitation_revoke_by_other_assemblys_manager_refused(manager, assembly):
    invitation, _ = send(assembly, manager)
    other_manager = AssemblyMembershipFactory(role=Role.MANAGER).user
    with pytest.raises(Forbidden):
        invitation_revoke(invitation_id=invitation.pk, actor=other_manager)
    invitation.refresh_from_db()
    assert invitation.state() == "pending"


def test_invitation_signup_flow_new_person(
    client, manager, assembly, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(assembly, manager)
    page = client.get(link_in(mailoutbox[0]))
    assert page.status_code == 200 and b"Create an account" in page.content
    # Sign-up is open while the invitation is in the session, for the invited address only.
    wrong = client.post(
        reverse("account_signup"),
        {"email": "other@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert wrong.status_code == 200 and not User.objects.filter(email="other@example.org")
    client.post(
        reverse("account_signup"),
        {"email": "new.organiser@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    user = User.objects.get(email="new.organiser@example.org")
    confirm = re.search(r"http://testserver(/auth/confirm-email/\S+/)", mailoutbox[-1].body)
    client.post(confirm.group(1))  # verifies the address and signs in
    account = client.get(reverse("accounts:account"))
    assert b"Accept the invitation" in account.content
    response = client.post(link_in(mailoutbox[0]))
    assert response.status_code == 302
    assert AssemblyMembership.objects.get(user=user, assembly=assembly).role == Role.CALLER


def test_invitation_page_existing_user_accepts(
    client, manager, assembly, mailoutbox, django_capture_on_commit_callbacks
):
    invitee = verified(UserFactory(email="new.organiser@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        send(assembly, manager)
    client.force_login(invitee)
    link = link_in(mailoutbox[0])
    assert b"Accept the invitation" in client.get(link).content
    assert client.post(link).status_code == 302
    assert AssemblyMembership.objects.filter(user=invitee, assembly=assembly).exists()
    assert client.get(link).status_code == 410  # single use


def test_invitation_page_unknown_token_gone(client):
    assert client.get(reverse("invitations:accept", args=["nope"])).status_code == 410


def test_invitation_page_rate_limited(client, settings):
    settings.INVITATION_RATE_LIMIT = "3/m/ip"
    statuses = [
        client.get(reverse("invitations:accept", args=[f"guess-{i}"])).status_code for i in range(5)
    ]
    assert statuses == [410, 410, 410, 429, 429]


def test_invitation_admin_manager_sends_and_revokes(
    client, manager, assembly, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    other = AssemblyFactory()
    add_url = reverse("admin:assemblies_invitation_add")
    form = client.get(add_url)
    assert form.status_code == 200
    assert assembly.title.encode() in form.content and other.title.encode() not in form.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            add_url, {"assembly": assembly.pk, "email": "x@example.org", "role": "viewer"}
        )
    assert response.status_code == 302 and len(mailoutbox) == 1
    invitation = Invitation.objects.get()
    client.post(
        reverse("admin:assemblies_invitation_changelist"),
        {"action": "revoke_invitations", "_selected_action": [invitation.pk]},
    )
    invitation.refresh_from_db()
    assert invitation.state() == "revoked"


def test_invitation_admin_hidden_from_viewer(client, assembly):
    viewer = AssemblyMembershipFactory(assembly=assembly, role=Role.VIEWER).user
    client.force_login(viewer)
    assert client.get(reverse("admin:assemblies_invitation_changelist")).status_code == 403


def test_assembly_admin_page_links_invitation_and_preview(client, manager, assembly):
    client.force_login(manager)
    page = client.get(reverse("admin:assemblies_assembly_change", args=[assembly.pk]))
    content = page.content.decode()
    assert f"{reverse('admin:assemblies_invitation_add')}?assembly={assembly.pk}" in content
    assert reverse("assemblies:preview", args=[assembly.slug]) in content
