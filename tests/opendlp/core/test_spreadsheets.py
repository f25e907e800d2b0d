"""CSV text safe to open in a spreadsheet (opendlp/core/spreadsheets.py)."""

import csv
import io

import pytest

from opendlp.core.spreadsheets import csv_cell_safe, csv_text


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        '=HYPERLINK("http://evil.example","click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "-",
        "+44 20 7946 0958",
        "-1e5x",
    ],
)
def test_csv_cell_safe_prefixes_formula_triggers(cell):
    assert csv_cell_safe(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell", ["-3", "-1.5", "+42", "-.5", "1e-5", "-2E+3", "Ann", "a=b", " =1", "", "0"]
)
def test_csv_cell_safe_keeps_plain_numbers_and_text(cell):
    assert csv_cell_safe(cell) == cell


def test_csv_cell_safe_turns_values_into_text():
    assert (csv_cell_safe(None), csv_cell_safe(-4), csv_cell_safe(0.25)) == ("", "-4", "0.25")


def test_csv_text_neutralises_every_cell_header_included():
    text = csv_text([["=id", "name"], ["-1", '=cmd|"/c calc"!A1']])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["'=id", "name"], ["-1", '\'=cmd|"/c calc"!A1']]
    assert text.endswith("\n") and "\r" not in text
