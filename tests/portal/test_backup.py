"""Backups that restore: `gongzhi backup` of the demo, then `gongzhi restore` into an empty database of
the same kind in a fresh process, then `gongzhi verify --all` there — the log rebuilds, every published
attachment re-hashes, and the data is the backup's, not what the source became afterwards. A damaged
archive, a database that is not empty and the other database kind are refused before anything is written."""

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from gongzhi import backup
from gongzhi.notices.models import LogKey, NoticeAttachment
from gongzhi.places.models import Estate
from tests.helpers import YIWU, estate

ROOT = Path(__file__).resolve().parents[2]
# Committed rows only: SQLite's backup API waits for ever on a database a test's open transaction holds.
pytestmark = pytest.mark.usefixtures("transactional_db", "world")


def gongzhi(*args, database_url: str, media: Path, tmp_path: Path, extra: dict | None = None
            ) -> subprocess.CompletedProcess:
    env = {**os.environ, "GONGZHI_DEMO": "1", "DATABASE_URL": database_url, "GONGZHI_MEDIA_ROOT": str(media),
           "GONGZHI_LOG_KEY_FILE": str(tmp_path / "unused-key.pem"), "GONGZHI_VAR_DIR": str(tmp_path), **(extra or {})}
    return subprocess.run([sys.executable, "-m", "gongzhi.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def empty_database(tmp_path):
    """The URL of an empty database of the test database's kind, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    db = connection.settings_dict
    name = f"gongzhi_restore_{uuid.uuid4().hex[:10]}"
    server = psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                             password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)
    server.execute(f'CREATE DATABASE "{name}"')
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    yield f"postgresql://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.close()


def read_one(database_url: str, sql: str, *params):
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchone()
    import psycopg

    with psycopg.connect(database_url) as db:
        return db.execute(sql, params).fetchone()


def test_a_backup_restores_into_an_empty_database_and_the_log_verifies(tmp_path, empty_database):
    yiwu = estate(YIWU)
    name = yiwu.name
    archive = tmp_path / "gongzhi.tar"
    manifest, digest = backup.backup(archive)
    assert len(digest) == 64 and manifest.database == connection.vendor
    published = list(NoticeAttachment.objects.values_list("file", flat=True))
    assert published and set(published) <= set(manifest.files), "every published attachment is in the archive"
    # The source changes after the backup: the restore must bring back the backup's state.
    Estate.objects.filter(pk=yiwu.pk).update(name="改名后的小区")

    media = tmp_path / "restored-media"
    restored = gongzhi("restore", str(archive), database_url=empty_database, media=media, tmp_path=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "gongzhi verify --all" in restored.stdout
    verified = gongzhi("verify", "--all", database_url=empty_database, media=media, tmp_path=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "LOG INTACT" in verified.stdout and f"{len(published)} attachments" in verified.stdout
    assert read_one(empty_database, "SELECT name FROM places_estate WHERE id = %s", yiwu.pk) == (name,)
    for stored in manifest.files:
        assert backup.sm3_of((media / stored).read_bytes()) == manifest.members[backup.FILES + stored]["sm3"]


def test_the_archive_holds_the_public_keys_and_never_the_private_one(tmp_path):
    archive = tmp_path / "gongzhi.tar"
    backup.backup(archive)
    private = Path(settings.GONGZHI_LOG_KEY_FILE).read_bytes()
    with tarfile.open(archive) as tar:
        keys = json.loads(tar.extractfile(backup.KEYS).read())
        everything = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert {k["key_id"] for k in keys} == set(LogKey.objects.values_list("key_id", flat=True))
    assert b"PRIVATE KEY" in private and private not in everything and b"PRIVATE KEY" not in everything


def _altered(archive: Path, target: Path, member: str) -> None:
    """A copy of the archive with one byte of `member` changed and its manifest left as it was."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for info in source.getmembers():
            data = source.extractfile(info).read()
            if info.name == member:
                data = bytes([data[0] ^ 1]) + data[1:]
            out.addfile(info, io.BytesIO(data))


def test_a_damaged_archive_is_refused_before_anything_is_written(tmp_path, empty_database):
    archive = tmp_path / "gongzhi.tar"
    manifest, _ = backup.backup(archive)
    damaged = tmp_path / "damaged.tar"
    _altered(archive, damaged, backup.FILES + manifest.files[0])
    media = tmp_path / "restored-media"
    refused = gongzhi("restore", str(damaged), database_url=empty_database, media=media, tmp_path=tmp_path)
    assert refused.returncode != 0
    assert "备份文件已损坏或被改动" in refused.stderr and manifest.files[0] in refused.stderr
    assert not media.exists() or not any(media.rglob("*"))
    tables = "SELECT count(*) FROM sqlite_master WHERE type = 'table'" if connection.vendor == "sqlite" else (
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
    assert read_one(empty_database, tables) == (0,)


def test_a_database_that_is_not_empty_is_never_restored_into(tmp_path):
    archive = tmp_path / "gongzhi.tar"
    backup.backup(archive)
    before = Estate.objects.count()
    with pytest.raises(backup.BackupError, match="目标数据库不是空的"):
        backup.restore(archive)
    assert Estate.objects.count() == before


def test_something_that_is_not_a_backup_is_refused(tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all")
    with pytest.raises(backup.BackupError, match="不是共治备份文件"):
        backup.restore(junk)


def test_each_backup_is_recorded_for_check_ops(tmp_path):
    from gongzhi.core.models import BackupRecord

    archive = tmp_path / "gongzhi.tar"
    manifest, digest = backup.backup(archive)
    record = BackupRecord.objects.latest("made_at")
    assert (record.path, record.manifest_sm3, record.files, record.database) == (
        str(archive.resolve()), digest, len(manifest.files), connection.vendor)
    assert record.size == archive.stat().st_size
