import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from opendlp.core.periodic import PeriodicTaskSpec, collect_periodic_tasks
from opendlp.core.services import periodic_tasks_sync

pytestmark = pytest.mark.django_db

SPEC = PeriodicTaskSpec(
    name="opendlp.test.nightly",
    task="opendlp.test_task",
    crontab={"minute": "0", "hour": "0"},
    timezone="Europe/London",
    kwargs={"a": 1},
)


def snapshot():
    return sorted(
        (t.name, t.task, t.kwargs, t.crontab_id, t.interval_id, t.enabled, t.date_changed)
        for t in PeriodicTask.objects.all()
    )


def test_setup_periodic_tasks_twice_changes_nothing():
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    first = snapshot()
    out = io.StringIO()
    call_command("setup_periodic_tasks", stdout=out)
    assert snapshot() == first
    assert "created" not in out.getvalue() and "updated " not in out.getvalue()
    assert {name for name, *_ in first} == {spec.name for spec in collect_periodic_tasks()}


def test_periodic_tasks_sync_creates_then_leaves_unchanged():
    assert periodic_tasks_sync(specs=[SPEC])["created"] == [SPEC.name]
    assert periodic_tasks_sync(specs=[SPEC])["unchanged"] == [SPEC.name]
    task = PeriodicTask.objects.get(name=SPEC.name)
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "0",
        "0",
        "Europe/London",
    )


def test_periodic_tasks_sync_updates_changed_spec_in_place():
    periodic_tasks_sync(specs=[SPEC])
    changed = PeriodicTaskSpec(name=SPEC.name, task=SPEC.task, interval_seconds=3600)
    assert periodic_tasks_sync(specs=[changed])["updated"] == [SPEC.name]
    task = PeriodicTask.objects.get(name=SPEC.name)
    assert task.interval.every == 3600 and task.crontab is None
    assert PeriodicTask.objects.filter(name=SPEC.name).count() == 1


def test_periodic_task_spec_needs_exactly_one_schedule():
    with pytest.raises(ValueError, match="exactly one"):
        PeriodicTaskSpec(name="x.y", task="t")
