"""A worker killed with SIGKILL in the middle of a batch of deliveries, while its provider holds a message:
after a new worker starts (and the scheduler's deliveries sweep takes over the dead worker's claim once it
has expired) every delivery has reached the provider exactly once — none lost, none twice. Real processes:
`gongzhi worker` and `gongzhi scheduler` against the test database (PostgreSQL), or a copy of it in a file
(SQLite, whose test database lives in memory)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from gongzhi.core import notifications
from gongzhi.core.models import Delivery
from tests.ops.slow_channel import read

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LOGINS = ["wangayi", "lixiansheng", "zuhu", "dangyuan", "chen", "weiyuan", "zhaozhuren", "zhangjingli"]
CLAIM_SECONDS = 3


def database_url(tmp_path: Path) -> str:
    """The test database for another process: PostgreSQL's by name, SQLite's copied into a file."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "worker.sqlite3"
        copy = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    return f"postgresql://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def statuses(url: str, ids: list[int]) -> dict[int, tuple[str, int]]:
    marks = ",".join(str(int(i)) for i in ids)
    sql = f"SELECT id, status, attempts FROM core_delivery WHERE id IN ({marks})"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            rows = db.execute(sql).fetchall()
    else:
        import psycopg

        with psycopg.connect(url) as db:
            rows = db.execute(sql).fetchall()
    return {pk: (status, attempts) for pk, status, attempts in rows}


def start(command: list[str], url: str, sends: Path, tmp_path: Path, log: str) -> subprocess.Popen:
    env = {**os.environ, "GONGZHI_DEMO": "1", "DATABASE_URL": url, "GONGZHI_TASKS": "database",
           "GONGZHI_NOTIFICATION_CHANNELS": "sms=tests.ops.slow_channel.sender",
           "GONGZHI_DELIVERY_CLAIM_SECONDS": str(CLAIM_SECONDS), "GONGZHI_TEST_SENDS": str(sends),
           "GONGZHI_TEST_SEND_SECONDS": "0.5", "PYTHONPATH": str(ROOT), "GONGZHI_VAR_DIR": str(tmp_path),
           "GONGZHI_LOG_KEY_FILE": str(tmp_path / "key.pem")}
    if env.get("FAKETIME", "").startswith("@"):
        # Under faketime ("the clock starts at @… and runs") a child would start from that instant again,
        # minutes behind this process and the deliveries it wrote: it starts from this process's now.
        env["FAKETIME"] = "@" + time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
    return subprocess.Popen([sys.executable, "-m", "gongzhi.cli", *command], cwd=ROOT, env=env,
                            stdout=open(tmp_path / f"{log}.out", "w"), stderr=subprocess.STDOUT)


def wait_until(condition, seconds: float, what: str, tmp_path: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(tmp_path.glob("*.out")))
            pytest.fail(f"{what} within {seconds} s\n{logs}")
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_loses_and_duplicates_nothing(world, persona, settings, tmp_path):
    settings.TASKS = DATABASE_TASKS
    settings.GONGZHI_NOTIFICATION_CHANNELS = {"sms": "tests.ops.slow_channel.sender"}
    notifications.notify([persona(login) for login in LOGINS], title="明日停水（队列测试）")
    deliveries = list(Delivery.objects.filter(notification__title="明日停水（队列测试）"))
    ids, keys = [d.pk for d in deliveries], sorted(d.key for d in deliveries)
    assert len(ids) == len(LOGINS)
    url = database_url(tmp_path)
    sends = tmp_path / "sends"
    sends.mkdir()

    first = start(["worker"], url, sends, tmp_path, "worker-1")
    try:
        # Kill it while the provider holds a message: a send begun and not finished, after a few were.
        wait_until(lambda: len(read(sends, "accepted")) >= 3 and
                   len(read(sends, "attempts")) == len(read(sends, "accepted")) + 1, 60,
                   "the first worker did not get three deliveries out", tmp_path)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        first.kill()
        first.wait(timeout=10)
    in_flight = read(sends, "attempts")[-1]
    assert in_flight not in read(sends, "accepted")
    before = statuses(url, ids)
    assert sorted(s for s, _ in before.values()).count("sending") == 1, before
    assert 3 <= sorted(s for s, _ in before.values()).count("sent") < len(ids)

    second = start(["worker"], url, sends, tmp_path, "worker-2")
    time.sleep(CLAIM_SECONDS + 0.5)  # the dead worker's claim expires: the scheduler's first sweep takes it over
    scheduler = start(["scheduler", "--interval", "1", "--only", "core.deliveries_sweep"], url, sends, tmp_path,
                      "scheduler")
    try:
        wait_until(lambda: all(s == "sent" for s, _ in statuses(url, ids).values()), 90,
                   "not every delivery was sent after the restart", tmp_path)
    finally:
        for process in (second, scheduler):
            process.terminate()
        for process in (second, scheduler):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    accepted = read(sends, "accepted")
    assert sorted(accepted) == keys, "each delivery reached the provider exactly once"
    attempts = read(sends, "attempts")
    assert sorted(attempts) == sorted([*keys, in_flight]), "only the one the dead worker held was tried again"
    after = statuses(url, ids)
    assert {pk: n for pk, (_s, n) in after.items() if n != 1} == {
        pk: 2 for pk, d in zip(ids, deliveries, strict=True) if d.key == in_flight}
