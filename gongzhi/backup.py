"""One consistent archive of everything the product keeps, and its restore into an empty database.

`gongzhi backup FILE` writes a tar archive holding
    database.pgdump | database.sqlite3   pg_dump's custom format (one snapshot) or the SQLite backup API's copy
    files/<name>                        every stored file (attachments, photos, printed notices) by its storage name
    log-keys.json                       the transparency log's public keys (never the private signing key)
    manifest.json                       what is in it: each member's size and SM3, the database kind, when
and prints the SM3 of the manifest, for the operator to keep apart from the archive; a BackupRecord row notes
it (after the dump, so the archive does not hold its own record) for `gongzhi check_ops`.

`gongzhi restore FILE` checks every member against the manifest before it writes anything, refuses a
database that is not empty and a backup of the other database kind, then loads the database and puts
the files back through the storage API. Afterwards `gongzhi verify --all` rebuilds the log and re-hashes
each published attachment.

The database is a snapshot; files are written once and never changed in place, so a file added while
the backup runs is at worst in the archive without a row pointing to it, never the reverse in a way that
loses data a row refers to (files are copied after the dump).
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from gongzhi.core import clock
from gongzhi.core.models import BackupRecord
from gongzhi.notices.models import LogKey

FORMAT = "gongzhi-backup/1"
MANIFEST = "manifest.json"
KEYS = "log-keys.json"
FILES = "files/"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}

NOT_AN_ARCHIVE = "不是共治备份文件：{detail} / Not a Gongzhi backup: {detail}"
ALTERED = "备份文件已损坏或被改动：{name} 与清单不符 / The backup is damaged or altered: {name} does not match its manifest"
MISSING = "备份缺少清单所列的 {name} / The backup lacks {name}, which its manifest lists"
WRONG_KIND = (
    "这是 {theirs} 数据库的备份，不能恢复到 {ours} 数据库 / This is a backup of a {theirs} database; it cannot be "
    "restored into {ours}"
)
NOT_EMPTY = (
    "目标数据库不是空的（已有 {n} 张表），恢复只写入空数据库 / The target database is not empty ({n} tables); a "
    "restore only writes into an empty database"
)
FILE_EXISTS = (
    "存储中已有同名但内容不同的文件 {name}，恢复已停止 / The storage already holds a different file named {name}; "
    "the restore stopped"
)
DUMP_FAILED = "数据库导出失败：{detail} / The database dump failed: {detail}"
LOAD_FAILED = "数据库恢复失败：{detail} / The database restore failed: {detail}"


class BackupError(Exception):
    """What went wrong, Chinese first; nothing was written when a restore raises it before loading."""


@dataclass
class Manifest:
    database: str
    made_at: str
    members: dict[str, dict] = field(default_factory=dict)  # name -> {"size", "sm3"}
    format: str = FORMAT

    def to_json(self) -> bytes:
        return json.dumps({"format": self.format, "database": self.database, "made_at": self.made_at,
                           "members": self.members}, ensure_ascii=False, indent=1, sort_keys=True).encode()

    @property
    def files(self) -> list[str]:
        return sorted(name[len(FILES):] for name in self.members if name.startswith(FILES))


def sm3_of(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _sm3_file(path: Path) -> tuple[int, str]:
    digest = hashes.Hash(hashes.SM3())
    size = 0
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.finalize().hex()


# --- the database ------------------------------------------------------------------------------------
def _pg_env_and_args() -> tuple[dict, list[str]]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return env, args + ["-d", connection.settings_dict["NAME"]]


def _dump_database(target: Path) -> None:
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(target),
                               *args], env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(DUMP_FAILED.format(detail=done.stderr.strip()[:500]))
        return
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # a consistent copy, page by page, while others may write
    finally:
        copy.close()


def _load_database(dump: Path, vendor: str) -> None:
    if vendor == "postgresql":
        env, args = _pg_env_and_args()
        done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args, str(dump)],
                              env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(LOAD_FAILED.format(detail=done.stderr.strip()[:500]))
        return
    source = sqlite3.connect(dump)
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


# --- the files ----------------------------------------------------------------------------------------
def stored_files(storage=None, folder: str = "") -> list[str]:
    """Every file name in the storage, walked through its own API (so object storage works the same)."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += stored_files(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def _public_keys() -> bytes:
    keys = [{"key_id": k.key_id, "algorithm": k.algorithm, "public_key": bytes(k.public_key).hex()}
            for k in LogKey.objects.order_by("created_at", "key_id")]
    return json.dumps(keys, indent=1).encode()


