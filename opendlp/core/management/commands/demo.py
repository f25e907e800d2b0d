"""``manage.py demo``: fill the database with demo data (idempotent).

Each app may provide ``<app>/demo.py`` with ``demo_populate(*, stdout) -> None``; they run in
the order of ``INSTALLED_APPS``. Running the command again creates nothing new.
"""

import importlib
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Create demo users, a demo assembly and demo lotteries (safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (demo accounts have known passwords).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Refusing to create demo data with DEBUG off; pass --force.")
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            module.demo_populate(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
