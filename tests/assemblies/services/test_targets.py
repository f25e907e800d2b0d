"""Targets built from data: categories from a registrants file, missing values added,
percentage quotas, and numeric bands, through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assemblies.errors import ImportRejected, InvalidInput, ServiceError
from assemblies.models import Category, Quota, Registrant
from assemblies.services.assemblies import assembly_save
from assemblies.services.imports import registrants_import
from assemblies.services.lifecycle import assembly_duplicate
from assemblies.services.quotas import quotas_import, quotas_save
from assemblies.services.targets import categories_from_file, quota_values_add_missing
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import AssemblyFactory

pytestmark = pytest.mark.django_db

#: 10 people: 6 women and 4 men; region with 3 values; raw ages.
PEOPLE = """id,name,email,gender,region,age
1,A,a@example.org,woman,North,17
2,B,b@example.org,woman,North,23
3,C,c@example.org,Woman,South,31
4,D,d@example.org,woman,South,44
5,E,e@example.org,woman,East,45
6,F,f@example.org,woman,East,64
7,G,g@example.org,man,North,65
8,H,h@example.org,man,South,80
9,I,i@example.org,man,East,29
10,J,j@example.org,man,,30
"""

AGE_QUOTAS = """category,feature,min,max
gender,woman,0,10
gender,man,0,10
age,16-29,0,10
age,30-44,0,10
age,45-64,0,10
age,65+,0,10
"""


def _table(assembly):
    return list(
        Quota.objects.filter(assembly=assembly)
        .order_by("position")
        .values_list("category", "value", "min", "max")
    )


def test_categories_from_file_open_bounds():
    assembly = AssemblyFactory(panel_size=5)
    outcome = categories_from_file(
        assembly_id=assembly.pk, text=PEOPLE, filename="p.csv", columns=["gender", "region"]
    )
    assert outcome.quotas == 5 and outcome.categories == ["gender", "region"]
    assert _table(assembly) == [
        ("gender", "man", 0, 5),
        ("gender", "woman", 0, 5),  # "Woman" is the same value
        ("region", "East", 0, 5),
        ("region", "North", 0, 5),
        ("region", "South", 0, 5),
    ]
    assert list(Category.objects.filter(assembly=assembly).values_list("name", flat=True)) == [
        "gender",
        "region",
    ]
    event = AuditEvent.objects.get(action="assemblies.quotas.built")
    assert event.data["columns"] == ["gender", "region"] and event.data["quotas"] == 5


def test_categories_from_file_proportional_bounds_floor_and_ceil():
    assembly = AssemblyFactory(panel_size=5)
    categories_from_file(
        assembly_id=assembly.pk,
        text=PEOPLE,
        filename="p.csv",
        columns=["gender", "region"],
        mode="proportional",
    )
    # women 6/10 x 5 = 3 exactly; region over the 9 rows that answered: East 3/9 x 5 = 1.67
    assert _table(assembly) == [
        ("gender", "man", 2, 2),
        ("gender", "woman", 3, 3),
        ("region", "East", 1, 2),
        ("region", "North", 1, 2),
        ("region", "South", 1, 2),
    ]


def test_categories_from_file_refuses_to_replace_without_confirmation():
    assembly = AssemblyFactory(panel_size=5)
    quotas_import(assembly_id=assembly.pk, text=AGE_QUOTAS, filename="q.csv")
    before = _table(assembly)
    with pytest.raises(ServiceError, match="6 quotas already"):
        categories_from_file(
            assembly_id=assembly.pk, text=PEOPLE, filename="p.csv", columns=["gender"]
        )
    assert _table(assembly) == before
    outcome = categories_from_file(
        assembly_id=assembly.pk, text=PEOPLE, filename="p.csv", columns=["gender"], replace=True
    )
    assert outcome.replaced == 6 and len(_table(assembly)) == 2


def test_categories_from_file_twice_changes_nothing_the_second_time():
    assembly = AssemblyFactory(panel_size=5)
    categories_from_file(assembly_id=assembly.pk, text=PEOPLE, filename="p.csv", columns=["gender"])
    again = categories_from_file(
        assembly_id=assembly.pk, text=PEOPLE, filename="p.csv", columns=["gender"]
    )
    assert again.unchanged
    assert AuditEvent.objects.filter(action="assemblies.quotas.built").count() == 1


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([], "at least one column"),
        (["shoe"], "'shoe' is not in the file"),
        (["id"], "10 different answers"),
    ],
)
def test_categories_from_file_bad_choice_stores_nothing(columns, message, monkeypatch):
    monkeypatch.setattr("assemblies.services.targets.MAX_VALUES_PER_CATEGORY", 5)
    assembly = AssemblyFactory(panel_size=5)
    with pytest.raises(InvalidInput, match=message):
        categories_from_file(
            assembly_id=assembly.pk, text=PEOPLE, filename="p.csv", columns=columns
        )
    assert not Quota.objects.filter(assembly=assembly).exists()
    assert not AuditEvent.objects.filter(action="assemblies.quotas.built").exists()


def test_categories_from_file_malformed_file_names_the_line():
    assembly = AssemblyFactory(panel_size=5)
    with pytest.raises(ImportRejected) as caught:
        categories_from_file(
            assembly_id=assembly.pk,
            text="gender,region\nwoman,North\nman\n",
            filename="p.csv",
            columns=["gender"],
        )
    assert caught.value.problems[0].line == 3
    assert not Quota.objects.filter(assembly=assembly).exists()


def test_quota_values_add_missing_adds_unknown_answers_once():
    assembly = AssemblyFactory(panel_size=5)
    quotas_import(
        assembly_id=assembly.pk,
        text="category,feature,min,max\ngender,woman,0,5\nregion,North,0,5\n",
        filename="q.csv",
    )
    added = quota_values_add_missing(assembly_id=assembly.pk, text=PEOPLE, filename="p.csv")
    assert added == {"gender": ["man"], "region": ["South", "East"]}
    # Each after its own category's values, not at the end of the table.
    assert _table(assembly) == [
        ("gender", "woman", 0, 5),
        ("gender", "man", 0, 5),
        ("region", "North", 0, 5),
        ("region", "South", 0, 5),
        ("region", "East", 0, 5),
    ]
    positions = Quota.objects.filter(assembly=assembly).order_by("position")
    assert list(positions.values_list("position", flat=True)) == [0, 1, 2, 3, 4]
    assert quota_values_add_missing(assembly_id=assembly.pk, text=PEOPLE, filename="p.csv") == {}
    event = AuditEvent.objects.get(action="assemblies.quotas.values_added")
    assert event.data["added"] == added
    # The file now imports.
    outcome = registrants_import(
        assembly_id=assembly.pk,
        text=PEOPLE.replace(",,30", ",East,30"),
        filename="p.csv",
        id_column="id",
    )
    assert outcome.created == 10


def test_quotas_import_keeps_percentages_and_converts_them():
    assembly = AssemblyFactory(panel_size=33)
    quotas_import(
        assembly_id=assembly.pk,
        text="category,feature,min,max\ngender,woman,20%,60%\ngender,man,3,50%\n",
        filename="q.csv",
    )
    woman = Quota.objects.get(assembly=assembly, value="woman")
    assert (woman.min, woman.max) == (6, 20)
    assert (woman.min_percent, woman.max_percent) == (Decimal("20"), Decimal("60"))
    man = Quota.objects.get(assembly=assembly, value="man")
    assert (man.min, man.max, man.min_percent) == (3, 17, None)


def test_quotas_import_bad_percentage_names_line_and_column_and_stores_nothing():
    assembly = AssemblyFactory(panel_size=33)
    with pytest.raises(ImportRejected) as caught:
        quotas_import(
            assembly_id=assembly.pk,
            text="category,feature,min,max\ngender,woman,20%,160%\n",
            filename="q.csv",
        )
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (2, "max") and "more than 100%" in problem.message
    assert not Quota.objects.filter(assembly=assembly).exists()


def test_panel_size_change_converts_percentage_quotas_again():
    assembly = AssemblyFactory(panel_size=33)
    quotas_import(
        assembly_id=assembly.pk,
        text="category,feature,min,max\ngender,woman,20%,60%\ngender,man,3,9\n",
        filename="q.csv",
    )
    assembly.refresh_from_db()
    assembly.panel_size = 50
    assembly_save(assembly=assembly, changed=["panel_size"])
    woman = Quota.objects.get(assembly=assembly, value="woman")
    assert (woman.min, woman.max) == (10, 30)
    assert Quota.objects.get(assembly=assembly, value="man").max == 9  # a count stays
    event = AuditEvent.objects.get(action="assemblies.quotas.rescaled")
    assert event.data["changed"] == [
        {"category": "gender", "value": "woman", "old": [6, 20], "new": [10, 30]}
    ]


def _age_assembly():
    assembly = AssemblyFactory(panel_size=5)
    quotas_import(assembly_id=assembly.pk, text=AGE_QUOTAS, filename="q.csv")
    return assembly


def test_quotas_save_sets_bands_and_import_bands_raw_numbers():
    assembly = _age_assembly()
    age = Category.objects.get(assembly=assembly, name="age")
    age.bands = ["16-29", "30-44", "45-64", "65+"]
    quotas_save(assembly_id=assembly.pk, changed=[age])
    assert AuditEvent.objects.filter(action="assemblies.category.bands_set").count() == 1
    text = PEOPLE.replace("Woman", "woman")
    registrants_import(assembly_id=assembly.pk, text=text, filename="p.csv", id_column="id")
    ages = dict(Registrant.objects.filter(assembly=assembly).values_list("external_id", "answers"))
    assert ages["1"]["age"] == "16-29" and ages["4"]["age"] == "30-44"
    assert ages["9"]["age"] == "16-29" and ages["7"]["age"] == "65+"


def test_import_number_in_no_band_is_a_problem_of_its_line_and_column():
    assembly = _age_assembly()
    age = Category.objects.get(assembly=assembly, name="age")
    age.bands = ["16-29", "30-44", "45-64", "65+"]
    quotas_save(assembly_id=assembly.pk, changed=[age])
    text = "id,gender,Age\n1,woman,37\n2,man,12\n"
    with pytest.raises(ImportRejected) as caught:
        registrants_import(assembly_id=assembly.pk, text=text, filename="p.csv", id_column="id")
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (3, "Age") and "12 is in no band" in problem.message
    assert not Registrant.objects.filter(assembly=assembly).exists()


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (["16-29", "35-44"], "30 to 34 are in no band"),
        (["16-29", "20-44"], "overlap"),
    ],
)
def test_quotas_save_refuses_bad_bands_and_stores_nothing(bands, message):
    assembly = _age_assembly()
    age = Category.objects.get(assembly=assembly, name="age")
    age.bands = bands
    with pytest.raises(InvalidInput, match=message):
        quotas_save(assembly_id=assembly.pk, changed=[age])
    assert Category.objects.get(pk=age.pk).bands == []
    assert not AuditEvent.objects.filter(action="assemblies.category.bands_set").exists()


def test_duplicate_keeps_bands_and_percentages():
    assembly = _age_assembly()
    Quota.objects.filter(assembly=assembly, value="woman").update(min_percent=Decimal("20"))
    Category.objects.filter(assembly=assembly, name="age").update(bands=["16-29", "30-44"])
    copy = assembly_duplicate(assembly_id=assembly.pk, slug="copy", title="Copy")
    assert Category.objects.get(assembly=copy, name="age").bands == ["16-29", "30-44"]
    assert Quota.objects.get(assembly=copy, value="woman").min_percent == Decimal("20")


def test_categories_from_file_bands_raw_ages_and_stores_the_bands():
    assembly = AssemblyFactory(panel_size=10)
    outcome = categories_from_file(
        assembly_id=assembly.pk,
        text=PEOPLE.replace(",17\n", ",18\n"),
        filename="p.csv",
        columns=["gender", "age"],
        mode="proportional",
        bands={"age": "16-29, 30-44, 45-64, 65+", "region": "1-2"},
    )
    assert outcome.categories == ["gender", "age"]
    assert _table(assembly)[2:] == [
        ("age", "16-29", 3, 3),
        ("age", "30-44", 3, 3),
        ("age", "45-64", 2, 2),
        ("age", "65+", 2, 2),
    ]
    bands = dict(Category.objects.filter(assembly=assembly).values_list("name", "bands"))
    assert bands == {"gender": [], "age": ["16-29", "30-44", "45-64", "65+"]}
    event = AuditEvent.objects.get(action="assemblies.category.bands_set")
    assert event.data == {"category": "age", "bands": ["16-29", "30-44", "45-64", "65+"]}
    # A later import turns raw ages into bands with the stored definition.
    registrants_import(
        assembly_id=assembly.pk,
        text=PEOPLE.replace(",17\n", ",18\n"),
        filename="p.csv",
        id_column="id",
    )
    assert Registrant.objects.get(assembly=assembly, external_id="8").answers["age"] == "65+"


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ("18-29, 30-44, 45-64, 65+", r"Column 'age': 17 is in no band .*1 row\(s\) hold it"),
        ("16-35, 30-44, 45+", r"Column 'age': Bands '16-35' and '30-44' overlap"),
        ("16-29, 35-44, 45+", r"Column 'age': Between bands '16-29' and '35-44'"),
        ("young, old", r"Column 'age': Band 'young' is not of the form"),
    ],
)
def test_categories_from_file_bad_bands_are_refused_and_store_nothing(bands, message):
    assembly = AssemblyFactory(panel_size=5)
    with pytest.raises(InvalidInput, match=message):
        categories_from_file(
            assembly_id=assembly.pk,
            text=PEOPLE,
            filename="p.csv",
            columns=["age"],
            bands={"age": bands},
        )
    assert not Quota.objects.filter(assembly=assembly).exists()


def test_categories_from_file_many_numbers_without_bands_asks_for_bands():
    assembly = AssemblyFactory(panel_size=5)
    text = "id,age\n" + "".join(f"{n},{18 + n}\n" for n in range(30))
    with pytest.raises(InvalidInput, match="give bands for column 'age'"):
        categories_from_file(assembly_id=assembly.pk, text=text, filename="p.csv", columns=["age"])
    assert not Quota.objects.filter(assembly=assembly).exists()


REBAND_QUOTAS = """category,feature,min,max
gender,woman,0,10
age,18-24,1,2
age,25-29,1,2
age,30-44,2,3
age,Prefer not to say,0,1
age,45+,3,4
region,North,0,10
"""


def _rebanding_assembly(answers):
    assembly = AssemblyFactory(panel_size=10)
    quotas_import(assembly_id=assembly.pk, text=REBAND_QUOTAS, filename="q.csv")
    lines = ["id,gender,age,region"] + [f"{n},woman,{a},North" for n, a in enumerate(answers)]
    registrants_import(
        assembly_id=assembly.pk, text="\n".join(lines) + "\n", filename="p.csv", id_column="id"
    )
    return assembly


def test_bands_typed_derive_the_values_and_reband_the_registrants():
    assembly = _rebanding_assembly(["18-24", "25-29", "30-44", "Prefer not to say", "45+"])
    age = Category.objects.get(assembly=assembly, name="age")
    age.bands = ["18-29", "30-44", "45+"]
    quotas_save(assembly_id=assembly.pk, changed=[age])
    # The bands in order (18-29 summing the bounds it takes in), the other value after them,
    # the category still between gender and region.
    assert _table(assembly) == [
        ("gender", "woman", 0, 10),
        ("age", "18-29", 2, 4),
        ("age", "30-44", 2, 3),
        ("age", "45+", 3, 4),
        ("age", "Prefer not to say", 0, 1),
        ("region", "North", 0, 10),
    ]
    answers = Registrant.objects.filter(assembly=assembly).order_by("external_id")
    assert [r.answers["age"] for r in answers] == [
        "18-29",
        "18-29",
        "30-44",
        "Prefer not to say",
        "45+",
    ]
    event = AuditEvent.objects.get(action="assemblies.category.rebanded")
    assert event.data == {
        "category": "age",
        "added": ["18-29"],
        "removed": ["18-24", "25-29"],
        "registrants": 2,
    }
    # The same bands again change nothing more.
    quotas_save(assembly_id=assembly.pk, changed=[age])
    assert AuditEvent.objects.filter(action="assemblies.category.rebanded").count() == 1


def test_bands_that_split_an_answer_are_refused_and_change_nothing():
    assembly = _rebanding_assembly(["18-24", "25-29", "25-29"])
    age = Category.objects.get(assembly=assembly, name="age")
    age.bands = ["18-26", "27-44", "45+"]
    with pytest.raises(InvalidInput, match=r"registrants answered '25-29' \(2\), which no single"):
        quotas_save(assembly_id=assembly.pk, changed=[age])
    assert Category.objects.get(pk=age.pk).bands == []
    assert ("age", "25-29", 1, 2) in _table(assembly)
    assert Registrant.objects.filter(answers__age="25-29").count() == 2


def test_bands_typed_over_raw_numbers_band_them():
    assembly = AssemblyFactory(panel_size=10)
    quotas_import(
        assembly_id=assembly.pk,
        text="category,feature,min,max\nage,23,0,2\nage,37,1,2\nage,70,0,3\n",
        filename="q.csv",
    )
    registrants_import(
        assembly_id=assembly.pk, text="id,age\n1,23\n2,70\n", filename="p.csv", id_column="id"
    )
    age = Category.objects.get(assembly=assembly, name="age")
    age.bands = ["18-29", "30-64", "65+"]
    quotas_save(assembly_id=assembly.pk, changed=[age])
    assert _table(assembly) == [
        ("age", "18-29", 0, 2),
        ("age", "30-64", 1, 2),
        ("age", "65+", 0, 3),
    ]
    assert sorted(r.answers["age"] for r in Registrant.objects.filter(assembly=assembly)) == [
        "18-29",
        "65+",
    ]
