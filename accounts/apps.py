"""Accounts app configuration."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users log in with their email address; staff can ban and unban them."""

    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect the audit receivers for allauth's security signals."""
        from accounts import signals  # noqa: F401  # ready
