"""Benchmark without noise: SQL queries (and the database's own work) per page for every persona × page of
bench/pages.py's matrix, figures that do not depend on how busy the machine is.

Run by hand, on the demo and on a seeded city (see bench/pages.py for making them):
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gongzhi_pages GONGZHI_DEMO=1 .venv/bin/python bench/queries.py
  … bench/queries.py --compare demo.tsv            # a column per database, and where the count differs
  … bench/queries.py --explain --user chen --match persons   # the plans of the slow queries (PostgreSQL)
For each page it prints the number of SQL queries, the rows they returned, and on PostgreSQL the buffers
(8 kB pages) the queries touched in the database (EXPLAIN (ANALYZE, BUFFERS), shared hit + read) — the
database's work, which grows with the data when a plan scans what the user may not see — with the sum of
the queries' execution and planning times as EXPLAIN ANALYZE reports them ("db ms" and "plan ms", the database
alone) — and Python's
function calls while the page is answered (the interpreter's work; `sys.setprofile`, so slower than real).
Hardware instruction counts (`perf stat`) need counters a virtual machine usually lacks (`perf stat -e
instructions true` says "not supported" there); the buffers and calls stand in for them.
`--write-budgets FILE` writes the per-page query budgets tests/portal/test_query_budget.py holds the demo's
pages to (regenerate on the demo alone after a deliberate change: `--no-city --write-budgets
tests/portal/query_budgets.json`); `--tsv FILE` writes the figures; `--compare FILE` prints them beside an earlier run (e.g. the demo beside the
city): a page whose query count differs between a small and a large database is a query that grows with data.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("GONGZHI_DEMO", "1")


def _buffers(cursor, sql: str, params) -> tuple[int, float, float, str]:
    """(shared buffers hit + read, execution ms, planning ms, the plan as text) of one SELECT on PostgreSQL."""
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
    plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    top = plan[0]["Plan"]
    buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
    text = "\n".join(row[0] for row in cursor.fetchall())
    return buffers, plan[0].get("Execution Time", 0.0), plan[0].get("Planning Time", 0.0), text


class _Recorder:
    """Wraps the connection's execution: the SQL and parameters of each query, and the rows it returned."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        cursor = context["cursor"]
        rows = cursor.rowcount if cursor.rowcount is not None and cursor.rowcount >= 0 else 0
        self.queries.append((sql, params, rows))
        return result


def page_figures(client, url: str, *, explain: bool, calls: bool) -> dict:
    from django.db import connection

    client.get(url)  # warm: caches filled as in a running server
    recorder = _Recorder()
    counted = [0]

    def profile(frame, event, arg):
        if event in ("call", "c_call"):
            counted[0] += 1

    with connection.execute_wrapper(recorder):
        if calls:
            sys.setprofile(profile)
        try:
            response = client.get(url)
        finally:
            sys.setprofile(None)
    figures = {"status": response.status_code, "queries": len(recorder.queries),
               "rows": sum(rows for _sql, _params, rows in recorder.queries), "calls": counted[0] if calls else None,
               "buffers": None, "db_ms": None, "plan_ms": None, "plans": []}
    if connection.vendor == "postgresql":
        total, ms_total, planning_total = 0, 0.0, 0.0
        with connection.cursor() as cursor:
            for sql, params, _rows in recorder.queries:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")):
                    continue
                try:
                    buffers, ms, planning, text = _buffers(cursor, sql, params)
                except Exception:  # noqa: BLE001 — a statement EXPLAIN cannot take; counted as none
                    connection.rollback() if not connection.get_autocommit() else None
                    continue
                total, ms_total, planning_total = total + buffers, ms_total + ms, planning_total + planning
                if explain:
                    figures["plans"].append((ms, buffers, sql, text))
        figures["buffers"], figures["db_ms"], figures["plan_ms"] = total, ms_total, planning_total
    return figures


def main() -> None:
    from bench.pages import matrix, setup

    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="comma-separated usernames")
    parser.add_argument("--user", default="", help="one username (as --only)")
    parser.add_argument("--match", default="", help="only urls containing this")
    parser.add_argument("--url", default="", help="only this url (e.g. / for the home pages)")
    parser.add_argument("--no-city", action="store_true", help="the demo's personas only")
    parser.add_argument("--calls", action="store_true", help="also count Python function calls (slow)")
    parser.add_argument("--explain", action="store_true", help="print the plans of each page's slowest queries")
    parser.add_argument("--tsv", default="", help="write the figures to this file")
    parser.add_argument("--compare", default="", help="a --tsv file of an earlier run, printed beside")
    parser.add_argument("--write-budgets", default="",
                        help="write each page's query budget (this run's count and a margin) to this JSON file, "
                             "e.g. tests/portal/query_budgets.json (run on the demo alone, --no-city)")
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from gongzhi.places.models import Unit
    from gongzhi.requests.models import Request

    only = set(filter(None, (args.only + "," + args.user).split(",")))
    before = {}
    if args.compare:
        for line in Path(args.compare).read_text().splitlines()[1:]:
            user, url, queries, *_rest = line.split("\t")
            before[(user, url)] = int(queries)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, units: {Unit.objects.count()}, "
          f"requests: {Request.objects.count()}")
    head = f"{'user':<16} {'url':<62} {'queries':>7} {'rows':>7} {'buffers':>8} {'db ms':>8} {'plan ms':>8}"
    print(head + (f" {'calls':>9}" if args.calls else "") + (f" {'before':>7}" if before else "") + " status")
    out = ["user\turl\tqueries\trows\tbuffers\tcalls\tstatus"]
    clients = {}
    for username, url in matrix(city=not args.no_city):
        if (only and username not in only) or args.match not in url or (args.url and url != args.url):
            continue
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(get_user_model().objects.get(username=username))
        f = page_figures(clients[username], url, explain=args.explain, calls=args.calls)
        line = f"{username:<16} {url:<62} {f['queries']:7d} {f['rows']:7d} {f['buffers'] if f['buffers'] is not None else '-':>8}"
        line += f" {f['db_ms']:8.1f} {f['plan_ms']:8.1f}" if f["db_ms"] is not None else f" {'-':>8} {'-':>8}"
        if args.calls:
            line += f" {f['calls']:9d}"
        if before:
            was = before.get((username, url))
            line += f" {was if was is not None else '-':>7}" + (" ≠" if was is not None and was != f["queries"] else "  ")
        print(line + f" {f['status']}", flush=True)
        out.append(f"{username}\t{url}\t{f['queries']}\t{f['rows']}\t{f['buffers']}\t{f['calls']}\t{f['status']}")
        for ms, buffers, sql, text in sorted(f["plans"], reverse=True)[:3]:
            print(f"  -- {ms:.1f} ms, {buffers} buffers: {sql[:300]}\n" + "\n".join("     " + t for t in text.splitlines()))
    if args.tsv:
        Path(args.tsv).write_text("\n".join(out) + "\n")
    if args.write_budgets:
        budgets = {}
        for line in out[1:]:
            user, url, queries, *_rest = line.split("\t")
            budgets.setdefault(user, {})[url] = budget(int(queries))
        Path(args.write_budgets).write_text(json.dumps(budgets, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def budget(queries: int) -> int:
    """A page's budget: its count today and a margin (a quarter, at least 3) for a new card or figure;
    an N+1 over the demo's lists (tens of rows) goes past it."""
    return queries + max(3, queries // 4)


if __name__ == "__main__":
    main()
