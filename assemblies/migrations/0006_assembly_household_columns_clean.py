"""Data migration: clean the household columns saved by the old admin form, which stored an
empty list as ``["[]"]`` (and kept blank names). ``["[]"]`` becomes ``[]``."""

from django.db import migrations


def _clean(columns):
    if not isinstance(columns, list):
        return []
    names = []
    for column in columns:
        name = str(column).strip()
        if name and name != "[]" and name not in names:
            names.append(name)
    return names


def household_columns_clean(apps, schema_editor):
    """Rewrite every assembly whose household columns are not already clean."""
    Assembly = apps.get_model("assemblies", "Assembly")
    for assembly in Assembly.objects.only("pk", "household_columns").iterator():
        cleaned = _clean(assembly.household_columns)
        if cleaned != assembly.household_columns:
            Assembly.objects.filter(pk=assembly.pk).update(household_columns=cleaned)


class Migration(migrations.Migration):
    dependencies = [("assemblies", "0005_selectionrun_published_at")]

    operations = [migrations.RunPython(household_columns_clean, migrations.RunPython.noop)]
