"""Readers: every quota-table dialect and every bad-input case, with exact line and column."""

from __future__ import annotations

import io

import pytest

from selection import InputError, Pool, read_quotas, read_respondents, validate_instance

DIALECT_A = "category,feature,min,max\ngender,female,1,2\ngender,male,1,2\n"
DIALECT_B = "feature,value,min,max,min_flex,max_flex\nGender,Female,1,2,0,3\nGender,Male,1,2,0,3\n"
DIALECT_C = (
    "category,name,suggest min,suggest max,Current #,min,max\n"
    "gender,Female,,,,1,2\ngender,Male,,,,1,2\n"
)


def quotas_from(text: str, name: str = "cats.csv"):
    return read_quotas(io.StringIO(text), name=name)


def test_read_quotas_category_feature_dialect():
    table = quotas_from(DIALECT_A)
    assert table.categories == ("gender",)
    assert table.get("gender", "female").min == 1
    assert table.get("gender", "male").max == 2
    assert table.get("gender", "male").min_flex is None


def test_read_quotas_feature_value_flex_dialect():
    table = quotas_from(DIALECT_B)
    quota = table.get("Gender", "Female")
    assert (quota.min, quota.max, quota.min_flex, quota.max_flex) == (1, 2, 0, 3)


def test_read_quotas_category_name_dialect_ignores_extra_columns():
    table = quotas_from(DIALECT_C)
    assert table.values("gender") == ("Female", "Male")
    assert table.get("gender", "Female").max == 2


def test_read_quotas_header_case_and_bom():
    table = quotas_from("\ufeffCATEGORY,Feature,MIN,Max\ngender,female,1,2\n")
    assert table.get("gender", "female").max == 2


def test_read_quotas_bom_in_file(tmp_path):
    path = tmp_path / "cats.csv"
    path.write_bytes(b"\xef\xbb\xbf" + DIALECT_A.encode())
    assert read_quotas(path).categories == ("gender",)


def test_read_quotas_unknown_header_names_line_1():
    with pytest.raises(InputError) as info:
        quotas_from("group,option,lo,hi\ngender,f,1,2\n")
    assert (info.value.file, info.value.line, info.value.column) == ("cats.csv", 1, "group")


def test_read_quotas_unknown_extra_column_in_strict_dialect():
    with pytest.raises(InputError) as info:
        quotas_from("category,feature,min,max,colour\ngender,f,1,2,red\n")
    assert (info.value.line, info.value.column) == (1, "colour")


def test_read_quotas_min_greater_than_max():
    with pytest.raises(InputError) as info:
        quotas_from("category,feature,min,max\ngender,f,1,2\ngender,m,3,2\n")
    assert (info.value.line, info.value.column) == (3, "min")
    assert "greater than max" in info.value.message


def test_read_quotas_negative_number():
    with pytest.raises(InputError) as info:
        quotas_from("category,feature,min,max\ngender,f,-1,2\n")
    assert (info.value.line, info.value.column, info.value.value) == (2, "min", "-1")


def test_read_quotas_non_integer_lists_every_row():
    with pytest.raises(InputError) as info:
        quotas_from("category,feature,min,max\ngender,f,1.5,2\ngender,m,1,two\n")
    problems = [(p.line, p.column, p.value) for p in info.value.errors]
    assert problems == [(2, "min", "1.5"), (3, "max", "two")]


def test_read_quotas_duplicate_value():
    with pytest.raises(InputError) as info:
        quotas_from("category,feature,min,max\ngender,f,1,2\ngender,f,1,2\n")
    assert (info.value.line, info.value.column) == (3, "feature")


def test_read_quotas_flex_outside_bounds():
    with pytest.raises(InputError) as info:
        quotas_from("feature,value,min,max,min_flex,max_flex\ng,f,1,2,2,3\n")
    assert (info.value.line, info.value.column) == (2, "min_flex")


RESPONDENTS = "id,name,gender,town,street\n1,Ann,female,A,x st\n2,Bo,male,a , X St\n3,Cy,male,B,y\n"


def test_read_respondents_ids_and_households():
    table = quotas_from(DIALECT_A)
    respondents = read_respondents(
        io.StringIO(RESPONDENTS),
        quotas=table,
        id_column="id",
        household_columns=("town", "street"),
        name="people.csv",
    )
    people = respondents.pool.people
    assert [p.id for p in people] == ["1", "2", "3"]
    assert people[0].household == people[1].household  # trimmed and case-folded
    assert people[2].household != people[0].household
    assert people[1].answers == {"gender": "male"}


