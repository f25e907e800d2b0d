"""The registration form, generated from an assembly's categories, quotas and form fields.

One required radio question per category (values in quota order), the assembly's own form
fields (:class:`~assemblies.models.FormField`, in position order), contact details (name, and
email, phone and postal address as the assembly asks them: :class:`ContactRules`), and a
consent checkbox. The same form serves the public page and the staff "Add registrant" page
(:class:`StaffRegistrationForm`).

Answers to the form fields are stored as text in ``Registrant.extra`` under the field's key:
text as typed (stripped), email with its domain lower-cased, phone as digits with a leading
``+`` kept (``+441632960001``), date as ``YYYY-MM-DD``, number in plain decimal notation
(``12.5``), single choice as the answer, multiple choice as the answers in the order offered
joined by ``"; "``, yes/no as ``yes`` or ``no``. An optional field left empty stores nothing.

The honeypot is a field of the form too, so that a re-shown form keeps it; the fill-time
token is rendered by the view. :mod:`assemblies.registration.protection` checks both.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assemblies.models import FieldType, RegistrantSource
from assemblies.selectors.registration import ContactRules, FieldSpec, Question

#: Contact fields asked of everyone, then the household fields asked when the check is on.
CONTACT_FIELDS = ("name", "email", "phone")
HOUSEHOLD_FIELDS = ("address_line_1", "address_line_2", "town", "postcode")

_PHONE_PATTERN = re.compile(r"^\+?[0-9 ().\-/]{6,30}$")


def _phone_check(value: str) -> None:
    if not _PHONE_PATTERN.match(value) or sum(ch.isdigit() for ch in value) < 6:
        raise forms.ValidationError(
            _("Enter a phone number, like 01632 960 001 or +44 1632 960 001."), code="invalid"
        )


def phone_normalise(value: str) -> str:
    """A valid phone number as digits, with its leading ``+`` kept: ``"+44 (1632) 960-001"``
    gives ``"+441632960001"`` (empty stays empty)."""
    text = value.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    return ("+" + digits) if text.startswith("+") and digits else digits


class PhoneField(forms.CharField):
    """A phone number: checked by its characters and digit count, then normalised
    (:func:`phone_normalise`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 50)
        kwargs.setdefault("validators", [_phone_check])
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return phone_normalise(super().clean(value))


#: Date formats a typed date may use (a date input sends the first).
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
YES, NO = "yes", "no"


