"""``manage.py setup_periodic_tasks``: create or update every app's beat entries by name."""

from typing import Any

from django.core.management.base import BaseCommand

from opendlp.core.periodic import collect_periodic_tasks
from opendlp.core.services import periodic_tasks_sync


class Command(BaseCommand):
    help = "Create or update the Celery beat schedule entries defined in each app's schedules.py."

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = periodic_tasks_sync(specs=collect_periodic_tasks())
        for state in ("created", "updated", "unchanged"):
            for name in outcome[state]:
                self.stdout.write(f"{state:9} {name}")
        total = sum(len(v) for v in outcome.values())
        self.stdout.write(self.style.SUCCESS(f"{total} periodic task(s) in place."))
