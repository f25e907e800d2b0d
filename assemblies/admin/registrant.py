"""Registrant admin: the pool and the panel, filterable by assembly, status, source and each
category's answer, and the registrant's page (what each role may edit). The list's actions
are in :mod:`assemblies.admin.registrant_actions`, the timeline and notes in
:mod:`assemblies.admin.notes`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from assemblies import permissions
from assemblies.admin.filters import AssemblyFilter, category_filter
from assemblies.admin.notes import RegistrantNotesMixin
from assemblies.admin.registrant_actions import RegistrantActionsAdmin
from assemblies.forms import RegistrantAdminForm
from assemblies.models import (
    PERSONAL_FIELDS,
    Category,
    FormField,
    Quota,
    Registrant,
    RegistrantStatus,
)
from assemblies.services.registrants import (
    mover_for,
    registrant_status_change,
    registrant_update,
)
from assemblies.states import next_statuses
from opendlp.core.admin_layout import nowrap, truncated
from opendlp.core.errors import DomainError


@admin.register(Registrant)
class RegistrantAdmin(RegistrantNotesMixin, RegistrantActionsAdmin):
    """Registrants of the user's assemblies; the change page shows the registrant's timeline
    and lets callers and managers add notes (:mod:`assemblies.admin.notes`); the list's
    actions are :class:`~assemblies.admin.registrant_actions.RegistrantActionsAdmin`."""

    form = RegistrantAdminForm
    # Fits 1280 px: the source is a filter, long names and answers are cut (full text on
    # hover), the date has no time.
    list_display = (
        "display_name",
        "external_id",
        "assembly_title",
        "status",
        "answers_text",
        "created_date",
    )
    list_select_related = ("assembly",)
    search_fields = ("name", "email", "external_id")
    list_per_page = 100
    show_full_result_count = False
    readonly_fields = (
        "public_id",
        "assembly",
        "source",
        "language",
        "answers_list",
        "extra_text",
        "consent_at",
        "staff_confirmed_at",
        "staff_confirmed_by",
        "email_confirmed_at",
        "erased_at",
        "selected_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {"fields": ("public_id", "assembly", "external_id", "status", "source", "language")},
        ),
        (
            "Contact",
            {"fields": PERSONAL_FIELDS},
        ),
        ("Answers", {"fields": ("answers_list", "extra_text")}),
        (
            "Record",
            {
                "fields": (
                    "consent_at",
                    "staff_confirmed_at",
                    "staff_confirmed_by",
                    "email_confirmed_at",
                    "erased_at",
                    "selected_by",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    # --- list -------------------------------------------------------------------------------

    def _filter_assembly(self, request: HttpRequest) -> int | None:
        value = request.GET.get("assembly", "")
        if value.isdigit() and permissions.can_view(request.user, int(value)):
            return int(value)
        ids = permissions.visible_assembly_ids(request.user)
        if ids is not None and len(ids) == 1:
            return ids[0]
        return None

    def get_list_filter(self, request: HttpRequest) -> list:
        filters: list = [AssemblyFilter, "status", "source"]
        assembly_id = self._filter_assembly(request)
        if assembly_id is None:
            return filters
        values: dict[str, list[str]] = {}
        for category_name, value in (
            Quota.objects.filter(assembly_id=assembly_id)
            .order_by("position", "id")
            .values_list("category", "value")
        ):
            values.setdefault(category_name, []).append(value)
        for category in Category.objects.filter(assembly_id=assembly_id):
            filters.append(category_filter(category, values.get(category.name, [])))
        return filters

    @admin.display(description="name", ordering="name")
    def display_name(self, registrant: Registrant) -> str:
        return truncated(registrant.display_name)

    @admin.display(description="assembly", ordering="assembly__title")
    def assembly_title(self, registrant: Registrant) -> str:
        return truncated(registrant.assembly)

    @admin.display(description="answers")
    def answers_text(self, registrant: Registrant) -> str:
        return truncated(" · ".join(str(v) for v in (registrant.answers or {}).values()), wide=True)

    @admin.display(description="registered", ordering="created_at")
    def created_date(self, registrant: Registrant) -> str:
        return nowrap(date_format(timezone.localtime(registrant.created_at), "SHORT_DATE_FORMAT"))

    def get_list_display(self, request: HttpRequest) -> Any:
        if self._filter_assembly(request) is not None:
            return [c for c in self.list_display if c != "assembly_title"]
        return self.list_display

    @admin.display(description="answers")
    def answers_list(self, registrant: Registrant) -> str:
        items = (registrant.answers or {}).items()
        return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", items))

    @admin.display(description="form fields and other columns")
    def extra_text(self, registrant: Registrant) -> str:
        """The answers to the assembly's form fields (labelled, in form order), then the
        other imported columns."""
        extra = registrant.extra or {}
        if not extra:
            return "—"
        labels = dict(
            FormField.objects.filter(assembly_id=registrant.assembly_id)
            .order_by("position", "id")
            .values_list("key", "label")
        )
        items = [(f"{labels[k]} ({k})", extra[k]) for k in labels if k in extra]
        items += [(k, v) for k, v in extra.items() if k not in labels]
        return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", items))

    # --- permissions ------------------------------------------------------------------------

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            ids = permissions.visible_assembly_ids(request.user)
            return ids is None or any(permissions.can_call(request.user, pk) for pk in ids)
        return permissions.can_call(request.user, obj.assembly_id) and (
            obj.status != RegistrantStatus.DELETED
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not permissions.can_manage(request.user, obj.assembly_id):
            editable = {"status"}
            fields += [
                f.name
                for f in Registrant._meta.fields
                if f.name not in editable and f.name not in fields and f.editable
            ]
        return fields

    def _allowed_statuses(self, request: HttpRequest, obj: Registrant) -> tuple[str, ...]:
        try:
            by = mover_for(actor=request.user, assembly_id=obj.assembly_id)
        except DomainError:
            return (obj.status,)
        return (obj.status, *next_statuses(obj.status, by=by))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any):
        form = super().get_form(request, obj, change, **kw)
        if obj is None:
            return form
        allowed = self._allowed_statuses(request, obj)

        class LimitedForm(form):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                kwargs["allowed_statuses"] = allowed
                super().__init__(*args, **kwargs)

        return LimitedForm

    def save_model(self, request: HttpRequest, obj: Registrant, form: Any, change: bool) -> None:
        try:
            other = [f for f in form.changed_data if f != "status"]
            if other and permissions.can_manage(request.user, obj.assembly_id):
                registrant_update(registrant=obj, actor=request.user, changed=other)
            if "status" in form.changed_data:
                registrant_status_change(
                    registrant_id=obj.pk,
                    status=form.cleaned_data["status"],
                    actor=request.user,
                )
        except DomainError as exc:
            self.refuse(request, exc, prefix="Not saved")
