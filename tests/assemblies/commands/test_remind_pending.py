"""``manage.py remind_pending``: the reminder to confirm, at most once a day each."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from assemblies.models import AssemblyStatus
from tests.assemblies.factories import RegistrantFactory

pytestmark = pytest.mark.django_db


def test_remind_pending_command_sends_once_a_day(
    small_assembly, mailoutbox, django_capture_on_commit_callbacks
):
    small_assembly.status = AssemblyStatus.OPEN
    small_assembly.save()
    waiting = RegistrantFactory(assembly=small_assembly, status="pending")
    RegistrantFactory(assembly=small_assembly, status="pending", email="", phone="01632 960 009")
    out = io.StringIO()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "remind_pending", str(small_assembly.pk), "--base-url", "https://d.test", stdout=out
            )
    text = out.getvalue()
    assert "1 reminders sent; 0 already reminded today; 1 pending without" in text
    assert "0 reminders sent; 1 already reminded today" in text
    assert [m.to for m in mailoutbox] == [[waiting.email]]
    assert "https://d.test/a/small/confirm/" in mailoutbox[0].body


def test_remind_pending_command_refuses_bad_base_url_and_draft(small_assembly):
    with pytest.raises(CommandError, match="--base-url"):
        call_command("remind_pending", str(small_assembly.pk), "--base-url", "d.test")
    with pytest.raises(CommandError, match="open or closed"):
        call_command("remind_pending", str(small_assembly.pk), "--base-url", "https://d.test")