def _custom_field(spec: FieldSpec) -> forms.Field:
    """The form field of one of the assembly's own fields (see the module text for how each
    type is stored)."""
    required_message = (
        _("Choose an answer to this question.")
        if spec.type in (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE, FieldType.YES_NO)
        else _("Answer this question.")
    )
    common: dict[str, Any] = {
        "label": spec.label,
        "help_text": spec.help_text,
        "required": spec.required,
        "error_messages": {
            "required": required_message,
            "invalid_choice": _("Choose one of the answers shown."),
        },
    }
    field: forms.Field
    if spec.type == FieldType.LONG_TEXT:
        field = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), **common)
    elif spec.type == FieldType.EMAIL:
        common["error_messages"]["invalid"] = _(
            "Enter an email address in the correct format, like name@example.org."
        )
        field = forms.EmailField(max_length=254, **common)
    elif spec.type == FieldType.PHONE:
        field = PhoneField(**common)
    elif spec.type == FieldType.DATE:
        common["error_messages"]["invalid"] = _("Enter a real date, like 2026-03-31.")
        field = forms.DateField(
            input_formats=DATE_FORMATS, widget=forms.DateInput(attrs={"type": "date"}), **common
        )
    elif spec.type == FieldType.NUMBER:
        common["error_messages"]["invalid"] = _("Enter a number, like 12 or 3.5.")
        field = forms.DecimalField(max_digits=15, decimal_places=4, **common)
    elif spec.type == FieldType.SINGLE_CHOICE:
        field = forms.ChoiceField(choices=spec.choice_pairs(), widget=forms.RadioSelect, **common)
    elif spec.type == FieldType.MULTIPLE_CHOICE:
        field = forms.MultipleChoiceField(
            choices=spec.choice_pairs(),
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    elif spec.type == FieldType.YES_NO:
        field = forms.ChoiceField(
            choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect, **common
        )
    else:
        field = forms.CharField(max_length=500, **common)
    return field


def _answer_text(spec: FieldSpec, value: Any) -> str:
    """The text stored for a cleaned answer ("" for no answer)."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    if isinstance(value, list):
        return "; ".join(c for c in spec.choices if c in value)
    if spec.type == FieldType.EMAIL:
        return BaseUserManager.normalize_email(str(value))
    return str(value).strip()


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

    def __init__(
        self,
        *args: Any,
        questions: list[Question],
        household: bool,
        custom_fields: Sequence[FieldSpec] = (),
        contact: ContactRules | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.household = household
        self.custom_fields = list(custom_fields)
        self.rules = contact or ContactRules()
        if household:
            self.rules = ContactRules(
                email=self.rules.email, phone=self.rules.phone, address="required"
            )
        self.asks_address = self.rules.asks("address")
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
        for spec in self.custom_fields:
            self.fields[spec.field_name] = _custom_field(spec)
        for method in ("email", "phone"):
            if not self.rules.asks(method):
                del self.fields[method]
            else:
                self.fields[method].required = self.rules.requires(method)
        if self.asks_address:
            address_required = self.rules.requires("address")
            self.fields["address_line_1"] = forms.CharField(
                label=_("Address line 1"),
                max_length=200,
                required=address_required,
                error_messages={"required": _("Enter the first line of your address.")},
            )
            self.fields["address_line_2"] = forms.CharField(
                label=_("Address line 2"), max_length=200, required=False
            )
            self.fields["town"] = forms.CharField(
                label=_("Town or city"),
                max_length=100,
                required=address_required,
                error_messages={"required": _("Enter your town or city.")},
            )
            self.fields["postcode"] = forms.CharField(
                label=_("Postcode"),
                max_length=20,
                required=address_required,
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

    def clean_phone(self) -> str:
        """The phone number normalised (:func:`phone_normalise`)."""
        return phone_normalise(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        """Fill the contact fields that are not asked with empty strings."""
        # Form.clean returns cleaned_data; the stubs allow None for overrides that return nothing.
        cleaned = cast(dict[str, Any], super().clean())
        for name in CONTACT_FIELDS + HOUSEHOLD_FIELDS:
            if name not in self.fields:
                cleaned[name] = ""
        return cleaned

    def answers(self) -> dict[str, str]:
        """``{category name: chosen value}`` of a valid form."""
        return {q.category: self.cleaned_data[q.field_name] for q in self.questions}

    def contact(self) -> dict[str, str]:
        """The contact and household fields of a valid form (``{field: value}``)."""
        return {
            name: self.cleaned_data.get(name) or "" for name in CONTACT_FIELDS + HOUSEHOLD_FIELDS
        }

    def extra(self) -> dict[str, str]:
        """``{form field key: answer text}`` of a valid form; empty answers left out."""
        answers = {
            spec.key: _answer_text(spec, self.cleaned_data.get(spec.field_name))
            for spec in self.custom_fields
        }
        return {key: text for key, text in answers.items() if text}

    def custom_field_items(self) -> list[tuple[FieldSpec, forms.BoundField]]:
        """``(spec, bound field)`` pairs of the assembly's own fields, for the template."""
        return [(spec, self[spec.field_name]) for spec in self.custom_fields]

    def question_fields(self) -> list[tuple[Question, forms.BoundField]]:
        """``(question, bound field)`` pairs in question order, for the template."""
        return [(q, self[q.field_name]) for q in self.questions]

    def contact_fields(self) -> list[forms.BoundField]:
        """The bound contact fields that are asked, for the template."""
        return [self[name] for name in CONTACT_FIELDS if name in self.fields]

    def contact_inputs(self) -> list[tuple[forms.BoundField, str, str]]:
        """``(bound field, input type, autocomplete)`` of the contact fields asked."""
        kinds = {"name": ("text", "name"), "email": ("email", "email"), "phone": ("tel", "tel")}
        return [(field, *kinds[field.name]) for field in self.contact_fields()]

    def household_fields(self) -> list[forms.BoundField]:
        """The bound address fields (empty when the address is not asked)."""
        return [self[name] for name in HOUSEHOLD_FIELDS] if self.asks_address else []

    def error_links(self) -> list[tuple[str, str]]:
        """``(anchor id, "label: message")`` for every field error, in the order of the page,
        for the error summary; radio questions link to their first radio button."""
        order = [q.field_name for q in self.questions]
        order += [spec.field_name for spec in self.custom_fields]
        order += [name for name in CONTACT_FIELDS if name in self.fields]
        if self.asks_address:
            order += list(HOUSEHOLD_FIELDS)
        order.append("consent")
        grouped = {
            spec.field_name
            for spec in self.custom_fields
            if spec.type in (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE, FieldType.YES_NO)
        }
        links = []
        for name in order:
            for message in self.errors.get(name, []):
                radios = name.startswith("category_") or name in grouped
                anchor = f"id_{name}_0" if radios else f"id_{name}"
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


class StaffRegistrationForm(RegistrationForm):
    """The registration form as staff fill it in for someone (phone line, paper form): the
    same questions and validation as the public form, plus how the registration came in,
    and a tick box by which the staff member records that the person confirmed their
    details and agreed to the privacy notice (instead of the public consent box)."""

    source = forms.ChoiceField(
        label=_("How the registration came in"),
        choices=[
            (RegistrantSource.PHONE, _("Phone call")),
            (RegistrantSource.PAPER, _("Paper form")),
            (RegistrantSource.STAFF, _("Other (entered by staff)")),
        ],
        initial=RegistrantSource.PHONE,
    )
    language = forms.ChoiceField(
        label=_("Language of the person's emails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["consent"].label = _(
            "The person confirmed these details and agreed that they are used to run this "
            "assembly's selection, as described in the privacy notice."
        )
        self.fields["consent"].error_messages["required"] = _(
            "Tick the box once the person has confirmed, or the registration cannot be saved."
        )
        # The public form's help texts speak to the registrant; here staff read them.
        staff_help = {
            "email": _("The confirmation email, with the links to withdraw and erase, goes here."),
            "phone": _("The number staff call if the person is selected."),
        }
        for name, text in staff_help.items():
            if name in self.fields:
                self.fields[name].help_text = text
        order = ["source", "language", *(q.field_name for q in self.questions)]
        order += [spec.field_name for spec in self.custom_fields]
        order += [n for n in (*CONTACT_FIELDS, *HOUSEHOLD_FIELDS) if n in self.fields]
        self.order_fields([*order, "consent"])
