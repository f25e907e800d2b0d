"""The assembly's own admin pages beyond the change form: exports and CSV templates,
feasibility, selection and replacement requests, the open/close/archive buttons, erasing every
registrant's data and duplicating the assembly; the import pages come from
:class:`~assemblies.admin.imports.ImportPages` and the categories-from-a-file pages from
:class:`~assemblies.admin.targets.TargetPages`.

Each view checks the organiser's role, calls one service or selector, and reports the outcome
with ``message_user``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext

from assemblies import permissions
from assemblies.admin.pages import ReadinessForm
from assemblies.admin.targets import TargetPages
from assemblies.exports import (
    panel_csv,
    quotas_csv,
    quotas_template_csv,
    registrants_csv,
    registrants_template_csv,
)
from assemblies.forms import (
    RelaxationForm,
    ReplacementRequestForm,
    SelectionRequestForm,
)
from assemblies.models import (
    Assembly,
    AssemblyStatus,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.selectors.assemblies import assembly_feasibility, status_counts
from assemblies.selectors.infeasibility import infeasibility_of
from assemblies.selectors.readiness import assembly_readiness
from assemblies.selectors.runs import active_run
from assemblies.services.assemblies import (
    assembly_archive,
    assembly_close_registration,
    assembly_export_record,
    assembly_open_registration,
)
from assemblies.services.lifecycle import assembly_duplicate, assembly_registrants_erase
from assemblies.services.quotas import quotas_relax_apply
from assemblies.services.runs import replacements_select, selection_run_start
from opendlp.core.errors import DomainError


def csv_response(body: str, filename: str) -> HttpResponse:
    """A CSV download (UTF-8, attachment)."""
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class DuplicateForm(forms.Form):
    """The new assembly's address and name when duplicating one."""

    title = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=80, help_text="The new assembly's public address.")


