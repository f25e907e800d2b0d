"""The registry of periodic (Celery beat) tasks, defined in code.

Each app that needs a schedule has a ``schedules.py`` with a function
``periodic_tasks() -> list[PeriodicTaskSpec]``. ``manage.py setup_periodic_tasks`` collects
them all and creates or updates django-celery-beat rows keyed by the spec's unique ``name``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class PeriodicTaskSpec:
    """One beat entry.

    Attributes:
        name: unique key of the entry (the PeriodicTask name), e.g. ``"lottery.close.midnight"``.
        task: the registered Celery task name to run.
        crontab: crontab fields (``minute``, ``hour``, ``day_of_week``, ``day_of_month``,
            ``month_of_year``; missing ones default to ``"*"``), or ``None``.
        interval_seconds: run every this many seconds, or ``None``. Exactly one of
            ``crontab`` and ``interval_seconds`` must be given.
        timezone: IANA zone the crontab is read in (e.g. ``"Europe/London"``); default UTC.
        kwargs: JSON-safe keyword arguments for the task.
        description: a sentence for the admin.
    """

    name: str
    task: str
    crontab: dict[str, str] | None = None
    interval_seconds: int | None = None
    timezone: str = "UTC"
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if (self.crontab is None) == (self.interval_seconds is None):
            raise ValueError(f"{self.name}: give exactly one of crontab and interval_seconds")
        if self.interval_seconds is not None and self.interval_seconds < 1:
            raise ValueError(f"{self.name}: interval_seconds must be at least 1")


def collect_periodic_tasks() -> list[PeriodicTaskSpec]:
    """Return the specs of every installed app's ``schedules.periodic_tasks()``, in app order.

    Raises:
        ValueError: when two specs share a name.
    """
    specs: list[PeriodicTaskSpec] = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.schedules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.schedules":
                raise
            continue
        specs.extend(module.periodic_tasks())
    names = [spec.name for spec in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"periodic task names must be unique: {', '.join(duplicates)}")
    return specs
