"""Benchmark (issue 24 item 3): the requests' figures for a subdistrict and a district over 12 months, counted
from the requests (before) and summed from the figures rows (after, requests.rollups).

Run by hand, not in CI, on a seeded PostgreSQL database of its own:
  export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gz_rollbench GONGZHI_DEMO=1
  .venv/bin/gongzhi migrate requests 0007 && .venv/bin/gongzhi seed --units 360000 --requests 1000000
  .venv/bin/gongzhi migrate            # installs the triggers and counts the rows (timed below if --rebuild)
  .venv/bin/python bench/rollups.py [--runs 7] [--rebuild]

Targets: a subdistrict's 12-month metrics over 10,000,000 requests under 100 ms warm, a district's under 300 ms.
"before" runs the queries the metrics and the dashboard's requests section made until this change (kept here,
verbatim in what they count); "after" the selectors as they are now, and the same through HTTP (the metrics
API and the whole dashboard API). "Cold" is the first run on a fresh database connection after the process
has read another place (the database's and the OS's caches are not dropped: the machine is shared); "warm"
the median of the runs after it. Each after-figure is checked against the before-figure.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("GONGZHI_DEMO", "1")

SUBDISTRICT_MS, DISTRICT_MS = 100, 300


def before_metrics(place: str, pk: int, start, end) -> dict:
    """The metrics' counts as they were made before the rollups: one grouped pass over the requests."""
    from django.db.models import Count, F, Q, Sum

    from gongzhi.core import clock
    from gongzhi.requests.choices import OPEN_STATUSES, Level
    from gongzhi.requests.models import Request, overdue_q
    from gongzhi.requests.selectors import DONE, _last_year

    lo, hi = clock.day_bounds(start, end)
    qs = Request.objects.filter(**{f"{place}_id": pk}, created_at__gte=lo, created_at__lt=hi)
    counts = {
        "received": Count("pk"), "resolved": Count("pk", filter=DONE),
        "first_resolved": Count("pk", filter=Q(resolved_on_time__isnull=False)),
        "on_time": Count("pk", filter=Q(resolved_on_time=True)),
        "rated": Count("pk", filter=Q(satisfaction__isnull=False)), "satisfied": Count("pk", filter=Q(satisfaction__gte=4)),
        "open": Count("pk", filter=Q(status__in=OPEN_STATUSES)), "overdue": Count("pk", filter=overdue_q(clock.now())),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
        **{f"level{level}": Count("pk", filter=Q(level__gte=level)) for level in Level.values if level > 1},
    }
    groups = list(qs.values("category").annotate(**counts, time=Sum(F("resolved_at") - F("created_at"), filter=DONE)))
    agg = {key: sum(g[key] for g in groups) for key in counts}
    last_lo, last_hi = clock.day_bounds(_last_year(start), _last_year(end))
    agg["last_year"] = Request.objects.filter(**{f"{place}_id": pk}, created_at__gte=last_lo, created_at__lt=last_hi).count()
    return agg


def before_section(place, period) -> dict:
    """The dashboard requests section's counts as they were made before the rollups (this period and last year's)."""
    from django.db.models import Count, Q

    from gongzhi.requests.models import Request, Summons
    from gongzhi.requests.selectors import DONE, _in_place

    out = {}
    for which in (period, period.a_year_earlier()):
        lo, hi = which.bounds
        rows = (Request.objects.filter(_in_place(place), created_at__gte=lo, created_at__lt=hi)
                .values_list("category", "level").order_by()
                .annotate(received=Count("pk"), resolved=Count("pk", filter=DONE),
                          first_resolved=Count("pk", filter=Q(resolved_on_time__isnull=False)),
                          on_time=Count("pk", filter=Q(resolved_on_time=True)),
                          late=Count("pk", filter=Q(resolved_on_time=False)),
                          rated=Count("pk", filter=Q(satisfaction__isnull=False)),
                          satisfied=Count("pk", filter=Q(satisfaction__gte=4)),
                          summoned=Count("pk", filter=Q(pk__in=Summons.objects.values("request_id")))))
        totals = [0] * 8
        for _c, _l, *values in rows:
            totals = [a + b for a, b in zip(totals, values, strict=True)]
        out[which.label] = totals
    return out


def after_section(place, period) -> dict:
    from gongzhi.requests.selectors import _period_counts

    keys = ("received", "resolved", "first_resolved", "on_time", "late", "rated", "satisfied", "summoned")
    out = {}
    for which in (period, period.a_year_earlier()):
        counted = _period_counts(place, which)
        out[which.label] = [counted[k] for k in keys]
    return out


def timed(fn, runs: int, other) -> tuple[dict, object]:
    from django.db import connection

    other()  # the process has just read another place
    connection.close()
    times, result = [], None
    for _ in range(runs + 1):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"cold": times[0], "warm": statistics.median(times[1:]), "max": max(times[1:])}, result


