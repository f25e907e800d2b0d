"""The manual override: the one, reasoned, audited, public exception to "only a draw
changes who is on a panel"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import PanelOverride, Registrant, RegistrantStatus, Role
from assemblies.services.overrides import registrant_seat_override
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import AssemblyMembershipFactory, RegistrantFactory

pytestmark = pytest.mark.django_db


def manager_of(assembly):
    return AssemblyMembershipFactory(assembly=assembly, role=Role.MANAGER).user


def test_registrant_seat_override_seats_audits_and_records_the_reason(small_assembly):
    manager = manager_of(small_assembly)
    registrant = RegistrantFactory(assembly=small_assembly, status=RegistrantStatus.WITHDRAWN)
    override = registrant_seat_override(
        registrant_id=registrant.pk, reason="Withdrawn by mistake on the phone.", actor=manager
    )
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.SELECTED
    assert (
        override.reason == "Withdrawn by mistake on the phone." and override.created_by == manager
    )
    event = AuditEvent.objects.get(action="assemblies.registrant.seated_by_override")
    assert event.data["from"] == "withdrawn" and event.data["reason"] == override.reason
    assert registrant.name not in event.target_label


@pytest.mark.parametrize("reason", ["", "   ", "x\x00y", "x" * 1001])
def test_registrant_seat_override_needs_a_clean_reason(small_assembly, reason):
    registrant = RegistrantFactory(assembly=small_assembly)
    with pytest.raises(InvalidInput):
        registrant_seat_override(registrant_id=registrant.pk, reason=reason)
    assert Registrant.objects.get(pk=registrant.pk).status == RegistrantStatus.POOL
    assert not PanelOverride.objects.exists()


@pytest.mark.parametrize("role", [Role.CALLER, Role.VIEWER])
def test_registrant_seat_override_refused_for_non_managers(small_assembly, role):
    user = AssemblyMembershipFactory(assembly=small_assembly, role=role).user
    registrant = RegistrantFactory(assembly=small_assembly)
    with pytest.raises(Forbidden):
        registrant_seat_override(registrant_id=registrant.pk, reason="because", actor=user)
    assert Registrant.objects.get(pk=registrant.pk).status == RegistrantStatus.POOL


def test_registrant_seat_override_never_makes_the_panel_larger(small_assembly):
    RegistrantFactory.create_batch(
        small_assembly.panel_size, assembly=small_assembly, status=RegistrantStatus.CONFIRMED
    )
    registrant = RegistrantFactory(assembly=small_assembly)
    with pytest.raises(ServiceError, match="already has its"):
        registrant_seat_override(registrant_id=registrant.pk, reason="because")
    assert Registrant.objects.get(pk=registrant.pk).status == RegistrantStatus.POOL


@pytest.mark.parametrize("status", [RegistrantStatus.PENDING, RegistrantStatus.DELETED])
def test_registrant_seat_override_refused_from_other_statuses(small_assembly, status):
    registrant = RegistrantFactory(assembly=small_assembly, status=status)
    with pytest.raises(ServiceError, match="Only someone in the pool"):
        registrant_seat_override(registrant_id=registrant.pk, reason="because")


def test_admin_seat_by_override_asks_for_the_reason_then_seats(client, small_assembly):
    manager = manager_of(small_assembly)
    client.force_login(manager)
    registrant = RegistrantFactory(assembly=small_assembly, status=RegistrantStatus.WITHDRAWN)
    url = reverse("admin:assemblies_registrant_changelist")
    data = {"action": "seat_by_override", "_selected_action": [registrant.pk]}
    asked = client.post(url, data)
    assert "Seat by manual override?" in asked.content.decode()
    refused = client.post(url, {**data, "confirm": "yes", "reason": ""})
    assert "A reason is required" in refused.content.decode()
    assert Registrant.objects.get(pk=registrant.pk).status == RegistrantStatus.WITHDRAWN
    client.post(url, {**data, "confirm": "yes", "reason": "Wrongly withdrawn."})
    assert Registrant.objects.get(pk=registrant.pk).status == RegistrantStatus.SELECTED
