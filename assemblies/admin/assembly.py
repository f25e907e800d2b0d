"""Assembly admin: the organiser's home for one assembly, with its quotas, imports, exports,
feasibility check, selection runs, replacements and audit trail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.models import User
from assemblies import permissions, selectors, services
from assemblies.admin.base import MembershipAdmin
from assemblies.forms import (
    CsvUploadForm,
    RegistrantsUploadForm,
    ReplacementRequestForm,
    SelectionRequestForm,
)
from assemblies.models import (
    Assembly,
    AssemblyMembership,
    AssemblyStatus,
    Category,
    PendingImport,
    Quota,
    RegistrantStatus,
    RunKind,
)
from opendlp.selectors import audit_events_for


class AssemblyAdminForm(forms.ModelForm):
    """The assembly form, with household columns typed as a comma-separated list."""

    household_columns = forms.CharField(
        required=False,
        help_text="Comma-separated fields that identify a household, e.g. "
        "address_line_1, postcode (or the names of imported columns).",
    )

    class Meta:
        model = Assembly
        fields = (
            "title",
            "slug",
            "question",
            "description",
            "panel_size",
            "default_algorithm",
            "auto_select",
            "registration_opens_at",
            "registration_closes_at",
            "household_check",
            "household_columns",
            "id_column",
            "privacy_notice",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.household_columns:
            self.initial["household_columns"] = ", ".join(self.instance.household_columns)

    def clean_household_columns(self) -> list[str]:
        text = self.cleaned_data.get("household_columns") or ""
        return [part.strip() for part in text.split(",") if part.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("household_check") and not data.get("household_columns"):
            self.add_error("household_columns", "Name the fields that identify a household.")
        return data


class MemberInlineMixin:
    """Inline permissions follow the assembly role (managers edit, others read)."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or permissions.can_view(request.user, obj.pk)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and permissions.can_manage(request.user, obj.pk)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and permissions.can_manage(request.user, obj.pk)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and permissions.can_manage(request.user, obj.pk)


class CategoryInline(MemberInlineMixin, admin.TabularInline):
    """The question asked for each category on the registration form, and its order."""

    model = Category
    extra = 0
    fields = ("name", "question", "help_text", "position")
    readonly_fields = ("name",)
    verbose_name = "category question"
    verbose_name_plural = "Category questions (the categories come from the quotas)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class QuotaInline(MemberInlineMixin, admin.TabularInline):
    """The quotas, with the pool count of each value beside it."""

    model = Quota
    extra = 0
    fields = ("category", "value", "position", "min", "max", "min_flex", "max_flex", "pool_count")
    readonly_fields = ("pool_count",)
    _counts: Any = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quota]:
        return super().get_queryset(request).order_by("position", "id")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._counts = selectors.quota_pool_counts(assembly=obj) if obj is not None else None
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="in pool")
    def pool_count(self, quota: Quota) -> int | str:
        if quota.pk is None or self._counts is None:
            return "—"
        return self._counts.get((quota.category, quota.value), 0)


