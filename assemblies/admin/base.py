"""Shared behaviour of the assemblies ModelAdmins: membership-based access."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from assemblies import permissions
from assemblies.models import Assembly
from opendlp.core.errors import DomainError
from opendlp.core.nul import NulSafeChangeListMixin


class MembershipAdmin(NulSafeChangeListMixin, admin.ModelAdmin):
    """Grants the admin through assembly memberships instead of Django model permissions.
    Its lists refuse a NUL in the query string like any wrong lookup.

    Subclasses set ``assembly_path`` (the lookup from the model to its assembly, e.g.
    ``"assembly"``; empty for Assembly itself). Objects outside the user's assemblies are not
    in the queryset, so the admin answers 404 for them, never "permission denied".
    """

    assembly_path = "assembly"

    # --- what the user may see --------------------------------------------------------------

    def assembly_id_of(self, obj: Model) -> int:
        """The id of the assembly an object belongs to."""
        return obj.pk if isinstance(obj, Assembly) else obj.assembly_id  # type: ignore[attr-defined]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        ids = permissions.visible_assembly_ids(request.user)
        if ids is None:
            return queryset
        key = "pk__in" if not self.assembly_path else f"{self.assembly_path}_id__in"
        return queryset.filter(**{key: ids})

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such object.")
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_organiser(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return permissions.is_organiser(request.user)
        return permissions.can_view(request.user, self.assembly_id_of(obj))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return permissions.is_organiser(request.user) and bool(
                permissions.managed_assembly_ids(request.user) != []
            )
        return permissions.can_manage(request.user, self.assembly_id_of(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    # --- helpers for custom views -----------------------------------------------------------

    def assembly_or_404(
        self, request: HttpRequest, assembly_id: Any, need: str = "view"
    ) -> Assembly:
        """The assembly if the user may ``need`` ("view", "call" or "manage") it.

        Raises:
            Http404: not a member (or no such assembly).
            PermissionDenied: a member whose role is too weak (403).
        """
        try:
            assembly = Assembly.objects.get(pk=int(assembly_id))
        except (Assembly.DoesNotExist, TypeError, ValueError):
            raise Http404("No such assembly.") from None
        if not permissions.can_view(request.user, assembly.pk):
            raise Http404("No such assembly.")
        allowed = {
            "view": permissions.can_view,
            "call": permissions.can_call,
            "manage": permissions.can_manage,
        }[need]
        if not allowed(request.user, assembly.pk):
            raise PermissionDenied("Your role in this assembly does not allow this.")
        return assembly

    def object_or_404(self, request: HttpRequest, object_id: Any, need: str = "view") -> Any:
        """The object if the user may ``need`` ("view", "call" or "manage") its assembly.

        Raises:
            Http404: no such object in the user's assemblies.
            PermissionDenied: a member whose role is too weak (403).
        """
        obj = self.get_object(request, str(object_id))
        self.assembly_or_404(request, self.assembly_id_of(obj), need)
        return obj

    def refuse(self, request: HttpRequest, exc: DomainError, prefix: str = "") -> None:
        """Tell the organiser a service refused (the one mapping of domain errors in the
        admin): an error message with the refusal's sentence, after ``prefix`` if given."""
        self.message_user(request, f"{prefix}: {exc}" if prefix else str(exc), messages.ERROR)

    def page_context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        """The admin's base template context for a custom page."""
        original = extra.get("original")
        crumb = original if isinstance(original, Assembly) else getattr(original, "assembly", None)
        return {
            **self.admin_site.each_context(request),
            "crumb_assembly": crumb,
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "title": title,
            **extra,
        }
