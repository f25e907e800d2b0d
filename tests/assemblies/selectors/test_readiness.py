"""The readiness checklist (selectors/readiness.py ``assembly_readiness``)."""

from __future__ import annotations

import pytest

from assemblies.models import Category
from assemblies.selectors.readiness import assembly_readiness
from tests.assemblies.factories import (
    AssemblyFactory,
    CategoryFactory,
    ContentTranslationFactory,
    FormFieldFactory,
    QuotaFactory,
)
from tests.assemblies.registration.factories import open_assembly


def test_ready_assembly_has_no_warnings(db):
    assert assembly_readiness(assembly=open_assembly()) == []


def test_bare_assembly_gets_every_warning(db):
    warnings = assembly_readiness(assembly=AssemblyFactory())
    assert [w.split(":")[0] for w in warnings] == [
        "No categories",
        "No description",
        "No closing date",
        "No privacy notice",
    ]


@pytest.mark.parametrize("question", ["", "age_bucket", "Age_Bucket "])
def test_category_question_that_is_the_column_name_warns(db, question):
    assembly = open_assembly()
    QuotaFactory(assembly=assembly, category="age_bucket", value="16-29")
    if question:
        Category.objects.filter(assembly=assembly, name="age_bucket").delete()
        CategoryFactory(assembly=assembly, name="age_bucket", question=question)
    warnings = assembly_readiness(assembly=assembly)
    assert len(warnings) == 1
    assert "“age_bucket”" in warnings[0] and "column name" in warnings[0]


def test_written_category_question_does_not_warn(db):
    assembly = open_assembly()
    QuotaFactory(assembly=assembly, category="age_bucket", value="16-29")
    Category.objects.update_or_create(
        assembly=assembly, name="age_bucket", defaults={"question": "How old are you?"}
    )
    assert assembly_readiness(assembly=assembly) == []


def test_translation_keys_naming_nothing_warn(db):
    assembly = open_assembly()
    FormFieldFactory(
        assembly=assembly, key="diet", type="single_choice", choices="Vegan\nTime: evening"
    )
    category, value = assembly.quotas.values_list("category", "value").first()
    QuotaFactory(assembly=assembly, category=category, value="North: East")
    for key in (
        "title",
        f"category:{category}:question",
        f"value:{category}:{value}",
        "field:diet:label",
        "choice:diet:Vegan",
        "choice:diet:Time: evening",
        f"value:{category}:North: East",
        "category:gone:question",
        f"value:{category}:Nobody",
        "field:old:label",
        "choice:diet:Omnivore",
    ):
        ContentTranslationFactory(assembly=assembly, key=key, text="x")
    (warning,) = assembly_readiness(assembly=assembly)
    assert warning.startswith("Translations that name nothing of this assembly")
    named = warning.split(": ", 1)[1].split(". ")[0].split(", ")
    assert named == [
        "category:gone:question",
        "choice:diet:Omnivore",
        "field:old:label",
        f"value:{category}:Nobody",
    ]
