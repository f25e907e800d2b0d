"""The assembly page's clean-up and reuse tools through the Django test client: erase every
registrant of an archived assembly, duplicate the assembly, download the quotas and the CSV
templates."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assemblies.models import (
    Assembly,
    AssemblyMembership,
    AssemblyStatus,
    Quota,
    Registrant,
    RegistrantStatus,
    Role,
)
from assemblies.services.assemblies import assembly_archive
from assemblies.templatetags.assemblies_report import audit_details
from opendlp.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def page(client, assembly):
    url = reverse("admin:assemblies_assembly_change", args=[assembly.pk])
    return client.get(url).content.decode()


def test_assembly_page_offers_duplicate_exports_and_templates(
    staff_client, manager, small_assembly
):
    text = page(staff_client(manager), small_assembly)
    for what in ("quotas", "quotas-template", "registrants-template"):
        assert reverse("admin:assemblies_assembly_export", args=[small_assembly.pk, what]) in text
    assert reverse("admin:assemblies_assembly_duplicate", args=[small_assembly.pk]) in text
    erase_url = reverse("admin:assemblies_assembly_erase_all", args=[small_assembly.pk])
    assert erase_url not in text  # only once archived
    assembly_archive(assembly_id=small_assembly.pk)
    assert erase_url in page(staff_client(manager), small_assembly)


def test_erase_all_page_states_the_count_and_that_draws_stay_verifiable(
    staff_client, manager, small_assembly
):
    assembly_archive(assembly_id=small_assembly.pk)
    url = reverse("admin:assemblies_assembly_erase_all", args=[small_assembly.pk])
    text = staff_client(manager).get(url).content.decode()
    assert "12 registrants" in text and "verifiable" in text
    assert not Registrant.objects.filter(status=RegistrantStatus.DELETED).exists()


def test_erase_all_post_erases_everyone(staff_client, manager, small_assembly):
    assembly_archive(assembly_id=small_assembly.pk)
    url = reverse("admin:assemblies_assembly_erase_all", args=[small_assembly.pk])
    response = staff_client(manager).post(url, follow=True)
    assert "Personal data of 12 registrants erased." in response.content.decode()
    assert not Registrant.objects.exclude(status=RegistrantStatus.DELETED).exists()
    assert AuditEvent.objects.get(action="assemblies.assembly.registrants_erased").data == {
        "count": 12
    }


def test_erase_all_of_an_open_assembly_is_refused(staff_client, manager, small_assembly):
    url = reverse("admin:assemblies_assembly_erase_all", args=[small_assembly.pk])
    response = staff_client(manager).post(url, follow=True)
    assert "Archive the assembly" in response.content.decode()
    assert not Registrant.objects.filter(status=RegistrantStatus.DELETED).exists()


def test_erase_all_is_forbidden_to_a_caller(staff_client, caller, small_assembly):
    assembly_archive(assembly_id=small_assembly.pk)
    url = reverse("admin:assemblies_assembly_erase_all", args=[small_assembly.pk])
    assert staff_client(caller).post(url).status_code == 403
    assert not Registrant.objects.filter(status=RegistrantStatus.DELETED).exists()


def test_duplicate_form_creates_the_copy_and_opens_it(staff_client, manager, small_assembly):
    url = reverse("admin:assemblies_assembly_duplicate", args=[small_assembly.pk])
    client = staff_client(manager)
    assert "small-copy" in client.get(url).content.decode()
    response = client.post(url, {"title": "Small again", "slug": "small-again"})
    copy = Assembly.objects.get(slug="small-again")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:assemblies_assembly_change", args=[copy.pk])
    assert copy.status == AssemblyStatus.DRAFT and Quota.objects.filter(assembly=copy).count() == 4
    assert not Registrant.objects.filter(assembly=copy).exists()


def test_duplicate_with_a_taken_slug_says_why(staff_client, manager, small_assembly):
    url = reverse("admin:assemblies_assembly_duplicate", args=[small_assembly.pk])
    response = staff_client(manager).post(url, {"title": "Again", "slug": "small"})
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert Assembly.objects.count() == 1


def test_duplicate_is_forbidden_to_a_caller(staff_client, caller, small_assembly):
    url = reverse("admin:assemblies_assembly_duplicate", args=[small_assembly.pk])
    assert staff_client(caller).post(url, {"title": "X", "slug": "x"}).status_code == 403
    assert Assembly.objects.count() == 1


@pytest.mark.parametrize(
    ("what", "first_line"),
    [
        ("quotas", "feature,value,min,max,min_flex,max_flex"),
        ("quotas-template", "feature,value,min,max,min_flex,max_flex"),
        (
            "registrants-template",
            "id,name,email,phone,address_line_1,address_line_2,town,postcode,language,gender,age",
        ),
    ],
)
def test_quota_export_and_templates_download_for_a_viewer(
    staff_client, viewer, small_assembly, what, first_line
):
    url = reverse("admin:assemblies_assembly_export", args=[small_assembly.pk, what])
    response = staff_client(viewer).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="small-{what}.csv"' in response["Content-Disposition"]
    assert response.content.decode().splitlines()[0] == first_line
    assert not AuditEvent.objects.filter(action="assemblies.registrants.exported").exists()


def test_quota_export_download_imports_back_as_the_same_quotas(
    staff_client, manager, small_assembly
):
    client = staff_client(manager)
    body = client.get(
        reverse("admin:assemblies_assembly_export", args=[small_assembly.pk, "quotas"])
    ).content
    other = Assembly.objects.create(slug="fresh", title="Fresh", panel_size=4)
    AssemblyMembership.objects.create(assembly=other, user=manager, role=Role.MANAGER)
    url = reverse("admin:assemblies_assembly_import", args=[other.pk, "quotas"])
    response = client.post(url, {"file": SimpleUploadedFile("q.csv", body, "text/csv")})
    assert response.status_code == 302
    client.post(response["Location"], {"confirm": "1"})

    def table(assembly):
        return list(
            Quota.objects.filter(assembly=assembly)
            .order_by("position")
            .values_list("category", "value", "min", "max", "min_flex", "max_flex")
        )

    assert table(other) == table(small_assembly)


def test_archived_assembly_page_offers_no_refused_action_and_audit_in_words(
    staff_client, manager, small_assembly
):
    assembly_archive(assembly_id=small_assembly.pk, actor=manager)
    html = page(staff_client(manager), small_assembly)
    for refused in ("Import quotas", "Build categories from a file", "Import registrants"):
        assert f">{refused}</a>" not in html
    assert "Run a selection</a>" not in html and "Run a test selection</a>" not in html
    assert "Erase all registrants&#x27; data" in html or "Erase all registrants' data" in html
    assert '<td title="assemblies.assembly.archived">Assembly archived</td>' in html
    # Details in words too: "key: value" pairs, lists without brackets or quotes.
    assert "from: draft" in html


def test_archive_confirmation_says_what_archiving_does(staff_client, manager, small_assembly):
    url = reverse("admin:assemblies_assembly_lifecycle", args=[small_assembly.pk, "archive"])
    html = staff_client(manager).get(url).content.decode()
    assert "Archive “Small assembly”? An archived assembly takes no more registrations" in html
    assert "cannot be opened again" in html and "personal data" in html
    assert small_assembly.status != AssemblyStatus.ARCHIVED


def test_audit_details_read_as_words():
    data = {"bands": ["18-29", "30-44"], "removed": [], "replaced": 0, "run_id": None}
    assert audit_details(data) == "bands: 18-29, 30-44 · removed: none · replaced: 0 · run id: —"