def http(user, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.get("/api/v1/openapi.json")  # the process has served a request (URLs, schemas loaded)
    connection.close()
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return {"cold": times[0], "warm": statistics.median(times[1:]), "max": max(times[1:])}


def writes(n: int) -> list[str]:
    """What the triggers cost a writer: `n` transactions each changing one request's rating (and `n` putting
    it back), with the rollup triggers on and off (PostgreSQL; off only for this measurement: the rating is
    put back before they are on again, so the rows stay exact)."""
    from django.db import connection, transaction

    from gongzhi.requests.models import Request

    ids = list(Request.objects.order_by("-pk").values_list("pk", flat=True)[:n])
    lines = []
    for label, on in (("triggers on", True), ("triggers off", False), ("triggers on", True)):
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE requests_request {'ENABLE' if on else 'DISABLE'} TRIGGER requests_rollup_update")
        started = time.perf_counter()
        for pk in ids:
            for value in (3, None):
                with transaction.atomic():
                    Request.objects.filter(pk=pk).update(satisfaction=value)
        took = (time.perf_counter() - started) * 1000 / (2 * len(ids))
        lines.append(f"one request updated (its rating), {label}: {took:.2f} ms a transaction")
    return lines


def line(label: str, t: dict, target: float | None = None) -> str:
    verdict = "" if target is None else f"   target < {target} ms warm: {'met' if t['warm'] < target else 'MISSED'}"
    return f"{label:<58} cold {t['cold']:8.1f} ms  warm {t['warm']:8.1f} ms (max {t['max']:.1f}){verdict}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="time `gongzhi rollups_rebuild` of everything first")
    parser.add_argument("--writes", type=int, default=0, help="only time this many single-request updates, "
                        "with the triggers on and off")
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from bench.dashboard import host, users
    from gongzhi.core import clock, tallies
    from gongzhi.core.figures import Place
    from gongzhi.places.models import District, Subdistrict
    from gongzhi.requests import rollups, selectors
    from gongzhi.requests.models import Request, RequestRollup

    settings.ALLOWED_HOSTS = ["testserver"]
    print(host("before"))
    if args.writes:
        print("\n".join(writes(args.writes)))
        return
    total = Request.objects.count()
    district = District.objects.annotate(n=Count("subdistricts")).order_by("-n", "pk").first()
    subs = list(Subdistrict.objects.filter(district=district).order_by("pk"))
    sub, other_sub = subs[0], subs[-1]
    made = users(district, sub)
    today = clock.today()
    start, end = today - datetime.timedelta(days=364), today  # the last 12 months, as the metrics API takes them
    year = clock.parse_period(str(today.year - 1))  # the dashboard's last whole year
    in_sub = Request.objects.filter(subdistrict=sub, created_at__gte=clock.at(start)).count()
    in_district = Request.objects.filter(subdistrict__district=district, created_at__gte=clock.at(start)).count()
    print(f"database: {connection.vendor}, {total:,} requests; district {district.pk} with {len(subs)} subdistricts; "
          f"the subdistrict's last 12 months {in_sub:,} requests, the district's {in_district:,}")
    if args.rebuild:
        started = time.perf_counter()
        done = rollups.rebuild()
        print(f"rollups_rebuild (everything): {time.perf_counter() - started:.1f} s, {done.rows:,} rows")
    print(f"figures rows: {RequestRollup.objects.count():,} "
          f"(the subdistrict's 12 months read {RequestRollup.objects.filter(tallies.days_q(start, end), subdistrict=sub).count():,}, "
          f"the district's {RequestRollup.objects.filter(tallies.days_q(start, end), subdistrict__district=district).count():,})")
    runs = args.runs
    sub_place, district_place = Place("subdistrict", sub), Place("district", district)

    def warm_other():
        before_metrics("subdistrict", other_sub.pk, start - datetime.timedelta(days=30), end - datetime.timedelta(days=30))

    def rollup_other():
        rollups.counts("subdistrict", other_sub.pk, start, end)

    print("\n-- metrics, a subdistrict, last 12 months (selector level)")
    t_before, b = timed(lambda: before_metrics("subdistrict", sub.pk, start, end), runs, warm_other)
    print(line("before: counted from the requests", t_before))
    officer = made["subdistrict"]
    t_after, m = timed(lambda: selectors.metrics(fetched_by=officer, place="subdistrict", place_id=sub.pk, start=start,
                                                 end=end), runs, rollup_other)
    print(line("after: selectors.metrics (rollups + overdue + reopens)", t_after, SUBDISTRICT_MS))
    t_counts, _c = timed(lambda: rollups.counts("subdistrict", sub.pk, start, end), runs, rollup_other)
    print(line("after: rollups.counts alone", t_counts))
    same = (m.received, m.resolved, m.on_time, m.rated, m.satisfied, m.open, m.overdue, m.last_year) == (
        b["received"], b["resolved"], b["on_time"], b["rated"], b["satisfied"], b["open"], b["overdue"], b["last_year"])
    print(f"   same figures before and after: {same} (received {m.received:,}, last year {m.last_year:,})")
    url = f"/api/v1/requests/metrics?place=subdistrict&place_id={sub.pk}&start={start}&end={end}"
    print(line("after: GET " + url[:45] + "…", http(officer, url, runs), SUBDISTRICT_MS))

    for label, place, target in (("subdistrict", sub_place, SUBDISTRICT_MS), ("district", district_place, DISTRICT_MS)):
        print(f"\n-- dashboard requests section, the {label}, {year.label} beside the year before")
        t_before, b = timed(lambda place=place: before_section(place, year), runs, warm_other)
        print(line("before: counted from the requests", t_before))
        t_after, a = timed(lambda place=place: after_section(place, year), runs, rollup_other)
        print(line("after: from the rollups", t_after, target))
        print(f"   same figures before and after: {a == b} {a}")
        who = made["subdistrict"] if label == "subdistrict" else made["district"]
        url = f"/api/v1/dashboard?place={label}:{place.pk}&period={today.year - 1}"
        print(line(f"after: GET /api/v1/dashboard ({label}, whole year, every section)", http(who, url, runs)))
    print("\n" + host("after"))


if __name__ == "__main__":
    main()
