"""The engine door's input side: decoding uploads, Unicode line breaks inside fields, and NUL
characters refused before anything reaches the database (issue 13, defects 4 and 16)."""

import pytest

from assemblies import engine
from assemblies.errors import ImportRejected
from assemblies.models import Quota, Registrant
from assemblies.services.imports import registrants_import
from assemblies.services.quotas import quotas_import
from opendlp.core.models import AuditEvent
from tests.assemblies.conftest import SMALL_QUOTAS

GENDER = [engine.QuotaRow("gender", "woman", 0, 2), engine.QuotaRow("gender", "man", 0, 2)]


def test_decode_csv_drops_the_bom_and_keeps_unicode_breaks():
    raw = "\ufeffid,name\n1,a\u2028b\n".encode()
    assert engine.decode_csv(raw, filename="p.csv") == "id,name\n1,a\u2028b\n"


def test_decode_csv_nul_names_file_line_and_column():
    with pytest.raises(engine.InputError) as caught:
        engine.decode_csv(b'id,name\n1,"a\nb"\n2,c\x00\n', filename="p.csv")
    assert (caught.value.file, caught.value.line, caught.value.column) == ("p.csv", 4, "name")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("id,name\n1,x\n".encode("utf-16-le"), "NUL"),
        ("id,name\n1,x\n".encode("utf-16"), "UTF-16"),
        (b"id,name\n1,\xff\n", "not UTF-8"),
    ],
    ids=["utf16-without-bom", "utf16-with-bom", "latin1"],
)
def test_decode_csv_refuses_what_is_not_utf8_text(raw, words):
    with pytest.raises(engine.InputError, match=words):
        engine.decode_csv(raw, filename="p.csv")


def test_parse_registrants_u2028_in_a_field_keeps_fields_and_lines():
    text = 'id,name,gender\n1,Ann\u2028One,woman\n2,"Bo\x85b\nSmith",man\n3,Cy,woman\n'
    parsed = engine.parse_registrants(text, filename="p.csv", quota_rows=GENDER, id_column="id")
    assert [(r.line, r.id) for r in parsed.rows] == [(2, "1"), (3, "2"), (5, "3")]
    assert parsed.rows[0].cells["name"] == "Ann\u2028One"
    assert parsed.rows[1].cells["name"] == "Bo\x85b\nSmith"


def test_parse_registrants_problem_after_multiline_field_is_on_its_line():
    text = 'id,name,gender\n1,"A\u2028\r\nB",woman\n2,C,robot\n'
    with pytest.raises(engine.InputError) as caught:
        engine.parse_registrants(text, filename="p.csv", quota_rows=GENDER, id_column="id")
    problem = engine.problems_from(caught.value)[0]
    assert (problem.file, problem.line, problem.column) == ("p.csv", 4, "gender")


def test_quotas_import_with_nul_is_rejected_and_stores_nothing(small_assembly):
    with pytest.raises(ImportRejected) as caught:
        quotas_import(
            assembly_id=small_assembly.pk,
            text=SMALL_QUOTAS.replace("old", "o\x00ld"),
            filename="q.csv",
        )
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (5, "feature")
    assert sorted(
        Quota.objects.filter(assembly=small_assembly).values_list("value", flat=True)
    ) == [
        "man",
        "old",
        "woman",
        "young",
    ]


def test_registrants_import_with_nul_is_rejected_and_stores_nothing(small_assembly):
    before = Registrant.objects.count(), AuditEvent.objects.count()
    text = "id,name,gender,age\nN1,Nu\x00ll,woman,young\n"
    with pytest.raises(ImportRejected) as caught:
        registrants_import(assembly_id=small_assembly.pk, text=text, filename="p.csv")
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, "name")]
    assert (Registrant.objects.count(), AuditEvent.objects.count()) == before


def test_registrants_import_keeps_u2028_in_a_name(small_assembly):
    text = "id,name,gender,age\nU1,Ann\u2028Lee,woman,young\nU2,Bo,man,old\n"
    outcome = registrants_import(
        assembly_id=small_assembly.pk, text=text, filename="p.csv", id_column="id"
    )
    assert (outcome.rows, outcome.created) == (2, 2)
    assert Registrant.objects.get(external_id="U1").name == "Ann\u2028Lee"
