"""Selection run admin: the run page (progress while running, then the panel, fairness
figures, quota table, probability chart, downloads and verification)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from assemblies import permissions
from assemblies.admin.assembly_pages import csv_response
from assemblies.admin.base import MembershipAdmin
from assemblies.admin.registrant import AssemblyFilter
from assemblies.charts import category_chart_svg, probability_chart_svg
from assemblies.errors import InvalidInput
from assemblies.exports import (
    bundle_json,
    distribution_csv,
    panel_csv,
    remaining_pool_csv,
    report_json,
    run_pool_csv,
    run_quotas_csv,
)
from assemblies.models import EmailKind, RunStatus, SelectionRun
from assemblies.reports.common import NoResult
from assemblies.reports.pdf import PDF_CONTENT_TYPE, run_report_pdf
from assemblies.reports.xlsx import XLSX_CONTENT_TYPE, run_report_xlsx
from assemblies.selectors.emails import run_notify_plan
from assemblies.selectors.runs import (
    run_category_figures,
    run_infeasibility,
    run_panel_members,
    run_probabilities_sorted,
    run_progress,
    run_quota_outcomes,
    run_replacement_figures,
    run_report,
)
from assemblies.services.assemblies import assembly_export_record
from assemblies.services.ceremony import selection_run_seed_enter
from assemblies.services.execution import selection_run_verify
from assemblies.services.notifications import panel_notify
from assemblies.services.records import selection_run_publish
from assemblies.services.runs import selection_run_cancel
from assemblies.services.voiding import VOID_REASON_MAX_LENGTH, selection_run_void
from opendlp.core.admin_layout import truncated
from opendlp.core.errors import DomainError
from opendlp.core.selectors import audit_events_for

#: Downloads of a run: name -> (file suffix, content type, role needed).
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


@admin.register(SelectionRun)
class SelectionRunAdmin(MembershipAdmin):
    """Selection runs of the user's assemblies (read-only; started from the assembly page)."""

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
            path("<int:run_id>/cancel/", view(self.cancel_view), name=f"{name}cancel"),
            path("<int:run_id>/verify/", view(self.verify_view), name=f"{name}verify"),
            path("<int:run_id>/publish/", view(self.publish_view), name=f"{name}publish"),
            path("<int:run_id>/seed/", view(self.seed_view), name=f"{name}seed"),
            path("<int:run_id>/report/", view(self.report_view), name=f"{name}report"),
            path("<int:run_id>/void/", view(self.void_view), name=f"{name}void"),
            path("<int:run_id>/notify/", view(self.notify_view), name=f"{name}notify"),
            path(
                "<int:run_id>/download/<str:what>",
                view(self.download_view),
                name=f"{name}download",
            ),
            *super().get_urls(),
        ]

    def _run(self, request: HttpRequest, run_id: Any, need: str = "view") -> SelectionRun:
        run = self.get_object(request, str(run_id))
        self.assembly_or_404(request, run.assembly_id, need)
        return run

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """The run page."""
        run = self._run(request, object_id)
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
                downloads=[
                    (name, reverse("admin:assemblies_selectionrun_download", args=[run.pk, name]))
                    for name, (_, need) in DOWNLOADS.items()
                    if _allowed(request, run, need)
                ],
            )
            context.update(_report_context(run))
            context["report_url"] = reverse("admin:assemblies_selectionrun_report", args=[run.pk])
        return render(request, "admin/assemblies/selectionrun/run.html", context)

    def report_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """The printable report of a succeeded run: a standalone A4 page without admin
        chrome (assembly, run facts, quota table, per-category charts, fairness figures with
        explanations, panel count per category). 404 before the run succeeds."""
        run = self._run(request, run_id)
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
        run = self._run(request, run_id)
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

    def cancel_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """Confirm, then cancel a pending or running run."""
        run = self._run(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method == "POST":
            run = selection_run_cancel(run_id=run.pk, actor=request.user)
            if run.status == RunStatus.CANCELLED:
                self.message_user(request, "The run was cancelled.", messages.SUCCESS)
            elif run.cancel_requested and run.is_active:
                self.message_user(request, "Cancelling: the worker stops within seconds.")
            else:
                self.message_user(request, f"The run had already {run.status}.", messages.WARNING)
            return HttpResponseRedirect(page)
        return render(
            request,
            "admin/assemblies/confirm.html",
            self.page_context(
                request,
                "Cancel this run?",
                original=run,
                question=f"Cancel {run}? Nobody will be selected by it.",
                button="Cancel the run",
                cancel_url=page,
            ),
        )

    def verify_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """POST: re-draw from the stored seed and distribution and show the outcome."""
        run = self._run(request, run_id)
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        try:
            outcome = selection_run_verify(run_id=run.pk, actor=request.user)
        except DomainError as exc:
            self.refuse(request, exc)
        else:
            if outcome.ok:
                self.message_user(
                    request,
                    "Verified: the same inputs and seed give the same panel.",
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request, "Verification FAILED: see the findings below.", messages.ERROR
                )
        return HttpResponseRedirect(page + "#verification")

    def seed_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """POST: the seed made in public (and witnesses) of a ceremony run; draws the panel."""
        run = self._run(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method == "POST":
            try:
                run = selection_run_seed_enter(
                    run_id=run.pk,
                    seed=request.POST.get("seed", ""),
                    witnesses=request.POST.get("witnesses", ""),
                    actor=request.user,
                    ticket=request.POST.get("ticket") or None,
                )
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                if run.status == RunStatus.SUCCEEDED:
                    self.message_user(
                        request,
                        f"The panel is drawn from the fixed distribution with seed {run.seed!r}.",
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(request, run.error or "The draw failed.", messages.ERROR)
        return HttpResponseRedirect(page)

    def publish_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """GET: ask for confirmation; POST: publish the run's public draw record."""
        run = self._run(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method == "POST":
            try:
                run = selection_run_publish(run_id=run.pk, actor=request.user)
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                public = reverse("assemblies:record", args=[run.assembly.slug, run.pk])
                self.message_user(
                    request, f"The draw record is public at {public}.", messages.SUCCESS
                )
            return HttpResponseRedirect(page)
        return render(
            request,
            "admin/assemblies/confirm.html",
            self.page_context(
                request,
                "Publish this draw record?",
                original=run,
                question=(
                    f"Publish the record of {run}? Anyone will see its seed, input digest, "
                    "figures, and each pool member's random id, answers and selection "
                    "probability (no names or contact details). A published record stays "
                    "public."
                ),
                button="Publish the draw record",
                cancel_url=page,
            ),
        )

    def download_view(self, request: HttpRequest, run_id: int, what: str) -> HttpResponse:
        """The run's downloads of :data:`DOWNLOADS`: panel CSV, remaining pool CSV, report
        JSON, distribution CSV, bundle, inputs, and the report as PDF or Excel workbook
        (:mod:`assemblies.reports.pdf`, :mod:`assemblies.reports.xlsx`). 404 with a plain
        message before the run succeeds."""
        if what not in DOWNLOADS:
            return HttpResponse(status=404)
        suffix, need = DOWNLOADS[what]
        run = self._run(request, run_id, need)
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

    def void_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """GET: the confirmation page asking the reason; POST: void the panel
        (:func:`assemblies.services.voiding.selection_run_void`). A missing or invalid reason
        shows the form again; any other refusal goes back to the run page with its message."""
        run = self._run(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        reason, error = "", ""
        if request.method == "POST":
            reason = request.POST.get("reason", "")
            try:
                run = selection_run_void(run_id=run.pk, reason=reason, actor=request.user)
            except InvalidInput as exc:
                error = str(exc)
            except DomainError as exc:
                self.refuse(request, exc)
                return HttpResponseRedirect(page)
            else:
                self.message_user(
                    request,
                    "The panel is voided: its members are back in the pool and a new panel run "
                    "can be started.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(page)
        return render(
            request,
            "admin/assemblies/selectionrun/void.html",
            self.page_context(
                request,
                "Void this panel?",
                original=run,
                run=run,
                reason=reason,
                error=error,
                max_length=VOID_REASON_MAX_LENGTH,
                cancel_url=page,
            ),
        )

    def notify_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """GET: who the notification writes to (counts per kind, the people without an email
        address to call, sends already made); POST: notify
        (:func:`assemblies.services.notifications.panel_notify`; a second POST sends nothing twice
        and resumes sends still queued or failed). Managers only."""
        run = self._run(request, run_id, "manage")
        page = reverse("admin:assemblies_selectionrun_change", args=[run.pk])
        if request.method == "POST":
            try:
                outcome = panel_notify(
                    run_id=run.pk,
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                    actor=request.user,
                )
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                to_call = len(outcome.without_email)
                have = "person has" if to_call == 1 else "people have"
                self.message_user(
                    request,
                    f"{outcome.created} emails created, {outcome.enqueued} handed to the mail "
                    f"queue; {to_call} {have} no email address: call them.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(page)
        plan = run_notify_plan(run=run)
        return render(
            request,
            "admin/assemblies/selectionrun/notify.html",
            self.page_context(
                request,
                "Notify the panel?",
                original=run,
                run=run,
                counts=[(EmailKind(kind).label, count) for kind, count in plan.counts.items()],
                recipients=len(plan.recipients),
                without_email=plan.without_email,
                sends=sorted(plan.sends.items()),
                can_notify=run.status == RunStatus.SUCCEEDED and run.voided_at is None,
                cancel_url=page,
            ),
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


def _allowed(request: HttpRequest, run: SelectionRun, need: str) -> bool:
    check = {
        "view": permissions.can_view,
        "call": permissions.can_call,
        "manage": permissions.can_manage,
    }[need]
    return check(request.user, run.assembly_id)
