"""The registration form built from the categories and quotas (registration/forms.py)."""

from __future__ import annotations

import pytest

from assemblies.models import Category, Quota
from assemblies.registration.forms import RegistrationForm
from assemblies.selectors.registration import registration_questions
from tests.assemblies.registration.conftest import form_data
from tests.assemblies.registration.factories import AssemblyFactory, questions_add


def make_form(assembly, data=None, *, household=None):
    return RegistrationForm(
        data,
        questions=registration_questions(assembly=assembly),
        household=assembly.household_check if household is None else household,
    )


def test_form_fields_follow_categories_and_quota_order(assembly):
    form = make_form(assembly)
    gender, age = form.questions
    assert (gender.text, gender.values) == (
        "What is your gender?",
        ("Woman", "Man", "Another gender"),
    )
    assert age.values == ("16-29", "30-44", "45-64", "65+")
    assert [c[0] for c in form.fields["category_0"].choices] == ["Woman", "Man", "Another gender"]
    assert all(form.fields[q.field_name].required for q in form.questions)


def test_form_uses_category_name_when_question_text_blank(db):
    assembly = AssemblyFactory()
    questions_add(assembly, {"region": ("", ["North", "South"])})
    assert make_form(assembly).questions[0].text == "region"


def test_form_is_valid_with_every_answer(assembly):
    form = make_form(assembly, form_data(assembly))
    assert form.is_valid(), form.errors
    assert form.answers() == {"gender": "Woman", "age": "30-44"}
    assert form.contact()["email"] == "ada@example.org"
    assert form.contact()["postcode"] == ""


def test_form_invalid_when_answer_missing(assembly):
    form = make_form(assembly, form_data(assembly, category_1=None))
    assert not form.is_valid()
    assert list(form.errors) == ["category_1"]


def test_form_invalid_when_value_not_among_choices(assembly):
    form = make_form(assembly, form_data(assembly, category_0="Robot"))
    assert not form.is_valid()
    assert form.errors["category_0"] == ["Choose one of the answers shown."]


@pytest.mark.parametrize(("field", "length"), [("name", 201), ("email", 255), ("phone", 51)])
def test_form_invalid_when_field_overlong(assembly, field, length):
    value = ("a" * (length - 12) + "@example.org") if field == "email" else "1" * length
    form = make_form(assembly, form_data(assembly, **{field: value}))
    assert not form.is_valid()
    assert field in form.errors


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "ada@exa mple.org", "@example.org"])
def test_form_invalid_when_email_malformed(assembly, email):
    assert "email" in make_form(assembly, form_data(assembly, email=email)).errors


@pytest.mark.parametrize("phone", ["call me", "12", "+44 (0) 1632 960 001 ext"])
def test_form_invalid_when_phone_malformed(assembly, phone):
    assert "phone" in make_form(assembly, form_data(assembly, phone=phone)).errors


def test_form_invalid_without_consent(assembly):
    form = make_form(assembly, form_data(assembly, consent=None))
    assert list(form.errors) == ["consent"]


def test_form_lowercases_email_domain_only(assembly):
    form = make_form(assembly, form_data(assembly, email="Ada.L@Example.ORG"))
    assert form.is_valid()
    assert form.cleaned_data["email"] == "Ada.L@example.org"


def test_form_household_fields_absent_when_check_off(assembly):
    form = make_form(assembly, household=False)
    assert "postcode" not in form.fields
    assert form.household_fields() == []


def test_form_household_fields_required_when_check_on(assembly):
    form = make_form(assembly, form_data(assembly), household=True)
    assert not form.is_valid()
    assert set(form.errors) == {"address_line_1", "town", "postcode"}


def test_form_household_contact_when_check_on(assembly):
    data = form_data(
        assembly, address_line_1="1 High St", address_line_2="", town="Leeds", postcode="LS1 1AA"
    )
    form = make_form(assembly, data, household=True)
    assert form.is_valid(), form.errors
    assert form.contact()["postcode"] == "LS1 1AA"


def test_form_error_links_point_at_first_radio_and_inputs(assembly):
    form = make_form(assembly, form_data(assembly, category_0=None, name="", consent=None))
    anchors = [anchor for anchor, _text in form.error_links()]
    assert anchors == ["id_category_0_0", "id_name", "id_consent"]


def test_form_skips_category_without_values(db):
    assembly = AssemblyFactory()
    Category.objects.create(assembly=assembly, name="empty", position=0)
    Quota.objects.create(assembly=assembly, category="age", value="65+", min=0, max=3)
    assert [q.category for q in make_form(assembly).questions] == ["age"]


def test_form_error_links_name_field_and_message(assembly):
    form = make_form(assembly, form_data(assembly, category_0=None, name=""))
    texts = [text for _anchor, text in form.error_links()]
    assert texts == [
        "What is your gender? Choose an answer to this question.",
        "Full name: Enter your full name.",
    ]
