"""A closed vote's result and ballots can no longer change, in the database itself."""

from django.db import migrations

MESSAGE = "a closed vote cannot change"
SQLITE_UP = [
    f"""CREATE TRIGGER votes_vote_closed BEFORE UPDATE ON votes_vote WHEN OLD.status = 'closed'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER votes_ballot_closed_update BEFORE UPDATE ON votes_ballot
    WHEN (SELECT status FROM votes_vote WHERE id = OLD.vote_id) = 'closed'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER votes_ballot_closed_insert BEFORE INSERT ON votes_ballot
    WHEN (SELECT status FROM votes_vote WHERE id = NEW.vote_id) = 'closed'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {name};" for name in
               ("votes_vote_closed", "votes_ballot_closed_update", "votes_ballot_closed_insert")]
PG_UP = [
    f"""CREATE OR REPLACE FUNCTION votes_closed_is_final() RETURNS trigger AS $$
    DECLARE vote_status text;
    BEGIN
      IF TG_TABLE_NAME = 'votes_vote' THEN vote_status := OLD.status;
      ELSIF TG_OP = 'INSERT' THEN SELECT status INTO vote_status FROM votes_vote WHERE id = NEW.vote_id;
      ELSE SELECT status INTO vote_status FROM votes_vote WHERE id = OLD.vote_id;
      END IF;
      IF vote_status = 'closed' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER votes_vote_closed BEFORE UPDATE OR DELETE ON votes_vote
    FOR EACH ROW EXECUTE FUNCTION votes_closed_is_final();""",
    """CREATE TRIGGER votes_ballot_closed BEFORE INSERT OR UPDATE OR DELETE ON votes_ballot
    FOR EACH ROW EXECUTE FUNCTION votes_closed_is_final();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS votes_vote_closed ON votes_vote;",
    "DROP TRIGGER IF EXISTS votes_ballot_closed ON votes_ballot;",
    "DROP FUNCTION IF EXISTS votes_closed_is_final();",
]


def forwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("votes", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
