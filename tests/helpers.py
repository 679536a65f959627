import contextlib
import importlib
import io
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlparse

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


# --- walking the pages a persona reaches --------------------------------------------------------------
class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("/") and not href.startswith(("/api", "/admin")):
            self.links.append(href)


CRAWL_SKIP = re.compile(r"\.(pdf|xlsx|json|pem|png|jpg|svg)$|/logout|/export|/print|/photos/|/i18n/")


def page_kind(path: str) -> str:
    """/votes/12/paper/ → /votes/N/paper/: one page of each kind is enough."""
    return re.sub(r"\d+", "N", urlparse(path).path)


def crawl(client, *, start: str = "/", most: int = 60) -> Iterator[tuple[str, str]]:
    """(kind, html) of each kind of page the client reaches by following links from `start`."""
    seen, queue = set(), [start]
    while queue and len(seen) < most:
        path = queue.pop(0)
        kind = page_kind(path)
        if kind in seen or CRAWL_SKIP.search(kind):
            continue
        seen.add(kind)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        yield kind, html
        parser = _Links()
        parser.feed(html)
        queue += [link for link in parser.links if page_kind(link) not in seen]
