"""The run page's PDF and Excel reports: links, content types, permissions, audit, queries."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assemblies.models import RegistrantStatus, RunStatus, SelectionRun
from assemblies.services.execution import selection_run_execute
from assemblies.services.records import selection_run_publish
from assemblies.services.runs import selection_run_start
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import RegistrantFactory
from tests.assemblies.pdf_text import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel_run(small_assembly, fake_draw):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    return selection_run_execute(run_id=run.pk)


def _url(run, what):
    return reverse("admin:assemblies_selectionrun_download", args=[run.pk, what])


def test_run_page_links_to_pdf_and_excel_reports(client, viewer, panel_run):
    client.force_login(viewer)
    page = client.get(reverse("admin:assemblies_selectionrun_change", args=[panel_run.pk]))
    html = page.content.decode()
    assert _url(panel_run, "report.pdf") in html and _url(panel_run, "report.xlsx") in html
    assert "Report as PDF" in html and "Report as Excel" in html


def test_report_pdf_viewer_downloads_pdf_and_it_is_audited(client, viewer, panel_run):
    client.force_login(viewer)
    response = client.get(_url(panel_run, "report.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="small-run{panel_run.pk}-report.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    assert "Minimum selection probability" in pdf_text(response.content)
    event = AuditEvent.objects.filter(action="assemblies.registrants.exported").latest("id")
    assert event.data == {"what": f"run {panel_run.pk} report.pdf"}
    assert event.actor == viewer


def test_report_pdf_published_run_links_absolute_record_address(client, manager, panel_run):
    selection_run_publish(run_id=panel_run.pk, actor=manager)
    client.force_login(manager)
    text = pdf_text(client.get(_url(panel_run, "report.pdf")).content).replace("\n", "")
    assert f"http://testserver/a/small/draws/{panel_run.pk}/" in text


def test_report_xlsx_viewer_downloads_workbook(client, viewer, panel_run):
    client.force_login(viewer)
    response = client.get(_url(panel_run, "report.xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="small-run{panel_run.pk}-report.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Panel", "Pool", "Quotas", "Metadata"]
    assert AuditEvent.objects.filter(
        action="assemblies.registrants.exported", data__what=f"run {panel_run.pk} report.xlsx"
    ).exists()


@pytest.mark.parametrize("what", ["report.pdf", "report.xlsx"])
def test_report_files_unrelated_staff_gets_404(client, outsider, panel_run, what):
    client.force_login(outsider)
    assert client.get(_url(panel_run, what)).status_code == 404
    assert not AuditEvent.objects.filter(action="assemblies.registrants.exported").exists()


@pytest.mark.parametrize("what", ["report.pdf", "report.xlsx"])
def test_report_files_anonymous_is_sent_to_login(client, panel_run, what):
    response = client.get(_url(panel_run, what))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("status", [RunStatus.FAILED, RunStatus.PENDING])
def test_report_files_run_without_result_has_no_links_and_plain_404(
    client, manager, small_assembly, status
):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    SelectionRun.objects.filter(pk=run.pk).update(status=status, error="It broke.")
    client.force_login(manager)
    html = client.get(reverse("admin:assemblies_selectionrun_change", args=[run.pk]))
    assert _url(run, "report.pdf") not in html.content.decode()
    assert _url(run, "report.xlsx") not in html.content.decode()
    for what in ("report.pdf", "report.xlsx"):
        response = client.get(_url(run, what))
        assert response.status_code == 404
        assert response.content == b"The run has no result."


def test_report_xlsx_queries_do_not_grow_with_the_pool(client, manager, small_assembly, fake_draw):
    client.force_login(manager)

    def queries_of_a_test_run():
        run = selection_run_start(assembly_id=small_assembly.pk, kind="test", enqueue=False)
        run = selection_run_execute(run_id=run.pk)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url(run, "report.xlsx"))
        assert response.status_code == 200
        rows = load_workbook(io.BytesIO(response.content))["Pool"].max_row - 1
        return len(queries), rows

    small_count, small_rows = queries_of_a_test_run()
    for number in range(30):
        RegistrantFactory(
            assembly=small_assembly,
            status=RegistrantStatus.POOL,
            answers={"gender": "woman" if number % 2 else "man", "age": "young"},
        )
    big_count, big_rows = queries_of_a_test_run()
    assert (small_rows, big_rows) == (12, 42)
    # session, user, roles, run, assembly (x2), result, snapshot, statuses, audit write
    assert big_count == small_count <= 13


@pytest.mark.parametrize("what", ["report.pdf", "report.xlsx"])
def test_report_files_succeeded_run_without_result_answers_plain_404(
    client, manager, panel_run, what
):
    SelectionRun.objects.filter(pk=panel_run.pk).update(result={})
    client.force_login(manager)
    response = client.get(_url(panel_run, what))
    assert response.status_code == 404
    assert b"has no result" in response.content
