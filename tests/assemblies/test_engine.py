"""assemblies/engine.py: the conversion between rows and the selection engine, and the real
engine behind the services (feasibility, draws, verification, replacements, households)."""

import hashlib
from collections import Counter

import pytest

from assemblies import engine
from assemblies.errors import InvalidInput
from assemblies.models import Assembly, Registrant, RegistrantStatus, RunKind, RunStatus
from assemblies.selectors.assemblies import assembly_feasibility, pool_people
from assemblies.selectors.run_figures import run_quota_outcomes
from assemblies.selectors.runs import run_report
from assemblies.services.execution import selection_run_execute, selection_run_verify
from assemblies.services.registrants import registrant_status_change
from assemblies.services.runs import replacements_select, selection_run_start
from tests.assemblies.factories import AssemblyFactory, RegistrantFactory

# --- conversion (no draw) ---------------------------------------------------------------------


def test_parse_quotas_keeps_lines_and_flex():
    rows = engine.parse_quotas(
        "feature,value,min,max,min_flex,max_flex\nGender,Female,1,2,0,3\nGender,Male,1,2,,\n",
        filename="q.csv",
    )
    assert rows[0] == engine.QuotaRow("Gender", "Female", 1, 2, 0, 3, 2)
    assert (rows[1].min_flex, rows[1].max_flex, rows[1].line) == (None, None, 3)


def test_parse_quotas_errors_carry_line_and_column():
    with pytest.raises(engine.InputError) as caught:
        engine.parse_quotas("category,feature,min,max\ng,a,x,1\n", filename="q.csv")
    problem = engine.problems_from(caught.value)[0]
    assert (problem.file, problem.line, problem.column) == ("q.csv", 2, "min")


def test_parse_registrants_matches_columns_ignoring_case():
    quotas = [engine.QuotaRow("Gender", "Female", 0, 1), engine.QuotaRow("Gender", "Male", 0, 1)]
    parsed = engine.parse_registrants(
        "ID,gender,Email\n7,female,a@example.org\n8,MALE,b@example.org\n",
        filename="p.csv",
        quota_rows=quotas,
        id_column="id",
    )
    assert parsed.category_columns == {"Gender": "gender"}
    assert [(r.line, r.id, r.answers) for r in parsed.rows] == [
        (2, "7", {"Gender": "Female"}),
        (3, "8", {"Gender": "Male"}),
    ]
    assert parsed.rows[0].cells == {"ID": "7", "gender": "female", "Email": "a@example.org"}


KEY = "k" * 64


def test_household_hash_ignores_case_and_spaces_and_hides_the_address():
    key = engine.household_hash(["1 High St ", "ab1 2cd"], key=KEY)
    assert key == engine.household_hash(["1 HIGH ST", "AB1 2CD"], key=KEY)
    assert "high" not in key and engine.household_hash(["", " "], key=KEY) is None


def test_household_hash_is_keyed_so_guessed_addresses_cannot_be_confirmed():
    parts = ["1 high st", "ab1 2cd"]
    unkeyed = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
    one = engine.household_hash(parts, key=KEY)
    two = engine.household_hash(parts, key="other")
    assert len(one) == 20 and one != two and unkeyed not in (one, two)


def test_same_household_hashes_differently_in_two_assemblies(db):
    keys = []
    for _ in range(2):
        assembly = AssemblyFactory(household_check=True, household_columns=["postcode"])
        RegistrantFactory(assembly=assembly, postcode="AB1 2CD")
        keys.append(pool_people(assembly=assembly)[0][2])
    assert keys[0] and keys[1] and keys[0] != keys[1]


def test_snapshot_digest_is_canonical():
    one = {"b": 1, "a": [1, 2], "c": "é"}
    two = {"c": "é", "a": [1, 2], "b": 1}
    assert engine.snapshot_digest(one) == engine.snapshot_digest(two)
    assert len(engine.snapshot_digest(one)) == 64


def test_quota_rows_reduced():
    rows = [engine.QuotaRow("g", "a", 2, 3, 1, 4), engine.QuotaRow("g", "b", 1, 2)]
    reduced = engine.quota_rows_reduced(rows, {("g", "a"): 3})
    assert [(r.min, r.max, r.min_flex, r.max_flex) for r in reduced] == [
        (0, 0, 0, 1),
        (1, 2, None, None),
    ]
    with pytest.raises(engine.InputError, match="exceed"):
        engine.quota_rows_reduced(rows, {("g", "b"): 3})


