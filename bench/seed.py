"""Benchmark: how fast `gongzhi seed` writes a synthetic city (units with their owners).

Run by hand, not in CI:  .venv/bin/python bench/seed.py [--units 2000000] [--keep]
It uses a throw-away SQLite file (or DATABASE_URL if set), migrates it, seeds, and prints
units/s and rows/s. The target (issue 2): at least 20,000 units/s on SQLite, 2,000,000 units in
under two minutes.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="gongzhi-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from gongzhi.seed import seed

    started = time.perf_counter()
    result = seed(args.units)
    wall = time.perf_counter() - started
    print(f"database            {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"units               {result.units:,}")
    print(f"persons             {result.persons:,}")
    print(f"ownerships          {result.ownerships:,}")
    print(f"party members       {result.party_members:,}")
    print(f"estates/buildings   {result.estates:,} / {result.buildings:,}")
    print(f"seconds             {wall:.1f}")
    print(f"units/s             {result.units / wall:,.0f}")
    print(f"rows/s              {result.rows / wall:,.0f}")
    print(f"target 20,000 u/s   {'met' if result.units / wall >= 20_000 else 'NOT met'}")
    if not args.keep and connection.vendor == "sqlite":
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{workdir}/bench.sqlite3{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
