"""NUL characters reaching the commands, in a file or an argument: a clear CommandError and
nothing stored, never a traceback from PostgreSQL (issue 13, defect 4)."""

import io

import pytest
from django.core.management import CommandError, call_command

from assemblies.models import Assembly, Quota, Registrant
from tests.assemblies.conftest import SMALL_REGISTRANTS

pytestmark = pytest.mark.django_db


def run(*args):
    call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())


def test_import_quotas_file_with_nul_names_line_and_column(small_assembly, tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(b"category,feature,min,max\ngender,woman,2,2\ngen\x00der,man,2,2\n")
    with pytest.raises(CommandError) as caught:
        run("import_quotas", "small", str(path))
    assert f"{path}, line 3, column 'category'" in str(caught.value)
    assert "NUL" in str(caught.value)
    assert Quota.objects.filter(assembly=small_assembly).count() == 4


def test_import_registrants_utf16_file_names_line_1(small_assembly, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(SMALL_REGISTRANTS.replace("P01", "Q01").encode("utf-16-le"))
    with pytest.raises(CommandError) as caught:
        run("import_registrants", "small", str(path), "--id-column", "id")
    assert f"{path}, line 1, column 'field 1'" in str(caught.value)
    assert not Registrant.objects.filter(external_id="Q01").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("import_quotas", "sm\x00all", "q.csv"),
        ("import_quotas", "small", "q\x00.csv"),
        ("import_registrants", "small", "p.csv", "--id-column", "i\x00d"),
        ("check_feasibility", "sm\x00all"),
        ("export_panel", "small", "--output", "out\x00.csv"),
        ("run_selection", "small", "--seed", "s\x00"),
        ("create_assembly", "new", "--title", "T\x00", "--panel-size", "3"),
        ("create_assembly", "new", "--title", "T", "--panel-size", "3", "--question", "\x00"),
        ("create_assembly", "new", "--title", "T", "--panel-size", "3", "--id-column", "\x00"),
    ],
    ids=lambda args: "-".join(a.replace("\x00", "NUL") for a in args[:2]),
)
def test_command_argument_with_nul_is_refused(small_assembly, args):
    with pytest.raises(CommandError, match="NUL"):
        run(*args)
    assert not Assembly.objects.filter(slug="new").exists()
