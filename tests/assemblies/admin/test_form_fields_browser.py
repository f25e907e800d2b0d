"""The form fields in a real browser (issue 15): the assembly page with its form fields inline
fits a 1280 px window, and the public form shows each type with its widget."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assemblies.models import AssemblyStatus, FieldType, Requirement
from assemblies.services.form_fields import form_fields_add_standard
from tests.assemblies.factories import FormFieldFactory


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_form_fields_inline_fits_1280_window(browser_page, live_server, small_assembly, manager):
    form_fields_add_standard(assembly_id=small_assembly.pk)
    FormFieldFactory(
        assembly=small_assembly,
        key="when",
        type=FieldType.SINGLE_CHOICE,
        choices="Weekdays\nWeekends",
        help_text="A long help text that an organiser might well write for this question.",
    )
    page = signed_in(browser_page, live_server, manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(
        live_server.url + reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    )
    inline = page.locator("#form_fields-group")
    assert inline.is_visible()
    assert inline.locator("tr.form-row.has_original").count() == 6
    table = inline.locator("table").bounding_box()
    assert table is not None and table["x"] + table["width"] <= 1280
    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    inline.screenshot(path=str(shots / "form-fields-inline.png"))
    assert page.csp_violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_form_shows_field_widgets(browser_page, live_server, small_assembly):
    small_assembly.status = AssemblyStatus.OPEN
    small_assembly.save()
    for position, field_type in enumerate(
        [FieldType.DATE, FieldType.MULTIPLE_CHOICE, FieldType.YES_NO, FieldType.LONG_TEXT]
    ):
        FormFieldFactory(
            assembly=small_assembly,
            key=f"f{position}",
            label=f"Label {field_type}",
            type=field_type,
            choices="One\nTwo",
            requirement=Requirement.REQUIRED,
            position=position,
        )
    page = browser_page
    page.goto(live_server.url + reverse("assemblies:register", args=[small_assembly.slug]))
    assert page.get_by_label("Label date").get_attribute("type") == "date"
    assert page.locator("input[type=checkbox][name=custom_f1]").count() == 2
    assert page.locator("input[type=radio][name=custom_f2]").count() == 2
    assert page.locator("textarea[name=custom_f3]").count() == 1
    assert page.csp_violations == []
