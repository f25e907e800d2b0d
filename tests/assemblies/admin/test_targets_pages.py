"""Targets built from data through the assembly admin: categories from a file, "add missing
values" on the registrants preview, percentage quotas and bands in the inlines."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assemblies.models import Category, ImportJob, PendingImport, Quota, Registrant
from opendlp.core.models import AuditEvent
from tests.assemblies.admin.test_pages import management_forms, upload
from tests.assemblies.factories import AssemblyFactory, AssemblyMembershipFactory
from tests.assemblies.services.test_targets import PEOPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_assembly():
    return AssemblyFactory(slug="empty", title="Empty", panel_size=5)


@pytest.fixture
def as_empty_manager(client, empty_assembly):
    client.force_login(AssemblyMembershipFactory(assembly=empty_assembly, role="manager").user)
    return client


def _upload_for_categories(client, assembly, text=PEOPLE):
    url = reverse("admin:assemblies_assembly_categories_upload", args=[assembly.pk])
    response = client.post(url, {"file": SimpleUploadedFile("people.csv", text.encode())})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_assembly_page_links_build_categories(as_manager_small, small_assembly):
    page = as_manager_small.get(
        reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    ).content.decode()
    url = reverse("admin:assemblies_assembly_categories_upload", args=[small_assembly.pk])
    assert url in page and "Build categories from a file" in page


@pytest.fixture
def as_manager_small(client, manager):
    client.force_login(manager)
    return client


def test_build_page_lists_columns_with_counts_and_ticks_categories_only(
    as_empty_manager, empty_assembly
):
    page = as_empty_manager.get(_upload_for_categories(as_empty_manager, empty_assembly))
    html = page.content.decode()
    assert "woman (5), man (4), Woman (1)" in html
    assert 'value="gender" id="column-4" checked' in html
    assert 'value="region" id="column-5" checked' in html
    for position, name in enumerate(["id", "name", "email"], start=1):
        assert f'value="{name}" id="column-{position}">' in html  # not ticked
    # Ids and contact details are counted, not shown.
    assert "10 different answers (ids or contact details: not shown)" in html
    assert "a@example.org" not in html
    assert not Quota.objects.filter(assembly=empty_assembly).exists()  # nothing yet


def test_build_creates_quotas_and_a_repeated_submit_changes_nothing(
    as_empty_manager, empty_assembly
):
    url = _upload_for_categories(as_empty_manager, empty_assembly)
    data = {"columns": ["gender", "region"], "mode": "proportional", "build": "1"}
    response = as_empty_manager.post(url, data)
    assert response.status_code == 302
    assert Quota.objects.filter(assembly=empty_assembly).count() == 5
    assert not PendingImport.objects.exists()
    again = as_empty_manager.post(url, data, follow=True)
    assert "already used or discarded; nothing was changed" in again.content.decode()
    assert AuditEvent.objects.filter(action="assemblies.quotas.built").count() == 1


def test_build_page_offers_bands_for_raw_ages_and_builds_them(as_empty_manager, empty_assembly):
    url = _upload_for_categories(as_empty_manager, empty_assembly)
    html = as_empty_manager.get(url).content.decode()
    assert "17 (1)" in html  # ten ages: listed
    assert 'name="bands_6"' in html and 'name="bands_4"' not in html  # age only
    data = {"columns": ["gender", "age"], "mode": "open", "bands_6": "0-29, 30-44, 45-64, 65+"}
    assert as_empty_manager.post(url, data).status_code == 302
    ages = Quota.objects.filter(assembly=empty_assembly, category="age")
    assert list(ages.values_list("value", flat=True)) == ["0-29", "30-44", "45-64", "65+"]
    assert Category.objects.get(assembly=empty_assembly, name="age").bands == [
        "0-29",
        "30-44",
        "45-64",
        "65+",
    ]


def test_build_with_a_number_in_no_band_says_so_and_builds_nothing(
    as_empty_manager, empty_assembly
):
    url = _upload_for_categories(as_empty_manager, empty_assembly)
    data = {"columns": ["age"], "mode": "open", "bands_6": "18-29, 30-44, 45-64, 65+"}
    html = as_empty_manager.post(url, data, follow=True).content.decode()
    assert "Nothing was built: Column &#x27;age&#x27;: 17 is in no band" in html
    assert 'value="18-29, 30-44, 45-64, 65+"' in html  # the typed bands are kept
    assert not Quota.objects.filter(assembly=empty_assembly).exists()


def test_build_over_existing_quotas_needs_the_confirmation(as_empty_manager, empty_assembly):
    Quota.objects.create(assembly=empty_assembly, category="x", value="y", min=0, max=1)
    url = _upload_for_categories(as_empty_manager, empty_assembly)
    page = as_empty_manager.get(url).content.decode()
    assert "The assembly has 1 quota already" in page
    response = as_empty_manager.post(url, {"columns": ["gender"], "mode": "open"}, follow=True)
    assert "Nothing was built" in response.content.decode()
    assert list(Quota.objects.filter(assembly=empty_assembly).values_list("value", flat=True)) == [
        "y"
    ]
    as_empty_manager.post(url, {"columns": ["gender"], "mode": "open", "replace": "on"})
    assert set(Quota.objects.filter(assembly=empty_assembly).values_list("value", flat=True)) == {
        "woman",
        "man",
    }


def test_build_page_shows_a_malformed_file_with_its_line(as_empty_manager, empty_assembly):
    url = _upload_for_categories(as_empty_manager, empty_assembly, "gender,age\nwoman,30\nman\n")
    html = as_empty_manager.get(url).content.decode()
    assert "nothing can be built" in html and "<td>3</td>" in html
    assert "Build the categories" not in html


def test_build_upload_refuses_a_non_utf8_file(as_empty_manager, empty_assembly):
    url = reverse("admin:assemblies_assembly_categories_upload", args=[empty_assembly.pk])
    data = {"file": SimpleUploadedFile("p.csv", b"gender\n\xff\xfe\n")}
    response = as_empty_manager.post(url, data)
    assert response.status_code == 200 and "line 2" in response.content.decode()
    assert not PendingImport.objects.exists()


def test_build_pages_refuse_a_viewer(client, small_assembly, viewer):
    client.force_login(viewer)
    url = reverse("admin:assemblies_assembly_categories_upload", args=[small_assembly.pk])
    assert client.get(url).status_code == 403


def test_registrants_preview_offers_missing_values_and_imports_them(
    as_manager_small, small_assembly, django_capture_on_commit_callbacks
):
    text = "id,gender,age\nZ1,woman,young\nZ2,non-binary,middle\nZ3,Non-Binary,old\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview_url = upload(as_manager_small, small_assembly, "registrants", text, id_column="id")
    html = as_manager_small.get(preview_url).content.decode()
    # Column, category, value and the lines holding it (the first spelling is shown).
    assert "<td>gender</td><td>gender</td><td>non-binary</td><td>2: lines 3, 4</td>" in html
    assert "<td>age</td><td>age</td><td>middle</td><td>1: lines 3</td>" in html
    assert "Add these values and import" in html and "after the category's own values" in html
    assert "Every problem is an answer that is not a value of the quotas yet" in html
    assert not Quota.objects.filter(assembly=small_assembly, value="middle").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager_small.post(preview_url, {"add_values": "1"})
    assert response.status_code == 302
    added = Quota.objects.get(assembly=small_assembly, value="non-binary")
    assert (added.min, added.max) == (0, small_assembly.panel_size)
    assert ImportJob.objects.get(action="import").status == "succeeded"
    assert Registrant.objects.get(external_id="Z3").answers == {
        "gender": "non-binary",
        "age": "old",
    }


def _change_data(assembly, quotas, categories=()):
    data = {
        "title": assembly.title,
        "slug": assembly.slug,
        "panel_size": str(assembly.panel_size),
        "default_algorithm": assembly.default_algorithm,
        "household_columns": "",
        **management_forms(),
    }
    data["quotas-TOTAL_FORMS"] = data["quotas-INITIAL_FORMS"] = str(len(quotas))
    for i, (quota, low, high) in enumerate(quotas):
        data.update(
            {
                f"quotas-{i}-id": str(quota.pk),
                f"quotas-{i}-assembly": str(assembly.pk),
                f"quotas-{i}-category": quota.category,
                f"quotas-{i}-value": quota.value,
                f"quotas-{i}-position": str(quota.position),
                f"quotas-{i}-min": low,
                f"quotas-{i}-max": high,
            }
        )
    data["categories-TOTAL_FORMS"] = data["categories-INITIAL_FORMS"] = str(len(categories))
    for i, (category, bands) in enumerate(categories):
        data.update(
            {
                f"categories-{i}-id": str(category.pk),
                f"categories-{i}-assembly": str(assembly.pk),
                f"categories-{i}-position": str(category.position),
                f"categories-{i}-bands": bands,
            }
        )
    return data


def test_quota_inline_takes_percentages_and_shows_both_ways(as_manager_small, small_assembly):
    url = reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    quotas = list(Quota.objects.filter(assembly=small_assembly).order_by("position"))
    rows = [(quotas[0], "25%", "50%"), *((q, str(q.min), str(q.max)) for q in quotas[1:])]
    response = as_manager_small.post(url, _change_data(small_assembly, rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    woman = Quota.objects.get(pk=quotas[0].pk)
    assert (woman.min, woman.max, str(woman.min_percent)) == (1, 2, "25.00")
    html = as_manager_small.get(url).content.decode()
    assert 'value="25%"' in html and "= 1–2" in html  # typed as %, shown as counts
    assert "50%–50%" in html  # man [2, 2] of a panel of 4, shown as shares


def test_quota_inline_refuses_a_bad_percentage(as_manager_small, small_assembly):
    url = reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    quotas = list(Quota.objects.filter(assembly=small_assembly).order_by("position"))
    rows = [(quotas[0], "2", "150%"), *((q, str(q.min), str(q.max)) for q in quotas[1:])]
    response = as_manager_small.post(url, _change_data(small_assembly, rows))
    assert response.status_code == 200 and "more than 100%" in response.content.decode()
    assert Quota.objects.get(pk=quotas[0].pk).max_percent is None


def test_category_inline_sets_bands_or_names_the_gap(as_manager_small, small_assembly):
    Quota.objects.filter(assembly=small_assembly, value="young").update(value="16-29")
    Quota.objects.filter(assembly=small_assembly, value="old").update(value="30+")
    url = reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    quotas = [(q, str(q.min), str(q.max)) for q in Quota.objects.filter(assembly=small_assembly)]
    age = Category.objects.get(assembly=small_assembly, name="age")
    bad = as_manager_small.post(url, _change_data(small_assembly, quotas, [(age, "16-29, 35+")]))
    assert bad.status_code == 200 and "30 to 34 are in no band" in bad.content.decode()
    assert Category.objects.get(pk=age.pk).bands == []
    good = as_manager_small.post(url, _change_data(small_assembly, quotas, [(age, "16-29; 30+")]))
    assert good.status_code == 302
    assert Category.objects.get(pk=age.pk).bands == ["16-29", "30+"]


def test_quota_preview_shows_percentages_with_their_counts(as_manager_small, small_assembly):
    text = "category,feature,min,max\ngender,woman,25%,50%\ngender,man,1,2\n"
    html = as_manager_small.get(upload(as_manager_small, small_assembly, "quotas", text))
    page = html.content.decode()
    assert "<td>1 (25%)</td><td>2 (50%)</td>" in page


def test_panel_size_change_in_the_admin_converts_percentages_again(
    as_manager_small, small_assembly
):
    quotas = list(Quota.objects.filter(assembly=small_assembly).order_by("position"))
    Quota.objects.filter(pk=quotas[0].pk).update(min_percent=25, max_percent=50, min=1, max=2)
    small_assembly.panel_size = 8
    rows = [(quotas[0], "25%", "50%"), *((q, str(q.min), str(q.max)) for q in quotas[1:])]
    url = reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    response = as_manager_small.post(url, _change_data(small_assembly, rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    woman = Quota.objects.get(pk=quotas[0].pk)
    assert (woman.min, woman.max) == (2, 4)
    assert AuditEvent.objects.filter(action="assemblies.quotas.rescaled").count() == 1


def test_category_inline_bands_rederive_values_and_reband_registrants(
    as_manager_small, small_assembly
):
    """Typing bands in the category inline replaces the band values with the new bands and
    moves the registrants' answers; an answer the new bands split is refused, saying so."""
    Quota.objects.filter(assembly=small_assembly, value="young").update(value="16-24")
    Quota.objects.filter(assembly=small_assembly, value="old").update(value="25-44")
    Registrant.objects.filter(assembly=small_assembly, answers__age="young").update(
        answers={"gender": "woman", "age": "16-24"}
    )
    Registrant.objects.filter(assembly=small_assembly, answers__age="old").update(
        answers={"gender": "man", "age": "25-44"}
    )
    url = reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    quotas = [(q, str(q.min), str(q.max)) for q in Quota.objects.filter(assembly=small_assembly)]
    age = Category.objects.get(assembly=small_assembly, name="age")
    split = as_manager_small.post(
        url, _change_data(small_assembly, quotas, [(age, "16-29, 30+")]), follow=True
    )
    assert "which no single new band holds" in split.content.decode()
    assert Category.objects.get(pk=age.pk).bands == []
    good = as_manager_small.post(url, _change_data(small_assembly, quotas, [(age, "16-44, 45+")]))
    assert good.status_code == 302
    values = Quota.objects.filter(assembly=small_assembly, category="age").order_by("position")
    assert [(q.value, q.min, q.max) for q in values] == [("16-44", 2, 4), ("45+", 0, 4)]
    ages = Registrant.objects.filter(assembly=small_assembly).values_list("answers", flat=True)
    assert {a["age"] for a in ages} == {"16-44"}


def test_registrants_preview_counts_contact_columns_instead_of_listing_them(
    as_manager_small, small_assembly, django_capture_on_commit_callbacks
):
    text = "id,name,email,phone,gender,age\nZ1,Zoe,z@example.org,0123,woman,young\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview_url = upload(as_manager_small, small_assembly, "registrants", text, id_column="id")
    html = as_manager_small.get(preview_url).content.decode()
    assert '<tr id="contact-columns"><td>3 contact columns</td>' in html
    assert "contact field" not in html
    assert "<td>gender</td><td>category gender</td>" in html


def test_build_page_lists_a_short_column_of_numbers_and_offers_bands(
    as_empty_manager, empty_assembly
):
    """A column of few numbers (household size) shows its values, with the bands box; a
    column of many numbers shows its range instead."""
    text = "id,size,age\n" + "".join(f"{n},{1 + n % 3},{18 + n}\n" for n in range(20))
    html = as_empty_manager.get(_upload_for_categories(as_empty_manager, empty_assembly, text))
    page = html.content.decode()
    assert "1 (7), 2 (7), 3 (6)" in page and 'name="bands_2"' in page
    assert "20 different numbers from 18 to 37" in page and 'name="bands_3"' in page
