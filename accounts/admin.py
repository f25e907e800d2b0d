"""Admin for users."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users by email; ban state shown and filterable."""

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
