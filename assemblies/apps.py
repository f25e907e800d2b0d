"""Assemblies app configuration."""

from django.apps import AppConfig


class AssembliesConfig(AppConfig):
    """Assemblies, quotas, registrants, registration pages and selection runs."""

    name = "assemblies"
    verbose_name = "Citizens' assemblies"
    default_auto_field = "django.db.models.BigAutoField"
