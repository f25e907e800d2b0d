"""Use cases of organiser invitations: send, revoke, accept.

Accepting grants the role through :func:`assemblies.services.memberships.membership_set`, the
one way a role is granted.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User, token_digest
from assemblies.models import Invitation, Role
from assemblies.permissions import manager_required
from assemblies.services._common import _lock_assembly
from assemblies.services.memberships import membership_set
from opendlp.core.audit import AuditAction
from opendlp.core.errors import DomainError, Invalid
from opendlp.core.services import audit_event_record
from opendlp.core.text import email_subject

logger = logging.getLogger(__name__)

#: How long an invitation link stays valid.
INVITATION_VALIDITY = timedelta(days=7)


class InvitationError(DomainError):
    """An invitation cannot be used: ``code`` is ``invalid``, ``expired``, ``revoked``,
    ``accepted`` or ``wrong_account``; the message says it in words (HTTP status 409)."""

    code = "invitation_unusable"
    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


class InvitationNotSent(DomainError):
    """The invitation email could not be handed to the mail server; the invitation was
    withdrawn (revoked) so no link is pending that nobody received (HTTP status 503)."""

    code = "email_not_sent"
    status = 503

    def __init__(self, message: str, *, invitation_id: int) -> None:
        super().__init__(message)
        self.invitation_id = invitation_id


def invitation_send(
    *,
    assembly_id: int,
    email: str,
    role: str,
    invited_by: User,
    accept_url: Callable[[str], str],
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite ``email`` to organise an assembly with ``role`` and email them the link.

    A pending invitation to the same address for the same assembly is revoked: the newest
    link is the only one that works. The email is sent after the transaction commits, with
    its subject on one line (:func:`opendlp.core.text.email_subject`). When it cannot be
    sent, the invitation is revoked (audited with ``reason``) and, when this call made the
    commit, :class:`InvitationNotSent` is raised; inside an outer transaction the send
    happens at its commit and a failure is only logged and audited.

    Args:
        assembly_id: the assembly's primary key.
        email: the invitee's address (any case).
        role: ``"manager"``, ``"caller"`` or ``"viewer"``.
        invited_by: the acting user; must manage the assembly (or be a superuser).
        accept_url: turns the plain token into the absolute URL put in the email.
        now: the sending time; default now.

    Returns:
        ``(invitation, plain_token)``; the token is not stored, only its SHA-256 digest.

    Raises:
        opendlp.core.errors.Forbidden: ``invited_by`` does not manage the assembly (code
            ``not_manager``).
        opendlp.core.errors.Invalid: ``role`` is not a role (code ``invalid_role``) or
            ``email`` is empty (code ``email_required``).
        assemblies.errors.AssemblyNotFound: no assembly has this id.
        InvitationNotSent: the email could not be sent; the invitation was revoked.
    """
    if role not in Role.values:
        raise Invalid(f"unknown role {role!r}", code="invalid_role")
    email = User.objects.normalize_email(email.strip())
    if not email:
        raise Invalid("an email address is required", code="email_required")
    manager_required(invited_by, assembly_id, "invite organisers", code="not_manager", system=False)
    now = now or timezone.now()
    plain = secrets.token_urlsafe(32)
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        superseded = Invitation.objects.select_for_update().filter(
            assembly=assembly,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        for old in superseded:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
            audit_event_record(
                action=AuditAction.INVITATION_REVOKED,
                actor=invited_by,
                target=old,
                data={"assembly_id": assembly.pk, "superseded": True},
            )
        invitation = Invitation.objects.create(
            assembly=assembly,
            email=email,
            role=role,
            token_hash=token_digest(plain),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + INVITATION_VALIDITY,
        )
        audit_event_record(
            action=AuditAction.INVITATION_SENT,
            actor=invited_by,
            target=invitation,
            data={"assembly_id": assembly.pk, "role": role},
        )
        link = accept_url(plain)
        outcome: dict[str, BaseException] = {}

        def deliver() -> None:
            try:
                send_mail(
                    subject=email_subject(
                        f"[Open DLP] You are invited to organise “{assembly.title}”"
                    ),
                    message=render_to_string(
                        "assemblies/email/invitation.txt",
                        {"invitation": invitation, "assembly": assembly, "link": link},
                    ),
                    from_email=None,
                    recipient_list=[email],
                )
            except Exception as exc:  # noqa: BLE001 - any failed send withdraws the invitation
                logger.exception("invitation %s: the email could not be sent", invitation.pk)
                _invitation_withdraw_unsent(invitation_id=invitation.pk, actor=invited_by)
                outcome["error"] = exc

        # After commit: a failed send never rolls back half of it (the row and its event
        # stay, the invitation is revoked and the failure audited).
        transaction.on_commit(deliver)
    if "error" in outcome:  # the send ran (no outer transaction) and failed
        raise InvitationNotSent(
            f"The invitation email to {email} could not be sent "
            f"({type(outcome['error']).__name__}); the invitation was withdrawn. "
            "Try again later.",
            invitation_id=invitation.pk,
        )
    return invitation, plain


def _invitation_withdraw_unsent(*, invitation_id: int, actor: User) -> None:
    """Revoke an invitation whose email could not be sent, and audit why (after commit)."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        if invitation.accepted_at or invitation.revoked_at:
            return
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_event_record(
            action=AuditAction.INVITATION_REVOKED,
            actor=actor,
            target=invitation,
            data={
                "assembly_id": invitation.assembly_id,
                "superseded": False,
                "reason": "email not sent",
            },
        )


def invitation_revoke(
    *, invitation_id: int, actor: User, now: datetime | None = None
) -> Invitation:
    """Revoke a pending invitation so its link no longer works (harmless if already used up).

    Returns:
        The invitation (unchanged when it was already accepted or revoked).

    Raises:
        Invitation.DoesNotExist: no such invitation.
        opendlp.core.errors.Forbidden: ``actor`` does not manage the invitation's assembly
            (code ``not_manager``).
    """

    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        manager_required(
            actor, invitation.assembly_id, "revoke invitations", code="not_manager", system=False
        )
        if invitation.accepted_at or invitation.revoked_at:
            return invitation
        invitation.revoked_at = now or timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_event_record(
            action=AuditAction.INVITATION_REVOKED,
            actor=actor,
            target=invitation,
            data={"assembly_id": invitation.assembly_id, "superseded": False},
        )
    return invitation


def invitation_accept(*, token: str, user: User, now: datetime | None = None) -> Invitation:
    """Accept an invitation: grant ``user`` the role in the assembly, once.

    The user's email must be the invited address (compared ignoring case) and verified; the
    user becomes staff so they can use the organiser admin. An existing membership in the
    assembly takes the invited role. Audited as ``INVITATION_ACCEPTED`` (on the invitation)
    and ``MEMBERSHIP_SET`` (on the assembly).

    Returns:
        The accepted invitation.

    Raises:
        InvitationError: the token matches no invitation, or it is expired, revoked, already
            accepted, or addressed to another email (``code`` says which; HTTP status 409).
    """

    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("assembly")
            .filter(token_hash=token_digest(token))
            .first()
        )
        if invitation is None:
            raise InvitationError("invalid", "This invitation link is not valid.")
        state = invitation.state(now)
        if state != "pending":
            raise InvitationError(state, f"This invitation has been {state}.")
        verified = EmailAddress.objects.filter(
            user=user, email__iexact=invitation.email, verified=True
        ).exists()
        if invitation.email.lower() != user.email.lower() or not verified:
            raise InvitationError(
                "wrong_account",
                "This invitation was sent to another email address; sign in with that one.",
            )
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        membership_set(
            assembly_id=invitation.assembly_id,
            user=user,
            role=invitation.role,
            actor=user,
            invitation_id=invitation.pk,
        )
        invitation.accepted_at, invitation.accepted_by = now, user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_event_record(
            action=AuditAction.INVITATION_ACCEPTED,
            actor=user,
            target=invitation,
            data={"assembly_id": invitation.assembly_id, "role": invitation.role},
        )
    return invitation
