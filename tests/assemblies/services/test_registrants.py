"""Erasure leaves no personal data behind: not in the external id (when the id column is an
email or a name), the exports, the admin search or the audit log's labels and data."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from assemblies.exports import registrants_csv
from assemblies.models import Registrant, RegistrantStatus
from assemblies.selectors.previews import registrants_import_preview
from assemblies.services.execution import selection_run_execute
from assemblies.services.imports import registrants_import
from assemblies.services.quotas import quotas_import
from assemblies.services.registrants import (
    registrant_erase,
    registrant_erase_by_link,
    registrant_status_change,
)
from assemblies.services.runs import selection_run_start
from opendlp.core.models import AuditEvent
from tests.assemblies.conftest import SMALL_QUOTAS, SMALL_REGISTRANTS
from tests.assemblies.factories import AssemblyFactory, AssemblyMembershipFactory

pytestmark = pytest.mark.django_db

#: The small pool again, with the people's email addresses as their ids.
BY_EMAIL = "\n".join(
    ",".join([line.split(",")[2], *line.split(",")[1:]]) if i else "email_id," + line[3:]
    for i, line in enumerate(SMALL_REGISTRANTS.strip().splitlines())
)


@pytest.fixture
def by_email(db):
    """An assembly whose registrants' external ids are their email addresses."""
    assembly = AssemblyFactory(slug="by-email", panel_size=4)
    quotas_import(assembly_id=assembly.pk, text=SMALL_QUOTAS, filename="q.csv")
    registrants_import(
        assembly_id=assembly.pk, text=BY_EMAIL, filename="p.csv", id_column="email_id"
    )
    assembly.refresh_from_db()
    return assembly


def ann(assembly):
    return Registrant.objects.get(assembly=assembly, external_id="ann@example.org")


def test_fixture_ids_are_emails(by_email):
    assert ann(by_email).name == "Ann One"


def test_registrant_erase_pseudonymises_an_email_external_id(by_email):
    registrant = ann(by_email)
    registrant_erase(registrant_id=registrant.pk)
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.DELETED
    assert "ann" not in registrant.external_id and registrant.external_id.startswith("erased:")


def test_registrant_erase_by_link_pseudonymises_the_external_id(by_email):
    registrant = ann(by_email)
    registrant_erase_by_link(assembly_id=by_email.pk, public_id=registrant.public_id)
    registrant.refresh_from_db()
    assert "ann@example.org" not in registrant.external_id


def test_registrant_erase_keeps_external_ids_unique_and_empty_ids_empty(by_email):
    people = list(Registrant.objects.filter(assembly=by_email).order_by("id")[:3])
    form_one = Registrant.objects.create(assembly=by_email, email="x@example.org")
    for registrant in [*people, form_one]:
        registrant_erase(registrant_id=registrant.pk)
    ids = [Registrant.objects.get(pk=r.pk).external_id for r in people]
    assert len(set(ids)) == 3
    assert Registrant.objects.get(pk=form_one.pk).external_id == ""


def test_erased_registrant_is_absent_from_exports(by_email):
    registrant_erase(registrant_id=ann(by_email).pk)
    text = registrants_csv(assembly=by_email)
    assert "ann@example.org" not in text and "Ann One" not in text
    assert text.count("\n") == 13  # the row is still there, as erased


def test_erased_registrant_is_not_found_by_admin_search(client, by_email):
    manager = AssemblyMembershipFactory(assembly=by_email).user
    registrant_erase(registrant_id=ann(by_email).pk)
    client.force_login(manager)
    url = reverse("admin:assemblies_registrant_changelist") + "?q=ann%40example.org"
    page = client.get(url).content.decode()
    assert "0 results" in page


def test_registrant_audit_events_never_carry_the_external_id(by_email):
    registrant = ann(by_email)
    registrant_status_change(registrant_id=registrant.pk, status="reserve")
    registrant_erase(registrant_id=registrant.pk)
    events = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Registrant), target_id=str(registrant.pk)
    ).order_by("id")
    assert events.count() == 2
    for event in events:
        assert "ann" not in event.target_label and "ann" not in str(event.data)
        assert str(registrant.public_id) in event.target_label


def test_registrants_reimport_of_an_erased_email_id_is_skipped(by_email):
    registrant_erase(registrant_id=ann(by_email).pk)
    again = "email_id,name,gender,age\nann@example.org,Ann Again,woman,young\n"
    preview = registrants_import_preview(
        assembly=by_email, text=again, filename="again.csv", id_column="email_id"
    )
    assert (preview.creates, preview.updates, preview.skipped) == (0, 0, 1)
    outcome = registrants_import(
        assembly_id=by_email.pk, text=again, filename="again.csv", id_column="email_id"
    )
    assert (outcome.created, outcome.skipped) == (0, 1)
    assert not Registrant.objects.filter(name="Ann Again").exists()


def test_registrant_erase_renames_the_admin_history_of_the_registrant(client, by_email):
    from django.contrib.admin.models import LogEntry

    manager = AssemblyMembershipFactory(assembly=by_email).user
    registrant = ann(by_email)
    client.force_login(manager)
    url = reverse("admin:assemblies_registrant_change", args=[registrant.pk])
    data = {"external_id": "ann@example.org", "status": "pool", "name": "Ann Renamed"}
    assert client.post(url, data).status_code == 302
    assert "ann@example.org" in LogEntry.objects.get().object_repr  # the admin's history
    registrant_erase(registrant_id=registrant.pk, actor=manager)
    entry = LogEntry.objects.get()
    assert "ann" not in entry.object_repr and str(registrant.public_id) in entry.object_repr


def test_pseudonym_key_is_in_no_stored_input_download_or_page(client, small_assembly, fake_draw):
    manager = AssemblyMembershipFactory(assembly=small_assembly).user
    small_assembly.household_check, small_assembly.household_columns = True, ["postcode"]
    small_assembly.save()
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    run = selection_run_execute(run_id=run.pk)
    key = small_assembly.pseudonym_key
    assert run.input_snapshot["pool"][0]["household"]  # keyed household keys are stored
    assert key not in json.dumps([run.input_snapshot, run.result])
    client.force_login(manager)
    pages = [
        reverse("admin:assemblies_assembly_change", args=[small_assembly.pk]),
        reverse("admin:assemblies_assembly_export", args=[small_assembly.pk, "registrants"]),
        reverse("admin:assemblies_selectionrun_change", args=[run.pk]),
    ] + [
        reverse("admin:assemblies_selectionrun_download", args=[run.pk, name])
        for name in ("panel.csv", "pool.csv", "report.json", "distribution.csv")
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200 and key not in response.content.decode(), url
    assert key not in json.dumps(list(AuditEvent.objects.values_list("data", flat=True)))
