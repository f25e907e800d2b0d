"""The assembly's own form fields and contact settings on the public form (issue 15, items 1
and 2): each type's widget and validation, required / optional / off, email optional when
phone or address is required, and what a registration stores."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from assemblies.errors import InvalidInput
from assemblies.models import FieldType, Registrant, Requirement
from assemblies.registration.forms import RegistrationForm, phone_normalise
from assemblies.selectors.registration import (
    ContactRules,
    registration_fields,
    registration_questions,
)
from assemblies.services.registration import registrant_register
from tests.assemblies.factories import FormFieldFactory
from tests.assemblies.registration.conftest import form_data

CHOICES = "Weekdays\nWeekends\nEvenings"


def posted(data):
    """``data`` as a browser posts it (a list value: one entry per ticked box)."""
    query = QueryDict(mutable=True)
    for name, value in data.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


def make_form(assembly, data=None):
    return RegistrationForm(
        posted(data) if data is not None else None,
        questions=registration_questions(assembly=assembly),
        household=assembly.household_check,
        custom_fields=registration_fields(assembly=assembly),
        contact=ContactRules.of(assembly),
    )


def one_field(assembly, field_type, requirement=Requirement.REQUIRED, **kwargs):
    return FormFieldFactory(
        assembly=assembly, key="answer", type=field_type, requirement=requirement, **kwargs
    )


# --- each type: a valid answer and its stored text, an invalid answer and its message ------

VALID = [
    (FieldType.TEXT, "  Hello  ", "Hello"),
    (FieldType.LONG_TEXT, "Line one\nLine two", "Line one\nLine two"),
    (FieldType.EMAIL, "Ada@EXAMPLE.org", "Ada@example.org"),
    (FieldType.PHONE, "+44 (1632) 960-001", "+441632960001"),
    (FieldType.DATE, "1990-12-31", "1990-12-31"),
    (FieldType.DATE, "31/12/1990", "1990-12-31"),
    (FieldType.NUMBER, "12.50", "12.5"),
    (FieldType.NUMBER, "100", "100"),
    (FieldType.SINGLE_CHOICE, "Weekends", "Weekends"),
    (FieldType.MULTIPLE_CHOICE, ["Evenings", "Weekdays"], "Weekdays; Evenings"),
    (FieldType.YES_NO, "no", "no"),
]


@pytest.mark.parametrize(("field_type", "answer", "stored"), VALID)
def test_form_field_valid_answer_stored_as_text(assembly, field_type, answer, stored):
    one_field(assembly, field_type, choices=CHOICES)
    form = make_form(assembly, form_data(assembly, custom_answer=answer))
    assert form.is_valid(), form.errors
    assert form.extra() == {"answer": stored}


INVALID = [
    (FieldType.TEXT, "x" * 501, "at most 500"),
    (FieldType.EMAIL, "not-an-email", "correct format"),
    (FieldType.PHONE, "call me", "Enter a phone number"),
    (FieldType.DATE, "1990-02-30", "real date"),
    (FieldType.NUMBER, "twelve", "Enter a number"),
    (FieldType.NUMBER, "NaN", "Enter a number"),
    (FieldType.SINGLE_CHOICE, "Mornings", "Choose one of the answers shown"),
    (FieldType.MULTIPLE_CHOICE, "Mornings", "Choose one of the answers shown"),
    (FieldType.YES_NO, "maybe", "Choose one of the answers shown"),
]


@pytest.mark.parametrize(("field_type", "answer", "message"), INVALID)
def test_form_field_invalid_answer_names_the_problem(assembly, field_type, answer, message):
    one_field(assembly, field_type, choices=CHOICES)
    form = make_form(assembly, form_data(assembly, custom_answer=answer))
    assert not form.is_valid()
    assert list(form.errors) == ["custom_answer"]
    assert message in " ".join(form.errors["custom_answer"])
    assert any(message in text for _, text in form.error_links())


def test_phone_normalise_keeps_plus_and_digits():
    assert phone_normalise(" 01632 960 001 ") == "01632960001"
    assert phone_normalise("+44 (0)1632-960.001") == "+4401632960001"
    assert phone_normalise("") == ""


# --- required / optional / off ---------------------------------------------------------


def test_form_field_required_refuses_empty_answer(assembly):
    one_field(assembly, FieldType.TEXT, Requirement.REQUIRED)
    form = make_form(assembly, form_data(assembly))
    assert not form.is_valid()
    assert form.errors["custom_answer"] == ["Answer this question."]


def test_form_field_optional_empty_stores_nothing(assembly):
    one_field(assembly, FieldType.NUMBER, Requirement.OPTIONAL)
    form = make_form(assembly, form_data(assembly, custom_answer=""))
    assert form.is_valid(), form.errors
    assert form.extra() == {}


def test_form_field_off_is_not_asked(assembly):
    one_field(assembly, FieldType.TEXT, Requirement.OFF)
    form = make_form(assembly, form_data(assembly, custom_answer="ignored"))
    assert "custom_answer" not in form.fields
    assert form.is_valid(), form.errors
    assert form.extra() == {}


def test_form_fields_follow_position_order(assembly):
    FormFieldFactory(assembly=assembly, key="second", position=2)
    FormFieldFactory(assembly=assembly, key="first", position=1)
    assert [spec.key for spec in make_form(assembly).custom_fields] == ["first", "second"]


# --- contact settings ------------------------------------------------------------------


def test_email_optional_when_phone_required(assembly):
    assembly.email_requirement = Requirement.OPTIONAL
    assembly.save()
    form = make_form(assembly, form_data(assembly, email=""))
    assert form.is_valid(), form.errors
    assert form.contact()["email"] == ""


def test_email_required_by_default(assembly):
    form = make_form(assembly, form_data(assembly, email=""))
    assert not form.is_valid()
    assert form.errors["email"] == ["Enter your email address."]


def test_phone_off_is_not_asked_and_address_required_when_set(assembly):
    assembly.phone_requirement = Requirement.OFF
    assembly.address_requirement = Requirement.REQUIRED
    assembly.save()
    form = make_form(assembly, form_data(assembly))
    assert "phone" not in form.fields
    assert not form.is_valid()
    assert set(form.errors) == {"address_line_1", "town", "postcode"}
    data = form_data(assembly, address_line_1="1 High St", town="Leeds", postcode="LS1 1AA")
    form = make_form(assembly, data)
    assert form.is_valid(), form.errors
    assert form.contact()["phone"] == ""
    assert form.contact()["postcode"] == "LS1 1AA"


# --- through the public page -----------------------------------------------------------


def test_register_page_shows_fields_and_stores_answers(
    client, assembly, mailoutbox, django_capture_on_commit_callbacks
):
    one_field(assembly, FieldType.SINGLE_CHOICE, choices=CHOICES, label="When are you free?")
    FormFieldFactory(assembly=assembly, key="needs", type=FieldType.LONG_TEXT, position=9)
    url = reverse("assemblies:register", kwargs={"slug": assembly.slug})
    page = client.get(url).content.decode()
    assert "When are you free?" in page and 'name="custom_answer"' in page
    assert '<textarea id="id_custom_needs"' in page
    with django_capture_on_commit_callbacks(execute=True):
        data = form_data(assembly, custom_answer="Evenings", custom_needs="")
        response = client.post(url, data)
    assert response.status_code == 302
    registrant = Registrant.objects.get(assembly=assembly)
    assert registrant.extra == {"answer": "Evenings"}
    assert len(mailoutbox) == 1


def test_register_without_email_sends_nothing(
    client, assembly, mailoutbox, django_capture_on_commit_callbacks
):
    assembly.email_requirement = Requirement.OPTIONAL
    assembly.save()
    url = reverse("assemblies:register", kwargs={"slug": assembly.slug})
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(url, form_data(assembly, email=""))
        assert response.status_code == 302
        assert callbacks == []
    assert Registrant.objects.filter(assembly=assembly, email="").count() == 2
    assert mailoutbox == []


def test_register_bad_answer_stores_nothing(client, assembly):
    one_field(assembly, FieldType.DATE)
    url = reverse("assemblies:register", kwargs={"slug": assembly.slug})
    response = client.post(url, form_data(assembly, custom_answer="yesterday"))
    assert response.status_code == 400
    assert "Enter a real date" in response.content.decode()
    assert not Registrant.objects.filter(assembly=assembly).exists()


def test_register_service_refuses_missing_required_field(assembly):
    one_field(assembly, FieldType.TEXT)
    with pytest.raises(InvalidInput, match="answer: required"):
        registrant_register(
            assembly=assembly,
            answers={"gender": "Woman", "age": "30-44"},
            contact={"name": "A", "email": "a@example.org", "phone": "01632960001"},
            extra={},
            base_url="http://testserver",
        )
    assert not Registrant.objects.filter(assembly=assembly).exists()


def test_register_service_refuses_unknown_key_and_bad_choice(assembly):
    one_field(assembly, FieldType.SINGLE_CHOICE, choices=CHOICES)
    with pytest.raises(InvalidInput) as refused:
        registrant_register(
            assembly=assembly,
            answers={"gender": "Woman", "age": "30-44"},
            contact={"name": "A", "email": "a@example.org", "phone": "01632960001"},
            extra={"answer": "Mornings", "other": "x"},
            base_url="http://testserver",
        )
    assert "other: not a form field" in str(refused.value)
    assert "'Mornings' is not among its choices" in str(refused.value)
    assert not Registrant.objects.filter(assembly=assembly).exists()


def test_register_service_refuses_missing_required_email(assembly):
    with pytest.raises(InvalidInput, match="email: required"):
        registrant_register(
            assembly=assembly,
            answers={"gender": "Woman", "age": "30-44"},
            contact={"name": "A", "email": "", "phone": "01632960001"},
            base_url="http://testserver",
        )
    assert not Registrant.objects.filter(assembly=assembly).exists()


def test_register_service_refuses_no_contact_at_all(assembly):
    assembly.email_requirement = Requirement.OPTIONAL
    assembly.save()
    with pytest.raises(InvalidInput, match="give an email address, a phone number"):
        registrant_register(
            assembly=assembly,
            answers={"gender": "Woman", "age": "30-44"},
            contact={"name": "A", "email": "", "phone": ""},
            base_url="http://testserver",
        )
    assert not Registrant.objects.filter(assembly=assembly).exists()
