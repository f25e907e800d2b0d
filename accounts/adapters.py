"""django-allauth adapter: who may sign up, and which emails say what."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.models import User
from accounts.selectors import invitation_get_pending
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

#: Session key holding the token of the invitation being accepted.
INVITATION_SESSION_KEY = "accounts_invitation_token"


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is closed except to people holding a valid invitation.

    Public registrants never need an account; organisers join only by invitation, whose
    token the invitation view puts in the session before sending the person to sign-up.
    """

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """True only while the session carries a valid, unexpired, unused invitation."""
        token = request.session.get(INVITATION_SESSION_KEY) if hasattr(request, "session") else None
        if not token:
            return False
        return invitation_get_pending(token=token) is not None

    def pre_authenticate(self, request: HttpRequest, **credentials: object) -> None:
        """Apply allauth's failed-sign-in limit; audit the attempt that goes over it.

        Raises:
            django.core.exceptions.ValidationError: when too many attempts failed recently.
        """
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            login = str(credentials.get("email") or credentials.get("username") or "")
            target = User.objects.filter(email__iexact=login).first() if login else None
            audit_event_record(
                action=AuditAction.SIGNIN_RATE_LIMITED,
                target=target,
                data={"ip_limited": True, "known_account": target is not None},
            )
            raise

    def clean_email(self, email: str) -> str:
        """During sign-up by invitation, the email must be the invited address.

        Raises:
            django.core.exceptions.ValidationError: another address was typed.
        """
        email = super().clean_email(email)
        request = getattr(self, "request", None)
        token = request.session.get(INVITATION_SESSION_KEY) if request is not None else None
        if token:
            invitation = invitation_get_pending(token=token)
            if invitation is not None and invitation.email.lower() != email.lower():
                raise ValidationError("Use the email address the invitation was sent to.")
        return email
