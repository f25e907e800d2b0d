"""A real browser (Debian's Chromium through Playwright) registers, confirms, and switches to
French, saving a screenshot of each page under ``test-output/screenshots/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from assemblies.models import Registrant, RegistrantStatus
from tests.assemblies.registration.factories import open_assembly

SCREENSHOTS = Path(django_settings.BASE_DIR) / "test-output" / "screenshots"


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"registration-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_registers_confirms_and_switches_language(
    browser_page, live_server, settings, mailoutbox
):
    settings.REGISTRATION_MIN_FILL_SECONDS = 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assembly = open_assembly(title="Leeds climate assembly", panel_size=30)
    page = browser_page

    page.goto(f"{live_server.url}/a/{assembly.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Leeds climate assembly"
    shot(page, "01-landing")
    page.get_by_role("link", name="Register to take part").click()
    page.wait_for_url(re.compile(r"/register/$"))
    shot(page, "02-form")

    # Sending the empty form shows the error summary, linked to the fields.
    page.get_by_role("button", name="Register").click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert summary.get_by_role("link").count() == 6  # 2 questions, name, email, phone, consent
    shot(page, "03-errors")
    summary.get_by_role("link", name=re.compile("^Email address")).click()
    assert page.evaluate("document.activeElement.id") == "id_email"

    page.get_by_role("group", name="What is your gender?").get_by_label("Woman").check()
    page.get_by_role("group", name="How old are you?").get_by_label("30-44").check()
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Phone number").fill("01632 960 001")
    page.get_by_label(re.compile("^I agree")).check()
    page.wait_for_timeout(1100)  # the minimum fill time
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/thanks/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    shot(page, "04-thanks")

    registrant = Registrant.objects.get()
    assert registrant.status == RegistrantStatus.PENDING
    assert registrant.answers == {"gender": "Woman", "age": "30-44"}
    assert len(mailoutbox) == 1
    confirm_link = re.search(r"http://\S+/confirm/\S+/", mailoutbox[0].body)[0]

    page.goto(confirm_link)
    shot(page, "05-confirm")
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.PENDING  # opening the link confirms nothing
    page.get_by_role("button", name="Confirm my registration").click()
    page.get_by_role("heading", name="Your registration is confirmed").wait_for()
    shot(page, "06-confirmed")
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.POOL and registrant.email_confirmed_at

    page.goto(f"{live_server.url}/a/{assembly.slug}/register/")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    page.get_by_role("heading", name="S’inscrire à Leeds climate assembly").wait_for()
    assert page.locator("html").get_attribute("lang") == "fr"
    shot(page, "07-form-fr")

    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the form scrolls sideways on a phone ({width}px)"
    shot(page, "08-form-fr-phone")
    assert page.csp_violations == []
