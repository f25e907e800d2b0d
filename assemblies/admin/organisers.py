"""The form of the organisers inline of the assembly page (``MembershipInline`` in
:mod:`assemblies.admin.assembly`): who organises the assembly, with which role.

A manager adds an organiser by typing their **exact** email address (compared ignoring
case) among active staff users; the page never lists the platform's users, so an organiser
cannot enumerate other organisers' names or addresses. Someone without a staff account is
invited instead (the invitation admin). Existing rows show only this assembly's organisers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import User
from assemblies.models import AssemblyMembership

UNKNOWN_ORGANISER = (
    "No staff user has this email address. Type it exactly, or send an invitation instead."
)


def _staff() -> QuerySet[User]:
    """The users who may be given a role: active staff."""
    return User.objects.filter(is_staff=True, is_active=True)


class OrganiserEmailField(forms.ModelChoiceField):
    """A staff user chosen by typing their exact email address; lists no one.

    Renders the current user's email (initial values are user ids from the row being
    edited); typed text is only ever matched as an email address, never as an id.
    """

    widget = forms.EmailInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=_staff(),
            error_messages={"invalid_choice": UNKNOWN_ORGANISER},
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        """The email shown in the box: for a user or a stored user id (int), their address;
        for typed text, the text itself."""
        if isinstance(value, User):
            return value.email
        if isinstance(value, int) and not isinstance(value, bool):
            return User.objects.filter(pk=value).values_list("email", flat=True).first() or ""
        return "" if value is None else value

    def to_python(self, value: Any) -> User | None:
        """The active staff user with exactly this email (ignoring case), or None if blank.

        Raises:
            ValidationError: no active staff user has this address.
        """
        if value in self.empty_values:
            return None
        user = _staff().filter(email__iexact=str(value).strip()).first()
        if user is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return user


class MembershipInlineForm(forms.ModelForm):
    """One organiser row: the user by email, and the role."""

    user = OrganiserEmailField(label="Email address")

    class Meta:
        model = AssemblyMembership
        fields = ("user", "role")
