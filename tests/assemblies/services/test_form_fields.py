"""The form field services: the key rules, saving the admin's edits, the standard fields,
and the assembly's contact rule (issue 15, item 1)."""

from __future__ import annotations

import pytest

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import (
    CONTACT_RULE_MESSAGE,
    AssemblyStatus,
    FieldType,
    FormField,
    Requirement,
)
from assemblies.services.assemblies import assembly_problems, assembly_save
from assemblies.services.form_fields import (
    form_field_problems,
    form_fields_add_standard,
    form_fields_save,
    standard_fields,
)
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import FormFieldFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "key", ["email", "postcode", "zip", "ID", "status", "Gender", "age", "language", "Lang"]
)
def test_form_field_key_refused_when_builtin_or_category(small_assembly, key):
    problems = form_field_problems(assembly=small_assembly, key=key, type=FieldType.TEXT)
    assert [name for name, _ in problems] == ["key"]


def test_form_field_key_refused_when_another_field_has_it(small_assembly):
    field = FormFieldFactory(assembly=small_assembly, key="needs")
    problems = form_field_problems(assembly=small_assembly, key="Needs", type=FieldType.TEXT)
    assert "Another form field" in problems[0][1]
    assert not form_field_problems(
        assembly=small_assembly, key="needs", type=FieldType.TEXT, exclude_pk=field.pk
    )


def test_form_field_choice_type_needs_choices(small_assembly):
    problems = form_field_problems(
        assembly=small_assembly, key="when", type=FieldType.SINGLE_CHOICE, choices="\n \n"
    )
    assert problems == [("choices", "A choice question needs its answers: one per line.")]


def test_form_field_multiple_choice_answer_without_semicolon(small_assembly):
    problems = form_field_problems(
        assembly=small_assembly, key="when", type=FieldType.MULTIPLE_CHOICE, choices="a; b\nc"
    )
    assert problems == [("choices", "An answer of a multiple choice may not contain “;”.")]


def test_form_fields_save_stores_and_audits(small_assembly, manager):
    field = FormField(assembly=small_assembly, key="needs", label="Needs?", type=FieldType.TEXT)
    form_fields_save(assembly_id=small_assembly.pk, changed=[field], actor=manager)
    assert FormField.objects.get(assembly=small_assembly).key == "needs"
    event = AuditEvent.objects.get(action="assemblies.form_fields.changed")
    assert event.data["added"] == ["needs"]


def test_form_fields_save_new_fields_at_position_0_go_after_the_others(small_assembly):
    FormFieldFactory(assembly=small_assembly, key="first", position=4)
    new = [FormField(assembly=small_assembly, key=k, label=k) for k in ("second", "third")]
    form_fields_save(assembly_id=small_assembly.pk, changed=new)
    positions = FormField.objects.filter(assembly=small_assembly).values_list("key", "position")
    assert dict(positions) == {"first": 4, "second": 5, "third": 6}


def test_form_fields_save_first_fields_are_numbered_from_0(small_assembly):
    new = [FormField(assembly=small_assembly, key=k, label=k) for k in ("a", "b", "c")]
    form_fields_save(assembly_id=small_assembly.pk, changed=new)
    positions = FormField.objects.filter(assembly=small_assembly).values_list("key", "position")
    assert dict(positions) == {"a": 0, "b": 1, "c": 2}


def test_form_fields_save_keeps_a_given_position(small_assembly):
    new = [
        FormField(assembly=small_assembly, key="a", label="a"),
        FormField(assembly=small_assembly, key="b", label="b", position=7),
    ]
    form_fields_save(assembly_id=small_assembly.pk, changed=new)
    positions = FormField.objects.filter(assembly=small_assembly).values_list("key", "position")
    assert dict(positions) == {"a": 8, "b": 7}


def test_form_fields_save_bad_key_stores_nothing(small_assembly, manager):
    good = FormField(assembly=small_assembly, key="needs", label="Needs?")
    bad = FormField(assembly=small_assembly, key="postcode", label="Postcode?")
    with pytest.raises(InvalidInput, match="built-in column"):
        form_fields_save(assembly_id=small_assembly.pk, changed=[good, bad], actor=manager)
    assert not FormField.objects.filter(assembly=small_assembly).exists()
    assert not AuditEvent.objects.filter(action="assemblies.form_fields.changed").exists()


def test_form_fields_add_standard_is_idempotent(small_assembly, manager):
    added = form_fields_add_standard(assembly_id=small_assembly.pk, actor=manager)
    assert added == [values["key"] for values in standard_fields()]
    assert form_fields_add_standard(assembly_id=small_assembly.pk, actor=manager) == []
    assert FormField.objects.filter(assembly=small_assembly).count() == len(added)
    assert AuditEvent.objects.filter(action="assemblies.form_fields.changed").count() == 1
    eligibility = FormField.objects.get(assembly=small_assembly, key="eligibility")
    assert eligibility.requirement == Requirement.REQUIRED and len(eligibility.choice_list) == 1


def test_form_fields_add_standard_after_own_fields_and_skips_taken_keys(small_assembly):
    FormFieldFactory(assembly=small_assembly, key="availability", position=7)
    added = form_fields_add_standard(assembly_id=small_assembly.pk)
    assert "availability" not in added
    positions = FormField.objects.filter(assembly=small_assembly, key__in=added)
    assert min(positions.values_list("position", flat=True)) == 8


def test_form_fields_add_standard_refused_when_archived(small_assembly):
    small_assembly.status = AssemblyStatus.ARCHIVED
    small_assembly.save()
    with pytest.raises(ServiceError, match="archived"):
        form_fields_add_standard(assembly_id=small_assembly.pk)
    assert not FormField.objects.filter(assembly=small_assembly).exists()


def test_assembly_needs_one_required_contact_method(small_assembly):
    small_assembly.email_requirement = Requirement.OPTIONAL
    small_assembly.phone_requirement = Requirement.OFF
    assert ("email_requirement", CONTACT_RULE_MESSAGE) in assembly_problems(assembly=small_assembly)
    with pytest.raises(InvalidInput, match="At least one way to contact people"):
        assembly_save(assembly=small_assembly)
    small_assembly.refresh_from_db()
    assert small_assembly.email_requirement == Requirement.REQUIRED


def test_assembly_email_optional_when_address_required(small_assembly):
    small_assembly.email_requirement = Requirement.OPTIONAL
    small_assembly.phone_requirement = Requirement.OFF
    small_assembly.address_requirement = Requirement.REQUIRED
    assembly_save(assembly=small_assembly, changed=["email_requirement"])
    small_assembly.refresh_from_db()
    assert small_assembly.email_requirement == Requirement.OPTIONAL
