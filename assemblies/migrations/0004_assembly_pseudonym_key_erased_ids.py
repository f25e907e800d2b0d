"""Give every assembly its own secret pseudonym key (household keys in run inputs, erased
external ids): added empty, filled with a fresh random key per existing row, then given the
default that new assemblies use. Then registrants erased before this migration lose their
external id as later erasures do (``erased:`` + its keyed pseudonym), in the row and in the
admin's change history."""

import hashlib
import hmac
import secrets

from django.db import migrations, models

import assemblies.models.assembly


def fill_keys(apps, schema_editor):
    """One fresh random key per existing assembly (a callable default would give them all
    the same one)."""
    Assembly = apps.get_model("assemblies", "Assembly")
    for assembly in Assembly.objects.filter(pseudonym_key="").only("pk").iterator():
        Assembly.objects.filter(pk=assembly.pk).update(pseudonym_key=secrets.token_hex(32))


def _erased_external_id(key, external_id):
    """``assemblies.models.erased_external_id`` as of this migration (frozen here)."""
    message = f"external_id\x1e{external_id}".encode()
    return "erased:" + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def pseudonymise_erased_ids(apps, schema_editor):
    """Replace the external ids still held by erased registrants; rename their admin history."""
    Registrant = apps.get_model("assemblies", "Registrant")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    content_type = ContentType.objects.filter(app_label="assemblies", model="registrant").first()
    erased = (
        Registrant.objects.filter(status="deleted")
        .exclude(external_id="")
        .exclude(external_id__startswith="erased:")
        .select_related("assembly")
    )
    for registrant in erased.iterator():
        Registrant.objects.filter(pk=registrant.pk).update(
            external_id=_erased_external_id(
                registrant.assembly.pseudonym_key, registrant.external_id
            )
        )
        if content_type is not None:
            LogEntry.objects.filter(
                content_type=content_type, object_id=str(registrant.pk)
            ).update(object_repr=f"registrant {registrant.public_id}")


class Migration(migrations.Migration):
    dependencies = [
        ("assemblies", "0003_invitation_from_accounts"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
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
        migrations.RunPython(pseudonymise_erased_ids, migrations.RunPython.noop, elidable=True),
    ]
