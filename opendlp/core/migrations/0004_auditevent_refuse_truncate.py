"""On PostgreSQL, a statement trigger refuses TRUNCATE of the audit log.

Row triggers (0002) do not fire on TRUNCATE, so until now the table's owner could empty the
log in one statement. The same function raises 'audit events are append-only'. Django's test
flush empties tables with TRUNCATE: tests/conftest.py turns this trigger off inside the
flush's own transaction. Running the app as a role that does not own the table (so it can
neither TRUNCATE nor disable triggers) is ``manage.py create_app_role``; see docs/deployment.md.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION opendlp_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS opendlp_auditevent_no_truncate ON opendlp_auditevent;
CREATE TRIGGER opendlp_auditevent_no_truncate BEFORE TRUNCATE ON opendlp_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION opendlp_auditevent_refuse_change();
"""
DROP = "DROP TRIGGER IF EXISTS opendlp_auditevent_no_truncate ON opendlp_auditevent;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("opendlp", "0003_auditevent_credential")]
    operations = [migrations.RunPython(forwards, backwards)]
