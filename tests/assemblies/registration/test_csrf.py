"""The CSRF failure view (registration/csrf.py): a registration form posted with a stale or
missing CSRF token comes back with its answers; anything else gets Django's 403."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from assemblies.models import Registrant
from tests.assemblies.registration.conftest import form_data


def url(name, assembly, **kwargs):
    return reverse(f"assemblies:{name}", kwargs={"slug": assembly.slug, **kwargs})


def test_register_expired_csrf_reshows_form_with_answers(assembly, mailoutbox):
    client = Client(enforce_csrf_checks=True)
    client.get(url("register", assembly))  # a CSRF cookie, but the form's token is stale
    data = form_data(assembly, csrfmiddlewaretoken="stale" * 8)
    response = client.post(url("register", assembly), data)
    page = response.content.decode()
    assert response.status_code == 403
    assert "Your session expired before the form was sent" in page
    assert 'value="Ada Lovelace"' in page and 'value="ada@example.org"' in page
    assert re.search(r'value="Woman" checked', page)
    assert Registrant.objects.count() == 0 and mailoutbox == []
    # The re-shown form carries a working token: sending it again registers.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    again = client.post(url("register", assembly), {**data, "csrfmiddlewaretoken": token})
    assert again.status_code == 302 and Registrant.objects.count() == 1


def test_register_missing_csrf_cookie_reshows_form(assembly):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url("register", assembly), form_data(assembly))
    assert response.status_code == 403 and b"Your session expired" in response.content
    assert "csrftoken" in response.cookies
    assert Registrant.objects.count() == 0


def test_csrf_failure_elsewhere_is_default_403(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "fr"})
    assert response.status_code == 403 and b"Your session expired" not in response.content
