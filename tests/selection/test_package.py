"""The package's public API, and what importing it costs."""

import subprocess
import sys

import selection


def test_import_selection_loads_no_solver():
    code = (
        "import sys, selection; from selection import InputError, read_quotas; "
        "print(sorted(m for m in ('numpy', 'highspy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_public_api_names_resolve_to_callables_and_types():
    for name in selection.__all__:
        assert getattr(selection, name) is not None, name
    assert callable(selection.verify) and callable(selection.select)
    assert selection.ALGORITHMS[0] == "leximin"


def test_reading_a_stored_result_loads_no_solver():
    code = (
        "import sys; from selection.result import SelectionResult; "
        "from selection import PanelShare; "
        "print(sorted(m for m in ('numpy', 'highspy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
