"""``manage.py close_registrations``: close due registrations, start automatic draws."""

from typing import Any

from django.core.management.base import BaseCommand

from assemblies.services.assemblies import assemblies_close_due


class Command(BaseCommand):
    help = "Close registration of assemblies whose closing time has passed (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = assemblies_close_due()
        self.stdout.write(f"closed {len(outcome.closed)} assembly registration(s)")
        for run_id in outcome.runs_started:
            self.stdout.write(f"started selection run {run_id}")
        for assembly_id, reason in outcome.refused.items():
            self.stderr.write(f"assembly {assembly_id}: automatic draw not started: {reason}")
