"""Answers to the assembly's form fields leave with the registrant in the registrants CSV,
neutralised like every cell, and can serve as household columns (issue 15, item 2)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from assemblies.exports import registrants_csv
from assemblies.models import Assembly, Registrant, Requirement
from assemblies.selectors.assemblies import pool_people
from assemblies.selectors.households import household_problems
from tests.assemblies.factories import AssemblyFactory, FormFieldFactory, RegistrantFactory

pytestmark = pytest.mark.django_db


def rows_of(text):
    return list(csv.reader(io.StringIO(text)))


def test_registrants_csv_has_form_field_columns_after_imported_ones(small_assembly):
    FormFieldFactory(assembly=small_assembly, key="needs", position=2)
    FormFieldFactory(assembly=small_assembly, key="availability", position=1)
    FormFieldFactory(assembly=small_assembly, key="note", position=3)  # already a column
    person = Registrant.objects.get(external_id="P01")
    person.extra = {**person.extra, "availability": "yes", "needs": "=1+1"}
    person.save()
    rows = rows_of(registrants_csv(assembly=small_assembly))
    header = rows[0]
    assert header[-3:] == ["availability", "needs", "status"]
    assert header.count("note") == 1
    row = dict(zip(header, next(r for r in rows if r[0] == "P01"), strict=True))
    assert row["availability"] == "yes"
    assert row["needs"] == "'=1+1"  # a formula is neutralised
    other = dict(zip(header, next(r for r in rows if r[0] == "P02"), strict=True))
    assert other["needs"] == ""


def test_registrants_csv_of_form_assembly_has_field_columns(db):
    assembly = AssemblyFactory()
    FormFieldFactory(assembly=assembly, key="needs")
    RegistrantFactory(assembly=assembly, extra={"needs": "+cmd"})
    rows = rows_of(registrants_csv(assembly=assembly))
    assert rows[0][-2:] == ["needs", "status"]
    assert rows[1][-2] == "'+cmd"


def test_registrants_export_page_has_form_field_column(staff_client, manager, small_assembly):
    FormFieldFactory(assembly=small_assembly, key="needs")
    url = reverse("admin:assemblies_assembly_export", args=[small_assembly.pk, "registrants"])
    text = staff_client(manager).get(url).content.decode()
    assert "needs" in rows_of(text)[0]


def households(assembly, columns):
    Assembly.objects.filter(pk=assembly.pk).update(household_check=True, household_columns=columns)
    assembly.refresh_from_db()
    return assembly


def test_household_column_required_form_field_accepted_before_answers(small_assembly):
    households(small_assembly, ["household_code"])
    assert household_problems(assembly=small_assembly)  # nobody has it, no field asks it
    FormFieldFactory(
        assembly=small_assembly, key="household_code", requirement=Requirement.REQUIRED
    )
    assert household_problems(assembly=small_assembly) == []


def test_household_column_optional_form_field_needs_an_answer(small_assembly):
    households(small_assembly, ["household_code"])
    FormFieldFactory(assembly=small_assembly, key="household_code")
    assert household_problems(assembly=small_assembly)
    person = Registrant.objects.get(external_id="P01")
    person.extra = {**person.extra, "household_code": "H1"}
    person.save()
    assert household_problems(assembly=small_assembly) == []


def test_household_column_form_field_groups_people(small_assembly):
    households(small_assembly, ["household_code"])
    FormFieldFactory(
        assembly=small_assembly, key="household_code", requirement=Requirement.REQUIRED
    )
    for external_id in ("P01", "P02"):
        person = Registrant.objects.get(external_id=external_id)
        person.extra = {**person.extra, "household_code": "H1"}
        person.save()
    keys = [house for _, _, house in pool_people(assembly=small_assembly)]
    assert keys[0] == keys[1] and keys[0] != keys[2]
