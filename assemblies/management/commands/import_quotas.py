"""``manage.py import_quotas SLUG PATH``: replace an assembly's quotas from a CSV."""

from typing import Any

from django.core.management.base import CommandParser

from assemblies.errors import ServiceError
from assemblies.management.commands._common import assembly_or_error, read_text, service_error
from assemblies.services.quotas import quotas_import
from opendlp.core.nul import NulSafeCommand


class Command(NulSafeCommand):
    help = "Replace an assembly's quota table with a CSV (any dialect the engine reads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        assembly = assembly_or_error(options["slug"])
        try:
            outcome = quotas_import(
                assembly_id=assembly.pk, text=read_text(options["path"]), filename=options["path"]
            )
        except ServiceError as exc:
            raise service_error(exc) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {outcome.imported} quotas in {len(outcome.categories)} categories "
                f"({', '.join(outcome.categories)}); replaced {outcome.replaced}."
            )
        )
