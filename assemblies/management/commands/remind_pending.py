"""``manage.py remind_pending ASSEMBLY_ID --base-url URL``: email the reminder to confirm to
every pending registrant of an assembly (at most once a day each, so running it twice in a day
sends nobody a second reminder)."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from assemblies.management.commands._common import add_base_url_argument, base_url_or_error
from assemblies.services.notifications import registrants_remind
from opendlp.core.errors import DomainError
from opendlp.core.nul import NulSafeCommand


class Command(NulSafeCommand):
    help = (
        "Email the reminder to confirm to the assembly's pending registrants (those who never "
        "followed their confirmation link), each in their language; at most once a day each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("assembly_id", type=int)
        add_base_url_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        base_url = base_url_or_error(options["base_url"])
        try:
            outcome = registrants_remind(assembly_id=options["assembly_id"], base_url=base_url)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{outcome.created} reminders sent; {outcome.already_today} already reminded "
                f"today; {outcome.without_email} pending without an email address (call them)."
            )
        )
