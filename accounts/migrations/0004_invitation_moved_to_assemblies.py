"""Invitations moved to the assemblies app (next to AssemblyMembership): the table stays
``accounts_invitation``; only Django's model state moves (see assemblies 0003)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_invitation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Invitation")],
            database_operations=[],
        ),
    ]
