"""Middleware of the platform core."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from opendlp.core.audit import audit_credential_reset, audit_credential_set


class AuditCredentialMiddleware:
    """Records, for the audit log, that a request's user acts through their session.

    Placed after ``AuthenticationMiddleware``. The API's token authentication overrides the
    credential with ``api_token:<id>`` for the rest of the request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # request.user stays lazy: the audit log records the credential only with an actor.
        token = audit_credential_set("session")
        try:
            return self.get_response(request)
        finally:
            audit_credential_reset(token)
