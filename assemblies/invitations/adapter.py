"""Sign-up by invitation: the allauth adapter the project uses (``ACCOUNT_ADAPTER``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.adapters import AccountAdapter
from assemblies.selectors.invitations import invitation_get_pending

#: Session key holding the token of the invitation being accepted.
INVITATION_SESSION_KEY = "accounts_invitation_token"


class InvitationAccountAdapter(AccountAdapter):
    """Sign-up is closed except to people holding a valid organiser invitation, whose token
    the invitation page puts in the session before sending the person to sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """True only while the session carries a valid, unexpired, unused invitation."""
        token = request.session.get(INVITATION_SESSION_KEY) if hasattr(request, "session") else None
        if not token:
            return False
        return invitation_get_pending(token=token) is not None

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
