"""The lottery's beat entries, as written by ``setup_periodic_tasks``."""

import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from lottery.schedules import HOURLY_CATCH_UP, MIDNIGHT_CLOSE, periodic_tasks

pytestmark = pytest.mark.django_db


def test_setup_periodic_tasks_creates_midnight_close_in_lottery_zone():
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    task = PeriodicTask.objects.get(name=MIDNIGHT_CLOSE)
    assert task.task == "lottery.close_due" and task.enabled
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("0", "0", "*")
    assert (crontab.day_of_month, crontab.month_of_year) == ("*", "*")
    assert str(crontab.timezone) == "Europe/London"


def test_setup_periodic_tasks_creates_hourly_catch_up():
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    task = PeriodicTask.objects.get(name=HOURLY_CATCH_UP)
    assert task.task == "lottery.close_due" and task.crontab is None
    assert (
        task.interval.every * {"seconds": 1, "minutes": 60, "hours": 3600}[task.interval.period]
        == 3600
    )


def test_midnight_follows_lottery_zone_setting(settings):
    settings.LOTTERY_TIME_ZONE = "Pacific/Auckland"
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    assert str(PeriodicTask.objects.get(name=MIDNIGHT_CLOSE).crontab.timezone) == (
        "Pacific/Auckland"
    )


def test_setup_periodic_tasks_twice_leaves_lottery_entries_unchanged():
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    out = io.StringIO()
    call_command("setup_periodic_tasks", stdout=out)
    assert f"unchanged {MIDNIGHT_CLOSE}" in out.getvalue()
    assert f"unchanged {HOURLY_CATCH_UP}" in out.getvalue()
    assert PeriodicTask.objects.filter(task="lottery.close_due").count() == 2


def test_schedule_tasks_are_registered_celery_tasks():
    from opendlp.celery import app

    assert {spec.task for spec in periodic_tasks()} <= set(app.tasks)
