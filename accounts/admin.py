"""Admin for users (with ban and unban actions) and a read-only view of API tokens."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts.models import ApiToken, Invitation, User
from accounts.services.invitations import invitation_revoke, invitation_send
from accounts.services.users import BAN_REASON_MAX_LENGTH, user_ban, user_unban
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


class InvitationForm(forms.ModelForm):
    """Invite someone: the assembly (among those the user manages), their email and role."""

    class Meta:
        model = Invitation
        fields = ("assembly", "email", "role")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Managers invite organisers to their assemblies and revoke pending invitations.

    Visible to superusers and to anyone who manages at least one assembly; each sees only
    the invitations of the assemblies they manage. Invitations are never edited or deleted.
    """

    form = InvitationForm
    list_display = ("email", "assembly", "role", "state_display", "created_at", "expires_at")
    list_filter = ("role", "assembly")
    search_fields = ("email", "assembly__title")
    list_select_related = ("assembly",)
    actions = ["revoke_invitations"]
    readonly_fields = ("invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")

    @staticmethod
    def _managed(request: HttpRequest) -> list[int] | None:
        from assemblies.permissions import managed_assembly_ids  # layering

        return managed_assembly_ids(request.user)

    def _may_manage_any(self, request: HttpRequest) -> bool:
        managed = self._managed(request)
        return managed is None or bool(managed)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_manage_any(request)

    def has_view_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        if obj is None:
            return self._may_manage_any(request)
        managed = self._managed(request)
        return managed is None or obj.assembly_id in managed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_manage_any(request)

    def has_change_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        managed = self._managed(request)
        queryset = super().get_queryset(request)
        return queryset if managed is None else queryset.filter(assembly_id__in=managed)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN201
        if db_field.name == "assembly":
            from assemblies.models import Assembly  # layering

            managed = self._managed(request)
            queryset = Assembly.objects.all()
            kwargs["queryset"] = queryset if managed is None else queryset.filter(pk__in=managed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Invitation | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("assembly", "email", "role")
        return ("assembly", "email", "role") + self.readonly_fields

    @admin.display(description="State")
    def state_display(self, obj: Invitation) -> str:
        return obj.state()

    def save_model(self, request: HttpRequest, obj: Invitation, form, change: bool) -> None:  # noqa: ANN001
        """Send through :func:`invitation_send` (which saves, audits and emails).

        Raises:
            django.core.exceptions.PermissionDenied: the user does not manage the assembly
                (the service's :class:`~opendlp.core.errors.Forbidden`; the admin answers 403).
        """

        def accept_url(token: str) -> str:
            return request.build_absolute_uri(reverse("accounts:invitation", args=[token]))

        try:
            invitation, _ = invitation_send(
                assembly_id=obj.assembly_id,
                email=obj.email,
                role=obj.role,
                invited_by=request.user,
                accept_url=accept_url,
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = invitation.pk
        obj._state.adding = False

    def response_add(self, request: HttpRequest, obj: Invitation, post_url_continue=None):  # noqa: ANN001, ANN201
        self.message_user(request, f"Invitation sent to {obj.email}.", messages.SUCCESS)
        return redirect("admin:accounts_invitation_changelist")

    @admin.action(description="Revoke selected invitations")
    def revoke_invitations(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        """Revoke each selected pending invitation (used or revoked ones are left as they are)."""
        pending = [invitation.pk for invitation in queryset if invitation.state() == "pending"]
        for invitation_id in pending:
            invitation_revoke(invitation_id=invitation_id, actor=request.user)
        revoked = len(pending)
        self.message_user(request, f"Revoked {revoked} invitation(s).", messages.SUCCESS)
