"""The run report as an Excel workbook, read back with openpyxl."""

import io

import pytest
from openpyxl import load_workbook

from assemblies.models import Assembly, RegistrantStatus
from assemblies.reports.xlsx import XLSX_SHEETS, run_report_xlsx
from assemblies.selectors.run_figures import run_quota_outcomes
from assemblies.selectors.runs import run_report
from assemblies.services.execution import selection_run_execute
from assemblies.services.quotas import quotas_import
from assemblies.services.runs import selection_run_start

pytestmark = pytest.mark.django_db


def _sheet_rows(data, name):
    sheet = load_workbook(io.BytesIO(data))[name]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_run_report_xlsx_sheets_and_figures_match_the_run(small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, seed="s1", enqueue=False)
    panel_run = selection_run_execute(run_id=run.pk)  # the real engine: a real digest
    data = run_report_xlsx(run=panel_run)
    assert load_workbook(io.BytesIO(data)).sheetnames == list(XLSX_SHEETS)
    report = run_report(run=panel_run)

    panel = _sheet_rows(data, "Panel")
    assert panel[0] == ["id", "status", "gender", "age", "selection_probability"]
    assert [row[0] for row in panel[1:]] == report.panel
    assert {row[1] for row in panel[1:]} == {RegistrantStatus.SELECTED}
    assert [row[4] for row in panel[1:]] == pytest.approx(
        [report.probabilities[pid] for pid in report.panel]
    )

    pool = _sheet_rows(data, "Pool")
    assert pool[0][-1] == "selected" and len(pool) == 13
    assert sorted(row[0] for row in pool[1:] if row[-1] == "yes") == sorted(report.panel)
    assert {row[0]: row[4] for row in pool[1:]} == pytest.approx(report.probabilities)

    quotas = _sheet_rows(data, "Quotas")
    assert quotas[0] == ["category", "value", "min", "max", "pool", "panel", "kept", "met"]
    assert quotas[1:] == [
        [o.category, o.value, o.min, o.max, o.pool, o.selected, o.kept, "yes"]
        for o in run_quota_outcomes(run=panel_run)
    ]

    meta = dict(_sheet_rows(data, "Metadata")[1:])
    assert meta["assembly"] == "Small assembly" and meta["run_id"] == panel_run.pk
    assert meta["seed"] == "s1" and len(meta["input_digest"]) == 64
    assert meta["input_digest"] == report.input_digest
    assert meta["inputs_checksum"] == panel_run.input_sha256
    assert meta["engine_version"] == report.version and meta["num_panels"] == report.num_panels
    assert meta["min_probability"] == pytest.approx(report.min_probability)
    assert meta["gini"] == pytest.approx(report.gini)
    assert meta["created"] and meta["finished"]


def test_run_report_xlsx_neutralises_formula_looking_text(small_assembly, fake_draw):
    quotas_import(
        assembly_id=small_assembly.pk,
        text="category,feature,min,max\ngender,woman,2,2\ngender,man,2,2\n"
        "age,young,1,3\nage,-old,1,3\n",
        filename="quotas.csv",
    )
    small_assembly.registrants.filter(answers__age="old").update(answers={"age": "-old"})
    Assembly.objects.filter(pk=small_assembly.pk).update(title='=HYPERLINK("http://x","y")')
    run = selection_run_start(assembly_id=small_assembly.pk, seed="@SUM(1)", enqueue=False)
    data = run_report_xlsx(run=selection_run_execute(run_id=run.pk))
    workbook = load_workbook(io.BytesIO(data))
    meta = {row[0].value: row[1] for row in workbook["Metadata"].iter_rows(min_row=2)}
    assert meta["assembly"].value == '\'=HYPERLINK("http://x","y")'
    assert meta["assembly"].data_type == "s"
    assert meta["seed"].value == "'@SUM(1)"
    values = [row[1].value for row in workbook["Quotas"].iter_rows(min_row=2)]
    assert "'-old" in values
    assert all(
        cell.data_type != "f"
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
    )
