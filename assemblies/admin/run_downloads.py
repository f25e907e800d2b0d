"""A selection run's downloads: panel and remaining pool CSV, the report as JSON, PDF or
Excel workbook, the distribution, the bundle and the run's inputs.

A base of :class:`assemblies.admin.run.SelectionRunAdmin`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse

from assemblies import permissions
from assemblies.admin.assembly_pages import csv_response
from assemblies.admin.base import MembershipAdmin
from assemblies.exports import (
    bundle_json,
    distribution_csv,
    panel_csv,
    remaining_pool_csv,
    report_json,
    run_pool_csv,
    run_quotas_csv,
)
from assemblies.models import RunStatus, SelectionRun
from assemblies.reports.common import NoResult
from assemblies.reports.pdf import PDF_CONTENT_TYPE, run_report_pdf
from assemblies.reports.xlsx import XLSX_CONTENT_TYPE, run_report_xlsx
from assemblies.services.assemblies import assembly_export_record

#: Downloads of a run: name -> (file suffix, role needed).
DOWNLOADS = {
    "panel.csv": ("panel", "call"),
    "pool.csv": ("remaining-pool", "manage"),
    "report.json": ("report", "view"),
    "distribution.csv": ("distribution", "view"),
    "bundle.json": ("bundle", "view"),
    "inputs-quotas.csv": ("inputs-quotas", "view"),
    "inputs-pool.csv": ("inputs-pool", "view"),
    "report.pdf": ("report", "view"),
    "report.xlsx": ("report", "view"),
}


class RunDownloadsAdmin(MembershipAdmin):
    """The ``<id>/download/<what>`` view and the list of links the run page shows."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:run_id>/download/<str:what>",
                view(self.download_view),
                name="assemblies_selectionrun_download",
            ),
            *super().get_urls(),
        ]

    def download_links(self, request: HttpRequest, run: SelectionRun) -> list[tuple[str, str]]:
        """(name, address) of each download the user's role allows, in :data:`DOWNLOADS`
        order."""
        check = {
            "view": permissions.can_view,
            "call": permissions.can_call,
            "manage": permissions.can_manage,
        }
        return [
            (name, reverse("admin:assemblies_selectionrun_download", args=[run.pk, name]))
            for name, (_, need) in DOWNLOADS.items()
            if check[need](request.user, run.assembly_id)
        ]

    def download_view(self, request: HttpRequest, run_id: int, what: str) -> HttpResponse:
        """The run's downloads of :data:`DOWNLOADS`: panel CSV, remaining pool CSV, report
        JSON, distribution CSV, bundle, inputs, and the report as PDF or Excel workbook
        (:mod:`assemblies.reports.pdf`, :mod:`assemblies.reports.xlsx`). 404 with a plain
        message before the run succeeds."""
        if what not in DOWNLOADS:
            return HttpResponse(status=404)
        suffix, need = DOWNLOADS[what]
        run: SelectionRun = self.object_or_404(request, run_id, need)
        if run.status != RunStatus.SUCCEEDED:
            return HttpResponse("The run has no result.", status=404, content_type="text/plain")
        filename = f"{run.assembly.slug}-run{run.pk}-{suffix}"
        if what in ("report.pdf", "report.xlsx"):
            return self._report_file(request, run, what, filename)
        if what == "report.json":
            response = HttpResponse(report_json(run=run), content_type="application/json")
            response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
            return response
        if what == "bundle.json":
            response = HttpResponse(bundle_json(run=run), content_type="application/json")
            response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
            return response
        if what == "inputs-quotas.csv":
            return csv_response(run_quotas_csv(run=run), f"{filename}.csv")
        if what == "inputs-pool.csv":
            return csv_response(run_pool_csv(run=run), f"{filename}.csv")
        if what == "distribution.csv":
            return csv_response(distribution_csv(run=run), f"{filename}.csv")
        if what == "panel.csv":
            body = panel_csv(assembly=run.assembly, run=run)
        else:
            body = remaining_pool_csv(run=run)
        assembly_export_record(
            assembly_id=run.assembly_id, actor=request.user, what=f"run {run.pk} {suffix}"
        )
        return csv_response(body, f"{filename}.csv")

    def _report_file(
        self, request: HttpRequest, run: SelectionRun, what: str, filename: str
    ) -> HttpResponse:
        """The report as PDF or Excel, recorded as an export (it carries the pool's answers).
        404 with the reason when the run has no readable result."""
        try:
            if what == "report.pdf":
                record_url = None
                if run.published_at:
                    record_url = request.build_absolute_uri(
                        reverse("assemblies:record", args=[run.assembly.slug, run.pk])
                    )
                body = run_report_pdf(run=run, record_url=record_url)
                content_type = PDF_CONTENT_TYPE
            else:
                body, content_type = run_report_xlsx(run=run), XLSX_CONTENT_TYPE
        except NoResult as exc:
            return HttpResponse(str(exc), status=404, content_type="text/plain")
        assembly_export_record(
            assembly_id=run.assembly_id, actor=request.user, what=f"run {run.pk} {what}"
        )
        response = HttpResponse(body, content_type=content_type)
        extension = what.rsplit(".", 1)[1]
        response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
        return response
