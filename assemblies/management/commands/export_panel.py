"""``manage.py export_panel SLUG [--run ID] --output PATH``: the panel's rows as imported."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from assemblies.exports import panel_csv
from assemblies.management.commands._common import assembly_or_error
from assemblies.models import RunStatus, SelectionRun
from opendlp.core.nul import NulSafeCommand


class Command(NulSafeCommand):
    help = "Write the panel (selected and confirmed registrants, or a run's panel) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--run", type=int, default=None, help="Export this run's panel.")
        parser.add_argument(
            "--output", required=True, help="Path of the CSV to write ('-': stdout)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        assembly = assembly_or_error(options["slug"])
        run = None
        if options["run"] is not None:
            run = SelectionRun.objects.filter(pk=options["run"], assembly=assembly).first()
            if run is None:
                raise CommandError(f"Assembly {assembly.slug} has no run {options['run']}.")
            if run.status != RunStatus.SUCCEEDED:
                raise CommandError(f"Run {run.pk} is {run.status}; it has no panel.")
        body = panel_csv(assembly=assembly, run=run)
        rows = body.count("\n") - 1
        if rows < 1:
            raise CommandError("The panel is empty: run a selection first.")
        if options["output"] == "-":
            self.stdout.write(body, ending="")
            return
        try:
            Path(options["output"]).write_text(body, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{options['output']}: cannot write: {exc.strerror}") from exc
        self.stdout.write(self.style.SUCCESS(f"Wrote {rows} panel members to {options['output']}."))
