"""``manage.py import_registrants SLUG PATH [--id-column NAME]``: all rows or none."""

from typing import Any

from django.core.management.base import CommandParser

from assemblies.errors import ServiceError
from assemblies.management.commands._common import assembly_or_error, read_text, service_error
from assemblies.services.imports import registrants_import
from opendlp.core.nul import NulSafeCommand


class Command(NulSafeCommand):
    help = "Import registrants from a CSV into the pool (re-importing an id updates it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("path")
        parser.add_argument(
            "--id-column",
            default=None,
            help="Column of unique ids (default: the assembly's; none: row numbers, no updates).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        assembly = assembly_or_error(options["slug"])
        try:
            outcome = registrants_import(
                assembly_id=assembly.pk,
                text=read_text(options["path"]),
                filename=options["path"],
                id_column=options["id_column"],
            )
        except ServiceError as exc:
            raise service_error(exc) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {outcome.rows} rows: {outcome.created} created, {outcome.updated} "
                f"updated, {outcome.skipped} skipped (erased)."
            )
        )
