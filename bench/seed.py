"""Benchmark: `gongzhi seed` and the ledger import against a bare bulk write of the same rows.

Run by hand, not in CI:
    .venv/bin/python bench/seed.py [--units 1000000] [--requests 0] [--ledger-units 50000] [--keep]
It uses a throw-away SQLite file (or DATABASE_URL if set), migrates it, then:

1. seeds --units (and --requests) and times it;
2. imports a generated ledger workbook of --ledger-units units (openpyxl, a temp file): reading and checking
   the file is timed apart from the write (ledger.ledger_import), which is what is compared;
3. for each table either wrote, takes the rows it wrote (`COPY (SELECT … WHERE id > before) TO` a temp file)
   and times `COPY … FROM` that file into an empty copy of the table, committed: the bare COPY. The copy is
   `CREATE TABLE … (LIKE t INCLUDING ALL)` (columns, defaults, check and unique constraints, indexes) plus
   the table's foreign keys (Django's, deferred: checked at commit) pointing at the same rows; no other
   triggers: the requests' rollup triggers are not on the copy; the figures rows they wrote
   (requests_requestrollup) are copied as a table of their own instead. The figure without the foreign
   keys is printed beside it. For the ledger import, whose database may already hold a city (big indexes),
   the compared bare COPY puts the same rows back into the same tables: they are copied out, deleted, the
   tables vacuumed, and COPYed in again (the figure into empty copies is printed too).
   On SQLite there is no COPY: the bare write is executemany of the same rows into a copy of the table made
   from its own CREATE TABLE and CREATE INDEX statements, in one transaction.

The target (issue 24 item 4): seed and import within 1.5× of the bare COPY.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET = 1.5


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def _max_ids(models) -> dict:
    return {m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) for m in models}


def _pg_bare(models, before: dict, workdir: str, foreign_keys: bool) -> tuple[float, int, dict]:
    """Seconds and rows of COPY FROM into copies of the tables of the rows with id > before[model]."""
    from django.db import connection

    total, rows, per_table = 0.0, 0, {}
    raw = connection.connection  # psycopg connection (Django keeps it open)
    for model in models:
        table = model._meta.db_table
        copy_name = f"bench_copy_{table}"
        path = Path(workdir) / f"{table}.copy"
        with raw.cursor() as cur:
            with path.open("wb") as out, cur.copy(
                    f'COPY (SELECT * FROM "{table}" WHERE id > {before[model]} ORDER BY id) TO STDOUT') as copy:
                for block in copy:
                    out.write(block)
            cur.execute(f'DROP TABLE IF EXISTS "{copy_name}"')
            cur.execute(f'CREATE TABLE "{copy_name}" (LIKE "{table}" INCLUDING ALL)')
            if foreign_keys:
                cur.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                            "AND contype = 'f'", [table])
                for (definition,) in cur.fetchall():
                    cur.execute(f'ALTER TABLE "{copy_name}" ADD {definition}')
            raw.commit()
            started = time.perf_counter()
            with path.open("rb") as source, cur.copy(f'COPY "{copy_name}" FROM STDIN') as copy:
                while block := source.read(1 << 20):
                    copy.write(block)
            n = cur.rowcount
            raw.commit()  # deferred foreign keys are checked here
            seconds = time.perf_counter() - started
            cur.execute(f'DROP TABLE "{copy_name}"')
            raw.commit()
        path.unlink()
        total += seconds
        rows += n
        per_table[table] = (n, seconds)
    return total, rows, per_table


def _pg_bare_in_place(models, before: dict, workdir: str) -> tuple[float, int, dict]:
    """Seconds and rows of COPY FROM of the rows with id > before[model] back into their own tables: the
    rows are copied out, deleted (last table first), the tables vacuumed (no dead index entries left), then
    COPYed back in (first table first), each committed with its foreign keys checked. The indexes are as big
    as the write found them: into a database that already holds a city, an empty copy would flatter COPY."""
    from django.db import connection

    raw = connection.connection
    total, rows, per_table = 0.0, 0, {}
    paths = {}
    with raw.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            paths[model] = path = Path(workdir) / f"{table}.copy"
            with path.open("wb") as out, cur.copy(
                    f'COPY (SELECT * FROM "{table}" WHERE id > {before[model]} ORDER BY id) TO STDOUT') as copy:
                for block in copy:
                    out.write(block)
        for model in reversed(models):
            cur.execute(f'DELETE FROM "{model._meta.db_table}" WHERE id > {before[model]}')
        raw.commit()
        for model in models:
            cur.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        for model in models:
            table = model._meta.db_table
            started = time.perf_counter()
            with paths[model].open("rb") as source, cur.copy(f'COPY "{table}" FROM STDIN') as copy:
                while block := source.read(1 << 20):
                    copy.write(block)
            n = cur.rowcount
            raw.commit()
            seconds = time.perf_counter() - started
            paths[model].unlink()
            total += seconds
            rows += n
            per_table[table] = (n, seconds)
    return total, rows, per_table


def _sqlite_bare(models, before: dict) -> tuple[float, int, dict]:
    from django.db import connection

    total, rows, per_table = 0.0, 0, {}
    raw = connection.connection
    for model in models:
        table = model._meta.db_table
        copy_name = f"bench_copy_{table}"
        data = raw.execute(f'SELECT * FROM "{table}" WHERE id > ? ORDER BY id', (before[model],)).fetchall()
        statements = [sql for (sql,) in raw.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index') AND sql IS NOT NULL "
            "ORDER BY type DESC", (table,))]
        raw.execute(f'DROP TABLE IF EXISTS "{copy_name}"')
        for sql in statements:  # the table first ('table' > 'index'), then its indexes under new names
            sql = sql.replace(f'"{table}"', f'"{copy_name}"', 1)
            if sql.startswith("CREATE INDEX") or sql.startswith("CREATE UNIQUE INDEX"):
                head, tail = sql.split(" ON ", 1)
                sql = head.replace(' "', ' "bench_', 1) + " ON " + tail.replace(f'"{table}"', f'"{copy_name}"', 1)
            raw.execute(sql)
        if not data:
            continue
        marks = ", ".join("?" * len(data[0]))
        started = time.perf_counter()
        raw.execute("BEGIN")
        raw.executemany(f'INSERT INTO "{copy_name}" VALUES ({marks})', data)
        raw.execute("COMMIT")
        seconds = time.perf_counter() - started
        raw.execute(f'DROP TABLE "{copy_name}"')
        total += seconds
        rows += len(data)
        per_table[table] = (len(data), seconds)
    return total, rows, per_table


def _compare(label: str, seconds: float, models, before: dict, workdir: str, in_place: bool = False) -> None:
    from django.db import connection

    if connection.vendor == "postgresql" and in_place:
        bare_copies, _rows, _t = _pg_bare(models, before, workdir, foreign_keys=True)
        print(f"  bare into empty copies + foreign keys {bare_copies:8.1f} s (not compared: the indexes start empty)")
        bare, rows, per_table = _pg_bare_in_place(models, before, workdir)
        bare_nofk = None
        what = "COPY FROM back into the same tables (rows deleted, tables vacuumed), foreign keys checked"
    elif connection.vendor == "postgresql":
        bare, rows, per_table = _pg_bare(models, before, workdir, foreign_keys=True)
        bare_nofk, _rows, _t = _pg_bare(models, before, workdir, foreign_keys=False)
        what = "COPY FROM into LIKE … INCLUDING ALL + foreign keys, no other triggers"
    else:
        bare, rows, per_table = _sqlite_bare(models, before)
        bare_nofk = None
        what = "executemany into a copy with the same indexes, no triggers"
    print(f"  bare ({what}):")
    for table, (n, s) in per_table.items():
        print(f"    {table:28s} {n:>11,} rows {s:8.2f} s")
    print(f"  {label} seconds          {seconds:8.1f}   ({rows:,} rows, {rows / seconds:,.0f} rows/s)")
    print(f"  bare seconds             {bare:8.1f}")
    if bare_nofk is not None:
        print(f"  bare without FKs         {bare_nofk:8.1f}   (ratio {seconds / bare_nofk:.2f}×)")
    ratio = seconds / bare if bare else float("inf")
    print(f"  ratio                    {ratio:8.2f}×  target {TARGET}×: {'met' if ratio <= TARGET else 'NOT met'}"
          f"   [{_load()}]")


def _workbook(path: str, units: int, community: str) -> None:
    from openpyxl import Workbook

    from gongzhi import synthetic
    from gongzhi.places.ledger import HEADERS_OUT

    rng = random.Random(community)  # a new run, new people
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(HEADERS_OUT)
    per_estate, per_building = 5_000, 72
    for i in range(units):
        estate, n = divmod(i, per_estate)
        building, k = divmod(n, per_building)
        floor, flat = divmod(k % 36, 4)
        entrance = k // 36 + 1
        code = f"{building + 1}-{entrance}-{floor + 1}{flat + 1:02d}"
        sheet.append([community, f"台账小区{estate + 1}", str(building + 1), str(entrance), code,
                      f"{rng.uniform(45, 160):.2f}", "住宅", synthetic.person_name(rng), "个人", synthetic.phone(rng),
                      synthetic.id_number(rng)])
    book.save(path)


def _ledger(units: int, workdir: str) -> None:
    from gongzhi.people.models import Ownership, Person
    from gongzhi.places import ledger
    from gongzhi.places.models import Building, Community, District, Entrance, Estate, Subdistrict, Unit

    models = [Estate, Building, Entrance, Unit, Person, Ownership]
    run = int(time.time())
    district = District.objects.create(name=f"台账基准区{run}")
    sub = Subdistrict.objects.create(district=district, name="台账基准街道")
    community = Community.objects.create(subdistrict=sub, name=f"台账基准社区{run}")
    path = f"{workdir}/ledger.xlsx"
    started = time.perf_counter()
    _workbook(path, units, community.name)
    made = time.perf_counter() - started
    started = time.perf_counter()
    with open(path, "rb") as f:
        table = ledger.read_table(f.read(), "ledger.xlsx")
    rows = ledger.parse_rows(table)
    checked = time.perf_counter() - started
    before = _max_ids(models)
    started = time.perf_counter()
    result = ledger.ledger_import(None, rows=rows)
    seconds = time.perf_counter() - started
    print(f"ledger import: {units:,} units in {Path(path).stat().st_size / 1e6:.1f} MB (made in {made:.1f} s)")
    print(f"  read and checked         {checked:8.1f} s (not compared)")
    print(f"  units/persons/ownerships {result.units:,} / {result.persons:,} / {result.ownerships:,}")
    print(f"  units/s (import)         {result.units / seconds:8,.0f}")
    _compare("import", seconds, models, before, workdir, in_place=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ledger-units", type=int, default=50_000, help="0: no ledger import")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="gongzhi-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from gongzhi import seed as seeding
    from gongzhi.people.models import Ownership, PartyMember, Person
    from gongzhi.places.models import Building, Community, District, Estate, Subdistrict, Unit
    from gongzhi.requests.models import Event, Request, RequestRollup, Summons

    print(f"database            {connection.vendor} ({connection.settings_dict['NAME']})   [{_load()}]")
    if args.units:
        models = [District, Subdistrict, Community, Estate, Building, Unit, Person, Ownership, PartyMember]
        if args.requests:  # and the figures rows the rollup triggers wrote for them
            models += [Request, Event, Summons, RequestRollup]
        before = _max_ids(models)
        started = time.perf_counter()
        result = seeding.seed(args.units, requests=args.requests, rng_seed=args.seed)
        wall = time.perf_counter() - started
        print(f"seed: units {result.units:,} persons {result.persons:,} ownerships {result.ownerships:,} "
              f"party members {result.party_members:,} estates/buildings {result.estates:,} / {result.buildings:,}")
        if args.requests:
            print(f"      requests {result.requests:,} events {result.events:,} summonses {result.summonses:,}")
        print(f"  units/s (seed)           {result.units / wall:8,.0f}")
        _compare("seed", wall, models, before, workdir)
    if args.ledger_units:
        _ledger(args.ledger_units, workdir)
    if not args.keep and connection.vendor == "sqlite":
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{workdir}/bench.sqlite3{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
