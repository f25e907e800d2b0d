"""``manage.py check_feasibility SLUG``: can the quotas be met by the current pool?"""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from assemblies.management.commands._common import assembly_or_error
from assemblies.selectors.assemblies import assembly_feasibility
from opendlp.core.errors import DomainError
from opendlp.core.nul import NulSafeCommand


class Command(NulSafeCommand):
    help = "Check whether the assembly's quotas can be met by its pool (exit 1 when not)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args: Any, **options: Any) -> None:
        assembly = assembly_or_error(options["slug"])
        try:
            report = assembly_feasibility(assembly=assembly)
        except DomainError as exc:
            raise CommandError(f"Cannot check: {exc}") from exc
        if report.feasible:
            self.stdout.write(self.style.SUCCESS(f"Feasible. {report.message()}"))
            return
        raise CommandError(f"Not feasible. {report.message()}")
