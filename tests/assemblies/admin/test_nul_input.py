"""NUL characters (and UTF-16 files read as UTF-8, which are full of them) from organisers:
uploads, list filters and change forms answer the usual clear error and store nothing
(issue 13, defect 4).

PostgreSQL refuses NUL in text, so these pages answered 500 there; the checks run before the
database on every backend."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assemblies.models import PendingImport, Quota, Registrant
from tests.assemblies.admin.test_pages import change_form_data
from tests.assemblies.conftest import SMALL_REGISTRANTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def post_upload(client, assembly, kind, raw, **extra):
    url = reverse("admin:assemblies_assembly_import", args=[assembly.pk, kind])
    return client.post(url, {"file": SimpleUploadedFile(f"{kind}.csv", raw, "text/csv"), **extra})


def test_quota_upload_with_nul_is_a_form_error_naming_line_and_column(as_manager, small_assembly):
    raw = b"category,feature,min,max\ngender,woman,2,2\ngender,m\x00an,2,2\n"
    response = post_upload(as_manager, small_assembly, "quotas", raw)
    assert response.status_code == 200
    page = response.content.decode()
    assert "NUL" in page and "line 3, column &#x27;feature&#x27;" in page
    assert not PendingImport.objects.exists()
    assert Quota.objects.filter(assembly=small_assembly).count() == 4  # unchanged


def test_registrant_upload_utf16_without_bom_is_a_form_error(as_manager, small_assembly):
    raw = SMALL_REGISTRANTS.replace("P01", "Q01").encode("utf-16-le")
    response = post_upload(as_manager, small_assembly, "registrants", raw, id_column="id")
    assert response.status_code == 200
    page = response.content.decode()
    assert "UTF-16" in page and "line 1, column &#x27;field 1&#x27;" in page
    assert not PendingImport.objects.exists()
    assert not Registrant.objects.filter(external_id="Q01").exists()


def test_registrant_upload_utf16_with_bom_is_a_form_error(as_manager, small_assembly):
    raw = SMALL_REGISTRANTS.encode("utf-16")
    response = post_upload(as_manager, small_assembly, "registrants", raw, id_column="id")
    assert response.status_code == 200
    assert "UTF-16" in response.content.decode()
    assert not PendingImport.objects.exists()


def test_registrant_upload_id_column_with_nul_is_a_form_error(as_manager, small_assembly):
    raw = SMALL_REGISTRANTS.encode()
    response = post_upload(as_manager, small_assembly, "registrants", raw, id_column="i\x00d")
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert not PendingImport.objects.exists()


def changelist(client, **params):
    client.raise_request_exception = False
    return client.get(reverse("admin:assemblies_registrant_changelist"), params)


def test_registrant_answer_filter_with_nul_redirects_with_the_usual_error(
    as_manager, small_assembly
):
    category = small_assembly.categories.get(name="gender")
    params = {"assembly": small_assembly.pk, f"answer_{category.pk}": "wo\x00man"}
    response = changelist(as_manager, **params)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    page = as_manager.get(response["Location"]).content.decode()
    assert "NUL" in page


@pytest.mark.parametrize("param", ["status__exact", "source__exact", "q", "assembly", "o"])
def test_registrant_list_any_parameter_with_nul_is_refused(as_manager, small_assembly, param):
    response = changelist(as_manager, **{param: "pool\x00"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    "name", ["assemblies_assembly", "assemblies_selectionrun", "assemblies_invitation"]
)
def test_other_organiser_lists_with_nul_status_are_refused(client, superuser, name):
    client.force_login(superuser)
    client.raise_request_exception = False
    response = client.get(reverse(f"admin:{name}_changelist"), {"status__exact": "x\x00"})
    assert response.status_code in (302, 400), response.status_code
    assert response.status_code != 302 or response["Location"].endswith("?e=1")


# --- admin forms: every text field refuses NUL before the database -------------------------


@pytest.mark.parametrize(
    "field",
    ["title", "question", "description", "household_columns", "id_column", "quotas-0-value"],
)
def test_assembly_change_form_with_nul_is_a_form_error(as_manager, small_assembly, field):
    data, _ = change_form_data(small_assembly)
    data[field] = f"{data.get(field) or 'x'}\x00"
    url = reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    response = as_manager.post(url, data)
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    small_assembly.refresh_from_db()
    assert "\x00" not in small_assembly.title + small_assembly.question


@pytest.mark.parametrize("field", ["name", "email", "external_id", "postcode"])
def test_registrant_change_form_with_nul_is_a_form_error(as_manager, small_assembly, field):
    registrant = Registrant.objects.get(external_id="P01")
    data = {
        "external_id": "P01",
        "status": registrant.status,
        "name": registrant.name,
        "email": registrant.email,
    }
    data[field] = (data.get(field) or "x") + "\x00"
    url = reverse("admin:assemblies_registrant_change", args=[registrant.pk])
    response = as_manager.post(url, data)
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    registrant.refresh_from_db()
    assert registrant.name == "Ann One" and registrant.external_id == "P01"


def test_invitation_form_with_nul_email_is_a_form_error(as_manager, small_assembly):
    url = reverse("admin:assemblies_invitation_add")
    data = {"assembly": small_assembly.pk, "email": "new\x00@example.org", "role": "viewer"}
    response = as_manager.post(url, data)
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert not small_assembly.invitations.exists()