def test_report_read_gives_the_engines_result():
    stored = {
        "algorithm": "leximin",
        "version": "1",
        "seed": "s",
        "input_digest": "d",
        "panel_size": 2,
        "households": False,
        "panel": ["a", "b"],
        "probabilities": {"a": 0.5, "b": 0.5, "c": 1.0},
        "types": [["a", "b"], ["c"]],
        "distribution": [
            {"weight": 8, "probability": 0.8, "counts": [[0, 2]]},
            {"weight": 2, "probability": 0.2, "counts": [[1, 1]]},
        ],
        "min_probability": 0.5,
        "gini": 0.1,
        "geometric_mean": 0.6,
        "seconds": 0.5,
        "quotas": [],
    }
    report = engine.report_read(stored)
    assert isinstance(report, engine.SelectionResult)
    assert report.panel == ["a", "b"] and report.num_panels == 2
    assert report.panel_probabilities() == [0.8, 0.2]
    assert report.types[0] == ["a", "b"] and report.min_probability == 0.5
    assert report.to_dict()["distribution"] == stored["distribution"]


def test_report_read_refuses_a_report_missing_a_field():
    with pytest.raises(KeyError):
        engine.report_read({"panel": ["a"], "seed": "s"})


# --- the real engine --------------------------------------------------------------------------


def quota_counts(assembly, ids):
    counts = Counter()
    for registrant in Registrant.objects.filter(assembly=assembly, public_id__in=ids):
        for key in registrant.answers.items():
            counts[key] += 1
    return counts


def assert_meets_quotas(assembly, counts):
    for quota in assembly.quotas.all():
        got = counts[(quota.category, quota.value)]
        assert quota.min <= got <= quota.max, (quota, got)


def test_feasibility_of_small_assembly(small_assembly):
    report = assembly_feasibility(assembly=small_assembly)
    assert report.feasible, report.message


def test_feasibility_of_an_empty_pool_is_refused_with_a_reason(small_assembly):
    Registrant.objects.filter(assembly=small_assembly).update(status=RegistrantStatus.WITHDRAWN)
    with pytest.raises(InvalidInput, match="pool is empty"):
        assembly_feasibility(assembly=small_assembly)


def test_feasibility_of_a_panel_larger_than_the_pool_is_refused(small_assembly):
    small_assembly.panel_size = 1000
    small_assembly.save()
    with pytest.raises(InvalidInput, match="1000"):
        assembly_feasibility(assembly=small_assembly)


def test_feasibility_page_says_why_the_check_cannot_run(client, manager, small_assembly):
    from django.urls import reverse

    Registrant.objects.filter(assembly=small_assembly).update(status=RegistrantStatus.WITHDRAWN)
    client.force_login(manager)
    page = client.get(
        reverse("admin:assemblies_assembly_feasibility", args=[small_assembly.pk])
    ).content.decode()
    assert "The check cannot run" in page and "pool is empty" in page


def test_infeasible_quotas_are_reported_with_a_message(small_assembly):
    make_infeasible(small_assembly)
    report = assembly_feasibility(assembly=small_assembly)
    assert not report.feasible and report.message and report.conflicts


def test_real_panel_run_meets_quotas_and_verifies(small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="x")
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    report = run_report(run=run)
    assert len(report.panel) == 4
    assert_meets_quotas(small_assembly, quota_counts(small_assembly, report.panel))
    assert report.min_probability == pytest.approx(1 / 3, abs=1e-6)
    assert sum(report.probabilities.values()) == pytest.approx(4, abs=1e-6)
    assert Registrant.objects.filter(assembly=small_assembly, status="selected").count() == 4
    outcome = selection_run_verify(run_id=run.pk)
    assert outcome.ok, outcome.findings
    run.refresh_from_db()
    assert run.verification["ok"] is True and run.verified_at


def test_same_seed_same_panel(small_assembly):
    panels = []
    for _ in range(2):
        run = selection_run_start(
            assembly_id=small_assembly.pk, kind=RunKind.TEST, enqueue=False, seed="same"
        )
        run = selection_run_execute(run_id=run.pk)
        panels.append(run_report(run=run).panel)
    assert panels[0] == panels[1]


def test_tampered_result_fails_verification(small_assembly):
    run = selection_run_start(assembly_id=small_assembly.pk, kind=RunKind.TEST, enqueue=False)
    run = selection_run_execute(run_id=run.pk)
    run.input_snapshot["pool"][0]["answers"]["gender"] = "man"
    run.save()
    assert not selection_run_verify(run_id=run.pk).ok


