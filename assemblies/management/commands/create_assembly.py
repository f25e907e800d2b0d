"""``manage.py create_assembly SLUG --title T --panel-size K [--household-columns A,B]``."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from assemblies.errors import ServiceError
from assemblies.management.commands._common import service_error
from assemblies.services.assemblies import assembly_create
from opendlp.core.nul import NulSafeCommand


class Command(NulSafeCommand):
    help = "Create a draft assembly."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--title", required=True)
        parser.add_argument("--panel-size", type=int, required=True)
        parser.add_argument(
            "--household-columns",
            default="",
            help="Comma-separated columns that identify a household (turns the check on).",
        )
        parser.add_argument("--id-column", default="", help="Id column of registrant imports.")
        parser.add_argument("--question", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["panel_size"] < 1:
            raise CommandError("--panel-size must be at least 1.")
        columns = [c.strip() for c in str(options["household_columns"]).split(",") if c.strip()]
        try:
            assembly = assembly_create(
                slug=options["slug"],
                title=options["title"],
                panel_size=options["panel_size"],
                household_columns=columns,
                id_column=options["id_column"],
                question=options["question"],
            )
        except ServiceError as exc:
            raise service_error(exc) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created assembly {assembly.slug} (id {assembly.pk}).")
        )