class AssemblyPages(TargetPages):
    """Custom pages of :class:`~assemblies.admin.assembly.AssemblyAdmin`, its base class."""

    # --- custom pages -----------------------------------------------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        name = "assemblies_assembly_"
        return [
            *self.import_urls(),
            *self.target_urls(),
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
            path("<int:object_id>/relax/", view(self.relax_view), name=f"{name}relax"),
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
            path(
                "<int:object_id>/erase-registrants/",
                view(self.erase_all_view),
                name=f"{name}erase_all",
            ),
            path(
                "<int:object_id>/duplicate/",
                view(self.duplicate_view),
                name=f"{name}duplicate",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, object_id: int, what: str) -> HttpResponse:
        """CSV downloads: all registrants with their status (managers), the current panel
        (managers and callers), the quota table and the empty templates (anyone who sees the
        assembly: no personal data, so not recorded as an export)."""
        if what in ("quotas", "quotas-template", "registrants-template"):
            assembly = self.assembly_or_404(request, object_id, "view")
            if what == "quotas":
                body = quotas_csv(assembly=assembly)
            elif what == "quotas-template":
                body = quotas_template_csv()
            else:
                body = registrants_template_csv(assembly=assembly)
            return csv_response(body, f"{assembly.slug}-{what}.csv")
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
        """Whether the quotas can be met by the current pool (reads only); when not, why
        (once, in plain words) and the suggested relaxation with its "Apply" button."""
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
                infeasibility=infeasibility_of(report) if report is not None else None,
                relax_source="feasibility",
                can_manage=permissions.can_manage(request.user, assembly.pk),
            ),
        )

    def relax_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """GET: confirm the suggested relaxation (a table of the changes); POST: apply it
        (:func:`assemblies.services.quotas.quotas_relax_apply`) and go to the feasibility
        page. A stale suggestion or a refusal is reported there, nothing changed; a
        malformed one shows this page with the reason."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        back = reverse("admin:assemblies_assembly_feasibility", args=[assembly.pk])
        form = RelaxationForm(request.POST if request.method == "POST" else request.GET)
        if form.is_valid() and request.method == "POST":
            try:
                outcome = quotas_relax_apply(
                    assembly_id=assembly.pk,
                    relaxation=form.cleaned_data["relaxation"],
                    actor=request.user,
                    source=form.cleaned_data["source"],
                )
            except DomainError as exc:
                self.refuse(request, exc, prefix="Nothing was changed")
            else:
                if outcome.changed:
                    self.message_user(
                        request,
                        ngettext(
                            "%(n)d quota was relaxed as suggested.",
                            "%(n)d quotas were relaxed as suggested.",
                            outcome.changed,
                        )
                        % {"n": outcome.changed},
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request, gettext("The relaxation was already applied; nothing changed.")
                    )
            return HttpResponseRedirect(back)
        return render(
            request,
            "admin/assemblies/assembly/relax.html",
            self.page_context(
                request,
                gettext("Apply this relaxation to %(assembly)s?") % {"assembly": assembly},
                original=assembly,
                form=form,
                changes=form.cleaned_data["relaxation"] if form.is_valid() else [],
                cancel_url=back,
            ),
            status=200 if form.is_valid() else 400,
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
                    ceremony=form.cleaned_data["ceremony"],
                    panels=form.cleaned_data["panels"],
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
        """Open or close registration, or archive: a confirmation page, then a POST. Opening
        shows the readiness checklist; with warnings, the POST must confirm them (a ticked
        box) or nothing changes (400)."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        if action not in self.LIFECYCLE:
            return HttpResponse(status=404)
        label, service = self.LIFECYCLE[action]
        if action == "open":
            warnings = assembly_readiness(assembly=assembly)
            form = ReadinessForm(
                request.POST if request.method == "POST" else None, warnings=warnings
            )
            if request.method != "POST" or not form.is_valid():
                return render(
                    request,
                    "admin/assemblies/readiness_confirm.html",
                    self.page_context(
                        request,
                        f"{label}?",
                        original=assembly,
                        question=f"{label} of “{assembly}”?",
                        warnings=warnings,
                        form=form,
                        button=label,
                        cancel_url=self._change_url(assembly),
                    ),
                    status=400 if request.method == "POST" else 200,
                )
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
                question=self._lifecycle_question(action, assembly),
                button=label,
                cancel_url=self._change_url(assembly),
            ),
        )

    @staticmethod
    def _lifecycle_question(action: str, assembly: Assembly) -> str:
        """The confirmation's sentence: what the action does, in the organiser's words."""
        if action == "archive":
            return gettext(
                "Archive “%(assembly)s”? An archived assembly takes no more registrations, "
                "imports, quota changes or selections, and cannot be opened again. Its draws "
                "and public draw records stay verifiable, and its registrants' personal data "
                "can then be erased in one step."
            ) % {"assembly": assembly}
        if action == "close":
            return gettext(
                "Close registration of “%(assembly)s”? The public form stops taking "
                "registrations; everyone already in the pool can be drawn."
            ) % {"assembly": assembly}
        return gettext("Open registration of “%(assembly)s”?") % {"assembly": assembly}

    def erase_all_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Erase the personal data of every registrant of an archived assembly: a
        confirmation page with the count, then a POST."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        if request.method == "POST":
            try:
                count = assembly_registrants_erase(assembly_id=assembly.pk, actor=request.user)
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                self.message_user(
                    request,
                    f"Personal data of {count} registrant{'s' if count != 1 else ''} erased.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(self._change_url(assembly))
        counts = status_counts(assembly=assembly)
        count = sum(counts.values()) - counts[RegistrantStatus.DELETED]
        return render(
            request,
            "admin/assemblies/confirm.html",
            self.page_context(
                request,
                "Erase all registrants' personal data?",
                original=assembly,
                question=(
                    f"Erase the personal data (names, contact details, extra columns, ids) of "
                    f"{count} registrant{'s' if count != 1 else ''} of “{assembly}”? This cannot "
                    "be undone. Their answers and random public ids stay, so past draws remain "
                    "verifiable and published draw records are unchanged."
                ),
                button=f"Erase {count} registrant{'s' if count != 1 else ''}",
                cancel_url=self._change_url(assembly),
            ),
        )

    def duplicate_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Duplicate the assembly (settings, categories, quotas; no people): a form for the new
        title and address, then the new assembly's page."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        form = DuplicateForm(
            request.POST or None,
            initial={"title": f"{assembly.title} (copy)", "slug": f"{assembly.slug}-copy"[:80]},
        )
        if request.method == "POST" and form.is_valid():
            try:
                copy = assembly_duplicate(
                    assembly_id=assembly.pk,
                    slug=form.cleaned_data["slug"],
                    title=form.cleaned_data["title"],
                    actor=request.user,
                )
            except DomainError as exc:
                self.refuse(request, exc)
            else:
                self.message_user(request, f"“{copy}” created from “{assembly}”.", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(copy))
        return render(
            request,
            "admin/assemblies/assembly/duplicate.html",
            self.page_context(request, f"Duplicate {assembly}", original=assembly, form=form),
        )
