"""Benchmark: the requests metrics page for a subdistrict over 1,000,000 requests (issue 4 target:
under 300 ms).

Run by hand, not in CI:  .venv/bin/python bench/requests_metrics.py
(PostgreSQL: DATABASE_URL of an empty database, default
postgresql://postgres@127.0.0.1:5432/gongzhi_bench_metrics, created if missing; SQLite works too).
Seeds three years of requests over 8 communities and 40 estates of one subdistrict (bulk-written,
not measured), then times, through Django's test client as the subdistrict officer, the metrics
page and API for this month (the page's default), a quarter and a whole year.
"""

import datetime
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TOTAL = int(os.environ.get("BENCH_REQUESTS", 1_000_000))


def seed(rng):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from gongzhi.core import clock
    from gongzhi.core.roles import Role
    from gongzhi.people.services import role_assign
    from gongzhi.places import services as places
    from gongzhi.places.models import Estate
    from gongzhi.requests.models import Event, EventKind, Request
    from gongzhi.requests.routing import DEFAULT_ROUTES, Category

    if Request.objects.count() >= TOTAL:
        return get_user_model().objects.get(username="bench-officer"), Estate.objects.first().community.subdistrict
    district = places.place_create(None, kind="district", name="统计区")
    sub = places.place_create(None, kind="subdistrict", name="统计街道", parent_id=district.pk)
    estates = []
    for c in range(8):
        community = places.place_create(None, kind="community", name=f"社区{c}", parent_id=sub.pk)
        estates += [places.place_create(None, kind="estate", name=f"小区{c}-{e}", parent_id=community.pk)
                    for e in range(5)]
    officer = get_user_model().objects.create_user("bench-officer", first_name="街道干部")
    role_assign(None, user_id=officer.pk, role=Role.SUBDISTRICT_OFFICER, anchor_field="subdistrict", anchor_id=sub.pk)
    handler = get_user_model().objects.create_user("bench-handler", first_name="物业")
    now = clock.now()
    categories = Category.values
    started = time.perf_counter()
    batch = 20_000
    for offset in range(0, TOTAL, batch):
        rows = []
        for _ in range(min(batch, TOTAL - offset)):
            estate = rng.choice(estates)
            category = rng.choice(categories)
            route = DEFAULT_ROUTES[category]
            created = now - datetime.timedelta(seconds=rng.randrange(3 * 365 * 86400))
            done = rng.random() < 0.93
            resolved = created + datetime.timedelta(hours=rng.randrange(1, 400)) if done else None
            resolve_by = created + datetime.timedelta(days=route.resolve.amount)  # bulk rows: no calendar look-up
            rows.append(Request(
                subdistrict_id=sub.pk, community_id=estate.community_id, estate=estate, category=category,
                description="压测", status=("closed" if rng.random() < 0.9 else "resolved") if done else "in_progress",
                tier=route.tier, level=rng.choices([1, 2, 3, 4, 5], [90, 6, 3, 0.7, 0.3])[0], handler=route.handler,
                created_at=created, updated_at=resolved or created, respond_by=created + datetime.timedelta(hours=24),
                resolve_by=resolve_by, resolved_at=resolved, first_resolved_at=resolved,
                resolved_on_time=(resolved <= resolve_by) if done else None,
                satisfaction=rng.choice([None, 5, 5, 4, 4, 3, 2, 1]) if done else None,
                reopen_count=1 if rng.random() < 0.03 else 0, resolution_note="已处理" if done else ""))
        with transaction.atomic():
            made = Request.objects.bulk_create(rows, batch_size=5000)
            events = [Event(request=r, kind=EventKind.SUBMITTED, level=1, at=r.created_at) for r in made]
            events += [Event(request=r, kind=EventKind.REOPENED, level=1, at=r.created_at, against_user=handler)
                       for r in made if r.reopen_count]
            Event.objects.bulk_create(events, batch_size=5000)
        print(f"  seeded {offset + len(rows):,} requests ({time.perf_counter() - started:.0f} s)", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE requests_request")
            cursor.execute("VACUUM ANALYZE requests_event")
    return officer, sub


def timed(client, path, params, repeat=15) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(path, params)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (response.status_code, response.content[:300])
    return statistics.median(times), max(times)


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="gongzhi-bench-metrics-")
    url = os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/gongzhi_bench_metrics")
    if url.startswith("postgres"):
        subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc", f"CREATE DATABASE {url.rsplit('/', 1)[1]}"],
                       capture_output=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("GONGZHI_LOG_KEY_FILE", f"{workdir}/key.pem")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from gongzhi.core import clock

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    officer, sub = seed(random.Random(4))
    from gongzhi.requests.models import Request

    client = Client()
    client.force_login(officer)
    today = clock.today()
    print(f"{Request.objects.filter(subdistrict=sub).count():,} requests in {sub.name}, {connection.vendor}")
    periods = {"this month (page default)": (today.replace(day=1), today),
               "last quarter": (today - datetime.timedelta(days=91), today),
               "last 12 months": (today - datetime.timedelta(days=365), today)}
    for label, (start, end) in periods.items():
        params = {"place": "subdistrict", "place_id": sub.pk, "start": start.isoformat(), "end": end.isoformat()}
        page = timed(client, "/requests/metrics/", params)
        api = timed(client, "/api/v1/requests/metrics", params)
        print(f"{label:28s} page median {page[0]:6.1f} ms (max {page[1]:6.1f}), "
              f"API median {api[0]:6.1f} ms (max {api[1]:6.1f})   target < 300 ms")


if __name__ == "__main__":
    main()
