"""Quota edits are audited quota by quota: category, value, old and new bounds of each
changed quota, and the quotas added and removed (issue 13, defect 8)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.models import Assembly, Quota
from assemblies.selectors.registration import registration_questions
from assemblies.services.quotas import quotas_import, quotas_save
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.assemblies.admin.test_assembly_form import form_data

pytestmark = pytest.mark.django_db


def quota(assembly, category, value):
    return Quota.objects.get(assembly=assembly, category=category, value=value)


def event():
    return AuditEvent.objects.get(action=AuditAction.QUOTAS_CHANGED)


def test_quotas_save_audits_old_and_new_bounds(small_assembly):
    young = quota(small_assembly, "age", "young")
    young.min, young.max_flex = 0, 5
    quotas_save(assembly_id=small_assembly.pk, changed=[young])
    assert event().data["changed"] == [
        {
            "category": "age",
            "value": "young",
            "old": {"min": 1, "max": 3, "min_flex": None, "max_flex": None},
            "new": {"min": 0, "max": 3, "min_flex": None, "max_flex": 5},
        }
    ]
    assert event().data["added"] == [] and event().data["removed"] == []


def test_quotas_save_audits_added_and_removed(small_assembly):
    old = quota(small_assembly, "age", "old")
    added = Quota(assembly=small_assembly, category="age", value="middle", min=0, max=2)
    quotas_save(assembly_id=small_assembly.pk, changed=[added], deleted=[old])
    data = event().data
    assert data["added"] == [
        {
            "category": "age",
            "value": "middle",
            "min": 0,
            "max": 2,
            "min_flex": None,
            "max_flex": None,
        }
    ]
    assert data["removed"] == [
        {"category": "age", "value": "old", "min": 1, "max": 3, "min_flex": None, "max_flex": None}
    ]
    assert data["changed"] == []


def test_quotas_save_unchanged_quota_not_listed(small_assembly):
    same = quota(small_assembly, "gender", "man")
    quotas_save(assembly_id=small_assembly.pk, changed=[same])
    assert event().data["changed"] == []


def test_assembly_admin_quota_inline_edit_audits_bounds(client, manager, small_assembly):
    woman = quota(small_assembly, "gender", "woman")
    index = list(Quota.objects.filter(assembly=small_assembly).order_by("position", "id")).index(
        woman
    )
    client.force_login(manager)
    data = form_data(small_assembly, **{f"quotas-{index}-max": "3"})
    response = client.post(
        reverse("admin:assemblies_assembly_change", args=[small_assembly.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    changed = event().data["changed"]
    assert changed == [
        {
            "category": "gender",
            "value": "woman",
            "old": {"min": 2, "max": 2, "min_flex": None, "max_flex": None},
            "new": {"min": 2, "max": 3, "min_flex": None, "max_flex": None},
        }
    ]
    assert event().actor == manager


def test_quota_changes_bump_the_assembly_updated_at(small_assembly, settings):
    """Questions cached under the assembly's ``updated_at`` are read again after the quotas
    change (the readiness panel said "No categories" after building them)."""
    settings.REGISTRATION_QUESTIONS_CACHE_SECONDS = 60
    past = timezone.now() - timedelta(days=1)
    Assembly.objects.filter(pk=small_assembly.pk).update(updated_at=past)
    small_assembly.refresh_from_db()
    assert [q.category for q in registration_questions(assembly=small_assembly)] == [
        "gender",
        "age",
    ]
    quotas_import(
        assembly_id=small_assembly.pk,
        text="category,feature,min,max\nregion,north,0,4\nregion,south,0,4\n",
        filename="q.csv",
    )
    small_assembly.refresh_from_db()
    assert small_assembly.updated_at > past
    assert [q.category for q in registration_questions(assembly=small_assembly)] == ["region"]
