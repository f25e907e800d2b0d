"""The invitation admin shows an organiser only what concerns the assemblies they manage."""

import pytest
from django.urls import reverse

from assemblies.models import Role
from tests.assemblies.factories import (
    AssemblyFactory,
    AssemblyMembershipFactory,
    InvitationFactory,
)

pytestmark = pytest.mark.django_db


def test_invitation_list_assembly_filter_lists_only_managed_assemblies(client):
    mine = AssemblyFactory(title="My assembly")
    theirs = AssemblyFactory(title="Someone else's draft")
    another = AssemblyFactory(title="Another of mine")
    manager = AssemblyMembershipFactory(assembly=mine, role=Role.MANAGER).user
    AssemblyMembershipFactory(assembly=another, user=manager, role=Role.MANAGER)
    InvitationFactory(assembly=mine)
    InvitationFactory(assembly=another)
    InvitationFactory(assembly=theirs)
    client.force_login(manager)
    page = client.get(reverse("admin:assemblies_invitation_changelist")).content.decode()
    assert f"assembly__id__exact={mine.pk}" in page  # the filter is there, with my assemblies
    assert f"assembly__id__exact={another.pk}" in page
    assert theirs.title not in page and f"assembly__id__exact={theirs.pk}" not in page


def test_invitation_list_filter_by_foreign_assembly_shows_nothing(client):
    mine = AssemblyFactory()
    theirs = AssemblyFactory()
    manager = AssemblyMembershipFactory(assembly=mine, role=Role.MANAGER).user
    hidden = InvitationFactory(assembly=theirs, email="hidden@example.org")
    client.force_login(manager)
    url = reverse("admin:assemblies_invitation_changelist") + f"?assembly__id__exact={theirs.pk}"
    response = client.get(url)
    assert hidden.email not in response.content.decode()
