"""Assembly admin: the organiser's home for one assembly, with its quotas, imports, exports,
feasibility check, selection runs, replacements and audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from assemblies import permissions
from assemblies.admin.assembly_pages import AssemblyPages
from assemblies.admin.entry import RegistrantEntryPages
from assemblies.admin.organisers import MembershipInlineForm
from assemblies.admin.pages import (
    ContentTranslationInline,
    RegistrationPageInline,
    RegistrationPageViews,
)
from assemblies.bands import percent_of_panel
from assemblies.forms import CategoryInlineForm, HouseholdColumnsField, QuotaInlineForm
from assemblies.models import (
    Assembly,
    AssemblyMembership,
    AssemblyStatus,
    Category,
    ContentTranslation,
    FormField,
    Quota,
    RegistrantStatus,
    RegistrationPage,
)
from assemblies.selectors.assemblies import quota_pool_counts, status_counts
from assemblies.selectors.readiness import assembly_readiness
from assemblies.selectors.runs import active_run, runs_of
from assemblies.services.assemblies import assembly_problems, assembly_save
from assemblies.services.form_fields import form_field_problems, form_fields_save
from assemblies.services.memberships import membership_remove, membership_set
from assemblies.services.pages import content_translations_save, registration_page_save
from assemblies.services.quotas import quotas_save
from opendlp.core.admin_layout import truncated
from opendlp.core.errors import DomainError
from opendlp.core.selectors import audit_events_for


class AssemblyAdminForm(forms.ModelForm):
    """The assembly form, with household columns typed as a comma-separated list.

    The rules of :func:`~assemblies.services.assemblies.assembly_problems` (one-line title,
    a household check that can work) show as form errors; the service enforces them again.
    """

    household_columns = HouseholdColumnsField(
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
            "email_requirement",
            "phone_requirement",
            "address_requirement",
            "household_check",
            "household_columns",
            "id_column",
            "privacy_notice",
            "reply_to",
        )

    def clean(self) -> dict[str, Any]:
        # ModelForm.clean returns cleaned_data; the stubs allow None for overrides.
        data = cast(dict[str, Any], super().clean())
        problems = assembly_problems(
            assembly=self.instance,
            title=data.get("title", self.instance.title),
            household_check=data.get("household_check", self.instance.household_check),
            household_columns=data.get("household_columns", self.instance.household_columns),
        )
        for name, sentence in problems:
            self.add_error(name if name in self.fields else None, sentence)
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
    form = CategoryInlineForm
    extra = 0
    fields = ("name", "question", "help_text", "position", "bands")
    readonly_fields = ("name",)
    verbose_name = "category question"
    verbose_name_plural = "Category questions (the categories come from the quotas)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class QuotaInline(MemberInlineMixin, admin.TabularInline):
    """The quotas, with each range also shown the other way (counts for a range typed as
    percentages, shares of the panel for counts) and the pool count of each value."""

    model = Quota
    form = QuotaInlineForm
    extra = 0
    fields = (
        "category",
        "value",
        "position",
        "min",
        "max",
        "share",
        "min_flex",
        "max_flex",
        "pool_count",
    )
    readonly_fields = ("share", "pool_count")
    _counts: Any = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quota]:
        return super().get_queryset(request).order_by("position", "id")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._counts = quota_pool_counts(assembly=obj) if obj is not None else None
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=gettext_lazy("count / % of panel"))
    def share(self, quota: Quota) -> str:
        """The range the other way: ``6-7`` for a range typed as 20%, ``5%-10%`` for 6-12."""
        if quota.pk is None:
            return "—"
        if quota.min_percent is not None or quota.max_percent is not None:
            return f"= {quota.min}–{quota.max}"
        panel = quota.assembly.panel_size
        return f"{percent_of_panel(quota.min, panel)}–{percent_of_panel(quota.max, panel)}"

    @admin.display(description="in pool")
    def pool_count(self, quota: Quota) -> int | str:
        if quota.pk is None or self._counts is None:
            return "—"
        return self._counts.get((quota.category, quota.value), 0)


class FormFieldInlineForm(forms.ModelForm):
    """One form field, with compact widgets (the inline fits a 1280 px window) and the
    rules of :func:`~assemblies.services.form_fields.form_field_problems` as field errors."""

    class Meta:
        model = FormField
        fields = ("position", "key", "label", "help_text", "type", "choices", "requirement")
        labels = {"position": "#", "requirement": "asked"}
        widgets = {
            "position": forms.NumberInput(attrs={"style": "width: 2.5em"}),
            "key": forms.TextInput(attrs={"style": "width: 6em"}),
            "label": forms.Textarea(attrs={"rows": 2, "style": "width: 9em"}),
            "help_text": forms.Textarea(attrs={"rows": 2, "style": "width: 8em"}),
            "type": forms.Select(attrs={"style": "width: 8.5em"}),
            "choices": forms.Textarea(
                attrs={"rows": 2, "style": "width: 8em", "placeholder": "one answer per line"}
            ),
            "requirement": forms.Select(attrs={"style": "width: 7em"}),
        }

    def clean(self) -> dict[str, Any]:
        # ModelForm.clean returns cleaned_data; the stubs allow None for overrides.
        data = cast(dict[str, Any], super().clean())
        assembly = getattr(self.instance, "assembly", None) if self.instance.assembly_id else None
        if assembly is None or not data.get("key") or self.cleaned_data.get("DELETE"):
            return data
        for name, sentence in form_field_problems(
            assembly=assembly,
            key=data["key"],
            type=data.get("type", ""),
            choices=data.get("choices", ""),
            exclude_pk=self.instance.pk,
        ):
            self.add_error(name if name in self.fields else None, sentence)
        return data


class FormFieldInline(MemberInlineMixin, admin.TabularInline):
    """The assembly's own questions on the registration form, after the category questions
    (answers stored under the key in each registrant's extra columns)."""

    model = FormField
    form = FormFieldInlineForm
    extra = 0
    fields = ("position", "key", "label", "help_text", "type", "choices", "requirement")
    verbose_name = "form field"
    verbose_name_plural = "Form fields (more questions on the registration form)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[FormField]:
        return super().get_queryset(request).order_by("position", "id")


class MembershipInline(MemberInlineMixin, admin.TabularInline):
    """Who organises the assembly, and with which role."""

    model = AssemblyMembership
    form = MembershipInlineForm  # users by exact email: the page lists no other staff users
    extra = 0
    fields = ("user", "role")
    verbose_name = "organiser"
    verbose_name_plural = "Organisers (staff users with a role in this assembly)"


class PageInline(MemberInlineMixin, RegistrationPageInline):
    """Registration pages, for the assembly's organisers (managers edit)."""


class TranslationInline(MemberInlineMixin, ContentTranslationInline):
    """Translations of the assembly's texts, for its organisers (managers edit)."""


#: The inlines saved as a table by one service (``assembly_id, changed, deleted, actor``) and
#: the prefix of their refusal; quotas and categories go to ``quotas_save``.
_TABLE_SAVERS: dict[type, tuple[Callable[..., Any], str]] = {
    ContentTranslation: (content_translations_save, "Translations not saved"),
    FormField: (form_fields_save, "Form fields not saved"),
}


@admin.register(Assembly)
class AssemblyAdmin(RegistrantEntryPages, RegistrationPageViews, AssemblyPages):
    """Assemblies the organiser is a member of, with everything needed to run one."""

    form = AssemblyAdminForm
    assembly_path = ""
    list_display = (
        "title_cell",
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
    inlines = (
        QuotaInline,
        CategoryInline,
        FormFieldInline,
        PageInline,
        TranslationInline,
        MembershipInline,
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "status", "question", "description")}),
        ("Selection", {"fields": ("panel_size", "default_algorithm", "auto_select")}),
        (
            "Registration",
            {
                "fields": (
                    ("registration_opens_at", "registration_closes_at"),
                    ("email_requirement", "phone_requirement", "address_requirement"),
                )
            },
        ),
        (
            "Households and imports",
            {"fields": ("household_check", "household_columns", "id_column")},
        ),
        ("Privacy", {"classes": ("collapse",), "fields": ("privacy_notice",)}),
        ("Emails", {"fields": ("reply_to",)}),
        ("Record", {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )

    def get_urls(self) -> list:
        return [*self.page_urls(), *super().get_urls()]

    # --- lists ------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assembly]:
        return (
            super()
            .get_queryset(request)
            .annotate(_pool=Count("registrants", filter=Q(registrants__status="pool")))
        )

    @admin.display(description="title", ordering="title")
    def title_cell(self, assembly: Assembly) -> str:
        return truncated(assembly.title, wide=True)

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
        try:
            assembly_save(assembly=obj, actor=request.user, changed=form.changed_data)
        except DomainError as exc:
            self.refuse(request, exc, prefix="Not saved")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        assembly = form.instance
        if formset.model is AssemblyMembership:
            instances = formset.save(commit=False)
            for membership in formset.deleted_objects:
                try:
                    membership_remove(
                        assembly_id=assembly.pk, user=membership.user, actor=request.user
                    )
                except DomainError as exc:
                    self.refuse(request, exc)
            for membership in instances:
                try:
                    membership_set(
                        assembly_id=assembly.pk,
                        user=membership.user,
                        role=membership.role,
                        actor=request.user,
                    )
                except DomainError as exc:
                    self.refuse(request, exc)
            return
        if formset.model is RegistrationPage:
            for page in formset.save(commit=False):
                page.assembly_id = assembly.pk
                try:
                    registration_page_save(page=page, actor=request.user)
                except DomainError as exc:
                    self.refuse(request, exc, prefix=f"Page “{page.label}” not saved")
            return
        # The other inlines are tables saved whole by one service each.
        changed = formset.save(commit=False)
        if not (changed or formset.deleted_objects):
            return
        save, refusal = _TABLE_SAVERS.get(formset.model, (quotas_save, "Quotas not saved"))
        try:
            save(
                assembly_id=assembly.pk,
                changed=changed,
                deleted=formset.deleted_objects,
                actor=request.user,
            )
        except DomainError as exc:
            self.refuse(request, exc, prefix=refusal)

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
        counts = status_counts(assembly=assembly)
        return {
            "assembly": assembly,
            "role": permissions.role_in(request.user, assembly.pk),
            "can_manage": permissions.can_manage(request.user, assembly.pk),
            "can_call": permissions.can_call(request.user, assembly.pk),
            "status_counts": [
                (label, counts[value], value)
                for value, label in RegistrantStatus.choices
                if counts.get(value)
            ],
            "pool_size": counts[RegistrantStatus.POOL],
            "panel_count": counts[RegistrantStatus.SELECTED] + counts[RegistrantStatus.CONFIRMED],
            "quota_count": Quota.objects.filter(assembly=assembly).count(),
            "warnings": assembly_readiness(assembly=assembly),
            "active_run": active_run(assembly=assembly),
            "runs": list(runs_of(assembly=assembly)[:10]),
            "audit_events": list(audit_events_for(target=assembly, limit=25)),
            "registrants_url": reverse("admin:assemblies_registrant_changelist")
            + f"?assembly={assembly.pk}",
            "runs_url": reverse("admin:assemblies_selectionrun_changelist")
            + f"?assembly={assembly.pk}",
        }
