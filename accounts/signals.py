"""Audit events for account security changes reported by allauth's signals."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.dispatch import receiver

from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record


def _record(action: AuditAction, user: Any, authenticator: Any = None) -> None:
    data = {"type": authenticator.type} if authenticator is not None else {}
    audit_event_record(action=action, actor=user, target=user, data=data)


@receiver(authenticator_added)
def _mfa_added(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record(AuditAction.MFA_ADDED, user, authenticator)


@receiver(authenticator_removed)
def _mfa_removed(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record(AuditAction.MFA_REMOVED, user, authenticator)


@receiver(authenticator_reset)
def _mfa_reset(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record(AuditAction.MFA_RESET, user, authenticator)


@receiver(password_changed)
def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _record(AuditAction.PASSWORD_CHANGED, user)


@receiver(password_reset)
def _password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _record(AuditAction.PASSWORD_RESET, user)