# --- backup -------------------------------------------------------------------------------------------
def backup(path: str | Path, *, storage=None) -> tuple[Manifest, str]:
    """Write the archive at `path`; the manifest and the manifest's SM3."""
    storage = storage or default_storage
    connection.ensure_connection()
    vendor = connection.vendor
    manifest = Manifest(database=vendor, made_at=clock.local(clock.now()).isoformat(timespec="seconds"))
    with tempfile.TemporaryDirectory(prefix="gongzhi-backup-") as work, tarfile.open(path, "w") as archive:
        dump = Path(work) / DUMPS[vendor]
        _dump_database(dump)
        _add_file(archive, manifest, DUMPS[vendor], dump)
        for name in stored_files(storage):
            with storage.open(name, "rb") as stream:
                _add_bytes(archive, manifest, FILES + name, stream.read())
        _add_bytes(archive, manifest, KEYS, _public_keys())
        body = manifest.to_json()
        _add_bytes(archive, None, MANIFEST, body)
    digest = sm3_of(body)
    BackupRecord.objects.create(made_at=clock.now(), path=str(Path(path).resolve())[:500], database=vendor,
                                files=len(manifest.files), size=os.path.getsize(path), manifest_sm3=digest)
    return manifest, digest


def _add_file(archive, manifest: Manifest, name: str, path: Path) -> None:
    size, digest = _sm3_file(path)
    manifest.members[name] = {"size": size, "sm3": digest}
    archive.add(str(path), arcname=name)


def _add_bytes(archive, manifest: Manifest | None, name: str, data: bytes) -> None:
    if manifest is not None:
        manifest.members[name] = {"size": len(data), "sm3": sm3_of(data)}
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(clock.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


# --- restore ------------------------------------------------------------------------------------------
def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        raw = json.loads(archive.extractfile(MANIFEST).read())
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError(NOT_AN_ARCHIVE.format(detail=f"{MANIFEST}: {exc}")) from exc
    if raw.get("format") != FORMAT or raw.get("database") not in DUMPS:
        raise BackupError(NOT_AN_ARCHIVE.format(detail=f"format {raw.get('format')!r}"))
    return Manifest(database=raw["database"], made_at=raw.get("made_at", ""), members=raw.get("members", {}))


def check(path: str | Path, work: Path) -> Manifest:
    """Unpack into `work`, checking every member's size and SM3 against the manifest (and that nothing
    is missing or added); the manifest."""
    try:
        archive = tarfile.open(path, "r")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(NOT_AN_ARCHIVE.format(detail=exc)) from exc
    with archive:
        manifest = read_manifest(archive)
        names = {m.name for m in archive.getmembers() if m.isfile()} - {MANIFEST}
        for extra in sorted(names - set(manifest.members)):
            raise BackupError(ALTERED.format(name=extra))
        for name, expected in manifest.members.items():
            if name not in names:
                raise BackupError(MISSING.format(name=name))
            target = work / name
            if not target.resolve().is_relative_to(work.resolve()):
                raise BackupError(ALTERED.format(name=name))
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(name) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            if _sm3_file(target) != (expected["size"], expected["sm3"]):
                raise BackupError(ALTERED.format(name=name))
    return manifest


def restore(path: str | Path, *, storage=None) -> Manifest:
    """Put the archive back into this (empty) database and the storage; nothing is written unless every
    member checks out, the database kinds agree, the database is empty and no stored file differs."""
    storage = storage or default_storage
    with tempfile.TemporaryDirectory(prefix="gongzhi-restore-") as work:
        work = Path(work)
        manifest = check(path, work)
        connection.ensure_connection()
        if manifest.database != connection.vendor:
            raise BackupError(WRONG_KIND.format(theirs=manifest.database, ours=connection.vendor))
        if tables := _tables():
            raise BackupError(NOT_EMPTY.format(n=len(tables)))
        for name in manifest.files:
            if storage.exists(name) and _sm3_file_in(storage, name) != manifest.members[FILES + name]["sm3"]:
                raise BackupError(FILE_EXISTS.format(name=name))
        _load_database(work / DUMPS[manifest.database], manifest.database)
        for name in manifest.files:
            if not storage.exists(name):
                saved = storage.save(name, ContentFile((work / FILES / name).read_bytes()))
                if saved != name:  # a storage that renames would break every row pointing at the file
                    raise BackupError(FILE_EXISTS.format(name=name))
    return manifest


def _sm3_file_in(storage, name: str) -> str:
    with storage.open(name, "rb") as stream:
        return sm3_of(stream.read())
