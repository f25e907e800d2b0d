"""assemblies/exports.py: the quota table as CSV (read back by the quota import) and the empty
CSV templates for quotas and registrants."""

import csv
import io

import pytest

from assemblies.exports import quotas_csv, quotas_template_csv, registrants_template_csv
from assemblies.models import Quota, Registrant
from assemblies.services.imports import registrants_import
from assemblies.services.quotas import quotas_import
from tests.assemblies.factories import AssemblyFactory

pytestmark = pytest.mark.django_db

FLEX_QUOTAS = """feature,value,min,max,min_flex,max_flex
gender,woman,2,2,1,3
gender,man,2,2,,
age,young,1,3,0,
age,old,1,3,,4
"""


def rows(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def quota_table(assembly):
    return list(
        Quota.objects.filter(assembly=assembly)
        .order_by("position")
        .values_list("category", "value", "position", "min", "max", "min_flex", "max_flex")
    )


def test_quotas_csv_round_trips_through_the_quota_import(small_assembly):
    quotas_import(assembly_id=small_assembly.pk, text=FLEX_QUOTAS, filename="q.csv")
    copy = AssemblyFactory()
    quotas_import(assembly_id=copy.pk, text=quotas_csv(assembly=small_assembly), filename="e.csv")
    assert quota_table(copy) == quota_table(small_assembly)
    assert quota_table(copy)[1] == ("gender", "man", 1, 2, 2, None, None)


def test_quotas_csv_neutralises_formulas(db):
    assembly = AssemblyFactory()
    Quota.objects.create(assembly=assembly, category="=cmd", value="@x", min=0, max=1)
    assert rows(quotas_csv(assembly=assembly))[1][:2] == ["'=cmd", "'@x"]


def test_quotas_template_csv_is_a_header_the_import_reads():
    assert rows(quotas_template_csv()) == [
        ["feature", "value", "min", "max", "min_flex", "max_flex"]
    ]


def test_registrants_template_csv_has_id_contact_language_and_category_columns(small_assembly):
    header = rows(registrants_template_csv(assembly=small_assembly))
    assert header == [
        [
            "id",
            "name",
            "email",
            "phone",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "language",
            "gender",
            "age",
        ]
    ]


def test_registrants_template_csv_uses_the_assemblys_id_column(db):
    assembly = AssemblyFactory(id_column="ref")
    assert rows(registrants_template_csv(assembly=assembly))[0][0] == "ref"


def test_registrants_template_csv_filled_in_imports(small_assembly):
    copy = AssemblyFactory()
    quotas_import(assembly_id=copy.pk, text=quotas_csv(assembly=small_assembly), filename="q.csv")
    text = registrants_template_csv(assembly=copy) + "X1,Zoe,zoe@example.org,,,,,ZZ1,fr,woman,old\n"
    registrants_import(assembly_id=copy.pk, text=text, filename="t.csv", id_column="id")
    person = Registrant.objects.get(assembly=copy)
    assert (person.external_id, person.name, person.postcode) == ("X1", "Zoe", "ZZ1")
    assert person.language == "fr"
    assert person.answers == {"gender": "woman", "age": "old"} and person.extra == {}