@pytest.mark.parametrize("algorithm", ["maximin", "nash", "legacy"])
def test_other_algorithms_run(small_assembly, algorithm):
    run = selection_run_start(
        assembly_id=small_assembly.pk, kind=RunKind.TEST, algorithm=algorithm, enqueue=False
    )
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    panel = run_report(run=run).panel
    assert_meets_quotas(small_assembly, quota_counts(small_assembly, panel))


def test_real_replacements_keep_quotas(small_assembly):
    run = selection_run_execute(
        run_id=selection_run_start(assembly_id=small_assembly.pk, enqueue=False).pk
    )
    withdrawn = run.selected_registrants.order_by("id")[:2]
    for registrant in withdrawn:
        registrant_status_change(registrant_id=registrant.pk, status="withdrawn")
    replacement = replacements_select(assembly_id=small_assembly.pk, enqueue=False)
    replacement = selection_run_execute(run_id=replacement.pk)
    assert replacement.status == RunStatus.SUCCEEDED, replacement.error
    panel = Registrant.objects.filter(
        assembly=small_assembly, status__in=["selected", "confirmed"]
    ).values_list("public_id", flat=True)
    assert len(panel) == 4
    assert_meets_quotas(small_assembly, quota_counts(small_assembly, list(panel)))
    outcomes = run_quota_outcomes(run=replacement)
    assert all(o.met for o in outcomes)


def test_household_rule_selects_one_per_household(small_assembly):
    Assembly.objects.filter(pk=small_assembly.pk).update(
        household_check=True, household_columns=["postcode"]
    )
    # P01..P06 (women) share two postcodes: at most two women can be drawn... and two needed
    for n, code in zip(range(1, 7), ["H1", "H1", "H1", "H2", "H2", "H2"], strict=True):
        Registrant.objects.filter(external_id=f"P{n:02d}").update(postcode=code)
    run = selection_run_start(assembly_id=small_assembly.pk, kind=RunKind.TEST, enqueue=False)
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    panel = run_report(run=run).panel
    codes = list(
        Registrant.objects.filter(public_id__in=panel, answers__gender="woman").values_list(
            "postcode", flat=True
        )
    )
    assert sorted(codes) == ["H1", "H2"]
    # the stored inputs keep their household hashes: a new key changes nothing stored
    Assembly.objects.filter(pk=small_assembly.pk).update(pseudonym_key="rotated")
    assert selection_run_verify(run_id=run.pk).ok


def make_infeasible(assembly):
    """Four women needed, but only two women are left in the pool."""
    assembly.quotas.filter(value="woman").update(min=4, max=4)
    assembly.quotas.filter(value="man").update(min=0, max=0)
    Registrant.objects.filter(external_id__in=["P03", "P04", "P05", "P06"]).update(
        status=RegistrantStatus.WITHDRAWN
    )


def test_feasibility_page_names_conflicts_and_relaxation(client, manager, small_assembly):
    from django.urls import reverse

    make_infeasible(small_assembly)
    client.force_login(manager)
    page = client.get(
        reverse("admin:assemblies_assembly_feasibility", args=[small_assembly.pk])
    ).content.decode()
    assert "Not feasible" in page and "gender “woman”: the panel must have at least 4" in page
    # The relaxation is shown once, as a table.
    assert page.count('id="relaxation-table"') == 1 and "<td>4–4</td>" in page


def test_check_feasibility_command_exits_non_zero_when_infeasible(small_assembly):
    import io

    from django.core.management import CommandError, call_command

    assert "Feasible" in _call(call_command, io, "check_feasibility", "small")
    make_infeasible(small_assembly)
    with pytest.raises(CommandError, match="Not feasible"):
        _call(call_command, io, "check_feasibility", "small")


def _call(call_command, io, *args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_infeasible_run_fails_with_reason_and_selects_nobody(small_assembly):
    make_infeasible(small_assembly)
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    run = selection_run_execute(run_id=run.pk)
    assert run.status == RunStatus.FAILED and "cannot be met" in run.error
    assert not Registrant.objects.filter(status="selected").exists()


def test_run_report_parses_a_run_once_until_its_result_changes(small_assembly, monkeypatch):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="once")
    run = selection_run_execute(run_id=run.pk)
    parsed = []
    real = engine.report_read
    monkeypatch.setattr(engine, "report_read", lambda report: parsed.append(1) or real(report))
    first = run_report(run=run)
    run_quota_outcomes(run=run)
    assert run_report(run=run) is first and len(parsed) == 1
    run.result = dict(run.result)  # a new result (e.g. re-read) is parsed afresh
    assert run_report(run=run) is not first and len(parsed) == 2
