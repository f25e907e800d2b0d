"""The project as an app: health, audit log, periodic-task registry, base templates."""

from django.apps import AppConfig


class OpendlpConfig(AppConfig):
    """App config for the cross-cutting pieces of the platform."""

    name = "opendlp"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"
