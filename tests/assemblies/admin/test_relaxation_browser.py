"""In a real browser: from a failed infeasible run, a manager applies the suggested
relaxation through its confirmation page and lands on a feasible check."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assemblies.models import Quota
from assemblies.services.execution import selection_run_execute
from assemblies.services.runs import selection_run_start
from tests.assemblies.test_engine import make_infeasible


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_apply_relaxation_from_the_failed_run_page(
    browser_page, live_server, small_assembly, manager
):
    make_infeasible(small_assembly)
    run = selection_run_start(assembly_id=small_assembly.pk, kind="test", enqueue=False)
    run = selection_run_execute(run_id=run.pk)
    client = Client()
    client.force_login(manager)
    page = browser_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(live_server.url + reverse("admin:assemblies_selectionrun_change", args=[run.pk]))
    page.get_by_role("button", name="Apply this relaxation…").click()
    assert "Apply this relaxation to" in page.locator("#content h1, #content h2").first.inner_text()
    page.get_by_role("button", name="Apply this relaxation", exact=True).click()
    assert "2 quotas were relaxed as suggested." in page.locator(".messagelist").inner_text()
    assert "Feasible." in page.locator("#content-main").inner_text()
    men = Quota.objects.get(assembly=small_assembly, value="man")
    assert (men.min, men.max) == (0, 2)
    assert page.csp_violations == []
