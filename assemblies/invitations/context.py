"""Template context of the invitee's side: the invitations waiting for the signed-in user,
for the account page (``templates/accounts/account.html``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from assemblies.invitations.adapter import INVITATION_SESSION_KEY
from assemblies.selectors.invitations import invitation_get_pending, invitations_pending_for


def pending_invitations(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``session_invitation`` (the invitation whose link this browser
    opened, or None), its ``session_invitation_token``, and ``invitations`` (pending ones
    addressed to the user's email). Lazy: nothing is queried unless a template uses them."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    token = session.get(INVITATION_SESSION_KEY) if session is not None else None

    def mine() -> Any:
        if user is None or not user.is_authenticated:
            return []
        return list(invitations_pending_for(user=user))

    return {
        "session_invitation": SimpleLazyObject(
            lambda: invitation_get_pending(token=token) if token else None
        ),
        "session_invitation_token": token,
        "invitations": SimpleLazyObject(mine),
    }
