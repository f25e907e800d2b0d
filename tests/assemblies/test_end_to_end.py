"""End to end on every published instance in the shared data directory, with the commands:
create the assembly, import its quotas and respondents, run the selection in-process, export
the panel, and check that the exported panel meets every quota (and the household rule)."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from assemblies import engine
from assemblies.models import RunStatus, SelectionRun
from assemblies.selectors.runs import run_report

DATA = Path(settings.SORTITION_DATA_DIR)
#: Published LEXIMIN minimum selection probabilities (Flanigan et al. 2021, see the data README).
REFERENCE_MIN_PROBABILITY = {"example_small_20": 0.10, "example_large_200": 0.10}


def instances():
    index = DATA / "instances.csv"
    if not index.exists():
        return [pytest.param(None, id="none")]  # skipped by the shared_data marker
    with index.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [pytest.param(row, id=row["instance"]) for row in rows]


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.django_db
@pytest.mark.parametrize("instance", instances())
def test_instance_end_to_end(instance, tmp_path):
    folder = DATA / instance["instance"]
    quotas_path, people_path = folder / "categories.csv", folder / "respondents.csv"
    households = [c for c in instance["household_columns"].split(";") if c]
    slug = instance["instance"].replace("_", "-")

    run(
        "create_assembly",
        slug,
        "--title",
        instance["instance"],
        "--panel-size",
        instance["panel_size"],
        "--household-columns",
        ",".join(households),
    )
    run("import_quotas", slug, str(quotas_path))
    run("import_registrants", slug, str(people_path), "--id-column", instance["id_column"])
    out = run("run_selection", slug, "--sync", "--algorithm", "leximin", "--seed", "e2e")
    selection_run = SelectionRun.objects.get(assembly__slug=slug)
    assert selection_run.status == RunStatus.SUCCEEDED, out
    reference = REFERENCE_MIN_PROBABILITY.get(instance["instance"])
    if reference is not None:
        report = run_report(run=selection_run)
        assert report.min_probability == pytest.approx(reference, abs=1e-4)
    panel_path = tmp_path / "panel.csv"
    run("export_panel", slug, "--output", str(panel_path))
    assert "verifies" in run("verify_selection", str(selection_run.pk), "--recompute")

    with panel_path.open(newline="", encoding="utf-8") as handle:
        panel = list(csv.DictReader(handle))
    assert len(panel) == int(instance["panel_size"])
    quotas = engine.parse_quotas(quotas_path.read_text(encoding="utf-8-sig"), filename="q")
    header = {name.casefold(): name for name in panel[0]}
    for quota in quotas:
        column = header[quota.category.casefold()]
        got = sum(1 for row in panel if row[column].strip().casefold() == quota.value.casefold())
        assert quota.min <= got <= quota.max, (quota.category, quota.value, got)
    if households:
        keys = [
            tuple(row[header[c.casefold()]].strip().casefold() for c in households) for row in panel
        ]
        assert len(set(keys)) == len(keys), "two panel members share a household"
    if instance["id_column"]:
        with people_path.open(newline="", encoding="utf-8-sig") as handle:
            ids = {row[instance["id_column"]] for row in csv.DictReader(handle)}
        assert {row[header[instance["id_column"].casefold()]] for row in panel} <= ids
