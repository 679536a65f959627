"""Benchmark: a 100,000-row requests export streams with bounded memory (issue 17 target: a worker
under 200 MB).

Run by hand, not in CI:  .venv/bin/python bench/exports.py [--requests 100000] [--keep]
Uses a throw-away SQLite file (or DATABASE_URL if set: an empty database it may fill). A child process
migrates and bulk-writes the requests of one estate (named requesters, phones in the description,
open ones with working-day deadlines, handlers), so its memory is not counted; this process then
downloads /requests/export.xlsx through Django's test client as the subdistrict officer (every row
masked for him: the redaction runs on each), reads the file back to count its rows, and prints rows,
seconds and the process's peak RSS (with --heap also the Python heap's peak, by tracemalloc).
"""

import argparse
import datetime
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_MB = 200


def _django(workdir: str) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("GONGZHI_LOG_KEY_FILE", f"{workdir}/key.pem")
    import django

    django.setup()


def seed(total: int) -> None:
    """Migrate and write `total` requests of one estate (bulk, not measured)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from gongzhi.core import clock
    from gongzhi.core.roles import Role
    from gongzhi.people.services import role_assign
    from gongzhi.places import services as places
    from gongzhi.places.models import Building
    from gongzhi.requests.models import Request
    from gongzhi.requests.routing import DEFAULT_ROUTES, Category

    call_command("migrate", verbosity=0)
    if get_user_model().objects.filter(username="bench-officer").exists():
        return
    district = places.place_create(None, kind="district", name="导出区")
    sub = places.place_create(None, kind="subdistrict", name="导出街道", parent_id=district.pk)
    community = places.place_create(None, kind="community", name="导出社区", parent_id=sub.pk)
    estate = places.place_create(None, kind="estate", name="导出小区", parent_id=community.pk)
    buildings = [Building.objects.create(estate=estate, code=str(n)) for n in range(1, 21)]
    officer = get_user_model().objects.create_user("bench-officer", first_name="街道干部")
    role_assign(None, user_id=officer.pk, role=Role.SUBDISTRICT_OFFICER, anchor_field="subdistrict", anchor_id=sub.pk)
    handler = get_user_model().objects.create_user("bench-handler", first_name="物业经理")
    rng = random.Random(17)
    now = clock.now()
    categories = Category.values
    for offset in range(0, total, 10_000):
        rows = []
        for i in range(offset, min(total, offset + 10_000)):
            category = rng.choice(categories)
            route = DEFAULT_ROUTES[category]
            created = now - datetime.timedelta(seconds=rng.randrange(2 * 365 * 86400))
            done = rng.random() < 0.9
            resolved = created + datetime.timedelta(hours=rng.randrange(1, 400)) if done else None
            phone = f"139{i:08d}"
            rows.append(Request(
                subdistrict_id=sub.pk, community_id=community.pk, estate=estate, building=rng.choice(buildings),
                category=category, description=f"第{i}号诉求：楼道灯不亮，已经一周了，请尽快处理，联系电话 {phone}",
                contact_name=f"居民{i}", contact_phone=phone, anonymous=rng.random() < 0.05,
                status=("closed" if rng.random() < 0.9 else "resolved") if done else "in_progress",
                tier=route.tier, level=rng.choices([1, 2, 3], [90, 7, 3])[0], handler=route.handler,
                handler_user=handler if rng.random() < 0.5 else None,
                created_at=created, updated_at=resolved or created, respond_by=created + datetime.timedelta(hours=24),
                resolve_by=(now if not done else created) + datetime.timedelta(days=rng.randrange(1, 30)),
                resolve_unit=rng.choice(["hours", "days", "working_days"]), resolved_at=resolved,
                satisfaction=rng.choice([None, 5, 4, 3]) if done else None))
        with transaction.atomic():
            Request.objects.bulk_create(rows, batch_size=2000)


def export(heap: bool) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from openpyxl import load_workbook

    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-officer"))
    client.get("/requests/")  # warm: templates, translations, the scope's caches
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if heap:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get("/requests/export.xlsx")
    assert response.status_code == 200, response.status_code
    file = tempfile.TemporaryFile()
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        file.write(chunk)
    response.close()
    seconds = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1] if heap else None
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    file.seek(0)
    sheet = load_workbook(io.BytesIO(file.read()), read_only=True).active
    rows = sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True))
    print(f"database            {connection.vendor}")
    print(f"rows exported       {rows:,}")
    print(f"file                {size / 1e6:.1f} MB")
    print(f"seconds             {seconds:.1f} ({rows / seconds:,.0f} rows/s)")
    print(f"peak RSS            {peak:.0f} MB (before the export: {before:.0f} MB)   target < {TARGET_MB} MB")
    if heap_peak is not None:
        print(f"Python heap peak    {heap_peak / 2**20:.1f} MB during the export (tracemalloc; slows it)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--heap", action="store_true", help="also trace the Python heap (several times slower)")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = os.environ.get("BENCH_WORKDIR") or tempfile.mkdtemp(prefix="gongzhi-bench-exports-")
    os.environ["BENCH_WORKDIR"] = workdir
    if args.seed_only:
        _django(workdir)
        seed(args.requests)
        return
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):  # an empty database of its own, created if missing
        subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc", f"CREATE DATABASE {url.rsplit('/', 1)[1]}"],
                       capture_output=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--seed-only", "--requests", str(args.requests)], check=True)
    print(f"seeded {args.requests:,} requests in {time.perf_counter() - started:.0f} s (not measured)")
    _django(workdir)
    export(args.heap)
    if args.keep:
        print(f"kept {workdir}")


if __name__ == "__main__":
    main()
