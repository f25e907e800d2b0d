"""The organiser's pages through the Django test client, as a manager."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assemblies.models import (
    Assembly,
    AssemblyStatus,
    ImportJob,
    PendingImport,
    Quota,
    Registrant,
    RegistrantStatus,
)
from opendlp.core.models import AuditEvent
from tests.assemblies.conftest import SMALL_QUOTAS
from tests.assemblies.factories import AssemblyFactory, ImportJobFactory, RegistrantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def upload(client, assembly, kind, text, **extra):
    url = reverse("admin:assemblies_assembly_import", args=[assembly.pk, kind])
    data = {"file": SimpleUploadedFile(f"{kind}.csv", text.encode(), "text/csv"), **extra}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_assembly_page_shows_quotas_pool_counts_buttons_and_audit(as_manager, small_assembly):
    page = as_manager.get(
        reverse("admin:assemblies_assembly_change", args=[small_assembly.pk])
    ).content.decode()
    assert "Import quotas" in page and "Run a selection" in page and "Check feasibility" in page
    assert f"?assembly={small_assembly.pk}" in page  # link to its registrants
    assert "assemblies.registrants.imported" in page  # its audit events
    # the pool count beside each value: 6 women, 6 men
    assert re.search(r'field-pool_count">\s*<p>6</p>', page) or "6</td>" in page


def test_create_assembly_through_admin_makes_creator_manager(client, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("admin:assemblies_assembly_add"),
        {
            "title": "New one",
            "slug": "new-one",
            "panel_size": "10",
            "default_algorithm": "leximin",
            "household_columns": "postcode",
            "household_check": "on",
            **management_forms(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Assembly.objects.get(slug="new-one")
    assert created.household_columns == ["postcode"]
    assert created.memberships.get().user == outsider
    assert AuditEvent.objects.filter(action="assemblies.assembly.created").exists()


def management_forms(quotas=0, categories=0, members=0, form_fields=0):
    """The inlines' management forms, and the contact settings every post carries."""
    data = {"email_requirement": "required", "phone_requirement": "required"}
    data["address_requirement"] = "off"
    for prefix, total in (
        ("quotas", quotas),
        ("categories", categories),
        ("form_fields", form_fields),
        ("memberships", members),
        ("registration_pages", 0),
        ("translations", 0),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(total)
        data[f"{prefix}-INITIAL_FORMS"] = str(total)
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    return data


def test_quota_import_upload_preview_confirm(as_manager):
    assembly = AssemblyFactory()
    assembly.memberships.create(user=as_manager.session and _user(as_manager), role="manager")
    preview_url = upload(as_manager, assembly, "quotas", SMALL_QUOTAS)
    page = as_manager.get(preview_url).content.decode()
    assert "4 quotas in 2 categories" in page and "Import all rows" in page
    assert Quota.objects.filter(assembly=assembly).count() == 0  # nothing yet
    response = as_manager.post(preview_url, {"confirm": "1"})
    assert response.status_code == 302
    assert Quota.objects.filter(assembly=assembly).count() == 4
    assert not PendingImport.objects.exists()


def _user(client):
    from django.contrib.auth import get_user

    class Request:
        session = client.session

    return get_user(Request())


def test_registrant_import_preview_lists_every_error_and_confirm_imports_nothing(
    as_manager, small_assembly, django_capture_on_commit_callbacks
):
    bad = "id,name,email,gender,age\nZ1,A,a@example.org,woman,young\nZ2,B,bad-email,robot,old\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview_url = upload(as_manager, small_assembly, "registrants", bad, id_column="id")
    page = as_manager.get(preview_url).content.decode()
    assert "1 problem" in page and "<td>3</td><td>gender</td>" in page
    assert "line 3, column &#x27;email&#x27;" in page  # a warning
    assert "Import all rows" not in page
    before = Registrant.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager.post(preview_url, {"confirm": "1"})
    assert response.status_code == 302
    job = ImportJob.objects.get(action="import")
    assert job.status == "failed" and job.result["problem_count"] == 1
    assert Registrant.objects.count() == before
    page = as_manager.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page and "<td>3</td><td>gender</td>" in page
    assert PendingImport.objects.count() == 1  # kept: the organiser can still discard it


def test_registrant_import_good_file(
    as_manager, small_assembly, django_capture_on_commit_callbacks
):
    text = "id,name,gender,age,shoe\nZ1,Zed,man,young,44\nP01,Ann Again,woman,young,40\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview_url = upload(as_manager, small_assembly, "registrants", text, id_column="id")
    page = as_manager.get(preview_url).content.decode()
    assert "2 rows read" in page and "kept as an extra column" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager.post(preview_url, {"confirm": "1"})
    page = as_manager.get(response["Location"]).content.decode()
    assert "1 new registrants, 1 updated" in page
    assert Registrant.objects.get(external_id="Z1").extra == {"shoe": "44"}


def test_registrant_import_language_not_of_the_site_names_line_and_column(
    as_manager, small_assembly, django_capture_on_commit_callbacks
):
    text = "id,name,gender,age,language\nZ1,Zed,man,young,fr\nZ2,Zoe,woman,old,de\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview_url = upload(as_manager, small_assembly, "registrants", text, id_column="id")
    page = as_manager.get(preview_url).content.decode()
    assert "1 problem" in page and "<td>3</td><td>language</td>" in page
    assert "is not one of the site" in page and "Import all rows" not in page
    before = Registrant.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        as_manager.post(preview_url, {"confirm": "1"})
    assert Registrant.objects.count() == before


def test_registrant_import_language_column_sets_each_language(
    as_manager, small_assembly, django_capture_on_commit_callbacks
):
    text = "id,name,gender,age,language\nZ1,Zed,man,young,fr\nZ2,Zoe,woman,old,\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview_url = upload(as_manager, small_assembly, "registrants", text, id_column="id")
    page = as_manager.get(preview_url).content.decode()
    assert "2 rows read" in page and "their emails are written in it" in page
    with django_capture_on_commit_callbacks(execute=True):
        as_manager.post(preview_url, {"confirm": "1"})
    assert Registrant.objects.get(external_id="Z1").language == "fr"
    assert Registrant.objects.get(external_id="Z2").language == ""


def test_import_discard_keeps_nothing(as_manager, small_assembly):
    preview_url = upload(as_manager, small_assembly, "quotas", SMALL_QUOTAS)
    as_manager.post(preview_url, {"discard": "1"})
    assert not PendingImport.objects.exists()


def test_import_non_utf8_file_is_refused_with_line(as_manager, small_assembly):
    url = reverse("admin:assemblies_assembly_import", args=[small_assembly.pk, "quotas"])
    data = {"file": SimpleUploadedFile("q.csv", b"category,feature,min,max\n\xff\xfe,1,2\n")}
    page = as_manager.post(url, data).content.decode()
    assert "not UTF-8" in page and "line 2" in page


def test_someone_elses_upload_is_404(client, small_assembly, manager, superuser):
    client.force_login(manager)
    preview_url = upload(client, small_assembly, "quotas", SMALL_QUOTAS)
    client.force_login(superuser)
    assert client.get(preview_url).status_code == 404


def test_export_registrants_csv(as_manager, small_assembly):
    response = as_manager.get(
        reverse("admin:assemblies_assembly_export", args=[small_assembly.pk, "registrants"])
    )
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert body.splitlines()[0] == "id,name,email,postcode,gender,age,note,language,status"
    assert AuditEvent.objects.filter(action="assemblies.registrants.exported").exists()


def test_close_registration_confirmation_then_post(as_manager, small_assembly):
    small_assembly.status = AssemblyStatus.OPEN
    small_assembly.save()
    url = reverse("admin:assemblies_assembly_lifecycle", args=[small_assembly.pk, "close"])
    assert "Close registration" in as_manager.get(url).content.decode()
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.OPEN  # GET changes nothing
    as_manager.post(url)
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.CLOSED


def test_registrant_list_filters_by_category_answer(as_manager, small_assembly):
    category = small_assembly.categories.get(name="gender")
    url = reverse("admin:assemblies_registrant_changelist")
    page = as_manager.get(
        url, {"assembly": small_assembly.pk, f"answer_{category.pk}": "woman"}
    ).content.decode()
    assert "Ann One" in page and "Gus Seven" not in page
    page = as_manager.get(url, {"q": "gus@example.org"}).content.decode()
    assert "Gus Seven" in page and "Ann One" not in page


def test_registrant_list_query_count_does_not_grow(as_manager, small_assembly):
    url = reverse("admin:assemblies_registrant_changelist")
    as_manager.get(url, {"assembly": small_assembly.pk})
    with CaptureQueriesContext(connection) as few:
        as_manager.get(url, {"assembly": small_assembly.pk})
    RegistrantFactory.create_batch(60, assembly=small_assembly, answers={"gender": "man"})
    with CaptureQueriesContext(connection) as many:
        response = as_manager.get(url, {"assembly": small_assembly.pk})
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_caller_sees_only_status_editable(client, caller, small_assembly):
    registrant = Registrant.objects.get(external_id="P01")
    registrant.status = RegistrantStatus.SELECTED
    registrant.save()
    client.force_login(caller)
    page = client.get(
        reverse("admin:assemblies_registrant_change", args=[registrant.pk])
    ).content.decode()
    assert 'name="status"' in page and 'name="email"' not in page
    assert '<option value="pool"' not in page  # callers cannot put people back in the pool
    response = client.post(
        reverse("admin:assemblies_registrant_change", args=[registrant.pk]),
        {"status": "pool"},
    )
    assert response.status_code == 200  # form error: not a valid choice
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.SELECTED


def test_erase_action_asks_for_confirmation(as_manager, small_assembly):
    registrant = Registrant.objects.get(external_id="P02")
    url = reverse("admin:assemblies_registrant_changelist")
    page = as_manager.post(url, {"action": "erase", "_selected_action": [registrant.pk]})
    assert "Erase personal data?" in page.content.decode()
    registrant.refresh_from_db()
    assert registrant.name == "Bea Two"
    as_manager.post(url, {"action": "erase", "_selected_action": [registrant.pk], "confirm": "yes"})
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.DELETED and registrant.name == ""


def change_form_data(small_assembly, *, role="manager"):
    """The assembly change form as posted, with the first quota's max raised by one and
    the (only) membership given ``role``."""
    quotas = list(Quota.objects.filter(assembly=small_assembly).order_by("position", "id"))
    categories = list(small_assembly.categories.all())
    data = {
        "title": small_assembly.title,
        "slug": small_assembly.slug,
        "panel_size": "4",
        "default_algorithm": "leximin",
        "id_column": "id",
        **management_forms(len(quotas), len(categories), 1),
    }
    for i, quota in enumerate(quotas):
        data.update(
            {
                f"quotas-{i}-id": quota.pk,
                f"quotas-{i}-assembly": small_assembly.pk,
                f"quotas-{i}-category": quota.category,
                f"quotas-{i}-value": quota.value,
                f"quotas-{i}-position": quota.position,
                f"quotas-{i}-min": quota.min,
                f"quotas-{i}-max": quota.max + (1 if i == 0 else 0),
            }
        )
    for i, category in enumerate(categories):
        data.update(
            {
                f"categories-{i}-id": category.pk,
                f"categories-{i}-assembly": small_assembly.pk,
                f"categories-{i}-question": "Q?",
                f"categories-{i}-position": category.position,
            }
        )
    membership = small_assembly.memberships.get()
    data.update(
        {
            "memberships-0-id": membership.pk,
            "memberships-0-assembly": small_assembly.pk,
            "memberships-0-user": membership.user.email,
            "memberships-0-role": role,
        }
    )
    return data, quotas


def test_quota_inline_edit_is_audited(as_manager, small_assembly):
    data, quotas = change_form_data(small_assembly)
    response = as_manager.post(
        reverse("admin:assemblies_assembly_change", args=[small_assembly.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Quota.objects.get(pk=quotas[0].pk).max == quotas[0].max + 1
    assert AuditEvent.objects.filter(action="assemblies.quotas.changed").exists()
    # the assembly's own fields did not change: no (spurious) assembly.changed event
    assert not AuditEvent.objects.filter(action="assemblies.assembly.changed").exists()


def test_quota_inline_min_above_max_is_a_form_error(as_manager, small_assembly):
    quota = Quota.objects.filter(assembly=small_assembly).order_by("position").first()
    data = {
        "title": small_assembly.title,
        "slug": small_assembly.slug,
        "panel_size": "4",
        "default_algorithm": "leximin",
        **management_forms(1, 0, 0),
        "quotas-0-id": quota.pk,
        "quotas-0-assembly": small_assembly.pk,
        "quotas-0-category": quota.category,
        "quotas-0-value": quota.value,
        "quotas-0-position": 0,
        "quotas-0-min": 5,
        "quotas-0-max": 1,
    }
    data["quotas-INITIAL_FORMS"] = "1"
    response = as_manager.post(
        reverse("admin:assemblies_assembly_change", args=[small_assembly.pk]), data
    )
    assert response.status_code == 200
    assert "min must not be greater than max" in response.content.decode()


def test_quota_inline_edit_refused_on_archived_assembly(as_manager, small_assembly):
    Assembly.objects.filter(pk=small_assembly.pk).update(status=AssemblyStatus.ARCHIVED)
    data, quotas = change_form_data(small_assembly)
    response = as_manager.post(
        reverse("admin:assemblies_assembly_change", args=[small_assembly.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert Quota.objects.get(pk=quotas[0].pk).max == quotas[0].max
    assert not AuditEvent.objects.filter(action="assemblies.quotas.changed").exists()
    assert "archived" in response.content.decode()


def test_membership_inline_cannot_demote_last_manager(as_manager, small_assembly):
    data, _ = change_form_data(small_assembly, role="viewer")
    response = as_manager.post(
        reverse("admin:assemblies_assembly_change", args=[small_assembly.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert small_assembly.memberships.get().role == "manager"
    assert "at least one manager" in response.content.decode()


@pytest.mark.parametrize("action", ["mark_selected", "mark_confirmed"])
def test_mark_action_refuses_a_panel_seat_nobody_drew(as_manager, small_assembly, action):
    registrant = Registrant.objects.get(external_id="P02")
    registrant.status = RegistrantStatus.WITHDRAWN
    registrant.save()
    url = reverse("admin:assemblies_registrant_changelist")
    page = as_manager.post(
        url, {"action": action, "_selected_action": [registrant.pk]}, follow=True
    )
    assert "never drawn" in page.content.decode()
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.WITHDRAWN


def test_registrant_upload_starts_a_preview_job_and_the_page_shows_its_progress(
    as_manager, small_assembly
):
    text = "id,name,gender,age\nZ1,Zed,man,young\n"
    preview_url = upload(as_manager, small_assembly, "registrants", text, id_column="id")
    job = ImportJob.objects.get()
    assert (job.action, job.status) == ("preview", "pending")
    page = as_manager.get(preview_url).content.decode()
    assert 'id="run-progress"' in page and "Checking the file" in page
    assert "Import all rows" not in page
    progress_url = reverse(
        "admin:assemblies_assembly_import_job_progress", args=[small_assembly.pk, job.pk]
    )
    assert as_manager.get(progress_url).json() == {
        "status": "pending",
        "phase": "",
        "done": 0,
        "total": 0,
        "percent": 0,
        "finished": False,
        "cancel_requested": False,
    }


def test_registrant_import_confirmed_twice_through_the_admin_imports_once(
    as_manager, small_assembly, django_capture_on_commit_callbacks
):
    text = "id,name,gender,age\nZ1,Zed,man,young\nZ2,Zoe,woman,old\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview_url = upload(as_manager, small_assembly, "registrants", text, id_column="id")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = as_manager.post(preview_url, {"confirm": "1"})
        second = as_manager.post(preview_url, {"confirm": "1"})  # a double click
    assert first["Location"] == second["Location"]
    assert len(callbacks) == 1  # one job enqueued, run after the block
    job = ImportJob.objects.get(action="import")
    assert job.status == "succeeded"
    late = as_manager.post(preview_url, {"confirm": "1"})  # the upload is gone by now
    assert late["Location"] == first["Location"]
    assert ImportJob.objects.filter(action="import").count() == 1
    assert Registrant.objects.filter(external_id__in=["Z1", "Z2"]).count() == 2


def test_import_job_page_cancels_a_pending_import(as_manager, small_assembly):
    text = "id,name,gender,age\nZ1,Zed,man,young\n"
    preview_url = upload(as_manager, small_assembly, "registrants", text, id_column="id")
    job_url = as_manager.post(preview_url, {"confirm": "1"})["Location"]
    job = ImportJob.objects.get(action="import")
    page = as_manager.get(job_url).content.decode()
    assert "Importing" in page and "Cancel: import nothing" in page
    cancel_url = reverse(
        "admin:assemblies_assembly_import_job_cancel", args=[small_assembly.pk, job.pk]
    )
    as_manager.post(cancel_url, {"next": "https://evil.example/"})
    job.refresh_from_db()
    assert job.status == "cancelled"
    page = as_manager.get(job_url).content.decode()
    assert "Nothing was imported" in page
    assert not Registrant.objects.filter(external_id="Z1").exists()


def test_import_job_page_of_another_assembly_is_404(as_manager, small_assembly):
    other = AssemblyFactory()
    job = ImportJobFactory(pending__assembly=other)
    url = reverse("admin:assemblies_assembly_import_job", args=[other.pk, job.pk])
    assert as_manager.get(url).status_code == 404
    url = reverse("admin:assemblies_assembly_import_job", args=[small_assembly.pk, job.pk])
    assert as_manager.get(url).status_code == 404
