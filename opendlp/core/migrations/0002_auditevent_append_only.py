"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the audit log.

SQLite gets no trigger: Django's test-case flush deletes rows there, and the model and
admin already refuse edits. (PostgreSQL flushes with TRUNCATE, which row triggers ignore.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION opendlp_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS opendlp_auditevent_append_only ON opendlp_auditevent;
CREATE TRIGGER opendlp_auditevent_append_only BEFORE UPDATE OR DELETE ON opendlp_auditevent
    FOR EACH ROW EXECUTE FUNCTION opendlp_auditevent_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS opendlp_auditevent_append_only ON opendlp_auditevent;
DROP FUNCTION IF EXISTS opendlp_auditevent_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("opendlp", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
