import contextlib
import importlib
import io
import threading

from django.core.management import call_command
from django.db import connection, connections

from gongzhi.places.models import Estate, Unit

YIWU = "义乌城小区"
PACIFIC = "太平洋花园"


def estate(name: str) -> Estate:
    return Estate.objects.get(name=name)


def unit(estate_name: str, code: str) -> Unit:
    return Unit.objects.get(estate__name=estate_name, code=code)


def race(workers):
    """Run the callables at the same moment, each in its own thread and connection; return what each got."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 — the test inspects what each racer got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


append_only = importlib.import_module("gongzhi.notices.migrations.0002_append_only")


def _append_only_triggers(cursor, on: bool) -> None:
    if connection.vendor == "sqlite":
        for statement in append_only.sqlite_up() if on else append_only.sqlite_down():
            cursor.execute(statement)
        return
    for table in [*append_only.FROZEN, "notices_notice"]:
        cursor.execute(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER USER")


@contextlib.contextmanager
def behind_the_applications_back():
    """A database administrator switching the append-only triggers off to edit rows directly."""
    with connection.cursor() as cursor:
        _append_only_triggers(cursor, on=False)
        try:
            yield cursor
        finally:
            _append_only_triggers(cursor, on=True)


def run_command(name: str, *args) -> tuple[int, str, str]:
    """Run a management command as the CLI would: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()
