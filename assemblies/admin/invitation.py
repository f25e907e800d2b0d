"""Admin of organiser invitations: managers invite organisers to their assemblies."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from assemblies.models import Assembly, Invitation
from assemblies.permissions import managed_assembly_ids
from assemblies.services.invitations import (
    InvitationNotSent,
    invitation_revoke,
    invitation_send,
)
from opendlp.core.admin_layout import nowrap, truncated
from opendlp.core.errors import Forbidden
from opendlp.core.nul import NulSafeChangeListMixin


class InvitationForm(forms.ModelForm):
    """Invite someone: the assembly (among those the user manages), their email and role."""

    class Meta:
        model = Invitation
        fields = ("assembly", "email", "role")


@admin.register(Invitation)
class InvitationAdmin(NulSafeChangeListMixin, admin.ModelAdmin):
    """Managers invite organisers to their assemblies and revoke pending invitations.

    Visible to superusers and to anyone who manages at least one assembly; each sees only
    the invitations of the assemblies they manage. Invitations are never edited or deleted.
    """

    form = InvitationForm
    # Fits 1280 px: email and assembly cut with an ellipsis (full text on hover), dates only.
    list_display = ("email_cell", "assembly_title", "role", "state_display", "sent", "expires")
    list_display_links = ("email_cell",)
    # Only assemblies with invitations the user may see (never every assembly's title).
    list_filter = ("role", ("assembly", admin.RelatedOnlyFieldListFilter))
    search_fields = ("email", "assembly__title")
    list_select_related = ("assembly",)
    actions = ["revoke_invitations"]
    readonly_fields = ("invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")

    @staticmethod
    def _managed(request: HttpRequest) -> list[int] | None:
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

    @admin.display(description="email", ordering="email")
    def email_cell(self, obj: Invitation) -> str:
        return truncated(obj.email)

    @admin.display(description="assembly", ordering="assembly__title")
    def assembly_title(self, obj: Invitation) -> str:
        return truncated(obj.assembly)

    @admin.display(description="sent", ordering="created_at")
    def sent(self, obj: Invitation) -> str:
        return nowrap(date_format(timezone.localtime(obj.created_at), "SHORT_DATE_FORMAT"))

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, obj: Invitation) -> str:
        return nowrap(date_format(timezone.localtime(obj.expires_at), "SHORT_DATE_FORMAT"))

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The add form is handled outside the admin's request-wide transaction: the
        service commits the invitation and then sends its email, so a failed send is known
        (and shown) in this response instead of surfacing after it."""
        if object_id is None and request.method == "POST":
            # Django's form view without its transaction.atomic wrapper (not in the stubs).
            view = self._changeform_view  # type: ignore[attr-defined]
            return view(request, object_id, form_url, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Invitation, form, change: bool) -> None:  # noqa: ANN001
        """Send through :func:`invitation_send` (which saves, audits and emails).

        Raises:
            django.core.exceptions.PermissionDenied: the user does not manage the assembly
                (the service's :class:`~opendlp.core.errors.Forbidden`; the admin answers 403).
        """

        def accept_url(token: str) -> str:
            return request.build_absolute_uri(reverse("invitations:accept", args=[token]))

        try:
            invitation, _ = invitation_send(
                assembly_id=obj.assembly_id,
                email=obj.email,
                role=obj.role,
                invited_by=cast(User, request.user),  # the admin lets only staff in
                accept_url=accept_url,
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except InvitationNotSent as exc:
            self.message_user(request, str(exc), messages.ERROR)
            obj.pk = exc.invitation_id  # the revoked invitation: the admin logs its addition
            obj._state.adding = False
            obj.not_sent = True  # type: ignore[attr-defined]  # read by response_add
            return
        obj.pk = invitation.pk
        obj._state.adding = False

    def response_add(self, request: HttpRequest, obj: Invitation, post_url_continue=None):  # noqa: ANN001, ANN201
        if not getattr(obj, "not_sent", False):
            self.message_user(request, f"Invitation sent to {obj.email}.", messages.SUCCESS)
        return redirect("admin:assemblies_invitation_changelist")

    @admin.action(description="Revoke selected invitations")
    def revoke_invitations(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        """Revoke each selected pending invitation (used or revoked ones are left as they are)."""
        pending = [invitation.pk for invitation in queryset if invitation.state() == "pending"]
        for invitation_id in pending:
            invitation_revoke(
                invitation_id=invitation_id,
                actor=cast(User, request.user),  # the admin lets only staff in
            )
        revoked = len(pending)
        self.message_user(request, f"Revoked {revoked} invitation(s).", messages.SUCCESS)
