"""The organisers inline of the assembly page: a manager adds an organiser by their exact
email address and never sees a list of the platform's staff users."""

import pytest
from django.urls import reverse

from assemblies.models import AssemblyMembership, Role
from tests.assemblies.admin.test_pages import change_form_data
from tests.assemblies.factories import AssemblyFactory, AssemblyMembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger(db):
    """A staff user organising another assembly only."""
    user = StaffFactory(email="stranger@example.org", display_name="Stranger Danger")
    AssemblyMembershipFactory(assembly=AssemblyFactory(), user=user, role=Role.MANAGER)
    return user


def change_url(assembly):
    return reverse("admin:assemblies_assembly_change", args=[assembly.pk])


def with_new_organiser(small_assembly, user_value, role="viewer"):
    """The change form with a second organiser row whose user field holds ``user_value``."""
    data, _ = change_form_data(small_assembly)
    data["memberships-TOTAL_FORMS"] = "2"
    data.update(
        {
            "memberships-1-assembly": small_assembly.pk,
            "memberships-1-user": user_value,
            "memberships-1-role": role,
        }
    )
    return data


def test_organiser_inline_does_not_list_other_staff_users(
    client, manager, stranger, small_assembly
):
    client.force_login(manager)
    page = client.get(change_url(small_assembly)).content.decode()
    assert manager.email in page  # the assembly's own organiser
    assert stranger.email not in page and stranger.display_name not in page
    assert f'<option value="{stranger.pk}"' not in page


def test_organiser_inline_adds_a_staff_user_by_exact_email(
    client, manager, stranger, small_assembly
):
    client.force_login(manager)
    data = with_new_organiser(small_assembly, "Stranger@Example.org")
    response = client.post(change_url(small_assembly), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    membership = AssemblyMembership.objects.get(assembly=small_assembly, user=stranger)
    assert membership.role == Role.VIEWER


@pytest.mark.parametrize("value", ["nobody@example.org", "stranger@", "PK"])
def test_organiser_inline_refuses_unknown_emails_and_user_ids(
    client, manager, stranger, small_assembly, value
):
    client.force_login(manager)
    data = with_new_organiser(small_assembly, str(stranger.pk) if value == "PK" else value)
    response = client.post(change_url(small_assembly), data)
    page = response.content.decode()
    assert response.status_code == 200 and "No staff user has this email address" in page
    assert stranger.email not in page  # a typed id is never turned into an address
    assert not AssemblyMembership.objects.filter(assembly=small_assembly, user=stranger).exists()
