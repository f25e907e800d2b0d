"""Infeasibility is explained once, in plain words, on the failed run's page and on the
feasibility page, with the suggested relaxation as a table and (managers) an "Apply this
relaxation" button that asks for confirmation (issue 16, item 6)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from assemblies.models import Quota
from assemblies.services.execution import selection_run_execute
from assemblies.services.runs import selection_run_start
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.assemblies.test_engine import make_infeasible

pytestmark = pytest.mark.django_db

SUGGESTION = [
    {"category": "gender", "value": "woman", "min": 4, "max": 4, "new_min": 2, "new_max": 4},
    {"category": "gender", "value": "man", "min": 0, "max": 0, "new_min": 0, "new_max": 2},
]


@pytest.fixture
def failed_run(small_assembly):
    make_infeasible(small_assembly)
    run = selection_run_start(assembly_id=small_assembly.pk, kind="test", enqueue=False)
    return selection_run_execute(run_id=run.pk)


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def _relax_url(assembly):
    return reverse("admin:assemblies_assembly_relax", args=[assembly.pk])


def _gender(assembly):
    return dict(
        Quota.objects.filter(assembly=assembly, category="gender").values_list("value", "max")
    )


def test_failed_run_page_explains_once_with_a_relaxation_table(client, manager, failed_run):
    assert failed_run.result["infeasibility"]["relaxation"] == SUGGESTION
    page = _get(
        client, manager, reverse("admin:assemblies_selectionrun_change", args=[failed_run.pk])
    ).content.decode()
    assert page.count("the panel must have at least 4") == 1  # the error text is not repeated
    assert page.count('id="relaxation-table"') == 1
    assert "<td>4–4</td><td><strong>2–4</strong></td>" in page
    assert "Suggested change:" not in page and "[4, 4]" not in page
    assert "Apply this relaxation…" in page
    assert 'name="source" value="run ' in page


def test_feasibility_page_shows_the_relaxation_and_viewers_get_no_button(
    client, manager, viewer, small_assembly
):
    make_infeasible(small_assembly)
    url = reverse("admin:assemblies_assembly_feasibility", args=[small_assembly.pk])
    page = _get(client, manager, url).content.decode()
    assert page.count('id="relaxation-table"') == 1
    assert page.count("the panel must have at least 4") == 1
    assert "Apply this relaxation…" in page
    assert "Apply this relaxation…" not in _get(client, viewer, url).content.decode()


def test_apply_relaxation_confirms_then_applies_once(client, manager, small_assembly):
    make_infeasible(small_assembly)
    data = {"relaxation": json.dumps(SUGGESTION), "source": "feasibility"}
    confirm = _get(client, manager, _relax_url(small_assembly) + "?" + urlencode(data))
    assert confirm.status_code == 200
    assert "<td>0–0</td><td><strong>0–2</strong></td>" in confirm.content.decode()
    assert _gender(small_assembly) == {"woman": 4, "man": 0}  # a GET changes nothing
    first = client.post(_relax_url(small_assembly), data, follow=True)
    assert "2 quotas were relaxed as suggested." in first.content.decode()
    assert "Feasible." in first.content.decode()
    second = client.post(_relax_url(small_assembly), data, follow=True)  # a double click
    assert "already applied; nothing changed" in second.content.decode()
    assert _gender(small_assembly) == {"woman": 4, "man": 2}
    assert AuditEvent.objects.filter(action=AuditAction.QUOTAS_RELAXED).count() == 1


def test_apply_stale_relaxation_changes_nothing(client, manager, small_assembly):
    make_infeasible(small_assembly)
    Quota.objects.filter(assembly=small_assembly, value="man").update(max=1)
    client.force_login(manager)
    data = {"relaxation": json.dumps(SUGGESTION), "source": "feasibility"}
    page = client.post(_relax_url(small_assembly), data, follow=True).content.decode()
    assert "Nothing was changed: The suggestion is out of date" in page
    assert _gender(small_assembly) == {"woman": 4, "man": 1}


def test_apply_malformed_relaxation_names_the_change(client, manager, small_assembly):
    client.force_login(manager)
    bad = [dict(SUGGESTION[0]), dict(SUGGESTION[1], new_max="two")]
    response = client.post(_relax_url(small_assembly), {"relaxation": json.dumps(bad)})
    assert response.status_code == 400
    assert "Change 2: new_max must be a whole number" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.QUOTAS_RELAXED).exists()


def test_apply_relaxation_is_for_managers_only(client, caller, small_assembly):
    client.force_login(caller)
    data = {"relaxation": json.dumps(SUGGESTION)}
    assert client.post(_relax_url(small_assembly), data).status_code == 403
    assert _gender(small_assembly) == {"woman": 2, "man": 2}
