"""A run's report as an Excel workbook for clients (:func:`run_report_xlsx`, openpyxl).

Every string cell of the workbook goes through
:func:`opendlp.core.spreadsheets.csv_cell_safe` (a leading ``=``, ``+``, ``-``, ``@``, tab or
CR gets a single quote in front) and is typed as a string, so no registrant's answer can run
as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

from assemblies import engine
from assemblies.models import Registrant, SelectionRun
from assemblies.reports.common import moment_text, run_categories, run_pool, run_result
from assemblies.selectors.run_figures import run_quota_outcomes
from opendlp.core.spreadsheets import csv_cell_safe

#: Sheets of the workbook, in order (stable names: programs read them).
XLSX_SHEETS = ("Panel", "Pool", "Quotas", "Metadata")

#: The workbook's content type.
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text_cell(value: object) -> str:
    """A string cell's text: formula-neutralised and without the control characters that
    XML (so openpyxl) refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", csv_cell_safe(value))


class _Sheet:
    """Writes rows to a worksheet, each cell typed explicitly: numbers (not bool) as
    numbers, None as empty, everything else as a neutralised string."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 0

    def append(self, values: Iterable[object]) -> None:
        """Add one row under the last one."""
        self.row += 1
        for column, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = self.sheet.cell(row=self.row, column=column)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cell.value = value
                cell.data_type = "n"
                if isinstance(value, float):
                    cell.number_format = "0.0000"
            else:
                cell.value = _text_cell(value)
                cell.data_type = "s"


def run_report_xlsx(*, run: SelectionRun) -> bytes:
    """The run's report as an Excel workbook (.xlsx bytes) with the sheets of
    :data:`XLSX_SHEETS`:

    - ``Panel``: the people the run drew: ``id`` (random public id), ``status`` (the
      registrant's status now), one column per category (the answers the engine was given)
      and ``selection_probability`` (0..1).
    - ``Pool``: everyone in the run's pool, the same columns plus ``selected`` (yes/no).
    - ``Quotas``: ``category, value, min, max, pool, panel`` (kept members included for a
      replacement run), ``kept``, ``met``.
    - ``Metadata``: ``field, value`` rows: assembly, run id, kind, status, algorithm, engine
      version, seed, input digest, created, finished, published, the engine's figures.

    One query for the registrants' statuses, whatever the pool size.

    Raises:
        NoResult: the run has not succeeded.
    """
    report = run_result(run)
    categories = run_categories(run)
    pool = run_pool(run)
    chosen = set(report.panel)
    statuses = {
        str(public_id): status
        for public_id, status in Registrant.objects.filter(assembly_id=run.assembly_id)
        .values_list("public_id", "status")
        .iterator(chunk_size=2000)
    }

    def person_row(person: dict[str, Any]) -> list[object]:
        pid = person["id"]
        return [
            pid,
            statuses.get(pid, ""),
            *(person["answers"].get(c, "") for c in categories),
            float(report.probabilities.get(pid, 0.0)),
        ]

    workbook = Workbook()
    first = workbook.active
    assert isinstance(first, Worksheet)  # a new workbook has one sheet
    first.title = XLSX_SHEETS[0]
    panel_sheet = _Sheet(first)
    header = ["id", "status", *categories, "selection_probability"]
    panel_sheet.append(header)
    by_id = {person["id"]: person for person in pool}
    for pid in report.panel:
        panel_sheet.append(person_row(by_id.get(pid, {"id": pid, "answers": {}})))

    pool_sheet = _Sheet(workbook.create_sheet(XLSX_SHEETS[1]))
    pool_sheet.append([*header, "selected"])
    for person in pool:
        pool_sheet.append([*person_row(person), "yes" if person["id"] in chosen else "no"])

    quota_sheet = _Sheet(workbook.create_sheet(XLSX_SHEETS[2]))
    quota_sheet.append(["category", "value", "min", "max", "pool", "panel", "kept", "met"])
    for outcome in run_quota_outcomes(run=run):
        quota_sheet.append(
            [
                outcome.category,
                outcome.value,
                outcome.min,
                outcome.max,
                outcome.pool,
                outcome.selected,
                outcome.kept,
                "yes" if outcome.met else "no",
            ]
        )

    meta_sheet = _Sheet(workbook.create_sheet(XLSX_SHEETS[3]))
    meta_sheet.append(["field", "value"])
    for field, value in _metadata(run, report, pool_size=len(pool)):
        meta_sheet.append([field, value])

    for sheet in workbook.worksheets:
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _metadata(
    run: SelectionRun, report: engine.SelectionResult, *, pool_size: int
) -> list[tuple[str, object]]:
    return [
        ("assembly", run.assembly.title),
        ("assembly_slug", run.assembly.slug),
        ("run_id", run.pk),
        ("kind", run.kind),
        ("status", run.status),
        ("algorithm", report.algorithm or run.algorithm),
        ("engine_version", report.version),
        ("seed", report.seed or run.seed),
        ("input_digest", report.input_digest),
        ("inputs_checksum", run.input_sha256),
        ("created", moment_text(run.created_at)),
        ("finished", moment_text(run.finished_at)),
        ("published", moment_text(run.published_at)),
        ("voided", moment_text(run.voided_at)),
        ("panel_size", run.panel_size),
        ("pool_size", pool_size),
        ("households", "yes" if report.households else "no"),
        ("min_probability", float(report.min_probability)),
        ("gini", float(report.gini)),
        ("geometric_mean", float(report.geometric_mean)),
        ("num_panels", report.num_panels),
        ("seconds", float(report.seconds)),
    ]
