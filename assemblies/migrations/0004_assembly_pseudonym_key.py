"""Give every assembly its own secret pseudonym key (household keys in run inputs, erased
external ids): added empty, filled with a fresh random key per existing row, then given the
default that new assemblies use."""

import secrets

from django.db import migrations, models

import assemblies.models.assembly


def fill_keys(apps, schema_editor):
    """One fresh random key per existing assembly (a callable default would give them all
    the same one)."""
    Assembly = apps.get_model("assemblies", "Assembly")
    for assembly in Assembly.objects.filter(pseudonym_key="").only("pk").iterator():
        Assembly.objects.filter(pk=assembly.pk).update(pseudonym_key=secrets.token_hex(32))


class Migration(migrations.Migration):
    dependencies = [
        ("assemblies", "0003_invitation_from_accounts"),
    ]

    operations = [
        migrations.AddField(
            model_name="assembly",
            name="pseudonym_key",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="assembly",
            name="pseudonym_key",
            field=models.CharField(
                default=assemblies.models.assembly.new_pseudonym_key,
                editable=False,
                help_text="Secret key of this assembly's pseudonyms (household keys in run "
                "inputs, erased external ids). Never shown, exported or copied into a run.",
                max_length=64,
            ),
        ),
    ]
