"""Shared fixtures: the demo world (loaded once into the test database), personas by login name,
clients logged in as a persona, and Playwright launched on Debian's Chromium."""

import datetime
import os
import shutil

import pytest
from django.contrib.auth import get_user_model

from gongzhi import demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
HAVE_CHROMIUM = os.path.exists(CHROMIUM) and shutil.which(CHROMIUM) is not None


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
    """Load the demo once; ordinary tests roll back to it after each test."""
    with django_db_blocker.unblock():
        if not demo.already_loaded():
            demo.load()


@pytest.fixture
def world(db):
    """The demo world; after a transactional test flushed the database, load it again."""
    if not demo.already_loaded():
        demo.load()
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
