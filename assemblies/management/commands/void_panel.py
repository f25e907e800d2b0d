"""``manage.py void_panel RUN_ID --reason TEXT``: void a panel so a new one can be drawn."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from assemblies.services.voiding import selection_run_void
from opendlp.core.errors import DomainError
from opendlp.core.nul import NulSafeCommand


class Command(NulSafeCommand):
    help = (
        "Void the panel drawn by a panel run (and its replacement runs) before anyone is "
        "confirmed: its members return to the pool and a new panel run can start."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id", type=int)
        parser.add_argument(
            "--reason", required=True, help="Why (required; published on the draw record)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = selection_run_void(run_id=options["run_id"], reason=options["reason"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Voided the panel of run {run.pk} ({run.voided_at:%Y-%m-%d %H:%M %Z}): its "
                "members are back in the pool; a new panel run can start."
            )
        )
