"""Periodic tasks of the assemblies context (written to beat by ``setup_periodic_tasks``)."""

from __future__ import annotations

from opendlp.core.periodic import PeriodicTaskSpec


def periodic_tasks() -> list[PeriodicTaskSpec]:
    """Close due registrations hourly (at minute 5) and sweep dead selection runs every
    five minutes."""
    return [
        PeriodicTaskSpec(
            name="assemblies.close_due_registrations.hourly",
            task="assemblies.close_due_registrations",
            crontab={"minute": "5"},
            description="Close registration of assemblies whose closing time has passed; "
            "start the draw of those with automatic selection.",
        ),
        PeriodicTaskSpec(
            name="assemblies.fail_stale_runs.every_5_minutes",
            task="assemblies.fail_stale_runs",
            interval_seconds=300,
            description="Mark selection runs whose worker stopped answering as failed.",
        ),
    ]
