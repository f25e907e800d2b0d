"""Reads for targets from data: a file's columns with counts, and unknown answers."""

from __future__ import annotations

import pytest

from assemblies.models import Category
from assemblies.selectors.targets import file_columns, unknown_value_rows, unknown_values
from tests.assemblies.factories import AssemblyFactory, QuotaFactory

TEXT = "ID,Full Name,E-mail,gender,age,note\n1,A,a@x.org,f,20,\n2,B,b@x.org,m,70,q\n3,C,,f,12,\n"


def test_file_columns_counts_values_and_suggests_only_categories():
    read = file_columns(text=TEXT, filename="p.csv")
    assert read.rows == 3 and not read.problems
    suggested = {c.name: c.suggested for c in read.columns}
    assert suggested == {
        "ID": False,
        "Full Name": False,
        "E-mail": False,
        "gender": True,
        "age": True,
        "note": True,
    }
    gender = read.column("gender")
    assert gender is not None and gender.values == [("f", 2), ("m", 1)]
    assert read.column("note").empty == 2


def test_file_columns_language_column_is_not_suggested_as_a_category():
    read = file_columns(text="id,gender,Language\n1,f,fr\n2,m,en\n", filename="p.csv")
    assert {c.name: c.suggested for c in read.columns} == {
        "id": False,
        "gender": True,
        "Language": False,
    }


def test_file_columns_wrong_field_count_names_the_line():
    read = file_columns(text="a,b\n1,2\n\n3\n", filename="p.csv")
    assert [(p.line, p.message) for p in read.problems] == [(4, "expected 2 fields, found 1")]


@pytest.mark.django_db
def test_unknown_values_skip_known_banded_and_empty_answers():
    assembly = AssemblyFactory()
    for category, value in (("gender", "F"), ("age", "16-29"), ("age", "65+")):
        QuotaFactory(assembly=assembly, category=category, value=value)
    Category.objects.create(assembly=assembly, name="age", bands=["16-29", "30-64", "65+"])
    # "f" matches "F" ignoring case; 20 and 70 are in a band; 12 is in no band (an error,
    # not a new value); "m" is new; the empty email is no category.
    assert unknown_values(assembly=assembly, text=TEXT, filename="p.csv") == {"gender": ["m"]}


@pytest.mark.django_db
def test_unknown_value_rows_name_column_category_and_lines():
    assembly = AssemblyFactory()
    QuotaFactory(assembly=assembly, category="gender", value="f")
    text = "id,Gender\n1,f\n2,x\n3,X\n4,y\n"
    rows = unknown_value_rows(assembly=assembly, text=text, filename="p.csv")
    assert [(r.column, r.category, r.value, r.lines, r.count) for r in rows] == [
        ("Gender", "gender", "x", [3, 4], 2),
        ("Gender", "gender", "y", [5], 1),
    ]
