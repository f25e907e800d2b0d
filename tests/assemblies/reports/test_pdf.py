"""The run report as a PDF, read back with :mod:`tests.assemblies.pdf_text`."""

import pytest

from assemblies.models import Assembly, RegistrantStatus, RunKind
from assemblies.reports.pdf import run_report_pdf
from assemblies.selectors.runs import run_report
from assemblies.services.execution import selection_run_execute
from assemblies.services.imports import registrants_import
from assemblies.services.quotas import quotas_import
from assemblies.services.records import selection_run_publish
from assemblies.services.registrants import registrant_status_change
from assemblies.services.runs import replacements_select, selection_run_start
from tests.assemblies.factories import AssemblyFactory
from tests.assemblies.pdf_text import pdf_page_count, pdf_text

pytestmark = pytest.mark.django_db


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