def test_read_respondents_row_number_is_default_id():
    respondents = read_respondents(io.StringIO(RESPONDENTS), quotas=quotas_from(DIALECT_A))
    assert respondents.pool.ids == ["1", "2", "3"]


def test_read_respondents_case_insensitive_values_use_table_spelling():
    text = "gender\nFEMALE\n male \n"
    pool = read_respondents(io.StringIO(text), quotas=quotas_from(DIALECT_A)).pool
    assert [p.answers["gender"] for p in pool] == ["female", "male"]


def test_read_respondents_lists_every_bad_answer():
    text = "id,gender\n1,female\n2,robot\n3,male\n4,alien\n"
    with pytest.raises(InputError) as info:
        read_respondents(
            io.StringIO(text), quotas=quotas_from(DIALECT_A), id_column="id", name="p.csv"
        )
    found = [(p.file, p.line, p.column, p.value) for p in info.value.errors]
    assert found == [("p.csv", 3, "gender", "robot"), ("p.csv", 5, "gender", "alien")]


def test_read_respondents_missing_category_column():
    with pytest.raises(InputError) as info:
        read_respondents(io.StringIO("id,age\n1,30\n"), quotas=quotas_from(DIALECT_A))
    assert (info.value.line, info.value.column) == (1, "gender")


def test_read_respondents_duplicate_ids():
    text = "id,gender\n1,female\n2,male\n1,male\n"
    with pytest.raises(InputError) as info:
        read_respondents(io.StringIO(text), quotas=quotas_from(DIALECT_A), id_column="id")
    assert (info.value.line, info.value.column, info.value.value) == (4, "id", "1")


def test_read_respondents_missing_id_column():
    with pytest.raises(InputError) as info:
        read_respondents(
            io.StringIO("gender\nmale\n"), quotas=quotas_from(DIALECT_A), id_column="ID"
        )
    assert (info.value.line, info.value.column) == (1, "ID")


def test_read_respondents_empty_pool():
    with pytest.raises(InputError) as info:
        read_respondents(io.StringIO("gender\n"), quotas=quotas_from(DIALECT_A), name="p.csv")
    assert info.value.file == "p.csv"
    assert "empty" in info.value.message


def test_read_respondents_wrong_field_count():
    with pytest.raises(InputError) as info:
        read_respondents(io.StringIO("id,gender\n1,male,extra\n"), quotas=quotas_from(DIALECT_A))
    assert info.value.line == 2


def test_read_respondents_multiline_record_keeps_line_numbers():
    text = 'id,note,gender\n1,"two\nlines",female\n2,x,robot\n'
    with pytest.raises(InputError) as info:
        read_respondents(io.StringIO(text), quotas=quotas_from(DIALECT_A), id_column="id")
    assert (info.value.line, info.value.column) == (4, "gender")


def test_panel_csv_keeps_rows_unchanged_in_input_order():
    text = 'id,gender,note\r\n1,female,"a, b"\r\n2,male,  spaced \r\n3,male,x\r\n'
    respondents = read_respondents(io.StringIO(text), quotas=quotas_from(DIALECT_A), id_column="id")
    out = respondents.panel_csv(["3", "1"])
    assert out == 'id,gender,note\r\n1,female,"a, b"\r\n3,male,x\r\n'


def test_validate_instance_quota_sums_cannot_reach_panel_size():
    table = quotas_from("category,feature,min,max\ng,f,3,4\ng,m,3,4\n")
    text = "g\n" + "f\n" * 5 + "m\n" * 5
    pool = read_respondents(io.StringIO(text), quotas=table).pool
    with pytest.raises(InputError) as info:
        validate_instance(table, pool, 5)
    assert info.value.line == 2  # the category's first row in the quota file
    assert info.value.column == "min"
    with pytest.raises(InputError) as info:
        validate_instance(table, pool, 9)
    assert info.value.column == "max"


def test_validate_instance_panel_larger_than_pool():
    table = quotas_from(DIALECT_A)
    pool = read_respondents(io.StringIO("gender\nmale\nfemale\n"), quotas=table).pool
    with pytest.raises(InputError, match="larger than the pool"):
        validate_instance(table, pool, 3)


def test_pool_rejects_empty_and_duplicate_ids():
    from selection import Person

    with pytest.raises(InputError, match="empty"):
        Pool([])
    with pytest.raises(InputError, match="duplicate"):
        Pool([Person("a", {}), Person("a", {})])


