"""The roles' rules (assemblies/permissions.py): one refusal for "managers only", used by
every service that needs a manager."""

import pytest

from assemblies.models import Assembly, AssemblyStatus, Role
from assemblies.permissions import manager_required
from assemblies.services.lifecycle import assembly_duplicate, assembly_registrants_erase
from assemblies.services.overrides import registrant_seat_override
from assemblies.services.registrants import registrant_update
from opendlp.core.errors import Forbidden
from tests.assemblies.factories import (
    AssemblyFactory,
    AssemblyMembershipFactory,
    RegistrantFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def assembly():
    return AssemblyFactory(status=AssemblyStatus.ARCHIVED)


def member(assembly, role):
    return AssemblyMembershipFactory(assembly=assembly, role=role).user


def test_manager_required_manager_and_system_pass(assembly):
    manager_required(member(assembly, Role.MANAGER), assembly.pk, "do it")
    manager_required(None, assembly.pk, "do it")


@pytest.mark.parametrize("role", [Role.CALLER, Role.VIEWER])
def test_manager_required_other_roles_refused_with_one_sentence(assembly, role):
    with pytest.raises(Forbidden, match=r"^Only the assembly's managers can do it\.$") as refused:
        manager_required(member(assembly, role), assembly.pk, "do it")
    assert refused.value.code == "forbidden"


def test_manager_required_own_code_and_no_system(assembly):
    with pytest.raises(Forbidden) as refused:
        manager_required(None, assembly.pk, "invite organisers", code="not_manager", system=False)
    assert refused.value.code == "not_manager"
    assert str(refused.value) == "Only the assembly's managers can invite organisers."


@pytest.mark.parametrize(
    ("call", "sentence"),
    [
        (
            lambda a, actor: assembly_duplicate(
                assembly_id=a.pk, slug="copy", title="Copy", actor=actor
            ),
            "duplicate it",
        ),
        (
            lambda a, actor: assembly_registrants_erase(assembly_id=a.pk, actor=actor),
            "erase personal data",
        ),
        (
            lambda a, actor: registrant_seat_override(
                registrant_id=RegistrantFactory(assembly=a).pk, reason="r", actor=actor
            ),
            "seat someone by manual override",
        ),
        (
            lambda a, actor: registrant_update(
                registrant=RegistrantFactory(assembly=a), actor=actor, changed=["name"]
            ),
            "edit registrants",
        ),
    ],
)
@pytest.mark.parametrize("role", [Role.CALLER, Role.VIEWER])
def test_manager_only_services_refuse_other_roles_alike(assembly, call, sentence, role):
    with pytest.raises(Forbidden, match=f"^Only the assembly's managers can {sentence}\\.$"):
        call(assembly, member(assembly, role))
    assert Assembly.objects.count() == 1
