"""An election ballot's selections cannot change once the vote is closed. (SQLite still lets rows
be deleted, as for every append-only table here, because the test runner's flush deletes them.)"""

from django.db import migrations

MESSAGE = "a closed vote cannot change"
SQLITE_UP = [
    f"""CREATE TRIGGER votes_selection_closed_{op.lower()} BEFORE {op} ON votes_selection
    WHEN (SELECT v.status FROM votes_vote v JOIN votes_ballot b ON b.vote_id = v.id
          WHERE b.id = {row}.ballot_id) = 'closed'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
    for op, row in (("INSERT", "NEW"), ("UPDATE", "OLD"))
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS votes_selection_closed_{op};" for op in ("insert", "update")]
PG_UP = [
    f"""CREATE OR REPLACE FUNCTION votes_selection_final() RETURNS trigger AS $$
    DECLARE vote_status text; ballot integer;
    BEGIN
      IF TG_OP = 'INSERT' THEN ballot := NEW.ballot_id; ELSE ballot := OLD.ballot_id; END IF;
      SELECT v.status INTO vote_status FROM votes_vote v JOIN votes_ballot b ON b.vote_id = v.id WHERE b.id = ballot;
      IF vote_status = 'closed' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER votes_selection_closed BEFORE INSERT OR UPDATE OR DELETE ON votes_selection
    FOR EACH ROW EXECUTE FUNCTION votes_selection_final();""",
]
PG_DOWN = ["DROP TRIGGER IF EXISTS votes_selection_closed ON votes_selection;",
           "DROP FUNCTION IF EXISTS votes_selection_final();"]


def forwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("votes", "0003_elections")]
    operations = [migrations.RunPython(forwards, backwards)]