class MembershipInline(MemberInlineMixin, admin.TabularInline):
    """Who organises the assembly, and with which role."""

    model = AssemblyMembership
    extra = 0
    fields = ("user", "role")
    verbose_name = "organiser"
    verbose_name_plural = "Organisers (staff users with a role in this assembly)"

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Assembly)
class AssemblyAdmin(MembershipAdmin):
    """Assemblies the organiser is a member of, with everything needed to run one."""

    form = AssemblyAdminForm
    assembly_path = ""
    list_display = (
        "title",
        "slug",
        "status",
        "panel_size",
        "pool_size",
        "registration_closes_at",
        "registrants_link",
    )
    list_filter = ("status",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("status", "created_at", "updated_at")
    inlines = (QuotaInline, CategoryInline, MembershipInline)
    fieldsets = (
        (None, {"fields": ("title", "slug", "status", "question", "description")}),
        ("Selection", {"fields": ("panel_size", "default_algorithm", "auto_select")}),
        ("Registration", {"fields": ("registration_opens_at", "registration_closes_at")}),
        (
            "Households and imports",
            {"fields": ("household_check", "household_columns", "id_column")},
        ),
        ("Privacy", {"classes": ("collapse",), "fields": ("privacy_notice",)}),
        ("Record", {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )

    # --- lists ------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assembly]:
        return (
            super()
            .get_queryset(request)
            .annotate(_pool=Count("registrants", filter=Q(registrants__status="pool")))
        )

    @admin.display(description="pool", ordering="_pool")
    def pool_size(self, assembly: Assembly) -> int:
        return getattr(assembly, "_pool", 0)

    @admin.display(description="registrants")
    def registrants_link(self, assembly: Assembly) -> str:
        url = reverse("admin:assemblies_registrant_changelist") + f"?assembly={assembly.pk}"
        return format_html('<a href="{}">registrants</a>', url)

    # --- permissions ------------------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_create_assembly(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser and request.user.is_active)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != AssemblyStatus.DRAFT:
            fields.append("slug")
        return fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict:
        if obj is not None and obj.status != AssemblyStatus.DRAFT:
            return {}
        return super().get_prepopulated_fields(request, obj)

    # --- saving through the services --------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Assembly, form: Any, change: bool) -> None:
        services.assembly_save(assembly=obj, actor=request.user, changed=form.changed_data)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        assembly = form.instance
        if formset.model is AssemblyMembership:
            instances = formset.save(commit=False)
            for membership in formset.deleted_objects:
                try:
                    services.membership_remove(
                        assembly_id=assembly.pk, user=membership.user, actor=request.user
                    )
                except services.ServiceError as exc:
                    self.message_user(request, str(exc), messages.ERROR)
            for membership in instances:
                try:
                    services.membership_set(
                        assembly_id=assembly.pk,
                        user=membership.user,
                        role=membership.role,
                        actor=request.user,
                    )
                except services.ServiceError as exc:
                    self.message_user(request, str(exc), messages.ERROR)
            return
        saved = formset.save()
        if not (saved or formset.deleted_objects):
            return
        changes = {
            "model": formset.model._meta.model_name,
            "saved": len(saved),
            "deleted": len(formset.deleted_objects),
        }
        services.quotas_changed(assembly_id=assembly.pk, actor=request.user, changes=changes)

    # --- the change page --------------------------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        assembly = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), **self._summary(request, assembly)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _summary(self, request: HttpRequest, assembly: Assembly) -> dict[str, Any]:
        counts = selectors.status_counts(assembly=assembly)
        return {
            "assembly": assembly,
            "role": permissions.role_in(request.user, assembly.pk),
            "can_manage": permissions.can_manage(request.user, assembly.pk),
            "can_call": permissions.can_call(request.user, assembly.pk),
            "status_counts": [
                (label, counts[value], value)
                for value, label in RegistrantStatus.choices
                if counts[value]
            ],
            "pool_size": counts[RegistrantStatus.POOL],
            "panel_count": counts[RegistrantStatus.SELECTED] + counts[RegistrantStatus.CONFIRMED],
            "quota_count": Quota.objects.filter(assembly=assembly).count(),
            "active_run": selectors.active_run(assembly=assembly),
            "runs": list(selectors.runs_of(assembly=assembly)[:10]),
            "audit_events": list(audit_events_for(target=assembly, limit=25)),
            "registrants_url": reverse("admin:assemblies_registrant_changelist")
            + f"?assembly={assembly.pk}",
            "runs_url": reverse("admin:assemblies_selectionrun_changelist")
            + f"?assembly={assembly.pk}",
        }

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
            pending = services.pending_import_create(
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
                services.pending_import_discard(pending_id=pending.pk)
                self.message_user(request, "The upload was discarded; nothing was imported.")
                return HttpResponseRedirect(self._change_url(assembly))
            return self._import_confirm(request, assembly, pending)
        if pending.kind == PendingImport.Kind.QUOTAS:
            preview: Any = services.quotas_import_preview(
                assembly=assembly, text=pending.text, filename=pending.filename
            )
        else:
            preview = services.registrants_import_preview(
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
                quota_outcome = services.quotas_import(
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
                outcome = services.registrants_import(
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
        except services.ImportRejected as exc:
            self.message_user(
                request,
                f"Nothing was imported: {len(exc.problems)} problem(s) in the file.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)
        except services.ServiceError as exc:
            self.message_user(request, f"Nothing was imported: {exc}", messages.ERROR)
            return HttpResponseRedirect(request.path)
        services.pending_import_discard(pending_id=pending.pk)
        self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(assembly))

    def export_view(self, request: HttpRequest, object_id: int, what: str) -> HttpResponse:
        """CSV downloads: all registrants with their status (managers) or the current panel
        (managers and callers)."""
        if what == "registrants":
            assembly = self.assembly_or_404(request, object_id, "manage")
            body = selectors.registrants_csv(assembly=assembly)
        elif what == "panel":
            assembly = self.assembly_or_404(request, object_id, "call")
            body = selectors.panel_csv(assembly=assembly)
        else:
            return HttpResponse(status=404)
        services.assembly_export_record(assembly_id=assembly.pk, actor=request.user, what=what)
        return csv_response(body, f"{assembly.slug}-{what}.csv")

    def feasibility_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Whether the quotas can be met by the current pool (reads only)."""
        assembly = self.assembly_or_404(request, object_id, "view")
        report = selectors.assembly_feasibility(assembly=assembly)
        return render(
            request,
            "admin/assemblies/assembly/feasibility.html",
            self.page_context(
                request, f"Feasibility of {assembly}", original=assembly, report=report
            ),
        )

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
                run = services.selection_run_start(
                    assembly_id=assembly.pk,
                    kind=RunKind.TEST if form.cleaned_data["test_run"] else RunKind.PANEL,
                    algorithm=form.cleaned_data["algorithm"],
                    seed=form.cleaned_data["seed"].strip() or None,
                    actor=request.user,
                )
            except services.ServiceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"Selection run #{run.pk} requested.", messages.SUCCESS)
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
                pool_size=selectors.status_counts(assembly=assembly)[RegistrantStatus.POOL],
                active_run=selectors.active_run(assembly=assembly),
            ),
        )

    def replacements_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Ask for replacements of withdrawn panel members."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        counts = selectors.status_counts(assembly=assembly)
        kept = counts[RegistrantStatus.SELECTED] + counts[RegistrantStatus.CONFIRMED]
        missing = max(0, assembly.panel_size - kept)
        form = ReplacementRequestForm(
            request.POST or None,
            initial={"count": missing or 1, "algorithm": assembly.default_algorithm},
        )
        if request.method == "POST" and form.is_valid():
            try:
                run = services.replacements_select(
                    assembly_id=assembly.pk,
                    count=form.cleaned_data["count"],
                    algorithm=form.cleaned_data["algorithm"],
                    seed=form.cleaned_data["seed"].strip() or None,
                    actor=request.user,
                )
            except services.ServiceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request, f"Replacement run #{run.pk} requested.", messages.SUCCESS
                )
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
        "open": ("Open registration", services.assembly_open_registration),
        "close": ("Close registration", services.assembly_close_registration),
        "archive": ("Archive the assembly", services.assembly_archive),
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
            except services.ServiceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
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


def csv_response(body: str, filename: str) -> HttpResponse:
    """A CSV download (UTF-8, attachment)."""
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
