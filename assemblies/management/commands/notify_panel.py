"""``manage.py notify_panel RUN_ID --base-url URL``: email the people a finished draw concerns,
or resume a notification interrupted by a crash (only sends still queued or failed go out)."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from assemblies.management.commands._common import add_base_url_argument, base_url_or_error
from assemblies.services.notifications import panel_notify
from opendlp.core.errors import DomainError
from opendlp.core.nul import NulSafeCommand


class Command(NulSafeCommand):
    help = (
        "Email the selected, the reserves and the people not selected by a panel run (or the "
        "people drawn by a replacement run); running it again sends nobody the same email "
        "twice and retries the emails still queued or failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id", type=int)
        add_base_url_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        base_url = base_url_or_error(options["base_url"])
        try:
            outcome = panel_notify(run_id=options["run_id"], base_url=base_url)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{outcome.created} emails created, {outcome.enqueued} handed to the mail queue."
            )
        )
        if outcome.without_email:
            self.stdout.write(f"{len(outcome.without_email)} people have no email address:")
            for registrant in outcome.without_email:
                self.stdout.write(f"  {registrant.public_id} {registrant.get_status_display()}")
