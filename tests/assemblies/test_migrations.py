"""The data migration that gives every existing assembly its own secret pseudonym key."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assemblies", "0003_invitation_from_accounts")]
AFTER = [("assemblies", "0004_assembly_pseudonym_key")]


@pytest.mark.postgres
@pytest.mark.django_db
def test_existing_assemblies_get_distinct_random_pseudonym_keys():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("assemblies", "Assembly")
    for n in range(3):
        old.objects.create(slug=f"old-{n}", title=f"Old {n}", panel_size=4)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("assemblies", "Assembly")
    keys = list(new.objects.filter(slug__startswith="old-").values_list("pseudonym_key", flat=True))
    assert len(keys) == 3 and len(set(keys)) == 3
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in keys)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