def test_quota_table_reduced_by_kept_members():
    table = quotas_from(DIALECT_B)
    reduced = table.reduced_by({("Gender", "Female"): 2})
    quota = reduced.get("Gender", "Female")
    assert (quota.min, quota.max, quota.min_flex, quota.max_flex) == (0, 0, 0, 1)
    with pytest.raises(InputError, match="exceed"):
        table.reduced_by({("Gender", "Male"): 3})


# --- line handling: only CR, LF and CRLF end a line (issue 13, defect 16) -------------------

#: Characters ``str.splitlines`` treats as line breaks but CSV does not.
UNICODE_BREAKS = ("\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")


@pytest.mark.parametrize("brk", UNICODE_BREAKS)
def test_read_respondents_unicode_line_break_in_field_is_text(brk):
    text = f'id,note,gender\n1,a{brk}b,female\n2,"c{brk}d",male\n3,x,robot\n'
    with pytest.raises(InputError) as info:
        read_respondents(io.StringIO(text), quotas=quotas_from(DIALECT_A), id_column="id")
    assert len(info.value.errors) == 1  # no "expected 3 fields" for the first two rows
    assert (info.value.line, info.value.column, info.value.value) == (4, "gender", "robot")


def test_read_respondents_field_with_u2028_keeps_cells_and_raw_record():
    text = 'id,note,gender\r\n1,one\u2028two,female\r\n2,"x\u2028y",male\r\n'
    respondents = read_respondents(io.StringIO(text), quotas=quotas_from(DIALECT_A), id_column="id")
    assert respondents.rows["1"] == ["1", "one\u2028two", "female"]
    assert respondents.lines == {"1": 2, "2": 3}
    assert respondents.panel_csv(["2"]) == 'id,note,gender\r\n2,"x\u2028y",male\r\n'


def test_read_respondents_problem_after_multiline_quoted_field_is_on_its_line():
    text = 'id,note,gender\n1,"a\u2028b\nc\r\nd",female\n2,"e\rf",male\n3,x,robot\n'
    with pytest.raises(InputError) as info:
        read_respondents(io.StringIO(text), quotas=quotas_from(DIALECT_A), id_column="id")
    # record 1 spans lines 2-4, record 2 lines 5-6: the bad answer is on line 7
    assert (info.value.line, info.value.column) == (7, "gender")


def test_read_quotas_value_with_u2028_and_cr_only_line_ends():
    table = quotas_from("category,feature,min,max\rgender,fe\u2028male,1,2\rgender,male,1,2\r")
    assert table.get("gender", "fe\u2028male").max == 2
    assert table.origin[("gender", "male")] == ("cats.csv", 3)
    with pytest.raises(InputError) as info:
        quotas_from("category,feature,min,max\rgender,a\x85b,1,2\rgender,male,x,2\r")
    assert (info.value.line, info.value.column) == (3, "min")


# --- NUL characters and UTF-16 (issue 13, defect 4) -----------------------------------------


def test_read_respondents_nul_names_line_and_column():
    text = 'id,note,gender\n1,"a\nb",female\n2,x\x00y,male\n'
    with pytest.raises(InputError) as info:
        read_respondents(io.StringIO(text), quotas=quotas_from(DIALECT_A), id_column="id")
    assert (info.value.file, info.value.line, info.value.column) == ("<respondents>", 4, "note")
    assert "NUL" in info.value.message


def test_read_quotas_utf16_without_bom_names_line_1(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(DIALECT_A.encode("utf-16-le"))
    with pytest.raises(InputError) as info:
        read_quotas(path)
    assert (info.value.line, info.value.column) == (1, "field 1")
    assert "UTF-16" in info.value.message


def test_read_quotas_utf16_with_bom_is_refused(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(DIALECT_A.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16") as info:
        read_quotas(path)
    assert info.value.line == 1


def test_read_quotas_not_utf8_names_the_line_with_cr_only_line_ends(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(b"category,feature,min,max\rgender,female,1,2\rgender,m\xe4le,1,2\r")
    with pytest.raises(InputError, match="not UTF-8") as info:
        read_quotas(path)
    assert info.value.line == 3


def test_read_quotas_path_with_nul_cannot_be_read():
    with pytest.raises(InputError, match="cannot read the file"):
        read_quotas("q\x00.csv")
