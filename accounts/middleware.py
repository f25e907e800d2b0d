"""Middleware: staff must have two-factor authentication before they use the admin."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class StaffTwoFactorMiddleware:
    """Send a signed-in staff user without TOTP to the 2FA set-up page instead of the admin.

    Active when ``settings.MFA_REQUIRED_FOR_STAFF`` is true (the default outside DEBUG).
    Only paths under the admin are guarded; the account pages stay reachable so the user
    can set 2FA up. One indexed query per admin request.
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
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        if not request.path.startswith(reverse("admin:index")):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
