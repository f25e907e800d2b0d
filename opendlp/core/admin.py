"""Admin for the audit log: readable by staff, never writable."""

from django.contrib import admin
from django.http import HttpRequest

from opendlp.core.models import AuditEvent
from opendlp.core.nul import NulSafeChangeListMixin


@admin.register(AuditEvent)
class AuditEventAdmin(NulSafeChangeListMixin, admin.ModelAdmin):
    """Read-only list of audit events; adding, changing and deleting are refused."""

    list_display = ("created_at", "action", "actor", "target_type", "target_label")
    list_filter = ("action", "target_type")
    search_fields = ("action", "target_label", "target_id")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "target_type")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
