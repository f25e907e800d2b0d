"""The staff commands, each a thin wrapper over the services."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from assemblies.models import Assembly, AssemblyStatus, Quota, Registrant, RunStatus, SelectionRun
from tests.assemblies.conftest import SMALL_QUOTAS, SMALL_REGISTRANTS

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def files(tmp_path):
    quotas = tmp_path / "quotas.csv"
    quotas.write_text(SMALL_QUOTAS)
    people = tmp_path / "people.csv"
    people.write_text(SMALL_REGISTRANTS)
    return tmp_path, quotas, people


def test_create_assembly():
    out = run(
        "create_assembly",
        "climate",
        "--title",
        "Climate",
        "--panel-size",
        "30",
        "--household-columns",
        "address_line_1, postcode",
    )
    assert "Created assembly climate" in out
    assembly = Assembly.objects.get(slug="climate")
    assert assembly.panel_size == 30 and assembly.household_check
    assert assembly.household_columns == ["address_line_1", "postcode"]


def test_create_assembly_duplicate_slug_fails():
    run("create_assembly", "climate", "--title", "Climate", "--panel-size", "30")
    with pytest.raises(CommandError, match="slug"):
        run("create_assembly", "climate", "--title", "Other", "--panel-size", "30")


def test_create_assembly_bad_panel_size_fails():
    with pytest.raises(CommandError, match="at least 1"):
        run("create_assembly", "climate", "--title", "Climate", "--panel-size", "0")


def test_import_quotas_and_registrants(files):
    _, quotas, people = files
    run("create_assembly", "s", "--title", "S", "--panel-size", "4")
    assert "Imported 4 quotas in 2 categories" in run("import_quotas", "s", str(quotas))
    out = run("import_registrants", "s", str(people), "--id-column", "id")
    assert "12 created" in out
    assert "0 created, 12 updated" in run("import_registrants", "s", str(people))
    assert Registrant.objects.count() == 12


def test_import_quotas_bad_file_names_file_line_and_column(files):
    tmp, _, _ = files
    bad = tmp / "bad.csv"
    bad.write_text("category,feature,min,max\ngender,woman,3,1\n")
    run("create_assembly", "s", "--title", "S", "--panel-size", "4")
    with pytest.raises(CommandError) as caught:
        run("import_quotas", "s", str(bad))
    assert f"{bad}, line 2, column 'min'" in str(caught.value)
    assert Quota.objects.count() == 0


def test_import_registrants_bad_rows_import_nothing(files):
    tmp, quotas, _ = files
    bad = tmp / "bad.csv"
    bad.write_text("id,gender,age\nA,woman,young\nB,robot,old\n")
    run("create_assembly", "s", "--title", "S", "--panel-size", "4")
    run("import_quotas", "s", str(quotas))
    with pytest.raises(CommandError) as caught:
        run("import_registrants", "s", str(bad), "--id-column", "id")
    assert "line 3, column 'gender'" in str(caught.value)
    assert Registrant.objects.count() == 0


def test_missing_file_and_unknown_assembly_fail(files):
    with pytest.raises(CommandError, match="no assembly"):
        run("import_quotas", "nope", "x.csv")
    run("create_assembly", "s", "--title", "S", "--panel-size", "4")
    with pytest.raises(CommandError, match="cannot read"):
        run("import_quotas", "s", "/nonexistent/x.csv")


def test_run_selection_sync_prints_run_and_export_panel(small_assembly, fake_draw, tmp_path):
    out = run("run_selection", "small", "--sync", "--seed", "abc")
    run_id = SelectionRun.objects.get().pk
    assert f"run {run_id}" in out and "succeeded" in out and "seed abc" in out
    target = tmp_path / "panel.csv"
    assert "Wrote 4 panel members" in run("export_panel", "small", "--output", str(target))
    lines = target.read_text().splitlines()
    assert lines[0] == "id,name,email,postcode,gender,age,note,language"
    assert [line.split(",")[0] for line in lines[1:]] == ["P01", "P02", "P07", "P08"]
    by_run = tmp_path / "by-run.csv"
    run("export_panel", "small", "--run", str(run_id), "--output", str(by_run))
    assert by_run.read_text() == target.read_text()


def test_run_selection_without_sync_leaves_it_to_a_worker(small_assembly, fake_draw):
    out = run("run_selection", "small", "--test")
    assert "a worker will run it" in out
    # the task was queued for after the commit; in eager tests nothing ran yet
    assert SelectionRun.objects.get().kind == "test"


def test_run_selection_failure_exits_non_zero(small_assembly, fake_draw):
    fake_draw.behaviour = lambda snapshot, cancel: (_ for _ in ()).throw(RuntimeError("boom"))
    with pytest.raises(CommandError, match="failed: RuntimeError: boom"):
        run("run_selection", "small", "--sync")
    assert SelectionRun.objects.get().status == RunStatus.FAILED


def test_export_panel_without_panel_fails(small_assembly, tmp_path):
    with pytest.raises(CommandError, match="empty"):
        run("export_panel", "small", "--output", str(tmp_path / "x.csv"))


def test_verify_selection_unknown_run_fails(db):
    with pytest.raises(CommandError, match="no selection run"):
        run("verify_selection", "999")


def test_verify_selection_refuses_unfinished_run(small_assembly):
    run("run_selection", "small", "--test")
    with pytest.raises(CommandError, match="succeeded"):
        run("verify_selection", str(SelectionRun.objects.get().pk))


def test_close_registrations(small_assembly):
    Assembly.objects.filter(pk=small_assembly.pk).update(
        status=AssemblyStatus.OPEN, registration_closes_at=timezone.now() - timedelta(hours=1)
    )
    assert "closed 1" in run("close_registrations")
    assert "closed 0" in run("close_registrations")


def test_check_feasibility_without_quotas_fails(db):
    run("create_assembly", "s", "--title", "S", "--panel-size", "4")
    with pytest.raises(CommandError, match="no quotas"):
        run("check_feasibility", "s")


def test_run_selection_replacements_sync(small_assembly):
    from assemblies.services.registrants import registrant_status_change

    run("run_selection", "small", "--sync", "--seed", "first")
    member = Registrant.objects.filter(status="selected").order_by("id").first()
    registrant_status_change(registrant_id=member.pk, status="withdrawn")
    out = run("run_selection", "small", "--replacements", "1", "--sync")
    assert "replacement of 1 drawn by leximin" in out
    assert Registrant.objects.filter(assembly=small_assembly, status="selected").count() == 4


def test_import_quotas_takes_percentages_of_the_panel(tmp_path):
    quotas = tmp_path / "pct.csv"
    quotas.write_text("category,feature,min,max\ngender,woman,25%,75%\ngender,man,1,3\n")
    run("create_assembly", "pct", "--title", "P", "--panel-size", "10")
    run("import_quotas", "pct", str(quotas))
    woman = Quota.objects.get(assembly__slug="pct", value="woman")
    assert (woman.min, woman.max, woman.min_percent) == (2, 8, 25)


def test_run_selection_panels_stores_and_prints_the_lottery(small_assembly):
    out = run("run_selection", "small", "--sync", "--seed", "abc", "--panels", "20")
    run_row = SelectionRun.objects.get(assembly=small_assembly)
    assert run_row.panels == 20 and 1 <= run_row.ticket <= 20
    assert f"transparent lottery: ticket {run_row.ticket} of 20" in out


def test_run_selection_panels_with_replacements_refused(small_assembly):
    with pytest.raises(CommandError, match="--panels"):
        run("run_selection", "small", "--replacements", "2", "--panels", "20")
