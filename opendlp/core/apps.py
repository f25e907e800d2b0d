"""The platform core as an app: the audit log, the periodic-task registry, log redaction,
domain errors and the ``demo`` and ``setup_periodic_tasks`` commands.

Every app may import the core; the core imports no app (docs/architecture.md).
The label stays ``opendlp`` so the audit table and its migrations keep their names.
"""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """App config for the cross-cutting pieces of the platform."""

    name = "opendlp.core"
    label = "opendlp"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"
