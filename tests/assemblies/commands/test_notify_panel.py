"""``manage.py notify_panel``: notify a finished draw, or resume an interrupted notification."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from assemblies.models import AssemblyStatus, EmailSend, Registrant, RunStatus
from assemblies.services.execution import selection_run_execute
from assemblies.services.runs import selection_run_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel_run(small_assembly):
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    run = selection_run_execute(
        run_id=selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="s").pk
    )
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def test_notify_panel_command_sends_once_and_lists_people_to_call(
    panel_run, mailoutbox, django_capture_on_commit_callbacks
):
    silent = Registrant.objects.filter(selected_by=panel_run).first()
    Registrant.objects.filter(pk=silent.pk).update(email="")
    out = io.StringIO()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "notify_panel", str(panel_run.pk), "--base-url", "https://d.test", stdout=out
            )
    text = out.getvalue()
    assert "11 emails created, 11 handed to the mail queue." in text
    assert "0 emails created, 0 handed to the mail queue." in text
    assert f"  {silent.public_id} Selected" in text
    assert EmailSend.objects.count() == 11 and len(mailoutbox) == 11
    assert "https://d.test/a/small/withdraw/" in mailoutbox[0].body


def test_notify_panel_command_refuses_bad_base_url_and_unknown_run(panel_run):
    with pytest.raises(CommandError, match="--base-url"):
        call_command("notify_panel", str(panel_run.pk), "--base-url", "d.test")
    with pytest.raises(CommandError, match="no selection run"):
        call_command("notify_panel", "999999", "--base-url", "https://d.test")
    assert not EmailSend.objects.exists()
