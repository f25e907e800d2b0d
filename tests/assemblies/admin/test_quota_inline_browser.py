"""The quota inline of the assembly page fits a 1280-px-wide window: MIN FLEX, MAX FLEX,
IN POOL and DELETE are on screen, with the admin's navigation sidebar open or collapsed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.assemblies.factories import AssemblyFactory, AssemblyMembershipFactory, QuotaFactory

#: A realistic table: 7 categories, 30 values in all, long names included.
CATEGORIES = {
    "gender": ["female", "male", "non-binary or another gender"],
    "age": ["16-29", "30-44", "45-64", "65+"],
    "region": [
        "North East",
        "North West",
        "Yorkshire and the Humber",
        "East Midlands",
        "West Midlands",
        "London",
        "South East and South West",
    ],
    "education": ["no qualifications", "GCSE or equivalent", "A level", "degree or higher"],
    "ethnicity": ["White", "Mixed or multiple ethnic groups", "Asian", "Black", "Other"],
    "housing tenure": ["owner", "social renter", "private renter"],
    "attitude to climate change": [
        "very concerned",
        "somewhat concerned",
        "not concerned",
        "don't know",
    ],
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sidebar_open", [True, False])
def test_quota_inline_fits_1280_pixels(browser_page, live_server, sidebar_open):
    assembly = AssemblyFactory(slug="wide", title="Wide quotas", panel_size=120)
    position = 0
    for category, values in CATEGORIES.items():
        for value in values:
            QuotaFactory(
                assembly=assembly,
                category=category,
                value=value,
                position=position,
                min=10,
                max=120,
                min_flex=0,
                max_flex=120,
            )
            position += 1
    assert position == 30
    manager = AssemblyMembershipFactory(assembly=assembly, role="manager").user
    client = Client()
    client.force_login(manager)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.context.add_init_script(
        "localStorage.setItem('django.admin.navSidebarIsOpen', "
        f"'{'true' if sidebar_open else 'false'}')"
    )
    page.goto(live_server.url + reverse("admin:assemblies_assembly_change", args=[assembly.pk]))
    sidebar = page.locator("#nav-sidebar")
    assert sidebar.count() == 1
    assert sidebar.is_visible() == sidebar_open
    assert page.locator("#quotas-group tbody tr.form-row.has_original").count() == 30
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    inner_width = page.evaluate("window.innerWidth")
    assert scroll_width <= inner_width, (scroll_width, inner_width)
    # The last columns are inside the window and inside the inline's own box.
    group = page.locator("#quotas-group fieldset.module").bounding_box()
    assert group is not None
    for selector in ("th.column-max_flex", "td.field-pool_count", "td.delete"):
        box = page.locator(f"#quotas-group {selector}").first.bounding_box()
        assert box is not None, selector
        assert box["x"] + box["width"] <= min(inner_width, group["x"] + group["width"]), selector
    state = "open" if sidebar_open else "closed"
    page.screenshot(path=f"var/quota_inline_{state}.png", full_page=True)
    assert page.csp_violations == []
