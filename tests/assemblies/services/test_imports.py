"""The registrants import (services/imports.py): the language column. Other import rules are
tested in tests/assemblies/test_services.py and tests/assemblies/test_import_jobs.py."""

import pytest

from assemblies.errors import ImportRejected
from assemblies.exports import registrants_csv
from assemblies.models import Registrant
from assemblies.selectors.infeasibility import problem_plain
from assemblies.selectors.previews import registrants_import_preview
from assemblies.services.imports import registrants_import

pytestmark = pytest.mark.django_db


def languages(assembly):
    return dict(
        Registrant.objects.filter(assembly=assembly, external_id__startswith="L").values_list(
            "external_id", "language"
        )
    )


def test_registrants_import_reads_the_language_column(small_assembly):
    text = (
        "id,name,gender,age,Language\n"
        "L1,Lou,woman,young,fr\n"
        "L2,Lea,woman,old,\n"
        "L3,Lin,man,young,FR\n"
        "L4,Lev,man,old,en\n"
    )
    registrants_import(assembly_id=small_assembly.pk, text=text, filename="l.csv", id_column="id")
    assert languages(small_assembly) == {"L1": "fr", "L2": "", "L3": "fr", "L4": "en"}
    assert Registrant.objects.get(external_id="L1").extra == {}  # not an extra column


def test_registrants_import_without_language_column_gives_the_default(small_assembly):
    registrants_import(
        assembly_id=small_assembly.pk,
        text="id,name,gender,age\nL1,Lou,woman,young\n",
        filename="l.csv",
        id_column="id",
    )
    assert languages(small_assembly) == {"L1": ""}


def test_registrants_import_unknown_language_refused_with_line_and_column(small_assembly):
    text = "id,name,gender,age,language\nL1,Lou,woman,young,fr\nL2,Lea,woman,old,klingon\n"
    before = Registrant.objects.count()
    with pytest.raises(ImportRejected) as caught:
        registrants_import(
            assembly_id=small_assembly.pk, text=text, filename="l.csv", id_column="id"
        )
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.value) == (3, "language", "klingon")
    assert problem_plain(problem) == (
        "The language “klingon” is not one of the site's languages (en, fr); leave it empty "
        "for the default language. See line 3 of l.csv, in the “language” column."
    )
    assert Registrant.objects.count() == before


def test_registrants_import_preview_names_the_language_column(small_assembly):
    preview = registrants_import_preview(
        assembly=small_assembly,
        text="id,gender,age,lang\nL1,woman,young,xx\n",
        filename="l.csv",
        id_column="id",
    )
    assert not preview.ok
    assert [(p.line, p.column) for p in preview.problems] == [(2, "lang")]
    assert [c.role for c in preview.columns] == ["id", "category", "category", "language"]


def test_registrants_import_update_sets_the_language(small_assembly):
    Registrant.objects.filter(external_id="P03").update(language="fr")
    registrants_import(
        assembly_id=small_assembly.pk,
        text="id,gender,age,language\nP01,woman,young,fr\nP02,woman,old,\n",
        filename="again.csv",
        id_column="id",
    )
    ann, bea = Registrant.objects.filter(external_id__in=["P01", "P02"]).order_by("external_id")
    assert (ann.language, bea.language) == ("fr", "")
    # a file without a language column leaves the language as it was
    registrants_import(
        assembly_id=small_assembly.pk,
        text="id,gender,age\nP03,woman,young\n",
        filename="third.csv",
        id_column="id",
    )
    assert Registrant.objects.get(external_id="P03").language == "fr"


def test_registrants_export_imports_back_with_the_languages(small_assembly):
    Registrant.objects.filter(external_id="P01").update(language="fr")
    text = registrants_csv(assembly=small_assembly, with_status=False)
    header = text.splitlines()[0]
    assert header == "id,name,email,postcode,gender,age,note,language"
    assert text.splitlines()[1].endswith(",a,fr")
    Registrant.objects.filter(external_id="P01").update(language="")
    registrants_import(
        assembly_id=small_assembly.pk, text=text, filename="export.csv", id_column="id"
    )
    assert Registrant.objects.get(external_id="P01").language == "fr"
    assert Registrant.objects.get(external_id="P02").language == ""
