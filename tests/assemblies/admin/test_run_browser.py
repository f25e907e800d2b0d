"""The run page in a real browser: its heading follows the run's status as the progress
script polls (it said "Pending" while the bar said "Running"), and the progress line shows
the phase, the overall percent and the time left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assemblies.models import RunStatus, SelectionRun
from assemblies.services.runs import selection_run_start


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_run_page_heading_follows_the_status(browser_page, live_server, small_assembly, manager):
    run = selection_run_start(assembly_id=small_assembly.pk, kind="test", enqueue=False)
    client = Client()
    client.force_login(manager)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page = browser_page
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.goto(live_server.url + reverse("admin:assemblies_selectionrun_change", args=[run.pk]))
    assert page.locator("#run-status").inner_text() == "Pending"
    SelectionRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        phase="leximin",
        progress_done=100,
        progress_total=1000,
        started_at=timezone.now() - timedelta(minutes=1),
    )
    # The page polls every two seconds; the page's CSP forbids evaluated scripts, so the
    # test reads the heading itself (a behaviour wait, not a timing assertion).
    for _ in range(60):
        if page.locator("#run-status").inner_text() == "Running":
            break
        page.wait_for_timeout(250)
    assert page.locator("#run-status").inner_text() == "Running"
    # One line: the phase, the overall percent and the time left (a minute for the first
    # 10 %: about 9 minutes for the rest).
    line = page.locator("#run-progress-text").inner_text()
    assert line.startswith("Phase: leximin — 10 % — about ") and line.endswith(" min left")
    assert page.locator("#run-progress-bar").get_attribute("value") == "10"
    assert page.csp_violations == []
