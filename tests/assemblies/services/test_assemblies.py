"""assembly_save: titles are one line (issue 13, defect 12) and only real changes are
audited (defect 8)."""

import pytest

from assemblies.errors import InvalidInput
from assemblies.models import Assembly
from assemblies.services.assemblies import assembly_create, assembly_save
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import AssemblyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("title", ["Climate\r\nBcc: x@example.org", "Tab\there", "NEL\x85"])
def test_assembly_create_title_with_control_characters_refused(title):
    with pytest.raises(InvalidInput, match="control characters"):
        assembly_create(slug="c", title=title, panel_size=3)
    assert not Assembly.objects.exists()


def test_assembly_save_title_with_line_break_refused():
    assembly = AssemblyFactory(title="Climate")
    assembly.title = "Climate\nassembly"
    with pytest.raises(InvalidInput, match=r"title: .*U\+000A"):
        assembly_save(assembly=assembly, changed=["title"])
    assembly.refresh_from_db()
    assert assembly.title == "Climate"


def test_assembly_save_unchanged_fields_not_audited():
    assembly = AssemblyFactory(household_columns=["postcode"], household_check=True)
    assembly_save(assembly=assembly, changed=["household_columns", "household_check", "title"])
    assert not AuditEvent.objects.filter(action=AuditAction.ASSEMBLY_CHANGED).exists()
    assembly.title = "Renamed"
    assembly_save(assembly=assembly, changed=["household_columns", "title"])
    event = AuditEvent.objects.get(action=AuditAction.ASSEMBLY_CHANGED)
    assert event.data == {"fields": ["title"]}
