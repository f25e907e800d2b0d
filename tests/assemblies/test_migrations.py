"""Migration 0004: every existing assembly gets its own secret pseudonym key, and
registrants erased before it lose the external id they still held."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assemblies.models import Assembly, Registrant, erased_external_id

BEFORE = [("assemblies", "0003_invitation_from_accounts")]
AFTER = [("assemblies", "0004_assembly_pseudonym_key_erased_ids")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets).apps if targets else None


@pytest.fixture
def old_apps(db):
    """The models as of migration 0003; migrates back to the latest afterwards."""
    apps = migrate(BEFORE)
    yield apps
    if connection.vendor == "postgresql":
        # Rows inserted by the test leave deferred foreign-key checks pending; PostgreSQL
        # refuses to alter a table (a later migration adds a foreign key) until they ran.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migrate(None)


@pytest.mark.postgres
def test_existing_assemblies_get_distinct_random_pseudonym_keys(old_apps):
    old = old_apps.get_model("assemblies", "Assembly")
    for n in range(3):
        old.objects.create(slug=f"old-{n}", title=f"Old {n}", panel_size=4)
    new = migrate(AFTER).get_model("assemblies", "Assembly")
    keys = list(new.objects.filter(slug__startswith="old-").values_list("pseudonym_key", flat=True))
    assert len(keys) == 3 and len(set(keys)) == 3
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in keys)


@pytest.mark.postgres
def test_registrants_erased_before_lose_their_external_id(old_apps):
    assembly = old_apps.get_model("assemblies", "Assembly").objects.create(
        slug="old", title="Old", panel_size=4
    )
    people = old_apps.get_model("assemblies", "Registrant").objects
    erased = people.create(assembly=assembly, external_id="cat@example.org", status="deleted")
    live = people.create(assembly=assembly, external_id="dee@example.org", status="pool")
    form = people.create(assembly=assembly, external_id="", status="deleted")
    migrate(AFTER)
    # Only the columns 0004 has: later migrations add others to the current models.
    now = Assembly.objects.only("pseudonym_key").get(pk=assembly.pk)
    expected = erased_external_id(assembly=now, external_id="cat@example.org")
    ids = Registrant.objects.values_list("external_id", flat=True)
    assert ids.get(pk=erased.pk) == expected  # as erasure does now
    assert ids.get(pk=live.pk) == "dee@example.org"
    assert ids.get(pk=form.pk) == ""
