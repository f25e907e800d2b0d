"""django-allauth adapter: who may sign up, and which emails say what."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

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
        from accounts.selectors import invitation_get_pending

        return invitation_get_pending(token=token) is not None
