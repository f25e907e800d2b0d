"""Applying the engine's suggested relaxation: checked against the quotas as they are now,
one transaction, audited, harmless when repeated (issue 16, item 6)."""

from __future__ import annotations

import pytest

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import Quota, RunStatus
from assemblies.selectors.assemblies import assembly_feasibility
from assemblies.selectors.infeasibility import QuotaChange, infeasibility_of
from assemblies.services.quotas import quotas_relax_apply
from opendlp.core.audit import AuditAction
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import SelectionRunFactory
from tests.assemblies.test_engine import make_infeasible

pytestmark = pytest.mark.django_db

WOMAN = QuotaChange("gender", "woman", 4, 4, 2, 4)
MAN = QuotaChange("gender", "man", 0, 0, 0, 2)


def bounds(assembly):
    return {
        q.value: (q.min, q.max, q.min_flex, q.max_flex)
        for q in Quota.objects.filter(assembly=assembly, category="gender")
    }


def events():
    return list(AuditEvent.objects.filter(action=AuditAction.QUOTAS_RELAXED))


@pytest.fixture
def infeasible(small_assembly):
    make_infeasible(small_assembly)
    return small_assembly


def test_quotas_relax_apply_makes_the_quotas_feasible(infeasible, manager):
    suggestion = infeasibility_of(assembly_feasibility(assembly=infeasible)).relaxation
    assert suggestion == [WOMAN, MAN]
    outcome = quotas_relax_apply(
        assembly_id=infeasible.pk, relaxation=suggestion, actor=manager, source="run 7"
    )
    assert outcome.changed == 2
    assert bounds(infeasible) == {"woman": (2, 4, None, None), "man": (0, 2, None, None)}
    assert assembly_feasibility(assembly=infeasible).feasible
    (event,) = events()
    assert event.actor == manager
    assert event.data == {
        "changed": [
            {"category": "gender", "value": "woman", "old": {"min": 4, "max": 4},
             "new": {"min": 2, "max": 4}},
            {"category": "gender", "value": "man", "old": {"min": 0, "max": 0},
             "new": {"min": 0, "max": 2}},
        ],
        "source": "run 7",
    }  # fmt: skip


def test_quotas_relax_apply_twice_changes_nothing_the_second_time(infeasible, manager):
    quotas_relax_apply(assembly_id=infeasible.pk, relaxation=[WOMAN, MAN], actor=manager)
    again = quotas_relax_apply(assembly_id=infeasible.pk, relaxation=[WOMAN, MAN], actor=manager)
    assert again.changed == 0
    assert bounds(infeasible) == {"woman": (2, 4, None, None), "man": (0, 2, None, None)}
    assert len(events()) == 1


def test_quotas_relax_apply_stale_suggestion_changes_nothing(infeasible, manager):
    Quota.objects.filter(assembly=infeasible, value="man").update(max=1)  # edited meanwhile
    with pytest.raises(ServiceError, match="out of date: gender “man” is now 0–1, not 0–0"):
        quotas_relax_apply(assembly_id=infeasible.pk, relaxation=[WOMAN, MAN], actor=manager)
    assert bounds(infeasible) == {"woman": (4, 4, None, None), "man": (0, 1, None, None)}
    assert events() == []


def test_quotas_relax_apply_removed_quota_is_stale(infeasible, manager):
    Quota.objects.filter(assembly=infeasible, value="man").delete()
    with pytest.raises(ServiceError, match="“man” no longer exists"):
        quotas_relax_apply(assembly_id=infeasible.pk, relaxation=[WOMAN, MAN], actor=manager)
    assert bounds(infeasible) == {"woman": (4, 4, None, None)}


def test_quotas_relax_apply_refuses_callers_and_viewers(infeasible, caller, viewer, outsider):
    for actor in (caller, viewer, outsider):
        with pytest.raises(Forbidden):
            quotas_relax_apply(assembly_id=infeasible.pk, relaxation=[WOMAN], actor=actor)
    assert bounds(infeasible)["woman"] == (4, 4, None, None)
    assert events() == []


def test_quotas_relax_apply_refuses_a_tightening(infeasible, manager):
    tighter = QuotaChange("gender", "woman", 4, 4, 4, 3)
    with pytest.raises(InvalidInput, match="gender “woman”: 4–4 to 4–3 is not a relaxation"):
        quotas_relax_apply(assembly_id=infeasible.pk, relaxation=[tighter], actor=manager)
    with pytest.raises(InvalidInput, match="empty"):
        quotas_relax_apply(assembly_id=infeasible.pk, relaxation=[], actor=manager)


def test_quotas_relax_apply_widens_the_flex_limits_it_passes(infeasible, manager):
    Quota.objects.filter(assembly=infeasible, value="woman").update(min_flex=3)
    Quota.objects.filter(assembly=infeasible, value="man").update(max_flex=1)
    quotas_relax_apply(assembly_id=infeasible.pk, relaxation=[WOMAN, MAN], actor=manager)
    assert bounds(infeasible) == {"woman": (2, 4, 2, None), "man": (0, 2, None, 2)}


def test_quotas_relax_apply_refused_while_a_run_is_in_progress(infeasible, manager):
    SelectionRunFactory(assembly=infeasible, status=RunStatus.RUNNING)
    with pytest.raises(ServiceError, match="in progress"):
        quotas_relax_apply(assembly_id=infeasible.pk, relaxation=[WOMAN, MAN], actor=manager)
    assert bounds(infeasible)["woman"] == (4, 4, None, None)
