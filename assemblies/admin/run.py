"""Selection run admin: the run page (progress while running, then the panel, fairness
figures, quota table, probability chart, downloads and verification)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from assemblies import permissions
from assemblies.admin.filters import AssemblyFilter
from assemblies.admin.run_actions import RunActionsAdmin
from assemblies.admin.run_downloads import RunDownloadsAdmin
from assemblies.charts import category_chart_svg, probability_chart_svg
from assemblies.models import RunStatus, SelectionRun
from assemblies.selectors.infeasibility import run_infeasibility
from assemblies.selectors.run_figures import (
    run_category_figures,
    run_quota_outcomes,
    run_replacement_figures,
)
from assemblies.selectors.run_progress import run_progress
from assemblies.selectors.runs import run_panel_members, run_probabilities_sorted, run_report
from opendlp.core.admin_layout import truncated
from opendlp.core.selectors import audit_events_for


@admin.register(SelectionRun)
class SelectionRunAdmin(RunActionsAdmin, RunDownloadsAdmin):
    """Selection runs of the user's assemblies (read-only; started from the assembly page).

    The run page, its printable report and its progress poll are here; the actions on a run
    (cancel, verify, seed, publish, void, notify) come from
    :class:`~assemblies.admin.run_actions.RunActionsAdmin` and the downloads from
    :class:`~assemblies.admin.run_downloads.RunDownloadsAdmin`."""

    # Fits 1280 px: the run's number (its title repeats the assembly), the assembly and the
    # requester cut with an ellipsis, one date; the panel size is on the run page.
    list_display = (
        "run_number",
        "assembly_title",
        "kind",
        "algorithm",
        "status_cell",
        "requested_by_cell",
        "created_date",
    )
    list_display_links = ("run_number",)
    list_filter = (AssemblyFilter, "kind", "status", "algorithm")
    list_select_related = ("assembly", "requested_by")
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[SelectionRun]:
        return super().get_queryset(request).defer("input_snapshot", "result")

    @admin.display(description="run", ordering="id")
    def run_number(self, run: SelectionRun) -> str:
        return f"#{run.pk}"

    @admin.display(description="status", ordering="status")
    def status_cell(self, run: SelectionRun) -> str:
        return run.status_label

    @admin.display(description="assembly", ordering="assembly__title")
    def assembly_title(self, run: SelectionRun) -> str:
        return truncated(run.assembly)

    @admin.display(description="requested by", ordering="requested_by__email")
    def requested_by_cell(self, run: SelectionRun) -> str:
        return truncated(run.requested_by or "the system")

    @admin.display(description="requested", ordering="created_at")
    def created_date(self, run: SelectionRun) -> str:
        return date_format(timezone.localtime(run.created_at), "SHORT_DATETIME_FORMAT")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        name = "assemblies_selectionrun_"
        return [
            path("<int:run_id>/progress.json", view(self.progress_view), name=f"{name}progress"),
            path("<int:run_id>/report/", view(self.report_view), name=f"{name}report"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """The run page."""
        run: SelectionRun = self.object_or_404(request, object_id)
        report = run_report(run=run)
        context = self.page_context(
            request,
            str(run),
            original=run,
            run=run,
            assembly=run.assembly,
            report=report,
            can_manage=permissions.can_manage(request.user, run.assembly_id),
            can_call=permissions.can_call(request.user, run.assembly_id),
            progress_url=reverse("admin:assemblies_selectionrun_progress", args=[run.pk]),
            progress=run_progress(run=run),
            infeasibility=run_infeasibility(run=run),
            relax_source=f"run {run.pk}",
            audit_events=list(audit_events_for(target=run, limit=20)),
        )
        if report is not None:
            probabilities = run_probabilities_sorted(run=run)
            context.update(
                members=run_panel_members(run=run),
                quota_outcomes=run_quota_outcomes(run=run),
                chart=probability_chart_svg(probabilities, panel_size=run.panel_size),
                pool_count=len(probabilities),
                downloads=self.download_links(request, run),
            )
            context.update(_report_context(run))
            context["report_url"] = reverse("admin:assemblies_selectionrun_report", args=[run.pk])
        return render(request, "admin/assemblies/selectionrun/run.html", context)

    def report_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """The printable report of a succeeded run: a standalone A4 page without admin
        chrome (assembly, run facts, quota table, per-category charts, fairness figures with
        explanations, panel count per category). 404 before the run succeeds."""
        run: SelectionRun = self.object_or_404(request, run_id)
        report = run_report(run=run)
        if report is None:
            return HttpResponse("The run has no result.", status=404, content_type="text/plain")
        probabilities = run_probabilities_sorted(run=run)
        context = {
            "run": run,
            "assembly": run.assembly,
            "report": report,
            "quota_outcomes": run_quota_outcomes(run=run),
            "chart": probability_chart_svg(probabilities, panel_size=run.panel_size),
            "pool_count": len(probabilities),
            "run_url": reverse("admin:assemblies_selectionrun_change", args=[run.pk]),
            **_report_context(run),
        }
        return render(request, "admin/assemblies/selectionrun/report.html", context)

    def progress_view(self, request: HttpRequest, run_id: int) -> JsonResponse:
        """JSON for the progress bar's poll: status, phase, done, total, the overall
        ``fraction`` (0-1, never decreasing) and ``percent``, ``seconds_elapsed``,
        ``seconds_left`` (null while under 5 % done) and the line to show (``text``)."""
        run: SelectionRun = self.object_or_404(request, run_id)
        progress = run_progress(run=run)
        return JsonResponse(
            {
                "status": run.status,
                "status_display": run.status_label,
                "phase": run.phase,
                "done": run.progress_done,
                "total": run.progress_total,
                "fraction": progress.fraction,
                "percent": progress.percent,
                "seconds_elapsed": round(progress.seconds_elapsed, 1),
                "seconds_left": (
                    None if progress.seconds_left is None else round(progress.seconds_left, 1)
                ),
                "text": progress.text,
                "finished": run.status not in (RunStatus.PENDING, RunStatus.RUNNING),
                "cancel_requested": run.cancel_requested,
            }
        )


def _report_context(run: SelectionRun) -> dict[str, Any]:
    """The run report's extra figures: per-category charts (``category_charts``: a list of
    (:class:`CategoryFigures`, svg)) and, for a replacement run, ``replacement``."""
    return {
        "category_charts": [
            (figures, category_chart_svg(figures, chart_id=f"category-chart-{index}"))
            for index, figures in enumerate(run_category_figures(run=run), start=1)
        ],
        "replacement": run_replacement_figures(run=run),
    }
