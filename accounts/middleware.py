"""Middleware: staff must have two-factor authentication before they use the admin.

The other staff powers check it where they are used: the JSON API's authentication
(``accounts/api.py``) and the minting of API tokens (``api_token_create``). One rule,
:func:`accounts.selectors.two_factor_missing`, decides for all of them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.selectors import two_factor_missing


class StaffTwoFactorMiddleware:
    """Send a signed-in staff user without TOTP to the 2FA set-up page instead of the admin.

    Active when ``settings.MFA_REQUIRED_FOR_STAFF`` is true (the default outside DEBUG).
    Only paths under the admin are guarded; the account pages stay reachable so the user
    can set 2FA up. The path is checked first, so other requests never load the user here;
    one indexed query per admin request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up_2fa(request):
            messages.warning(
                request, "Set up two-factor authentication before using the organiser admin."
            )
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def _must_set_up_2fa(request: HttpRequest) -> bool:
        if not getattr(settings, "MFA_REQUIRED_FOR_STAFF", False):
            return False
        if not request.path.startswith(reverse("admin:index")):
            return False
        user = getattr(request, "user", None)
        return user is not None and two_factor_missing(user=user)
