"""The signed links' pages under /a/<slug>/ (registration/links.py): a link of another
purpose or assembly, an expired link, confirming after selection."""

from __future__ import annotations

from django.urls import reverse

from assemblies.models import AssemblyStatus, Registrant, RegistrantStatus
from assemblies.tokens import Purpose, link_token_make
from tests.assemblies.registration.factories import AssemblyFactory, RegistrantFactory


def url(name, assembly, **kwargs):
    return reverse(f"assemblies:{name}", kwargs={"slug": assembly.slug, **kwargs})


def test_confirm_link_of_other_purpose_is_refused(client, assembly):
    registrant = RegistrantFactory(assembly=assembly)
    token = link_token_make(
        purpose=Purpose.WITHDRAW, public_id=registrant.public_id, assembly_id=assembly.pk
    )
    response = client.post(url("confirm", assembly, token=token))
    assert response.status_code == 404 and b"This link does not work" in response.content
    assert Registrant.objects.get().status == RegistrantStatus.PENDING


def test_link_of_other_assembly_is_refused(client, assembly):
    registrant = RegistrantFactory(assembly=assembly)
    other = AssemblyFactory()
    token = link_token_make(
        purpose=Purpose.ERASE, public_id=registrant.public_id, assembly_id=assembly.pk
    )
    assert client.post(url("erase", other, token=token)).status_code == 404
    assert Registrant.objects.get().erased_at is None


def test_confirm_expired_link_offers_registering_again(client, assembly, settings):
    registrant = RegistrantFactory(assembly=assembly)
    token = link_token_make(
        purpose=Purpose.CONFIRM, public_id=registrant.public_id, assembly_id=assembly.pk
    )
    settings.REGISTRATION_CONFIRM_MAX_AGE = -1
    page = client.get(url("confirm", assembly, token=token))
    assert page.status_code == 404
    assert b"This link has expired." in page.content and b"register again" in page.content


def test_confirm_refused_after_panel_selected(client, db):
    assembly = AssemblyFactory(status=AssemblyStatus.SELECTED)
    registrant = RegistrantFactory(assembly=assembly)
    token = link_token_make(
        purpose=Purpose.CONFIRM, public_id=registrant.public_id, assembly_id=assembly.pk
    )
    response = client.post(url("confirm", assembly, token=token))
    assert response.status_code == 409 and b"Registration has ended" in response.content
    assert Registrant.objects.get().status == RegistrantStatus.PENDING


def test_confirm_allowed_after_window_closed_before_selection(client, db):
    assembly = AssemblyFactory(status=AssemblyStatus.CLOSED)
    registrant = RegistrantFactory(assembly=assembly)
    token = link_token_make(
        purpose=Purpose.CONFIRM, public_id=registrant.public_id, assembly_id=assembly.pk
    )
    assert client.post(url("confirm", assembly, token=token)).status_code == 302
    assert Registrant.objects.get().status == RegistrantStatus.POOL
