"""The registration form, generated from an assembly's categories and quotas.

One required radio question per category (values in quota order), contact details (name,
email, phone), the household fields when the assembly's household check is on, and a consent
checkbox. The honeypot is a field of the form too, so that a re-shown form keeps it; the fill-time
token is rendered by the view. :mod:`assemblies.registration.protection` checks both.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.contrib.auth.base_user import BaseUserManager
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assemblies.selectors.registration import Question

#: Contact fields asked of everyone, then the household fields asked when the check is on.
CONTACT_FIELDS = ("name", "email", "phone")
HOUSEHOLD_FIELDS = ("address_line_1", "address_line_2", "town", "postcode")

_PHONE_PATTERN = re.compile(r"^\+?[0-9 ().\-/]{6,30}$")


def _phone_check(value: str) -> None:
    if not _PHONE_PATTERN.match(value) or sum(ch.isdigit() for ch in value) < 6:
        raise forms.ValidationError(
            _("Enter a phone number, like 01632 960 001 or +44 1632 960 001."), code="invalid"
        )


class RegistrationForm(forms.Form):
    """The public registration form of one assembly.

    Args:
        questions: the assembly's questions (:func:`selectors.registration_questions`); each
            becomes a required ``ChoiceField`` named ``question.field_name`` whose only
            accepted values are the question's values.
        household: ask for the address (``address_line_1``, ``address_line_2``, ``town``,
            ``postcode``).
        data: the posted data, for a bound form.

    ``cleaned_data`` after validation holds ``name``, ``email`` (domain lower-cased),
    ``phone``, the household fields (empty strings when not asked), ``consent`` (True), and
    each question's value; :meth:`answers` maps category names to the chosen values.
    """

    name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        error_messages={"required": _("Enter your full name.")},
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send you a link to confirm your registration."),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.org."),
        },
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=50,
        help_text=_("We call you if you are selected for the panel."),
        validators=[_phone_check],
        error_messages={"required": _("Enter your phone number.")},
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my answers and contact details are used to run this assembly's "
            "selection, as described in the privacy notice."
        ),
        error_messages={"required": _("Tick the box to agree, or we cannot register you.")},
    )
    # Hidden from people (see protection.py); kept when the form is shown again.
    website = forms.CharField(required=False)

    def __init__(self, *args: Any, questions: list[Question], household: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.household = household
        for question in self.questions:
            self.fields[question.field_name] = forms.ChoiceField(
                label=question.text,
                help_text=question.help_text,
                choices=question.choices(),
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose an answer to this question."),
                    "invalid_choice": _("Choose one of the answers shown."),
                },
            )
        if household:
            self.fields["address_line_1"] = forms.CharField(
                label=_("Address line 1"),
                max_length=200,
                error_messages={"required": _("Enter the first line of your address.")},
            )
            self.fields["address_line_2"] = forms.CharField(
                label=_("Address line 2"), max_length=200, required=False
            )
            self.fields["town"] = forms.CharField(
                label=_("Town or city"),
                max_length=100,
                error_messages={"required": _("Enter your town or city.")},
            )
            self.fields["postcode"] = forms.CharField(
                label=_("Postcode"),
                max_length=20,
                error_messages={"required": _("Enter your postcode.")},
            )
        # Django's own "too long" message names the limit; make it the same for all fields.
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = _(
                    "Use at most %(limit_value)d characters (you used %(show_value)d)."
                )

    def clean_email(self) -> str:
        """The email address with its domain lower-cased."""
        return BaseUserManager.normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        """Fill the household fields that are not asked with empty strings."""
        # Form.clean returns cleaned_data; the stubs allow None for overrides that return nothing.
        cleaned = cast(dict[str, Any], super().clean())
        if not self.household:
            for name in HOUSEHOLD_FIELDS:
                cleaned[name] = ""
        return cleaned

    def answers(self) -> dict[str, str]:
        """``{category name: chosen value}`` of a valid form."""
        return {q.category: self.cleaned_data[q.field_name] for q in self.questions}

    def contact(self) -> dict[str, str]:
        """The contact and household fields of a valid form (``{field: value}``)."""
        return {name: self.cleaned_data.get(name, "") for name in CONTACT_FIELDS + HOUSEHOLD_FIELDS}

    def question_fields(self) -> list[tuple[Question, forms.BoundField]]:
        """``(question, bound field)`` pairs in question order, for the template."""
        return [(q, self[q.field_name]) for q in self.questions]

    def contact_fields(self) -> list[forms.BoundField]:
        """The bound contact fields, for the template."""
        return [self[name] for name in CONTACT_FIELDS]

    def household_fields(self) -> list[forms.BoundField]:
        """The bound household fields (empty when the household check is off)."""
        return [self[name] for name in HOUSEHOLD_FIELDS] if self.household else []

    def error_links(self) -> list[tuple[str, str]]:
        """``(anchor id, "label: message")`` for every field error, in the order of the page,
        for the error summary; radio questions link to their first radio button."""
        order = [q.field_name for q in self.questions] + list(CONTACT_FIELDS)
        if self.household:
            order += list(HOUSEHOLD_FIELDS)
        order.append("consent")
        links = []
        for name in order:
            for message in self.errors.get(name, []):
                anchor = f"id_{name}_0" if name.startswith("category_") else f"id_{name}"
                label = str(_("Consent") if name == "consent" else self.fields[name].label)
                if label[-1:] in "?:.!":
                    text = f"{label} {message}"
                else:
                    text = gettext("%(label)s: %(message)s") % {
                        "label": label,
                        "message": message,
                    }
                links.append((anchor, text))
        return links
