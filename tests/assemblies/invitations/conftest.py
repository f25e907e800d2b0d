"""Fixtures of the invitee's pages: a manager, their assembly and a sent invitation."""

import pytest

from assemblies.models import Role
from tests.assemblies.factories import AssemblyMembershipFactory
from tests.assemblies.test_invitations import link_in, send

#: The address the invitation is sent to.
INVITED = "new.organiser@example.org"


@pytest.fixture
def manager(db):
    """The manager of an assembly, who sends the invitation."""
    return AssemblyMembershipFactory(role=Role.MANAGER).user


@pytest.fixture
def assembly(manager):
    """The manager's assembly."""
    return manager.assembly_memberships.get().assembly


@pytest.fixture
def invitation_link(manager, assembly, mailoutbox, django_capture_on_commit_callbacks):
    """The path of the accept page of an invitation sent to :data:`INVITED` (a caller)."""
    with django_capture_on_commit_callbacks(execute=True):
        send(assembly, manager, email=INVITED)
    return link_in(mailoutbox[-1])
