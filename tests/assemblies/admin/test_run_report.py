"""The run report: per-category charts and fairness explanations on the run page, the
printable report page, and plain-language infeasibility messages."""

import pytest
from django.urls import reverse

from assemblies import engine
from assemblies.models import RegistrantStatus, RunKind, SelectionRun
from assemblies.selectors.infeasibility import problem_plain
from assemblies.services.execution import _error_text, selection_run_execute
from assemblies.services.registrants import registrant_status_change
from assemblies.services.runs import replacements_select, selection_run_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel_run(small_assembly, fake_draw):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    return selection_run_execute(run_id=run.pk)


def _page(client, user, name, run):
    client.force_login(user)
    return client.get(reverse(f"admin:assemblies_selectionrun_{name}", args=[run.pk]))


def test_run_page_panel_shows_category_charts_and_fairness_explanations(client, manager, panel_run):
    page = _page(client, manager, "change", panel_run).content.decode()
    assert "Target, pool and panel by category" in page
    assert page.count('class="category-chart"') == 2  # gender and age
    assert "gender: target range, pool share and panel share" in page
    assert "woman: target 50% to 50%, pool 50%, panel 2 (50%)" in page
    assert "The lowest chance that any one person in the pool had" in page
    assert "How unequal the chances are across the pool" in page
    assert "A typical person&#x27;s chance" in page or "A typical person's chance" in page
    assert "How many different possible panels" in page
    assert "Why this run&#x27;s fairness figures look poor" not in page
    assert reverse("admin:assemblies_selectionrun_report", args=[panel_run.pk]) in page
    assert "Printable report" in page


def test_run_page_replacement_explains_figures_and_shows_those_that_matter(
    client, manager, small_assembly, panel_run
):
    member = panel_run.selected_registrants.first()
    registrant_status_change(registrant_id=member.pk, status=RegistrantStatus.WITHDRAWN)
    run = replacements_select(assembly_id=small_assembly.pk, count=1, enqueue=False)
    run = selection_run_execute(run_id=run.pk)
    assert run.kind == RunKind.REPLACEMENT
    page = _page(client, manager, "change", run).content.decode()
    assert "Why this run" in page and "fairness figures look poor" in page
    assert "Those kept members are not in this run" in page
    assert "3 other members stay on" in page
    assert "1 of the 8 people in the pool could be drawn" in page
    assert "Quotas of the full panel met" in page and "4 of 4" in page


def test_report_page_viewer_sees_print_friendly_report(client, viewer, panel_run):
    response = _page(client, viewer, "report", panel_run)
    assert response.status_code == 200
    page = response.content.decode()
    assert "@page { size: A4" in page and "@media print" in page
    assert 'id="header"' not in page and "breadcrumbs" not in page  # no admin chrome
    assert "<script" not in page
    assert "Small assembly" in page and panel_run.seed in page
    assert page.count('class="category-chart"') == 2
    assert "Minimum selection probability" in page and "How unequal the chances" in page
    assert '<th scope="row">Total</th><td></td><td>12</td><td>4</td>' in page
    assert "probability-chart" in page


def test_report_page_outsider_gets_404(client, outsider, panel_run):
    assert _page(client, outsider, "report", panel_run).status_code == 404


def test_report_page_before_the_run_succeeds_is_404(client, manager, small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    assert _page(client, manager, "report", run).status_code == 404
    assert SelectionRun.objects.get().status == "pending"


def test_error_text_infeasible_speaks_plain_language(small_assembly):
    from tests.assemblies.test_engine import make_infeasible

    make_infeasible(small_assembly)
    run = selection_run_execute(
        run_id=selection_run_start(assembly_id=small_assembly.pk, enqueue=False).pk
    )
    assert run.status == "failed"
    assert "gender “woman”: the panel must have at least 4" in run.error
    assert "(2 such people in the pool)" in run.error
    assert "Suggested change: gender “woman” from 4–4 to" in run.error
    assert "->" not in run.error and "[4, 4]" not in run.error and "cost" not in run.error


def test_error_text_input_problem_names_column_in_plain_words():
    problem = engine.InputError(
        "category 'age': the mins add up to 23, more than the panel size 20",
        file="quotas.csv",
        line=5,
        column="min",
        value="23",
    )
    text = _error_text(problem)
    assert "column 'min'" not in text and "(value '23')" not in text
    assert "Category 'age': the mins add up to 23, more than the panel size 20." in text
    assert "See line 5 of quotas.csv, in the “min” column." in text


def test_problem_plain_keeps_a_value_the_message_does_not_name():
    (problem,) = engine.problems_from(
        engine.InputError("not a whole number", line=3, column="max", value="ten")
    )
    assert problem_plain(problem) == (
        "Not a whole number. See line 3, in the “max” column. The value there is “ten”."
    )


def test_feasibility_page_input_problem_in_plain_words(client, manager, small_assembly):
    small_assembly.quotas.filter(value="young").update(min=3, max=3)
    small_assembly.quotas.filter(value="old").update(min=3, max=3)
    client.force_login(manager)
    page = client.get(
        reverse("admin:assemblies_assembly_feasibility", args=[small_assembly.pk])
    ).content.decode()
    assert "The check cannot run" in page
    assert "column &#x27;min&#x27;" not in page and "column 'min'" not in page
    assert "the mins add up to 6, more than the panel size 4" in page
    assert "in the “min” column" in page
