import datetime as dt

import pytest
from django.utils import timezone

from assemblies.models import AssemblyStatus
from tests.assemblies.factories import AssemblyFactory

pytestmark = pytest.mark.django_db


def test_home_lists_only_assemblies_open_now(client):
    now = timezone.now()
    AssemblyFactory(title="Open one", slug="open-one", status=AssemblyStatus.OPEN)
    AssemblyFactory(title="Draft one", status=AssemblyStatus.DRAFT)
    AssemblyFactory(
        title="Not yet",
        status=AssemblyStatus.OPEN,
        registration_opens_at=now + dt.timedelta(days=1),
        registration_closes_at=now + dt.timedelta(days=9),
    )
    AssemblyFactory(
        title="Over",
        status=AssemblyStatus.OPEN,
        registration_opens_at=now - dt.timedelta(days=9),
        registration_closes_at=now - dt.timedelta(days=1),
    )
    content = client.get("/").content.decode()
    assert "Open one" in content and "/a/open-one/" in content
    assert "Draft one" not in content and "Not yet" not in content and "Over" not in content


def test_home_without_open_assembly_says_so(client):
    assert "No assembly is open for registration" in client.get("/").content.decode()
