"""The assembly admin's registration pages, QR codes, translations inline and readiness
checklist (admin/pages.py, admin/assembly_pages.py ``lifecycle_view``)."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET

import pytest
import segno
from django.urls import reverse

from assemblies.models import (
    AssemblyStatus,
    ContentTranslation,
    PageStatus,
    Registrant,
    RegistrantStatus,
    RegistrationPage,
)
from assemblies.qr import QR_BORDER, QR_SCALE, qr_image
from opendlp.core.models import AuditEvent
from tests.assemblies.admin.test_assembly_form import form_data
from tests.assemblies.factories import RegistrantFactory, RegistrationPageFactory


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def page(small_assembly):
    return RegistrationPageFactory(assembly=small_assembly, label="French letters, March")


def qr_url(page, kind):
    return reverse("admin:assemblies_assembly_page_qr", args=[page.assembly_id, page.pk, kind])


def action_url(page, action):
    return reverse(
        "admin:assemblies_assembly_page_action", args=[page.assembly_id, page.pk, action]
    )


def test_qr_png_holds_a_whole_qr_code_of_the_site_url(as_manager, page, settings):
    settings.SITE_URL = "https://dlp.example.org"
    response = as_manager.get(qr_url(page, "png"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert f"{page.code}.png" in response["Content-Disposition"]
    body = response.content
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR"
    width, height = struct.unpack(">II", body[16:24])
    modules = width // QR_SCALE - 2 * QR_BORDER
    # A QR code of version v has 17 + 4v modules a side; the short URL needs a small one.
    assert width == height and width % QR_SCALE == 0
    assert (modules - 17) % 4 == 0 and 1 <= (modules - 17) // 4 <= 5


def test_qr_svg_is_an_svg_image_of_the_same_size(as_manager, page):
    response = as_manager.get(qr_url(page, "svg"))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    assert root.tag.endswith("svg")
    png = as_manager.get(qr_url(page, "png")).content
    assert int(float(root.attrib["width"])) == struct.unpack(">I", png[16:20])[0]


def test_qr_encodes_the_absolute_short_url(page):
    url = f"https://dlp.example.org/r/{page.code}"
    expected = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        expected, kind="svg", scale=QR_SCALE, border=QR_BORDER
    )
    assert qr_image(text=url, kind="svg") == expected.getvalue()
    with pytest.raises(ValueError, match="png or svg"):
        qr_image(text=url, kind="gif")


def test_qr_unknown_kind_and_other_assembly_are_404(as_manager, page, outsider, client):
    assert as_manager.get(qr_url(page, "gif")).status_code == 404
    client.force_login(outsider)
    assert client.get(qr_url(page, "png")).status_code == 404


def test_assembly_page_lists_pages_with_short_link_and_readiness(as_manager, page, settings):
    settings.SITE_URL = "https://dlp.example.org"
    url = reverse("admin:assemblies_assembly_change", args=[page.assembly_id])
    html = as_manager.get(url).content.decode()
    assert f"https://dlp.example.org/r/{page.code}" in html
    assert "Promote to open…" in html and "Delete test submissions…" in html
    assert "No description" in html  # the small assembly is a draft without one


def test_open_registration_with_warnings_needs_the_box_ticked(as_manager, small_assembly):
    url = reverse("admin:assemblies_assembly_lifecycle", args=[small_assembly.pk, "open"])
    page = as_manager.get(url).content.decode()
    assert "No description" in page and "warnings_confirmed" in page
    response = as_manager.post(url)
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.DRAFT
    as_manager.post(url, {"warnings_confirmed": "on"})
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.OPEN


def test_open_registration_without_warnings_needs_no_box(as_manager, small_assembly):
    small_assembly.description = "Twelve people, four seats."
    small_assembly.privacy_notice = "Only for this assembly."
    small_assembly.registration_closes_at = "2099-01-01T00:00:00Z"
    small_assembly.save()
    small_assembly.categories.update(question="Which one?")
    url = reverse("admin:assemblies_assembly_lifecycle", args=[small_assembly.pk, "open"])
    assert "nothing to warn about" in as_manager.get(url).content.decode()
    as_manager.post(url)
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.OPEN


def test_promote_page_confirms_warnings_then_opens(as_manager, page):
    RegistrantFactory(assembly=page.assembly, page=page, status=RegistrantStatus.TEST)
    assert "1 test submission" in as_manager.get(action_url(page, "promote")).content.decode()
    assert as_manager.post(action_url(page, "promote")).status_code == 400
    page.refresh_from_db()
    assert page.status == PageStatus.TEST
    as_manager.post(action_url(page, "promote"), {"warnings_confirmed": "on"})
    page.refresh_from_db()
    assert page.status == PageStatus.OPEN
    assert not Registrant.objects.filter(status=RegistrantStatus.TEST).exists()


def test_delete_tests_confirmation_then_post(as_manager, page):
    RegistrantFactory(assembly=page.assembly, page=page, status=RegistrantStatus.TEST)
    assert (
        "Delete the 1 test submission"
        in as_manager.get(action_url(page, "delete-tests")).content.decode()
    )
    assert Registrant.objects.filter(status=RegistrantStatus.TEST).count() == 1
    as_manager.post(action_url(page, "delete-tests"))
    assert not Registrant.objects.filter(status=RegistrantStatus.TEST).exists()
    assert Registrant.objects.count() == 12  # the imported pool stays


def test_page_actions_are_forbidden_to_a_caller(client, caller, page):
    client.force_login(caller)
    assert client.get(action_url(page, "promote")).status_code == 403
    assert client.post(action_url(page, "delete-tests")).status_code == 403


# --- the inlines, saved through the services ---------------------------------------------------


def change_url(assembly):
    return reverse("admin:assemblies_assembly_change", args=[assembly.pk])


def test_inline_adds_a_page_with_a_fresh_code(as_manager, small_assembly):
    data = form_data(
        small_assembly,
        **{
            "registration_pages-TOTAL_FORMS": "1",
            "registration_pages-0-assembly": small_assembly.pk,
            "registration_pages-0-label": "French letters, March",
            "registration_pages-0-language": "fr",
            "registration_pages-0-status": "test",
        },
    )
    response = as_manager.post(change_url(small_assembly), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = RegistrationPage.objects.get()
    assert (page.label, page.language, page.status) == ("French letters, March", "fr", "test")
    assert len(page.code) == 6
    assert AuditEvent.objects.filter(action="assemblies.registration_page.created").exists()


def test_inline_cannot_open_a_test_page_without_promoting(as_manager, page):
    data = form_data(page.assembly, title="Renamed", **{"registration_pages-0-status": "open"})
    response = as_manager.post(change_url(page.assembly), data)
    html = response.content.decode()
    assert response.status_code == 200  # the form again, with the field marked
    assert "A page in test opens with “Promote to open…”" in html
    assert "was changed successfully" not in html
    page.refresh_from_db()
    page.assembly.refresh_from_db()
    assert page.status == PageStatus.TEST and page.assembly.title != "Renamed"


def test_inline_translation_with_a_bad_key_stores_nothing(as_manager, small_assembly):
    data = form_data(
        small_assembly,
        **{
            "translations-TOTAL_FORMS": "2",
            "translations-0-assembly": small_assembly.pk,
            "translations-0-language": "fr",
            "translations-0-key": "title",
            "translations-0-text": "Petite assemblée",
            "translations-1-assembly": small_assembly.pk,
            "translations-1-language": "fr",
            "translations-1-key": "subtitle",
            "translations-1-text": "Sous-titre",
        },
    )
    response = as_manager.post(change_url(small_assembly), data)
    html = response.content.decode()
    assert response.status_code == 200  # the form again, with the key marked
    assert "“subtitle” is not a translation key" in html
    assert "was changed successfully" not in html
    assert "Sous-titre</textarea>" in html  # the rows typed are kept
    assert not ContentTranslation.objects.exists()
    data["translations-TOTAL_FORMS"] = "1"
    as_manager.post(change_url(small_assembly), data)
    assert ContentTranslation.objects.get().text == "Petite assemblée"
