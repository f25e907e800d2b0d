"""Database constraints of the assemblies models."""

import pytest
from django.db import IntegrityError, transaction

from assemblies.models import RunStatus
from tests.assemblies.factories import (
    AssemblyFactory,
    AssemblyMembershipFactory,
    QuotaFactory,
    RegistrantFactory,
    SelectionRunFactory,
)

pytestmark = pytest.mark.django_db


def violates(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def test_assembly_slug_unique():
    AssemblyFactory(slug="same")
    violates(AssemblyFactory, slug="same")


def test_assembly_panel_size_zero_refused():
    violates(AssemblyFactory, panel_size=0)


def test_assembly_window_must_open_before_it_closes():
    from django.utils import timezone

    now = timezone.now()
    violates(AssemblyFactory, registration_opens_at=now, registration_closes_at=now)


def test_quota_unique_per_assembly_category_value():
    assembly = AssemblyFactory()
    QuotaFactory(assembly=assembly, category="gender", value="woman")
    violates(QuotaFactory, assembly=assembly, category="gender", value="woman")
    QuotaFactory(category="gender", value="woman")  # another assembly is fine


@pytest.mark.parametrize(
    "bounds",
    [
        {"min": 3, "max": 2},
        {"min": 2, "max": 3, "min_flex": 3},
        {"min": 2, "max": 3, "max_flex": 2},
    ],
)
def test_quota_bounds_ordered(bounds):
    violates(QuotaFactory, **bounds)


def test_quota_empty_value_refused():
    violates(QuotaFactory, value="")


def test_registrant_external_id_unique_per_assembly_when_set():
    assembly = AssemblyFactory()
    RegistrantFactory(assembly=assembly, external_id="X1")
    violates(RegistrantFactory, assembly=assembly, external_id="X1")
    RegistrantFactory(assembly=assembly, external_id="")
    RegistrantFactory(assembly=assembly, external_id="")  # empty ids may repeat
    RegistrantFactory(external_id="X1")  # another assembly


def test_registrant_unknown_status_refused():
    violates(RegistrantFactory, status="lost")


def test_membership_one_per_user_and_assembly():
    membership = AssemblyMembershipFactory()
    violates(AssemblyMembershipFactory, assembly=membership.assembly, user=membership.user)


def test_one_active_run_per_assembly():
    assembly = AssemblyFactory()
    SelectionRunFactory(assembly=assembly, status=RunStatus.RUNNING)
    violates(SelectionRunFactory, assembly=assembly, status=RunStatus.PENDING)
    SelectionRunFactory(assembly=assembly, status=RunStatus.FAILED)
    SelectionRunFactory(assembly=assembly, status=RunStatus.SUCCEEDED)


def test_run_panel_size_zero_refused():
    violates(SelectionRunFactory, panel_size=0)


def test_run_percent():
    run = SelectionRunFactory.build(progress_done=3, progress_total=4)
    assert run.percent == 75
    run.status = RunStatus.SUCCEEDED
    assert run.percent == 100


def test_assembly_pseudonym_key_is_random_per_assembly_and_not_editable():
    one, two = AssemblyFactory(), AssemblyFactory()
    assert len(one.pseudonym_key) == 64 and one.pseudonym_key != two.pseudonym_key
    assert one.pseudonym_key == AssemblyFactory._meta.model.objects.get(pk=one.pk).pseudonym_key
    assert not AssemblyFactory._meta.model._meta.get_field("pseudonym_key").editable
