"""The household rule is never skipped silently: a household check needs household columns
that the registrants have; otherwise every entry point that would run or check a draw refuses
with a sentence naming the column (issue 13, defect 1)."""

import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.urls import reverse

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import Assembly, SelectionRun
from assemblies.selectors.assemblies import assembly_feasibility
from assemblies.selectors.households import household_columns_normalise, household_problems
from assemblies.services.assemblies import assembly_create, assembly_save
from assemblies.services.runs import selection_run_start
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import AssemblyFactory

pytestmark = pytest.mark.django_db


def households(assembly, columns):
    """Turn the household check on with ``columns`` straight in the table (as old data is)."""
    Assembly.objects.filter(pk=assembly.pk).update(household_check=True, household_columns=columns)
    assembly.refresh_from_db()
    return assembly


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([], []),
        (["[]"], []),
        ([" postcode ", "", "postcode", "flat"], ["postcode", "flat"]),
        ("address_line_1, postcode", ["address_line_1", "postcode"]),
        (None, []),
    ],
)
def test_household_columns_normalise_cleans(given, expected):
    assert household_columns_normalise(given) == expected


def test_household_problems_none_with_held_columns(small_assembly):
    households(small_assembly, ["postcode", "note"])  # a contact field and an extra column
    assert household_problems(assembly=small_assembly) == []


def test_household_problems_column_nobody_has_names_it(small_assembly):
    households(small_assembly, ["postcode", "flat_number"])
    problems = household_problems(assembly=small_assembly)
    assert len(problems) == 1 and "'flat_number'" in problems[0]


def test_household_problems_contact_field_empty_for_everyone(small_assembly):
    households(small_assembly, ["address_line_1"])
    assert "'address_line_1'" in household_problems(assembly=small_assembly)[0]


def test_household_problems_check_without_columns(small_assembly):
    households(small_assembly, [])
    assert "no household columns" in household_problems(assembly=small_assembly)[0]


def test_selection_run_start_household_column_nobody_has_refused(small_assembly):
    households(small_assembly, ["[]"])
    with pytest.raises(ServiceError, match="no household columns"):
        selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    households(small_assembly, ["flat_number"])
    with pytest.raises(ServiceError, match="'flat_number'"):
        selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    assert not SelectionRun.objects.exists()


def test_selection_run_start_household_columns_held_starts(small_assembly):
    households(small_assembly, ["postcode"])
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    assert run.pk


def test_assembly_feasibility_household_column_nobody_has_refused(small_assembly):
    households(small_assembly, ["flat_number"])
    with pytest.raises(InvalidInput, match="'flat_number'"):
        assembly_feasibility(assembly=small_assembly)


def test_assembly_save_household_column_nobody_has_refused(small_assembly):
    small_assembly.household_check = True
    small_assembly.household_columns = ["flat_number"]
    with pytest.raises(InvalidInput, match="'flat_number'"):
        assembly_save(assembly=small_assembly, changed=["household_check", "household_columns"])
    small_assembly.refresh_from_db()
    assert small_assembly.household_check is False


def test_assembly_save_household_check_without_columns_refused(db):
    assembly = AssemblyFactory()
    assembly.household_check, assembly.household_columns = True, ["[]"]
    with pytest.raises(InvalidInput, match="no household columns"):
        assembly_save(assembly=assembly, changed=["household_check", "household_columns"])
    with pytest.raises(InvalidInput, match="no household columns"):
        assembly_create(slug="h", title="H", panel_size=3, household_check=True)


def test_assembly_save_new_assembly_with_columns_allowed_before_registrants(db):
    assembly = assembly_create(slug="h", title="H", panel_size=3, household_columns=["flat"])
    assert assembly.household_check and assembly.household_columns == ["flat"]


def test_assembly_save_stores_normalised_columns(small_assembly):
    small_assembly.household_columns = [" postcode", "[]", ""]
    assembly_save(assembly=small_assembly, changed=["household_columns"])
    small_assembly.refresh_from_db()
    assert small_assembly.household_columns == ["postcode"]


# --- entry points ------------------------------------------------------------------------


def command(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_run_selection_command_household_column_nobody_has_fails(small_assembly):
    households(small_assembly, ["flat_number"])
    with pytest.raises(CommandError, match="'flat_number'"):
        command("run_selection", small_assembly.slug, "--sync")
    assert not SelectionRun.objects.exists()


def test_check_feasibility_command_household_column_nobody_has_fails(small_assembly):
    households(small_assembly, ["[]"])
    with pytest.raises(CommandError, match="no household columns"):
        command("check_feasibility", small_assembly.slug)


def test_admin_select_household_column_nobody_has_refused(client, manager, small_assembly):
    households(small_assembly, ["flat_number"])
    client.force_login(manager)
    response = client.post(
        reverse("admin:assemblies_assembly_select", args=[small_assembly.pk]),
        {"algorithm": "leximin", "seed": ""},
        follow=True,
    )
    assert "flat_number" in response.content.decode()
    assert not SelectionRun.objects.exists()


def test_admin_feasibility_household_column_nobody_has_refused(client, manager, small_assembly):
    households(small_assembly, ["flat_number"])
    client.force_login(manager)
    response = client.get(
        reverse("admin:assemblies_assembly_feasibility", args=[small_assembly.pk]), follow=True
    )
    assert "flat_number" in response.content.decode()


def test_household_columns_migration_turns_bracket_list_into_empty(db):
    broken = AssemblyFactory(household_columns=["[]"])
    kept = AssemblyFactory(household_columns=["postcode"])
    migration = importlib.import_module(
        "assemblies.migrations.0006_assembly_household_columns_clean"
    )
    migration.household_columns_clean(django_apps, None)
    broken.refresh_from_db()
    kept.refresh_from_db()
    assert broken.household_columns == []
    assert kept.household_columns == ["postcode"]
    assert not AuditEvent.objects.exists()
