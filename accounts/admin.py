"""Admin for users (with ban and unban actions) and a read-only view of API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.models import ApiToken, User
from accounts.services.users import (
    BAN_REASON_MAX_LENGTH,
    USER_FLAGS,
    user_ban,
    user_flags_set,
    user_unban,
)
from opendlp.core.errors import Forbidden


class BanReasonForm(forms.Form):
    """The reason typed on the ban (required) or unban (optional) confirmation page."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=BAN_REASON_MAX_LENGTH,
        strip=True,
    )

    def __init__(self, *args: object, required: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reason"].required = required


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users by email; ban state shown and filterable; ban and unban as list actions."""

    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "banned_at")
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        ("banned_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("email", "display_name")
    readonly_fields = ("last_login", "date_joined", "banned_at", "ban_reason")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name",)}),
        ("Ban", {"fields": ("banned_at", "ban_reason")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["ban_users", "unban_users"]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        """Only a superuser sees the superuser flag as editable."""
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ("is_superuser",)
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Save the form, with the active, staff and superuser flags set through
        :func:`~accounts.services.users.user_flags_set` (which audits them).

        Raises:
            django.core.exceptions.PermissionDenied: the service refused (403).
        """
        flags = {flag: getattr(obj, flag) for flag in USER_FLAGS if flag in form.changed_data}
        if change and flags:
            stored = User.objects.filter(pk=obj.pk).values(*USER_FLAGS).get()
            for flag in flags:
                setattr(obj, flag, stored[flag])  # the service sets and audits them
        super().save_model(request, obj, form, change)
        if not flags:
            return
        try:
            user, _ = user_flags_set(user_id=obj.pk, actor=request.user, **flags)
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        for flag in USER_FLAGS:
            setattr(obj, flag, getattr(user, flag))

    def _confirm(
        self,
        request: HttpRequest,
        queryset: QuerySet[User],
        *,
        action: str,
        title: str,
        required: bool,
    ) -> tuple[BanReasonForm, TemplateResponse | None]:
        """Return the bound form when the confirmation page was submitted and is valid.

        Otherwise return the confirmation page to show (first visit, or invalid input).
        """
        if request.POST.get("confirm") == "yes":
            form = BanReasonForm(request.POST, required=required)
            if form.is_valid():
                return form, None
        else:
            form = BanReasonForm(required=required)
        page = TemplateResponse(
            request,
            "accounts/admin/ban_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "users": queryset,
                "form": form,
                "action": action,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "reason_required": required,
            },
        )
        return form, page

    def _ban_state_change(
        self,
        request: HttpRequest,
        queryset: QuerySet[User],
        *,
        action: str,
        title: str,
        required: bool,
        service: Callable[..., tuple[User, bool]],
        done: str,
        unchanged: str,
    ) -> HttpResponse | None:
        """Confirm, then call ``service`` (ban or unban) for each selected user with the
        reason given, and report how many changed and how many were already so."""
        form, page = self._confirm(request, queryset, action=action, title=title, required=required)
        if page is not None:
            return page
        reason, changed = form.cleaned_data["reason"], 0
        for user_id in queryset.values_list("pk", flat=True):
            _, did = service(user_id=user_id, reason=reason, actor=request.user)
            changed += did
        skipped = queryset.count() - changed
        self.message_user(
            request,
            f"{done} {changed} user(s)." + (f" {skipped} {unchanged}." if skipped else ""),
            messages.SUCCESS,
        )
        return None

    @admin.action(description="Ban selected users (asks for a reason)", permissions=["change"])
    def ban_users(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        """Ban each selected user with the reason given on the confirmation page."""
        return self._ban_state_change(
            request,
            queryset,
            action="ban_users",
            title="Ban users",
            required=True,
            service=user_ban,
            done="Banned",
            unchanged="already banned",
        )

    @admin.action(description="Unban selected users", permissions=["change"])
    def unban_users(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        """Lift the ban of each selected user (the note on the confirmation page is optional)."""
        return self._ban_state_change(
            request,
            queryset,
            action="unban_users",
            title="Unban users",
            required=False,
            service=user_unban,
            done="Unbanned",
            unchanged="were not banned",
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Personal API tokens, read-only (owners create and revoke them on their account page)."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("prefix", "name", "user__email")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
