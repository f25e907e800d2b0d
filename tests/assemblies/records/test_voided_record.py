"""A voided panel's public draw record stays public and says, prominently, that it was voided,
when and why (issue 16, item 3)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from assemblies.models import AssemblyStatus, RunStatus
from assemblies.selectors.records import draw_record
from assemblies.services.execution import selection_run_execute
from assemblies.services.overrides import registrant_seat_override
from assemblies.services.records import selection_run_publish
from assemblies.services.runs import selection_run_start
from assemblies.services.voiding import selection_run_void
from tests.assemblies.factories import RegistrantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(small_assembly):
    """The small assembly, closed, with a drawn and published panel run."""
    small_assembly.status = AssemblyStatus.CLOSED
    small_assembly.save()
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="public seed")
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return selection_run_publish(run_id=run.pk)


def record_url(run):
    return reverse("assemblies:record", args=[run.assembly.slug, run.pk])


def test_record_of_a_voided_run_stays_public_with_the_reason(client, published):
    before = client.get(record_url(published)).content.decode()
    assert "Voided on" not in before
    selection_run_void(run_id=published.pk, reason="Age quotas swapped <by mistake>.")
    response = client.get(record_url(published))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="voided"' in page and "Voided on" in page
    assert "Age quotas swapped &lt;by mistake&gt;." in page  # escaped, shown
    assert page.index('id="voided"') < page.index("How this draw was made")  # prominent
    bundle = reverse("assemblies:record_bundle", args=[published.assembly.slug, published.pk])
    assert client.get(bundle).status_code == 200  # still verifiable


def test_record_of_a_voided_run_in_french(client, published):
    selection_run_void(run_id=published.pk, reason="Quotas inversés.")
    with translation.override("fr"):
        page = client.get(record_url(published), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Annulé le" in page and "Quotas inversés." in page


def test_draw_record_of_a_voided_run_lists_only_overrides_made_before_the_void(
    small_assembly, published
):
    leaver = small_assembly.registrants.filter(selected_by=published).first()
    leaver.status = "withdrawn"
    leaver.save()
    registrant_seat_override(registrant_id=leaver.pk, reason="Came back.")
    selection_run_void(run_id=published.pk, reason="Redo.")
    later = RegistrantFactory(assembly=small_assembly, status="pool")
    registrant_seat_override(registrant_id=later.pk, reason="After the void.")
    published.refresh_from_db()
    reasons = [o.reason for o in draw_record(run=published).overrides]
    assert reasons == ["Came back."]


def test_landing_page_marks_a_voided_draw(client, published):
    landing = reverse("assemblies:landing", args=[published.assembly.slug])
    assert "voided" not in client.get(landing).content.decode()
    selection_run_void(run_id=published.pk, reason="Quotas swapped.")
    page = client.get(landing).content.decode()
    assert record_url(published) in page and "<strong>voided</strong>" in page
    with translation.override("fr"):
        french = client.get(landing, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<strong>annulé</strong>" in french
