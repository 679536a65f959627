"""The database itself refuses to change the log, the signed heads, and published notices.

Leaves, tree nodes and heads: no UPDATE at all. Notices: only `pinned` and `views` may change;
attachments never. Keys: only `retired_at`, and only once. On PostgreSQL rows cannot be deleted
either; on SQLite DELETE stays possible only because the test runner's flush uses it (as for the
audit trail), and `gongzhi verify --all` reports any leaf that went missing.
"""

from django.db import migrations

FROZEN = ["notices_logleaf", "notices_lognode", "notices_signedtreehead", "notices_noticeattachment"]
NOTICE_CONTENT = (
    'kind, audience, title, body, "table", issuer, estate_id, community_id, published_at, '
    "expires_on, supersedes_id, published_by_id"
)
MESSAGE = "published records are append-only"


def sqlite_up():
    statements = [
        f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
        for t in FROZEN
    ]
    statements.append(
        f"CREATE TRIGGER notices_notice_no_update BEFORE UPDATE OF {NOTICE_CONTENT} ON notices_notice "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
    )
    statements.append(
        "CREATE TRIGGER notices_logkey_no_update BEFORE UPDATE ON notices_logkey "
        "WHEN OLD.retired_at IS NOT NULL OR NEW.key_id != OLD.key_id OR NEW.public_key != OLD.public_key "
        f"OR NEW.created_at != OLD.created_at BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
    )
    return statements


def sqlite_down():
    return [f"DROP TRIGGER IF EXISTS {t}_no_update;" for t in [*FROZEN, "notices_notice", "notices_logkey"]]


PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION notices_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '{MESSAGE}'; END;
$$ LANGUAGE plpgsql;
"""


def pg_up():
    statements = [PG_FUNCTION]
    statements += [
        f"CREATE TRIGGER {t}_no_change BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION notices_append_only();"
        for t in FROZEN
    ]
    statements.append(
        f"CREATE TRIGGER notices_notice_no_change BEFORE UPDATE OF {NOTICE_CONTENT} OR DELETE ON notices_notice "
        "FOR EACH ROW EXECUTE FUNCTION notices_append_only();"
    )
    statements.append(
        "CREATE TRIGGER notices_logkey_no_change BEFORE UPDATE ON notices_logkey FOR EACH ROW "
        "WHEN (OLD.retired_at IS NOT NULL OR NEW.key_id <> OLD.key_id OR NEW.public_key <> OLD.public_key "
        "OR NEW.created_at <> OLD.created_at) EXECUTE FUNCTION notices_append_only();"
    )
    statements.append(
        "CREATE TRIGGER notices_logkey_no_delete BEFORE DELETE ON notices_logkey "
        "FOR EACH ROW EXECUTE FUNCTION notices_append_only();"
    )
    return statements


def pg_down():
    statements = [f"DROP TRIGGER IF EXISTS {t}_no_change ON {t};" for t in [*FROZEN, "notices_notice", "notices_logkey"]]
    statements.append("DROP TRIGGER IF EXISTS notices_logkey_no_delete ON notices_logkey;")
    statements.append("DROP FUNCTION IF EXISTS notices_append_only();")
    return statements


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": sqlite_up, "postgresql": pg_up}.get(vendor, list)():
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": sqlite_down, "postgresql": pg_down}.get(vendor, list)():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
