"""Registrant admin: the pool and the panel, filterable by assembly, status, source and each
category's answer; callers move panel members between selected, confirmed and withdrawn and
add notes to a registrant's timeline."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import CharField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from assemblies import permissions
from assemblies.admin.assembly_pages import csv_response
from assemblies.admin.base import MembershipAdmin
from assemblies.admin.notes import RegistrantNotesMixin
from assemblies.exports import registrants_csv
from assemblies.forms import RegistrantAdminForm
from assemblies.models import (
    PERSONAL_FIELDS,
    Assembly,
    Category,
    FormField,
    Quota,
    Registrant,
    RegistrantStatus,
)
from assemblies.selectors.assemblies import assemblies_visible_to
from assemblies.services.assemblies import assembly_export_record
from assemblies.services.notifications import registrants_remind
from assemblies.services.overrides import registrant_seat_override
from assemblies.services.registrants import (
    mover_for,
    registrant_erase,
    registrant_staff_confirm,
    registrant_status_change,
    registrant_update,
)
from assemblies.states import next_statuses
from opendlp.core.admin_layout import nowrap, truncated
from opendlp.core.errors import DomainError


class AssemblyFilter(admin.SimpleListFilter):
    """Only the assemblies the user is a member of."""

    title = "assembly"
    parameter_name = "assembly"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (str(a.pk), a.title)
            for a in assemblies_visible_to(user=request.user).only("pk", "title")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(assembly_id=int(value))
        return queryset


def category_filter(category: Category, values: list[str]) -> type[admin.SimpleListFilter]:
    """A list filter on one category's answer (reads ``Registrant.answers``)."""

    class AnswerFilter(admin.SimpleListFilter):
        title = category.name
        parameter_name = f"answer_{category.pk}"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return [(value, value) for value in values]

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            if self.value() is None:
                return queryset
            answer = Cast(KeyTextTransform(category.name, "answers"), output_field=CharField())
            return queryset.alias(_answer=answer).filter(_answer=self.value())

    AnswerFilter.__name__ = f"AnswerFilter{category.pk}"
    return AnswerFilter


