"""Celery tasks: names, time limits, and one service call each (run eagerly)."""

import datetime as dt

import pytest
from django.utils import timezone

from lottery.models import Lottery
from lottery.selectors import lottery_today
from lottery.services import ballot_submit
from lottery.tasks import lottery_close_due_task, lottery_close_task
from opendlp.celery import app
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_tasks_registered_with_names_and_time_limits():
    for name in ("lottery.close_due", "lottery.close"):
        task = app.tasks[name]
        assert 0 < task.soft_time_limit < task.time_limit


def test_close_due_task_closes_past_days_only():
    for back in (2, 1, 0):
        ballot_submit(user=UserFactory(), now=timezone.now() - dt.timedelta(days=back))
    result = lottery_close_due_task.delay().get()
    assert len(result) == 2 and all(item.endswith(":drawn") for item in result)
    assert Lottery.objects.get(date=lottery_today()).status == "open"
    event = AuditEvent.objects.filter(action=AuditAction.LOTTERY_CLOSED).first()
    assert event.data["via"] == "beat" and event.actor is None


def test_close_task_closes_one_date():
    ballot_submit(user=UserFactory(), now=timezone.now() - dt.timedelta(days=1))
    day = lottery_today() - dt.timedelta(days=1)
    assert lottery_close_task.delay(day.isoformat()).get() == "drawn"
    assert Lottery.objects.get(date=day).status == "drawn"
