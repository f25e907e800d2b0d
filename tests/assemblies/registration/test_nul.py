"""NUL characters in the public registration form: each field refuses them with a form error
(400), nothing is stored and no email is sent; PostgreSQL, which stores no NUL, never sees
one (issue 13, defect 4)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assemblies.models import Registrant
from tests.assemblies.registration.conftest import form_data
from tests.assemblies.registration.factories import open_assembly

FIELDS = ["name", "email", "phone", "category_0", "category_1", "website", "form_token"]


def register_url(assembly):
    return reverse("assemblies:register", kwargs={"slug": assembly.slug})


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def send(path, data):
        client.raise_request_exception = False
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data)

    return send


@pytest.mark.parametrize("field", FIELDS)
def test_register_nul_in_a_field_is_refused_and_nothing_stored(post, assembly, mailoutbox, field):
    value = form_data(assembly)[field] or "x"
    data = form_data(assembly, **{field: value[:2] + "\x00" + value[2:]})
    response = post(register_url(assembly), data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert Registrant.objects.count() == 0 and mailoutbox == []


@pytest.mark.parametrize("field", ["address_line_1", "address_line_2", "town", "postcode"])
def test_register_nul_in_an_address_field_is_refused(post, db, mailoutbox, field):
    assembly = open_assembly(household_check=True, household_columns=["postcode"])
    address = {"address_line_1": "1 High St", "town": "Leeds", "postcode": "LS1 1AA"}
    address[field] = "LS\x001"
    response = post(register_url(assembly), form_data(assembly, **address))
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert Registrant.objects.count() == 0 and mailoutbox == []


def test_register_nul_in_a_field_name_is_ignored(post, assembly, mailoutbox):
    response = post(register_url(assembly), {**form_data(assembly), "x\x00y": "z\x00"})
    assert response.status_code == 302
    assert Registrant.objects.get().name == "Ada Lovelace"
