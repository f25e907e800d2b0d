"""django-allauth adapter: who may sign up, and which emails say what."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.models import User
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is closed; sign-in attempts over the limit are audited.

    Public registrants never need an account. The project opens sign-up to holders of an
    organiser invitation with :class:`assemblies.invitations.adapter.InvitationAccountAdapter`
    (a subclass set as ``ACCOUNT_ADAPTER``), so accounts knows nothing of assemblies.
    """

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Closed: nobody signs up on their own."""
        return False

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
