"""``manage.py create_app_role ROLE``: the PostgreSQL role the app runs as (docs/deployment.md).

Run it as the role that owns the tables, after ``migrate`` (and again after later
migrations, which is harmless). The role may read and write every table but only read and
append to the audit log; it cannot truncate it or disable its triggers.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opendlp.core.dbroles import app_role_grant
from opendlp.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create (or update) the PostgreSQL role the app runs as: ordinary rights on every "
        "table, only SELECT and INSERT on the audit log. Run as the tables' owner."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the app role's name, e.g. opendlp_app")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="set the role's password from this environment variable (never an argument)",
        )
        parser.add_argument(
            "--sql", action="store_true", help="print the statements instead of running them"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if options["password_env"]:
            password = os.environ.get(options["password_env"])
            if not password:
                raise CommandError(f"The variable {options['password_env']} is empty or unset.")
        try:
            outcome = app_role_grant(
                role=options["role"], password=password, dry_run=options["sql"]
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        if options["sql"]:
            for statement in outcome.statements:
                self.stdout.write(f"{statement};")
            return
        state = "created" if outcome.created else "already exists; rights re-applied"
        self.stdout.write(self.style.SUCCESS(f"Role {outcome.role} {state}."))
