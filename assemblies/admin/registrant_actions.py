"""The registrant list's actions: callers move panel members between selected, confirmed and
withdrawn and record a confirmation they took by phone or letter; managers send the reminder
to confirm, erase personal data, seat someone by manual override and export CSV.

A base of :class:`assemblies.admin.registrant.RegistrantAdmin`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assemblies import permissions
from assemblies.admin.assembly_pages import csv_response
from assemblies.admin.base import MembershipAdmin
from assemblies.exports import registrants_csv
from assemblies.models import Assembly, RegistrantStatus
from assemblies.services.assemblies import assembly_export_record
from assemblies.services.notifications import registrants_remind
from assemblies.services.overrides import registrant_seat_override
from assemblies.services.registrants import (
    registrant_erase,
    registrant_staff_confirm,
    registrant_status_change,
)
from opendlp.core.errors import DomainError


class RegistrantActionsAdmin(MembershipAdmin):
    """The actions; ``call`` ones need the caller role in some assembly, ``manage`` ones the
    manager role (each registrant is checked again against its own assembly)."""

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

    def has_call_permission(self, request: HttpRequest) -> bool:
        """Actions on panel members: managers and callers of some assembly."""
        return self.has_change_permission(request)

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Erasure and exports: managers of some assembly."""
        return permissions.managed_assembly_ids(request.user) != []

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
