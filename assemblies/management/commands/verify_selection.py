"""``manage.py verify_selection RUN_ID``: re-draw a run from its seed and re-check it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assemblies.errors import ServiceError
from assemblies.models import SelectionRun
from assemblies.services.execution import selection_run_verify


class Command(BaseCommand):
    help = "Verify a selection run (exit 1 when it does not verify)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id", type=int)
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="Also re-run the algorithm and compare the probabilities (slow).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not SelectionRun.objects.filter(pk=options["run_id"]).exists():
            raise CommandError(f"There is no selection run {options['run_id']}.")
        try:
            outcome = selection_run_verify(run_id=options["run_id"], recompute=options["recompute"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        for finding in outcome.findings:
            self.stdout.write(f"  {finding}")
        if not outcome.ok:
            raise CommandError(f"Selection run {options['run_id']} does NOT verify.")
        self.stdout.write(self.style.SUCCESS(f"Selection run {options['run_id']} verifies."))
