"""What both report files share: a run without a result has no report."""

import pytest

from assemblies.reports.common import NoResult
from assemblies.reports.pdf import run_report_pdf
from assemblies.reports.xlsx import run_report_xlsx
from assemblies.services.runs import selection_run_start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("build", [run_report_pdf, run_report_xlsx])
def test_run_report_files_pending_run_raises_no_result(small_assembly, build):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False)
    with pytest.raises(NoResult, match="has no result"):
        build(run=run)