@admin.register(Registrant)
class RegistrantAdmin(RegistrantNotesMixin, MembershipAdmin):
    """Registrants of the user's assemblies; the change page shows the registrant's timeline
    and lets callers and managers add notes (:mod:`assemblies.admin.notes`)."""

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
    actions = (
        "registrant_staff_confirm",
        "send_reminder",
        "mark_confirmed",
        "mark_withdrawn",
        "mark_selected",
        "seat_by_override",
        "erase",
        "export_csv",
    )
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

    def has_call_permission(self, request: HttpRequest) -> bool:
        """Actions on panel members: managers and callers of some assembly."""
        return self.has_change_permission(request)

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Erasure and exports: managers of some assembly."""
        return permissions.managed_assembly_ids(request.user) != []

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

    # --- actions ----------------------------------------------------------------------------

    def _change_statuses(self, request: HttpRequest, queryset: QuerySet, status: str) -> None:
        done, refused = 0, []
        for registrant in queryset.select_related("assembly"):
            if not permissions.can_call(request.user, registrant.assembly_id):
                refused.append(f"{registrant.display_name}: your role does not allow it")
                continue
            try:
                registrant_status_change(
                    registrant_id=registrant.pk,
                    status=status,
                    actor=request.user,
                )
                done += 1
            except DomainError as exc:
                refused.append(f"{registrant.display_name}: {exc}")
        if done:
            self.message_user(request, f"{done} registrant(s) now {status}.", messages.SUCCESS)
        for text in refused[:10]:
            self.message_user(request, text, messages.WARNING)
        if len(refused) > 10:
            self.message_user(request, f"… and {len(refused) - 10} more refused.", messages.WARNING)

    @admin.action(description="Mark as confirmed (panel member will attend)", permissions=["call"])
    def mark_confirmed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._change_statuses(request, queryset, RegistrantStatus.CONFIRMED)

    @admin.action(description="Mark as withdrawn", permissions=["call"])
    def mark_withdrawn(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._change_statuses(request, queryset, RegistrantStatus.WITHDRAWN)

    @admin.action(description="Mark as selected (undo confirmed/withdrawn)", permissions=["call"])
    def mark_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._change_statuses(request, queryset, RegistrantStatus.SELECTED)

    @admin.action(
        description="Record confirmation (I spoke to the person: pending -> pool)",
        permissions=["call"],
    )
    def registrant_staff_confirm(self, request: HttpRequest, queryset: QuerySet) -> None:
        """A caller or manager who reached a pending registrant (phone, letter) records their
        confirmation (:func:`~assemblies.services.registrants.registrant_staff_confirm`)."""
        done, skipped, refused = 0, 0, []
        for registrant in queryset:
            if registrant.status != RegistrantStatus.PENDING:
                skipped += 1
                continue
            try:
                registrant_staff_confirm(registrant_id=registrant.pk, actor=request.user)
            except DomainError as exc:
                refused.append(f"{registrant.display_name}: {exc}")
            else:
                done += 1
        if done:
            self.message_user(
                request,
                f"{done} registrant(s) confirmed by you and now in the pool.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request, f"{skipped} registrant(s) were not pending: unchanged.", messages.INFO
            )
        for text in refused[:10]:
            self.message_user(request, text, messages.WARNING)

    @admin.action(
        description="Send the reminder to confirm (pending, at most once a day)",
        permissions=["manage"],
    )
    def send_reminder(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Email the reminder to confirm to the selected pending registrants
        (:func:`~assemblies.services.notifications.registrants_remind`), per assembly."""
        by_assembly: dict[int, list[int]] = {}
        for pk, assembly_id in queryset.values_list("pk", "assembly_id"):
            by_assembly.setdefault(assembly_id, []).append(pk)
        for assembly_id, ids in sorted(by_assembly.items()):
            try:
                outcome = registrants_remind(
                    assembly_id=assembly_id,
                    registrant_ids=ids,
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                    actor=request.user,
                )
            except DomainError as exc:
                self.refuse(request, exc, prefix="No reminders sent")
                continue
            self.message_user(
                request,
                f"{outcome.created} reminder(s) sent; {outcome.already_today} already reminded "
                f"today (not sent again); {outcome.without_email} pending without an email "
                "address: call them, then use “Record confirmation”.",
                messages.SUCCESS if outcome.created else messages.INFO,
            )

    @admin.action(description="Erase personal data…", permissions=["manage"])
    def erase(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        allowed = [r for r in queryset if permissions.can_manage(request.user, r.assembly_id)]
        if request.POST.get("confirm") == "yes":
            for registrant in allowed:
                registrant_erase(registrant_id=registrant.pk, actor=request.user)
            self.message_user(
                request,
                f"Erased the personal data of {len(allowed)} registrant(s).",
                messages.SUCCESS,
            )
            return None
        return render(
            request,
            "admin/assemblies/registrant/erase_confirm.html",
            self.page_context(
                request,
                "Erase personal data?",
                registrants=allowed,
                selected_ids=[r.pk for r in allowed],
                action_checkbox_name=ACTION_CHECKBOX_NAME,
            ),
        )

    @admin.action(
        description="Seat on the panel by manual override (reason published)",
        permissions=["manage"],
    )
    def seat_by_override(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Ask for the reason, then seat one registrant without a draw (audited, public)."""
        registrants = list(queryset.select_related("assembly")[:2])
        if len(registrants) != 1:
            self.message_user(request, "Select exactly one registrant.", messages.WARNING)
            return None
        registrant = registrants[0]
        error = ""
        if request.POST.get("confirm") == "yes":
            try:
                registrant_seat_override(
                    registrant_id=registrant.pk,
                    reason=request.POST.get("reason", ""),
                    actor=request.user,
                )
            except DomainError as exc:
                error = str(exc)
            else:
                self.message_user(
                    request,
                    f"{registrant.display_name} is on the panel by manual override; the "
                    "reason is shown on the assembly's public draw records.",
                    messages.SUCCESS,
                )
                return None
        return render(
            request,
            "admin/assemblies/registrant/override_confirm.html",
            self.page_context(
                request,
                "Seat by manual override?",
                registrant=registrant,
                error=error,
                reason=request.POST.get("reason", ""),
                action_checkbox_name=ACTION_CHECKBOX_NAME,
            ),
        )

    @admin.action(description="Export the selected registrants as CSV", permissions=["manage"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        ids = {r.assembly_id for r in queryset.only("assembly_id")}
        if len(ids) != 1:
            self.message_user(request, "Filter to one assembly before exporting.", messages.WARNING)
            return None
        assembly = Assembly.objects.get(pk=ids.pop())
        if not permissions.can_manage(request.user, assembly.pk):
            self.message_user(request, "Only managers export registrants.", messages.ERROR)
            return None
        body = registrants_csv(assembly=assembly, registrants=queryset.order_by("id"))
        assembly_export_record(
            assembly_id=assembly.pk, actor=request.user, what="registrants (selection)"
        )
        return csv_response(body, f"{assembly.slug}-registrants.csv")
