"""The database holds the ledger's rules: posted transactions and entries never change, and on
PostgreSQL a deferred constraint trigger refuses, at commit, any transaction whose debits and
credits differ (whatever wrote the rows)."""

from django.db import migrations

MESSAGE = "posted entries are never changed: post a reversing entry"
SQLITE_UP = [
    f"CREATE TRIGGER finance_{t}_no_update BEFORE UPDATE ON finance_{t} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
    for t in ("transaction", "entry")
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS finance_{t}_no_update;" for t in ("transaction", "entry")]
PG_UP = [
    f"""CREATE OR REPLACE FUNCTION finance_posted_is_final() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER finance_transaction_final BEFORE UPDATE OR DELETE ON finance_transaction
    FOR EACH ROW EXECUTE FUNCTION finance_posted_is_final();""",
    """CREATE TRIGGER finance_entry_final BEFORE UPDATE OR DELETE ON finance_entry
    FOR EACH ROW EXECUTE FUNCTION finance_posted_is_final();""",
    """CREATE OR REPLACE FUNCTION finance_check_balanced() RETURNS trigger AS $$
    DECLARE difference bigint;
    BEGIN
      SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO difference
        FROM finance_entry WHERE transaction_id = NEW.transaction_id;
      IF difference <> 0 THEN
        RAISE EXCEPTION 'transaction %% is unbalanced by %% fen', NEW.transaction_id, difference;
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE CONSTRAINT TRIGGER finance_entry_balanced AFTER INSERT ON finance_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION finance_check_balanced();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS finance_entry_balanced ON finance_entry;",
    "DROP TRIGGER IF EXISTS finance_entry_final ON finance_entry;",
    "DROP TRIGGER IF EXISTS finance_transaction_final ON finance_transaction;",
    "DROP FUNCTION IF EXISTS finance_check_balanced();",
    "DROP FUNCTION IF EXISTS finance_posted_is_final();",
]


def forwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
