"""The assembly's own admin pages beyond the change form: imports with preview, exports,
feasibility, selection and replacement requests, and the open/close/archive buttons.

Each view checks the organiser's role, calls one service or selector, and reports the outcome
with ``message_user``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from assemblies.admin.base import MembershipAdmin
from assemblies.errors import ImportRejected
from assemblies.exports import panel_csv, registrants_csv
from assemblies.forms import (
    CsvUploadForm,
    RegistrantsUploadForm,
    ReplacementRequestForm,
    SelectionRequestForm,
)
from assemblies.models import (
    Assembly,
    AssemblyStatus,
    PendingImport,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.selectors.assemblies import assembly_feasibility, status_counts
from assemblies.selectors.previews import quotas_import_preview, registrants_import_preview
from assemblies.selectors.runs import active_run
from assemblies.services.assemblies import (
    assembly_archive,
    assembly_close_registration,
    assembly_export_record,
    assembly_open_registration,
)
from assemblies.services.imports import (
    pending_import_create,
    pending_import_discard,
    registrants_import,
)
from assemblies.services.quotas import quotas_import
from assemblies.services.runs import replacements_select, selection_run_start
from opendlp.core.errors import DomainError


def csv_response(body: str, filename: str) -> HttpResponse:
    """A CSV download (UTF-8, attachment)."""
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AssemblyPages(MembershipAdmin):
    """Custom pages of :class:`~assemblies.admin.assembly.AssemblyAdmin`, its base class."""

    # --- custom pages -----------------------------------------------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        name = "assemblies_assembly_"
        return [
            path(
                "<int:object_id>/import/<str:kind>/", view(self.import_view), name=f"{name}import"
            ),
            path(
                "<int:object_id>/import-preview/<uuid:pending_id>/",
                view(self.import_preview_view),
                name=f"{name}import_preview",
            ),
            path(
                "<int:object_id>/export/<str:what>.csv",
                view(self.export_view),
                name=f"{name}export",
            ),
            path(
                "<int:object_id>/feasibility/",
                view(self.feasibility_view),
                name=f"{name}feasibility",
            ),
            path("<int:object_id>/select/", view(self.select_view), name=f"{name}select"),
            path(
                "<int:object_id>/replacements/",
                view(self.replacements_view),
                name=f"{name}replacements",
            ),
            path(
                "<int:object_id>/registration/<str:action>/",
                view(self.lifecycle_view),
                name=f"{name}lifecycle",
            ),
            *super().get_urls(),
        ]

    def _change_url(self, assembly: Assembly) -> str:
        return reverse("admin:assemblies_assembly_change", args=[assembly.pk])

    def import_view(self, request: HttpRequest, object_id: int, kind: str) -> HttpResponse:
        """Step 1 of an import: upload the CSV (kept server-side for the preview)."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        if kind not in PendingImport.Kind.values:
            return HttpResponse(status=404)
        form_class = RegistrantsUploadForm if kind == "registrants" else CsvUploadForm
        initial = {"id_column": assembly.id_column} if kind == "registrants" else {}
        form = form_class(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            options = {}
            if kind == "registrants":
                options["id_column"] = form.cleaned_data.get("id_column", "").strip()
            pending = pending_import_create(
                assembly=assembly,
                user=request.user,
                kind=kind,
                filename=form.cleaned_data["file"].name,
                text=form.cleaned_data["text"],
                options=options,
            )
            return HttpResponseRedirect(
                reverse("admin:assemblies_assembly_import_preview", args=[assembly.pk, pending.pk])
            )
        return render(
            request,
            "admin/assemblies/assembly/import_upload.html",
            self.page_context(
                request, f"Import {kind} into {assembly}", original=assembly, form=form, kind=kind
            ),
        )

    def import_preview_view(
        self, request: HttpRequest, object_id: int, pending_id: Any
    ) -> HttpResponse:
        """Step 2: show what the file contains (every problem with line and column); on POST
        import it all or nothing, or discard it."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        pending = get_object_or_404(
            PendingImport, pk=pending_id, assembly=assembly, uploaded_by=request.user
        )
        if request.method == "POST":
            if "discard" in request.POST:
                pending_import_discard(pending_id=pending.pk)
                self.message_user(request, "The upload was discarded; nothing was imported.")
                return HttpResponseRedirect(self._change_url(assembly))
            return self._import_confirm(request, assembly, pending)
        if pending.kind == PendingImport.Kind.QUOTAS:
            preview: Any = quotas_import_preview(
                assembly=assembly, text=pending.text, filename=pending.filename
            )
        else:
            preview = registrants_import_preview(
                assembly=assembly,
                text=pending.text,
                filename=pending.filename,
                id_column=pending.options.get("id_column", ""),
            )
        return render(
            request,
            "admin/assemblies/assembly/import_preview.html",
            self.page_context(
                request,
                f"Check the {pending.kind} file before importing",
                original=assembly,
                pending=pending,
                preview=preview,
            ),
        )

    def _import_confirm(
        self, request: HttpRequest, assembly: Assembly, pending: PendingImport
    ) -> HttpResponse:
        try:
            if pending.kind == PendingImport.Kind.QUOTAS:
                quota_outcome = quotas_import(
                    assembly_id=assembly.pk,
                    text=pending.text,
                    filename=pending.filename,
                    actor=request.user,
                )
                text = (
                    f"Imported {quota_outcome.imported} quotas in "
                    f"{len(quota_outcome.categories)} categories "
                    f"(replacing {quota_outcome.replaced})."
                )
            else:
                outcome = registrants_import(
                    assembly_id=assembly.pk,
                    text=pending.text,
                    filename=pending.filename,
                    id_column=pending.options.get("id_column", ""),
                    actor=request.user,
                )
                text = (
                    f"Imported {outcome.rows} rows: {outcome.created} new registrants, "
                    f"{outcome.updated} updated, {outcome.skipped} skipped (erased)."
                )
        except ImportRejected as exc:
            self.message_user(
                request,
                f"Nothing was imported: {len(exc.problems)} problem(s) in the file.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)
        except DomainError as exc:
            self.refuse(request, exc, prefix="Nothing was imported")
            return HttpResponseRedirect(request.path)
        pending_import_discard(pending_id=pending.pk)
        self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(assembly))

    def export_view(self, request: HttpRequest, object_id: int, what: str) -> HttpResponse:
        """CSV downloads: all registrants with their status (managers) or the current panel
        (managers and callers)."""
        if what == "registrants":
            assembly = self.assembly_or_404(request, object_id, "manage")
            body = registrants_csv(assembly=assembly)
        elif what == "panel":
            assembly = self.assembly_or_404(request, object_id, "call")
            body = panel_csv(assembly=assembly)
        else:
            return HttpResponse(status=404)
        assembly_export_record(assembly_id=assembly.pk, actor=request.user, what=what)
        return csv_response(body, f"{assembly.slug}-{what}.csv")

    def feasibility_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Whether the quotas can be met by the current pool (reads only)."""
        assembly = self.assembly_or_404(request, object_id, "view")
        report, problem = None, ""
        try:
            report = assembly_feasibility(assembly=assembly)
        except DomainError as exc:
            problem = str(exc)
        return render(
            request,
            "admin/assemblies/assembly/feasibility.html",
            self.page_context(
                request,
                f"Feasibility of {assembly}",
                original=assembly,
                report=report,
                problem=problem,
            ),
        )

    def run_requested_message(self, request: HttpRequest, run: SelectionRun, what: str) -> None:
        """Say that a run was requested, or why it failed at once (the job queue is down)."""
        if run.status == RunStatus.FAILED:
            self.message_user(request, f"{what} run #{run.pk} failed: {run.error}", messages.ERROR)
        else:
            self.message_user(request, f"{what} run #{run.pk} requested.", messages.SUCCESS)

    def select_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Ask for a selection run (algorithm, seed, test run), then go to its page."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        form = SelectionRequestForm(
            request.POST or None,
            initial={
                "algorithm": assembly.default_algorithm,
                "test_run": assembly.status == AssemblyStatus.SELECTED,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                run = selection_run_start(
                    assembly_id=assembly.pk,
                    kind=RunKind.TEST if form.cleaned_data["test_run"] else RunKind.PANEL,
                    algorithm=form.cleaned_data["algorithm"],
                    seed=form.cleaned_data["seed"].strip() or None,
                    actor=request.user,
                )
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                self.run_requested_message(request, run, "Selection")
                return HttpResponseRedirect(
                    reverse("admin:assemblies_selectionrun_change", args=[run.pk])
                )
        return render(
            request,
            "admin/assemblies/assembly/select.html",
            self.page_context(
                request,
                f"Run a selection for {assembly}",
                original=assembly,
                form=form,
                pool_size=status_counts(assembly=assembly)[RegistrantStatus.POOL],
                active_run=active_run(assembly=assembly),
            ),
        )

    def replacements_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Ask for replacements of withdrawn panel members."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        counts = status_counts(assembly=assembly)
        kept = counts[RegistrantStatus.SELECTED] + counts[RegistrantStatus.CONFIRMED]
        missing = max(0, assembly.panel_size - kept)
        form = ReplacementRequestForm(
            request.POST or None,
            initial={"count": missing or 1, "algorithm": assembly.default_algorithm},
        )
        if request.method == "POST" and form.is_valid():
            try:
                run = replacements_select(
                    assembly_id=assembly.pk,
                    count=form.cleaned_data["count"],
                    algorithm=form.cleaned_data["algorithm"],
                    seed=form.cleaned_data["seed"].strip() or None,
                    actor=request.user,
                )
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                self.run_requested_message(request, run, "Replacement")
                return HttpResponseRedirect(
                    reverse("admin:assemblies_selectionrun_change", args=[run.pk])
                )
        return render(
            request,
            "admin/assemblies/assembly/replacements.html",
            self.page_context(
                request,
                f"Replacements for {assembly}",
                original=assembly,
                form=form,
                kept=kept,
                missing=missing,
                withdrawn=counts[RegistrantStatus.WITHDRAWN],
                pool_size=counts[RegistrantStatus.POOL],
                registrants_url=reverse("admin:assemblies_registrant_changelist")
                + f"?assembly={assembly.pk}&status__exact=selected",
            ),
        )

    LIFECYCLE = {
        "open": ("Open registration", assembly_open_registration),
        "close": ("Close registration", assembly_close_registration),
        "archive": ("Archive the assembly", assembly_archive),
    }

    def lifecycle_view(self, request: HttpRequest, object_id: int, action: str) -> HttpResponse:
        """Open or close registration, or archive: a confirmation page, then a POST."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        if action not in self.LIFECYCLE:
            return HttpResponse(status=404)
        label, service = self.LIFECYCLE[action]
        if request.method == "POST":
            try:
                service(assembly_id=assembly.pk, actor=request.user)
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                self.message_user(request, f"{label}: done.", messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(assembly))
        return render(
            request,
            "admin/assemblies/confirm.html",
            self.page_context(
                request,
                f"{label}?",
                original=assembly,
                question=f"{label} of “{assembly}”?",
                button=label,
                cancel_url=self._change_url(assembly),
            ),
        )
