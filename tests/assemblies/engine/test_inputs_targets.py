"""The engine door's readers with percentages (quotas) and bands (registrants): lines and
columns of problems stay those of the file as uploaded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assemblies import engine
from assemblies.bands import bands_parse

AGES = [engine.QuotaRow("age", v, 0, 5) for v in ("16-29", "30-44", "45-64", "65+")]


def test_parse_quotas_converts_percentages_and_keeps_them():
    rows = engine.parse_quotas(
        'category,feature,min,max\n"gen\nder",woman,20%,30%\n\ngender,man,1,50%\n',
        filename="q.csv",
        panel_size=33,
    )
    assert [(r.line, r.min, r.max) for r in rows] == [(2, 6, 10), (5, 1, 17)]
    assert (rows[0].min_percent, rows[0].max_percent) == (Decimal("20"), Decimal("30"))
    assert (rows[1].min_percent, rows[1].max_percent) == (None, Decimal("50"))


def test_parse_quotas_percentage_problems_keep_their_line_once_each():
    with pytest.raises(engine.InputError) as caught:
        engine.parse_quotas(
            "category,feature,Min,max\ngender,woman,x%,5\n\ngender,man,3,1\n",
            filename="q.csv",
            panel_size=10,
        )
    problems = [(p.line, p.column) for p in caught.value.errors]
    assert problems == [(2, "Min"), (4, "Min")]  # "x%" reported once; min > max on line 4


def test_parse_quotas_refuses_percentages_without_a_panel_size():
    with pytest.raises(engine.InputError, match="needs the assembly's panel size"):
        engine.parse_quotas("category,feature,min,max\ng,w,10%,5\n", filename="q.csv")


def test_parse_registrants_bands_numbers_on_their_own_lines():
    parsed = engine.parse_registrants(
        'id,note,age\n1,"two\nlines",37\n2,x,30-44\n3,y,99.5\n',
        filename="p.csv",
        quota_rows=AGES,
        id_column="id",
        bands={"AGE": bands_parse(["16-29", "30-44", "45-64", "65+"])},
    )
    assert [(r.line, r.answers["age"]) for r in parsed.rows] == [
        (2, "30-44"),
        (4, "30-44"),
        (5, "65+"),
    ]
    assert parsed.rows[0].cells["note"] == "two\nlines"


def test_parse_registrants_number_in_no_band_names_line_and_column_once():
    with pytest.raises(engine.InputError) as caught:
        engine.parse_registrants(
            'id,note,age\n1,"a\nb",15\n2,x,old\n',
            filename="p.csv",
            quota_rows=AGES,
            id_column="id",
            bands={"age": bands_parse(["16-29", "30-44", "45-64", "65+"])},
        )
    found = [(p.line, p.column, p.message) for p in caught.value.errors]
    assert found[0][:2] == (2, "age") and "15 is in no band" in found[0][2]
    assert found[1][:2] == (4, "age") and "'old' is not a value" in found[1][2]
    assert len(found) == 2
