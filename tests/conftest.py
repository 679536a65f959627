"""Shared fixtures: the demo world (loaded once into the test database), personas by login name,
clients logged in as a persona, and Playwright launched on Debian's Chromium."""

import datetime
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from gongzhi import demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
HAVE_CHROMIUM = os.path.exists(CHROMIUM) and shutil.which(CHROMIUM) is not None


class DemoSnapshot:
    """The test database right after the session's demo load, kept to put back after a flush (a
    restore takes milliseconds on SQLite and under a second on PostgreSQL; loading the demo again
    took about 25 s).

    SQLite (the test database is in memory, shared cache): the sqlite3 backup API copies every page
    into a private in-memory connection and back. The live server's thread uses the same connection
    object (pytest-django passes it over), and restores happen between tests, so nothing else holds
    a transaction on it. PostgreSQL: every Django table's rows in binary COPY format and every
    sequence's position, put back by DELETE, COPY FROM and setval with triggers off
    (session_replication_role = replica: the append-only triggers guard the application, not this).
    Rows come back with their ids, so anything keyed by id stays valid; the content-type cache is
    cleared anyway. Files: the log's signing key and the uploads the rows point to are put back too."""

    def __init__(self):
        self.taken = False
        self.dirty = False

    def take(self, blocker) -> None:
        from django.conf import settings
        from django.db import connection

        self.blocker = blocker
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            self.pages = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(self.pages)
        else:
            self.tables, self.sequences = _pg_copy_out(connection)
        key = Path(settings.GONGZHI_LOG_KEY_FILE)
        self.key = (key, key.read_bytes() if key.exists() else None)
        media = Path(settings.MEDIA_ROOT)
        self.media = {p: p.read_bytes() for p in media.rglob("*") if p.is_file()} if media.exists() else {}
        self.taken, self.dirty = True, False

    def restore(self) -> None:
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection

        if not self.taken:  # no snapshot yet (the demo was never loaded): load it as before
            demo.load()
            return
        with self.blocker.unblock():
            if connection.in_atomic_block:  # inside a test's transaction: a restore would be rolled back
                demo.load()
                return
            connection.ensure_connection()
            if connection.vendor == "sqlite":
                self.pages.backup(connection.connection)
            else:
                _pg_copy_in(connection, self.tables, self.sequences)
        ContentType.objects.clear_cache()
        key, pem = self.key
        if pem is not None and (not key.exists() or key.read_bytes() != pem):
            key.write_bytes(pem)
        for path, data in self.media.items():
            if not path.exists() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        self.dirty = False

    def discard(self) -> None:
        if getattr(self, "pages", None) is not None:
            self.pages.close()
        self.__init__()


def _pg_copy_out(connection):
    names = connection.introspection.django_table_names(only_existing=True, include_views=False)
    tables = []
    raw = connection.connection
    with raw.cursor() as cursor:
        for name in sorted(names):
            with cursor.copy(f"COPY {connection.ops.quote_name(name)} TO STDOUT (FORMAT BINARY)") as copy:
                tables.append((name, b"".join(bytes(block) for block in copy)))
        cursor.execute("SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
                       "WHERE schemaname = current_schema()")
        sequences = cursor.fetchall()
    return tables, sequences


def _pg_copy_in(connection, tables, sequences) -> None:
    raw = connection.connection
    with raw.transaction(), raw.cursor() as cursor:
        # No triggers and no foreign-key checks while the rows go back; DELETE, not TRUNCATE: after a
        # flush the tables are all but empty, and TRUNCATE's new files cost seconds. A test database
        # need not wait for its commit to reach the disk.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL synchronous_commit = off")
        for name, data in tables:
            table = connection.ops.quote_name(name)
            cursor.execute(f"DELETE FROM {table}")
            if data:
                with cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(data)
        for sequence, value in sequences:
            if value is None:  # never used when the snapshot was taken
                cursor.execute(f"ALTER SEQUENCE {sequence} RESTART")
            else:
                cursor.execute("SELECT setval(%s::regclass, %s, true)", [sequence, value])


_world = DemoSnapshot()  # the demo database (and its files) as first loaded this session


def pytest_report_header(config):
    if HAVE_CHROMIUM:
        return f"browser tests: Chromium at {CHROMIUM}"
    return f"browser tests: SKIPPED — no Chromium at {CHROMIUM} (apt-get install chromium)"


