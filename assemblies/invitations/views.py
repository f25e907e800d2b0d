"""The invitation page: ``/account/invitations/<token>/`` (routed by the project's URLconf)."""

from __future__ import annotations

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from assemblies.invitations.adapter import INVITATION_SESSION_KEY
from assemblies.selectors.invitations import invitation_get_pending
from assemblies.services.invitations import InvitationError, invitation_accept


def _invitation_rate_limited(request: HttpRequest) -> HttpResponse | None:
    config = {"invitation": settings.INVITATION_RATE_LIMIT}
    if ratelimit.consume(
        request, app="accounts", action="invitation", config=config, limit_get=True
    ):
        return None
    return ratelimit.respond_429(request)


@never_cache
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """``/account/invitations/<token>/``: see an invitation and accept it (POST).

    Anonymous visitors are offered to sign in or create an account; the token is kept in the
    session so that sign-up is open to them (see :class:`InvitationAccountAdapter`).
    Requests are rate limited per client IP (``INVITATION_RATE_LIMIT``).
    """
    limited = _invitation_rate_limited(request)
    if limited:
        return limited
    pending = invitation_get_pending(token=token)
    if pending is None:
        request.session.pop(INVITATION_SESSION_KEY, None)
        return render(request, "assemblies/invitations/invalid.html", status=410)
    request.session[INVITATION_SESSION_KEY] = token
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            accepted = invitation_accept(token=token, user=request.user)
        except InvitationError as exc:
            messages.error(request, str(exc))
            return render(
                request, "assemblies/invitations/accept.html", {"invitation": pending}, status=409
            )
        request.session.pop(INVITATION_SESSION_KEY, None)
        messages.success(
            request,
            f"You are now {accepted.get_role_display().lower()} of “{accepted.assembly}”.",
        )
        return redirect("admin:index")
    return render(request, "assemblies/invitations/accept.html", {"invitation": pending})
