"""The run report as files: the PDF (read back with :mod:`tests.assemblies.pdf_text`) and the
Excel workbook (read back with openpyxl)."""

import io

import pytest
from openpyxl import load_workbook

from assemblies.models import Assembly, RegistrantStatus, RunKind
from assemblies.reports import XLSX_SHEETS, NoResult, run_report_pdf, run_report_xlsx
from assemblies.selectors.runs import run_quota_outcomes, run_report
from assemblies.services.execution import selection_run_execute
from assemblies.services.imports import registrants_import
from assemblies.services.quotas import quotas_import
from assemblies.services.records import selection_run_publish
from assemblies.services.registrants import registrant_status_change
from assemblies.services.runs import replacements_select, selection_run_start
from tests.assemblies.factories import AssemblyFactory
from tests.assemblies.pdf_text import pdf_page_count, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel_run(small_assembly, fake_draw):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    return selection_run_execute(run_id=run.pk)


def _sheet_rows(data, name):
    sheet = load_workbook(io.BytesIO(data))[name]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_run_report_pdf_has_facts_fairness_categories_and_panel(panel_run):
    data = run_report_pdf(run=panel_run)
    assert data.startswith(b"%PDF")
    assert pdf_page_count(data) >= 3
    assert b"/MediaBox [0 0 841.89 595.28]" not in data  # two categories: all portrait
    text = pdf_text(data)
    report = run_report(run=panel_run)
    for expected in (
        "Small assembly",
        "Selection report: panel run",
        "Engine version",
        "first-fit",
        "leximin",
        "4 from a pool of 12",
        "Minimum selection probability: 0.3333",
        "The lowest chance that any one person in the pool had",
        "Gini coefficient: 0.0000",
        "Panels in the distribution: 1",
        "Target, pool and panel by category",
        "2–2 (50%–50%)",
        "The panel (4 people)",
    ):
        assert expected in text, expected
    flat = text.replace("\n", "")  # long codes wrap in their table cell
    assert report.seed in flat and report.input_digest in flat
    for pid in report.panel:
        assert pid in text


def test_run_report_pdf_has_no_names_or_contact_details(panel_run):
    text = pdf_text(run_report_pdf(run=panel_run))
    for personal in ("Ann One", "ann@example.org", "AB1", "P01"):
        assert personal not in text


def test_run_report_pdf_published_run_shows_record_address(panel_run, manager):
    selection_run_publish(run_id=panel_run.pk, actor=manager)
    panel_run.refresh_from_db()
    url = f"https://lottery.example.org/a/small/draws/{panel_run.pk}/"
    text = pdf_text(run_report_pdf(run=panel_run, record_url=url))
    assert "Public draw record" in text and url in text.replace("\n", "")


def test_run_report_pdf_unpublished_run_has_no_record_line(panel_run):
    assert "Public draw record" not in pdf_text(run_report_pdf(run=panel_run))


def test_run_report_pdf_unicode_font_keeps_any_script(panel_run):
    Assembly.objects.filter(pk=panel_run.assembly_id).update(title="Zoë’s “Bürgerrat” – Συνέλευση")
    panel_run.assembly.refresh_from_db()
    text = pdf_text(run_report_pdf(run=panel_run))
    assert "Zoë’s “Bürgerrat” – Συνέλευση" in text


def test_run_report_pdf_without_font_falls_back_to_latin1(panel_run, tmp_path):
    Assembly.objects.filter(pk=panel_run.assembly_id).update(title="Zoë’s “Bürgerrat” – Συνέλευση")
    panel_run.assembly.refresh_from_db()
    data = run_report_pdf(run=panel_run, font_path=tmp_path / "missing.ttf")
    assert b"/Helvetica" in data and b"FontFile2" not in data
    text = pdf_text(data)
    assert 'Zoë\'s "Bürgerrat" - ?????????' in text
    assert "Minimum selection probability: 0.3333" in text


def test_run_report_pdf_replacement_run_explains_its_figures(small_assembly, panel_run):
    member = panel_run.selected_registrants.first()
    registrant_status_change(registrant_id=member.pk, status=RegistrantStatus.WITHDRAWN)
    run = replacements_select(assembly_id=small_assembly.pk, count=1, enqueue=False)
    run = selection_run_execute(run_id=run.pk)
    assert run.kind == RunKind.REPLACEMENT
    text = pdf_text(run_report_pdf(run=run)).replace("\n", " ")
    assert "Why this run's fairness figures look poor" in text
    assert "only 1 of the 8 people in the pool could be drawn" in text
    assert "Kept" in text and "The panel (1 people)" in text


@pytest.mark.parametrize("build", [run_report_pdf, run_report_xlsx])
def test_run_report_files_pending_run_raises_no_result(small_assembly, build):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    with pytest.raises(NoResult, match="has no result"):
        build(run=run)


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


def test_run_report_pdf_many_categories_panel_list_is_landscape(db, fake_draw):
    assembly = AssemblyFactory(slug="wide", panel_size=2)
    names = ["gender", "age", "region", "education", "tenure"]
    quotas = "category,feature,min,max\n" + "".join(
        f"{name},a,0,2\n{name},b,0,2\n" for name in names
    )
    quotas_import(assembly_id=assembly.pk, text=quotas, filename="quotas.csv")
    people = (
        "id,"
        + ",".join(names)
        + "\n"
        + "".join(f"W{n}," + ",".join("ab"[n % 2] for _ in names) + "\n" for n in range(6))
    )
    registrants_import(assembly_id=assembly.pk, text=people, filename="p.csv", id_column="id")
    run = selection_run_start(assembly_id=assembly.pk, enqueue=False)
    data = run_report_pdf(run=selection_run_execute(run_id=run.pk))
    assert data.count(b"/MediaBox [0 0 841.89 595.28]") == 1  # the panel page only
    text = pdf_text(data)
    assert "tenure" in text and "The panel (2 people)" in text
