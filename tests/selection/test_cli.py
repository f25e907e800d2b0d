"""The command line: exit codes 0 / 2 / 3 and its outputs."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from selection import cli as cli_module
from selection.cli import main
from tests.selection.conftest import PROJECT_ROOT

CATEGORIES = "category,feature,min,max\ngender,female,1,2\ngender,male,1,2\n"
RESPONDENTS = "id,name,gender,street\n1,Ann,female,a\n2,Bo,male,A \n3,Cy,male,b\n4,Di,female,c\n"


def write(tmp_path, categories=CATEGORIES, respondents=RESPONDENTS):
    (tmp_path / "cats.csv").write_text(categories)
    (tmp_path / "people.csv").write_text(respondents)
    return str(tmp_path / "cats.csv"), str(tmp_path / "people.csv")


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_select_writes_panel_and_report(tmp_path):
    cats, people = write(tmp_path)
    panel, report = tmp_path / "PANEL.csv", tmp_path / "REPORT.json"
    code, out, _ = run(
        "select", "--categories", cats, "--respondents", people, "--panel-size", "2",
        "--id-column", "id", "--household-columns", "street", "--seed", "cli",
        "--output", str(panel), "--report", str(report),
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(report.read_text())
    assert data["seed"] == "cli" and data["algorithm"] == "leximin"
    assert len(data["panel"]) == 2 and all(isinstance(i, str) for i in data["panel"])
    assert set(data["probabilities"]) == {"1", "2", "3", "4"}
    lines = panel.read_text().splitlines()
    original = RESPONDENTS.splitlines()
    assert lines[0] == original[0]
    assert lines[1:] == [row for row in original[1:] if row.split(",")[0] in data["panel"]]
    code, out, _ = run("verify", "--report", str(report), "--categories", cats,
                       "--respondents", people)  # fmt: skip
    assert code == 0 and "VERIFIED" in out


def test_cli_bad_answer_exits_2_naming_file_line_column(tmp_path):
    cats, people = write(tmp_path, respondents="id,gender\n1,female\n2,robot\n3,male\n")
    code, _, err = run("select", "--categories", cats, "--respondents", people,
                       "--panel-size", "2", "--id-column", "id")  # fmt: skip
    assert code == 2
    assert "people.csv" in err and "line 3" in err and "'gender'" in err and "robot" in err


def test_cli_bad_quota_header_exits_2(tmp_path):
    cats, people = write(tmp_path, categories="a,b,c\n1,2,3\n")
    code, _, err = run("check", "--categories", cats, "--respondents", people,
                       "--panel-size", "2")  # fmt: skip
    assert code == 2 and "cats.csv" in err and "line 1" in err


def test_cli_infeasible_exits_3_listing_conflicts_and_relaxation(tmp_path):
    cats, people = write(tmp_path, categories="category,feature,min,max\ngender,female,3,3\n"
                         "gender,male,0,3\n")  # fmt: skip
    code, _, err = run("select", "--categories", cats, "--respondents", people,
                       "--panel-size", "3")  # fmt: skip
    assert code == 3
    assert "gender / female" in err and "min 3 must become 2" in err and "[3, 3] -> [2, 3]" in err


def test_cli_check_feasible_exits_0(tmp_path):
    cats, people = write(tmp_path)
    code, out, _ = run("check", "--categories", cats, "--respondents", people,
                       "--panel-size", "2")  # fmt: skip
    assert code == 0 and "can be met" in out


def test_cli_verify_tampered_report_exits_1(tmp_path):
    cats, people = write(tmp_path)
    report = tmp_path / "REPORT.json"
    run("select", "--categories", cats, "--respondents", people, "--panel-size", "2",
        "--seed", "t", "--report", str(report))  # fmt: skip
    data = json.loads(report.read_text())
    data["min_probability"] = 1.0
    data["probabilities"]["1"] = 0.99
    report.write_text(json.dumps(data))
    code, out, _ = run("verify", "--report", str(report), "--categories", cats,
                       "--respondents", people)  # fmt: skip
    assert code == 1 and "NOT VERIFIED" in out


def test_cli_runs_as_module(tmp_path):
    cats, people = write(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "selection", "select", "--categories", cats,
         "--respondents", people, "--panel-size", "2", "--seed", "m"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Selected 2 of 4" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "selection", "select", "--categories", cats,
         "--respondents", people, "--panel-size", "ten"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2


REPLACEMENT_CATEGORIES = "category,feature,min,max\ngender,female,2,2\ngender,male,2,2\n"
REPLACEMENT_RESPONDENTS = (
    "id,gender,street\n1,female,a\n2,female,a\n3,female,b\n4,female,c\n"
    "5,male,d\n6,male,e\n7,male,d\n8,male,f\n"
)


def test_cli_already_selected_draws_only_the_missing_people(tmp_path):
    cats, people = write(tmp_path, REPLACEMENT_CATEGORIES, REPLACEMENT_RESPONDENTS)
    kept = tmp_path / "kept.csv"
    kept.write_text("id,gender,street\n1,female,a\n5,male,d\n")
    panel, report = tmp_path / "PANEL.csv", tmp_path / "REPORT.json"
    common = ["--categories", cats, "--respondents", people, "--id-column", "id",
              "--household-columns", "street", "--already-selected", str(kept)]  # fmt: skip
    code, out, err = run("select", *common, "--panel-size", "4", "--seed", "r",
                         "--output", str(panel), "--report", str(report))  # fmt: skip
    assert code == 0, err
    assert "2 replacements of 4 (2 already selected)" in out
    data = json.loads(report.read_text())
    assert data["already_selected"] == ["1", "5"] and data["panel_size"] == 2
    # One woman and one man join the two kept; nobody from the kept members' households.
    assert {data["panel"][0], data["panel"][1]} <= {"3", "4", "6", "8"}
    genders = [row.split(",")[1] for row in panel.read_text().splitlines()[1:]]
    assert sorted(genders) == ["female", "male"]
    code, out, _ = run("verify", "--report", str(report), *common)
    assert code == 0 and "VERIFIED" in out
    # The report names the id and household columns: the file of kept people is enough.
    code, out, _ = run("verify", "--report", str(report), "--categories", cats,
                       "--respondents", people, "--already-selected", str(kept))  # fmt: skip
    assert code == 0 and "NOT VERIFIED" not in out
    code, out, _ = run("verify", "--report", str(report), "--categories", cats,
                       "--respondents", people)  # fmt: skip
    assert code == 1 and "NOT VERIFIED" in out


def test_cli_already_selected_beyond_a_max_exits_2(tmp_path):
    cats, people = write(tmp_path, REPLACEMENT_CATEGORIES, REPLACEMENT_RESPONDENTS)
    kept = tmp_path / "kept.csv"
    kept.write_text("id,gender,street\n1,female,a\n3,female,b\n4,female,c\n")
    code, _, err = run("select", "--categories", cats, "--respondents", people, "--id-column",
                       "id", "--panel-size", "4", "--already-selected", str(kept))  # fmt: skip
    assert code == 2 and "gender/female" in err and "exceed the max of 2" in err


def test_cli_already_selected_needs_an_id_column(tmp_path):
    cats, people = write(tmp_path, REPLACEMENT_CATEGORIES, REPLACEMENT_RESPONDENTS)
    kept = tmp_path / "kept.csv"
    kept.write_text("id,gender,street\n1,female,a\n")
    code, _, err = run("select", "--categories", cats, "--respondents", people,
                       "--panel-size", "4", "--already-selected", str(kept))  # fmt: skip
    assert code == 2 and "--id-column" in err


def test_cli_progress_is_one_monotone_percentage_with_phase_names(tmp_path):
    cats, people = write(tmp_path, REPLACEMENT_CATEGORIES, REPLACEMENT_RESPONDENTS)
    code, _, err = run("select", "--categories", cats, "--respondents", people,
                       "--panel-size", "4", "--seed", "p", "--progress")  # fmt: skip
    assert code == 0
    lines = [line.split(" ", 2) for line in err.splitlines() if line.startswith("progress: ")]
    percents = [int(line[1].rstrip("%")) for line in lines]
    phases = [line[2] for line in lines]
    assert percents == sorted(percents) and percents[-1] == 100 and phases[-1] == "done"
    assert phases[0] == "feasibility" and "initial panels" in phases


def test_cli_solver_failure_exits_4_not_infeasible(tmp_path, monkeypatch):
    # HiGHS is the outside edge here: a failure inside it must not read as infeasible quotas.
    def broken(*args, **kwargs):
        raise cli_module.SolverError("the leximin master LP is not optimal")

    monkeypatch.setattr(cli_module, "select", broken)
    cats, people = write(tmp_path)
    code, _, err = run("select", "--categories", cats, "--respondents", people,
                       "--panel-size", "2")  # fmt: skip
    assert code == 4 and "solver failed" in err and "cannot be met" not in err
