"""The assembly's import pages: upload, preview, confirm, and the page of a background job.

Quota tables are small: their preview and import run in the request. A registrants file may
hold hundreds of thousands of rows: its preview and its import run as background jobs
(:class:`~assemblies.models.ImportJob`) and these pages show their progress, refreshing
themselves, with a cancel button while they run."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assemblies.admin.base import MembershipAdmin
from assemblies.errors import ImportRejected
from assemblies.forms import CsvUploadForm, RegistrantsUploadForm
from assemblies.models import (
    Assembly,
    ImportJob,
    ImportJobAction,
    ImportJobStatus,
    PendingImport,
)
from assemblies.selectors.import_jobs import import_job_latest, import_job_problems
from assemblies.selectors.previews import RegistrantPreview, quotas_import_preview
from assemblies.services.import_jobs import import_job_cancel, import_job_start
from assemblies.services.imports import pending_import_create, pending_import_discard
from assemblies.services.quotas import quotas_import
from assemblies.services.targets import quota_values_add_missing
from opendlp.core.errors import DomainError


class ImportPages(MembershipAdmin):
    """Import pages of :class:`~assemblies.admin.assembly.AssemblyAdmin` (a base class)."""

    def import_urls(self) -> list:
        """The URL patterns of the import pages."""
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
                "<int:object_id>/import-job/<int:job_id>/",
                view(self.import_job_view),
                name=f"{name}import_job",
            ),
            path(
                "<int:object_id>/import-job/<int:job_id>/progress.json",
                view(self.import_job_progress_view),
                name=f"{name}import_job_progress",
            ),
            path(
                "<int:object_id>/import-job/<int:job_id>/cancel/",
                view(self.import_job_cancel_view),
                name=f"{name}import_job_cancel",
            ),
        ]

    def _change_url(self, assembly: Assembly) -> str:
        return reverse("admin:assemblies_assembly_change", args=[assembly.pk])

    def _job_url(self, job: ImportJob) -> str:
        return reverse("admin:assemblies_assembly_import_job", args=[job.assembly_id, job.pk])

    def import_view(self, request: HttpRequest, object_id: int, kind: str) -> HttpResponse:
        """Step 1 of an import: upload the CSV (kept server-side for the preview; a
        registrants file is then checked by a background job)."""
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
            if kind == PendingImport.Kind.REGISTRANTS:
                import_job_start(
                    pending_id=pending.pk, action=ImportJobAction.PREVIEW, actor=request.user
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
        """Step 2: show what the file contains (every problem with line and column; for
        registrants, the progress of the check first); on POST import it, check it again, or
        discard it."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        pending = PendingImport.objects.filter(
            pk=pending_id, assembly=assembly, uploaded_by_id=request.user.pk
        ).first()
        if pending is None:
            # Imported already (a repeated confirmation lands here): show that job.
            done = import_job_latest(upload_id=pending_id, action=ImportJobAction.IMPORT)
            if done is not None and done.assembly_id == assembly.pk:
                return HttpResponseRedirect(self._job_url(done))
            raise Http404("No such upload.")
        if request.method == "POST":
            return self._import_post(request, assembly, pending)
        context: dict[str, Any] = {"pending": pending, "original": assembly}
        if pending.kind == PendingImport.Kind.QUOTAS:
            context["preview"] = quotas_import_preview(
                assembly=assembly, text=pending.text, filename=pending.filename
            )
        else:
            job = import_job_latest(upload_id=pending.pk, action=ImportJobAction.PREVIEW)
            if job is None:
                job = import_job_start(
                    pending_id=pending.pk, action=ImportJobAction.PREVIEW, actor=request.user
                )
            context["job"] = job
            context.update(self._progress_context(job))
            if job.status == ImportJobStatus.SUCCEEDED:
                context["preview"] = RegistrantPreview.from_dict(job.result)
        return render(
            request,
            "admin/assemblies/assembly/import_preview.html",
            self.page_context(
                request, f"Check the {pending.kind} file before importing", **context
            ),
        )

    def _progress_context(self, job: ImportJob) -> dict[str, Any]:
        return {
            "progress_url": reverse(
                "admin:assemblies_assembly_import_job_progress",
                args=[job.assembly_id, job.pk],
            ),
            "cancel_url": reverse(
                "admin:assemblies_assembly_import_job_cancel", args=[job.assembly_id, job.pk]
            ),
        }

    def _import_post(
        self, request: HttpRequest, assembly: Assembly, pending: PendingImport
    ) -> HttpResponse:
        if "discard" in request.POST:
            pending_import_discard(pending_id=pending.pk)
            self.message_user(request, "The upload was discarded; nothing was imported.")
            return HttpResponseRedirect(self._change_url(assembly))
        if pending.kind == PendingImport.Kind.QUOTAS:
            return self._quotas_confirm(request, assembly, pending)
        if "add_values" in request.POST:
            return self._add_values_and_import(request, assembly, pending)
        action = ImportJobAction.PREVIEW if "recheck" in request.POST else ImportJobAction.IMPORT
        try:
            job = import_job_start(pending_id=pending.pk, action=action, actor=request.user)
        except DomainError as exc:
            self.refuse(request, exc, prefix="Nothing was imported")
            return HttpResponseRedirect(request.path)
        if action == ImportJobAction.PREVIEW:
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(self._job_url(job))

    def _add_values_and_import(
        self, request: HttpRequest, assembly: Assembly, pending: PendingImport
    ) -> HttpResponse:
        """Add the file's answers that are not values yet (min 0, max the panel size), then
        start the import, which checks the whole file again."""
        try:
            added = quota_values_add_missing(
                assembly_id=assembly.pk,
                text=pending.text,
                filename=pending.filename,
                actor=request.user,
            )
            job = import_job_start(
                pending_id=pending.pk, action=ImportJobAction.IMPORT, actor=request.user
            )
        except DomainError as exc:
            self.refuse(request, exc, prefix=_("Nothing was imported"))
            return HttpResponseRedirect(request.path)
        count = sum(len(values) for values in added.values())
        self.message_user(
            request,
            ngettext(
                "Added %(n)d value to the quotas (min 0, max the panel size); importing.",
                "Added %(n)d values to the quotas (min 0, max the panel size); importing.",
                count,
            )
            % {"n": count},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._job_url(job))

    def _quotas_confirm(
        self, request: HttpRequest, assembly: Assembly, pending: PendingImport
    ) -> HttpResponse:
        try:
            outcome = quotas_import(
                assembly_id=assembly.pk,
                text=pending.text,
                filename=pending.filename,
                actor=request.user,
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
        self.message_user(
            request,
            f"Imported {outcome.imported} quotas in {len(outcome.categories)} categories "
            f"(replacing {outcome.replaced}).",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(assembly))

    def _job(self, request: HttpRequest, object_id: int, job_id: int) -> ImportJob:
        assembly = self.assembly_or_404(request, object_id, "manage")
        return get_object_or_404(ImportJob, pk=job_id, assembly=assembly)

    def import_job_view(self, request: HttpRequest, object_id: int, job_id: int) -> HttpResponse:
        """The page of an import job: progress while it runs (refreshing itself), then its
        outcome or its failure with every problem found."""
        job = self._job(request, object_id, job_id)
        return render(
            request,
            "admin/assemblies/assembly/import_job.html",
            self.page_context(
                request,
                f"Import of {job.filename}",
                original=job.assembly,
                job=job,
                problems=import_job_problems(job),
                **self._progress_context(job),
            ),
        )

    def import_job_progress_view(
        self, request: HttpRequest, object_id: int, job_id: int
    ) -> JsonResponse:
        """JSON for the progress bar's poll: status, phase, done, total, percent."""
        job = self._job(request, object_id, job_id)
        return JsonResponse(
            {
                "status": job.status,
                "phase": job.phase,
                "done": job.progress_done,
                "total": job.progress_total,
                "percent": job.percent,
                "finished": not job.is_active,
                "cancel_requested": job.cancel_requested,
            }
        )

    def import_job_cancel_view(
        self, request: HttpRequest, object_id: int, job_id: int
    ) -> HttpResponse:
        """POST: cancel a pending or running job (nothing is imported)."""
        job = self._job(request, object_id, job_id)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = self._job_url(job)
        if request.method == "POST":
            job = import_job_cancel(job_id=job.pk, actor=request.user)
            if job.status == ImportJobStatus.CANCELLED:
                self.message_user(request, "Cancelled: nothing was imported.", messages.SUCCESS)
            elif job.cancel_requested and job.is_active:
                self.message_user(request, "Cancelling: the job stops before its next batch.")
            else:
                self.message_user(request, f"The job had already {job.status}.", messages.WARNING)
        return HttpResponseRedirect(back)
