"""The database itself refuses to change a points entry, as it does an audit row: the ledger only grows
(a correction is a new entry).

SQLite: UPDATE is refused (DELETE stays possible only because the test runner's flush uses it).
PostgreSQL: UPDATE and DELETE are refused row by row; TRUNCATE (test teardown) is not a row event.
"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER party_pointsentry_no_update BEFORE UPDATE ON party_pointsentry
BEGIN SELECT RAISE(ABORT, 'points entries are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS party_pointsentry_no_update;"

PG_UP = """
CREATE OR REPLACE FUNCTION party_pointsentry_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'points entries are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER party_pointsentry_no_change BEFORE UPDATE OR DELETE ON party_pointsentry
FOR EACH ROW EXECUTE FUNCTION party_pointsentry_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS party_pointsentry_no_change ON party_pointsentry;
DROP FUNCTION IF EXISTS party_pointsentry_append_only();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("party", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