def _on_postgresql() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    if not _on_postgresql():
        # Row locks and concurrent writers are PostgreSQL's: skipped here before any fixture (and its
        # demo world) is built, not inside the test body after the setup ran.
        skip_pg = pytest.mark.skip(reason="PostgreSQL only (row locks); SQLite serialises writers itself")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip_pg)
    if HAVE_CHROMIUM:
        return
    if os.environ.get("GONGZHI_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"GONGZHI_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: browser tests skipped")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if not HAVE_CHROMIUM:
        terminalreporter.write_line(
            f"NOTE: browser tests were skipped because {CHROMIUM} is missing (apt-get install chromium).",
            yellow=True,
        )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # the demo logins, hashed once at load
    ]


@pytest.fixture(scope="session", autouse=True)
def _private_files(tmp_path_factory):
    """The log's signing key and uploaded attachments live in a temporary folder, not var/."""
    from django.conf import settings

    root = tmp_path_factory.mktemp("gongzhi-var")
    settings.GONGZHI_LOG_KEY_FILE = str(root / "log-signing-key.pem")
    settings.MEDIA_ROOT = str(root / "media")
    return root


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, _private_files):
    """Load the demo once and take a snapshot of it. Ordinary tests roll back to it after each test;
    after a transactional test pytest-django flushes the database and the snapshot is put back."""
    from gongzhi.core import clock as source

    with django_db_blocker.unblock():
        if not demo.already_loaded():
            demo.load()
        _DEMO_DAY["day"] = source.today()
        _world.take(django_db_blocker)
    yield
    _world.discard()


_DEMO_DAY: dict = {}  # the local day the demo was loaded on, this session


@pytest.fixture(autouse=True)
def _the_demos_day():
    """The demo is made relative to the day it is loaded ("due in 5 days", "this month"). A run that goes
    past local midnight would compare it with the next day, so a test that starts after midnight sees the
    last second of the demo's day instead (a test that sets the clock itself still sets it)."""
    from gongzhi.core import clock as source

    source.forget_covered()  # a rolled-back test's calendar days must not be remembered by the next
    day = _DEMO_DAY.get("day")
    if day is None or source.today() == day or source.is_frozen():
        yield
        return
    source.set_frozen(source.at(day, source.END_OF_DAY))
    yield
    source.set_frozen(None)


def _transactional(item) -> bool:
    """Does pytest-django flush the database after this test (its own rule, _django_db_helper)?"""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server", "django_db_reset_sequences"} & set(item.fixturenames))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    if _world.taken and _transactional(item):
        _world.dirty = True  # the database was flushed in this test's teardown


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before the next test's fixtures, put the demo back if the last test flushed it: here and not in
    `world`, because an ordinary test's `db` fixture opens the transaction it rolls back first."""
    if _world.dirty:
        _world.restore()


@pytest.fixture
def world(db):
    """The demo world (loaded once per session; put back from its snapshot after a flush)."""
    if not demo.already_loaded():
        _world.restore()
    return demo


@pytest.fixture
def persona(world):
    def get(username: str):
        return get_user_model().objects.get(username=username)

    return get


@pytest.fixture
def login(client, persona):
    """A Django test client logged in as the named persona."""

    def as_(username: str):
        client.force_login(persona(username))
        return client

    return as_


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def clock():
    """The one clock (gongzhi.core.clock), stopped at the current instant. Read `clock.now` and
    `clock.today`; move it with `clock.set(t)` or `clock.now = t` — an aware datetime, or a local
    wall-clock time as "YYYY-MM-DD HH:MM" (Asia/Shanghai). `clock.let_run()` starts it again."""
    from gongzhi.core import clock as source

    class Clock:
        @property
        def now(self):
            return source.now()

        @now.setter
        def now(self, when):
            self.set(when)

        @property
        def today(self):
            return source.today()

        def set(self, when):
            if isinstance(when, str):
                when = datetime.datetime.fromisoformat(when)
            source.set_frozen(when)

        def let_run(self):
            source.set_frozen(None)

    stopped = Clock()
    stopped.set(source.now().replace(microsecond=0))
    yield stopped
    source.set_frozen(None)
