"""Sign-up by invitation: the allauth adapter the project uses (``ACCOUNT_ADAPTER``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

from accounts.adapters import AccountAdapter
from assemblies.selectors.invitations import invitation_get_pending

#: Session key holding the token of the invitation being accepted.
INVITATION_SESSION_KEY = "accounts_invitation_token"


def invitation_url_in_session(request: HttpRequest) -> str | None:
    """The accept page of the valid invitation this browser opened, or ``None``.

    The invitation page keeps the token in the session (:data:`INVITATION_SESSION_KEY`);
    an expired, revoked or used invitation gives ``None``.
    """
    session = getattr(request, "session", None)
    token = session.get(INVITATION_SESSION_KEY) if session is not None else None
    if not token or invitation_get_pending(token=token) is None:
        return None
    return reverse("invitations:accept", args=[token])


class InvitationAccountAdapter(AccountAdapter):
    """Sign-up is closed except to people holding a valid organiser invitation, whose token
    the invitation page puts in the session before sending the person to sign-up. After
    sign-up (once the email is confirmed) and sign-in, that person lands on the invitation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """True only while the session carries a valid, unexpired, unused invitation."""
        token = request.session.get(INVITATION_SESSION_KEY) if hasattr(request, "session") else None
        if not token:
            return False
        return invitation_get_pending(token=token) is not None

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """The invitation this browser opened, if still valid; else ``LOGIN_REDIRECT_URL``.

        A ``next`` parameter still takes precedence (allauth reads it first).
        """
        return invitation_url_in_session(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """As :meth:`get_login_redirect_url`: the invitation, if still valid."""
        return invitation_url_in_session(request) or super().get_signup_redirect_url(request)

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
