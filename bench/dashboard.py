"""Benchmark (issue 17): the dashboard, search, the monthly report and the requests export on a seeded city.

Run by hand, not in CI, on a database of its own (PostgreSQL):
  createdb -h 127.0.0.1 -U postgres gongzhi_bench
  export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gongzhi_bench GONGZHI_DEMO=1
  .venv/bin/gongzhi migrate
  nice -n 10 .venv/bin/gongzhi seed --units 2000000 --requests 10000000
  .venv/bin/python bench/dashboard.py [--runs 7] [--month 2026-11] [--export-rows 100000]

Targets: the subdistrict dashboard for a month under 300 ms warm, the district's under 1 s; the monthly
report of a subdistrict renders in under 10 s; a 100,000-row export streams with a worker under 200 MB;
search answers in under 200 ms; query counts do not grow with the data (compare the column between a
small and a large city). "Cold" is the first request for the place and period on a fresh database
connection, after the process has served another place and period (the database's and the OS's caches
are not dropped: the machine is shared); "warm" is the median of the runs after it.
The host's load average and one core's steadiness are printed before and after, so that a busy host
shows as such.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("GONGZHI_DEMO", "1")

SUBDISTRICT_MS, DISTRICT_MS, SEARCH_MS, REPORT_S, EXPORT_MB = 300, 1000, 200, 10, 200


def host(label: str) -> str:
    from bench.requests_http import steadiness

    load = os.getloadavg()
    turns = steadiness(3)
    return (f"host {label}: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
            f"one core's work per second (thousand loop turns) {turns} "
            f"({100 * min(turns) / max(turns):.0f} % min/max)")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def users(district, sub):
    from django.contrib.auth import get_user_model

    from gongzhi.core.roles import Role
    from gongzhi.people.services import role_assign

    made = {}
    for name, role, field, place in (("bench-district", Role.ADMINISTRATOR, "district", district),
                                     ("bench-subdistrict", Role.SUBDISTRICT_OFFICER, "subdistrict", sub)):
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            user = get_user_model().objects.create_user(name, first_name=name, is_staff=role == Role.ADMINISTRATOR)
            role_assign(None, user_id=user.pk, role=role, anchor_field=field, anchor_id=place.pk)
        made[field] = user
    return made


def timed(user, url: str, runs: int) -> dict:
    """The first run on a fresh connection (cold), then the median and max of `runs` more (warm), and
    the queries of one warm run."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    connection.close()
    client = Client()
    client.force_login(user)
    times, queries = [], 0
    for i in range(runs + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, body[:300])
        if i == min(1, runs):
            queries = len(captured)
    warm = times[1:] or times
    return {"cold": times[0], "warm": statistics.median(warm), "max": max(warm), "queries": queries}


def report_time(user, place: str, month: str) -> str:
    from django.core.management import call_command, get_commands

    if "report" not in get_commands():
        return "report: `gongzhi report` does not exist yet — not measured"
    lines = []
    with tempfile.TemporaryDirectory() as out:
        took = []
        for _ in range(2):  # the first includes importing WeasyPrint and its fonts
            started = time.perf_counter()
            call_command("report", place=place, month=month, username=user.username, out=out,
                         stdout=open(os.devnull, "w"))
            took.append(time.perf_counter() - started)
        sizes = {p.suffix: p.stat().st_size for p in Path(out).iterdir()}
    lines.append(f"report {place} {month}: first {took[0]:.1f} s, second {took[1]:.1f} s "
                 f"(pdf {sizes.get('.pdf', 0) / 1024:.0f} KiB, xlsx {sizes.get('.xlsx', 0) / 1024:.0f} KiB)"
                 f"   target < {REPORT_S} s: {verdict(max(took) < REPORT_S)}")
    return "\n".join(lines)


def peak_rss_kib() -> int:
    """This process's peak resident memory (VmHWM: getrusage's ru_maxrss would count the parent's too,
    Linux carries it across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def sections_timed(user, place: str, month: str) -> list[str]:
    """Each app's dashboard section on its own, warm (second run): where the time goes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.core import clock, figures
    from gongzhi.dashboard.rules import DASHBOARD_ROLES

    where = figures.place_get(user, place, DASHBOARD_ROLES)
    period = clock.parse_period(month)
    lines = []
    for key, (_order, provider) in sorted(figures._sections.items(), key=lambda item: item[1][0]):
        took = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                provider(fetched_by=user, place=where, period=period)
                took.append((time.perf_counter() - started) * 1000)
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default={"time": 0, "sql": ""})
        lines.append(f"  {place:<16} {key:<12} {statistics.median(took[1:]):8.1f} ms {len(captured):4d} queries; "
                     f"slowest {float(slowest['time']) * 1000:.0f} ms: {slowest['sql'][:110]}")
    return lines


def export_worker(username: str, url: str, out: str) -> None:
    """In a process of its own: download the export as a worker would serve it and report the peak RSS."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    base = peak_rss_kib()
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    started = time.perf_counter()
    response = client.get(url)
    size = 0
    with open(out, "wb") as f:
        for chunk in (response.streaming_content if response.streaming else [response.content]):
            f.write(chunk)
            size += len(chunk)
    took = time.perf_counter() - started
    peak = peak_rss_kib()
    print(f"{response.status_code} {size} {took:.2f} {base} {peak}")


def export_rss(user, district, rows: int) -> str:
    """The requests export of the district over the latest days holding `rows` requests."""
    from django.urls import NoReverseMatch, reverse
    from openpyxl import load_workbook

    from gongzhi.core import clock
    from gongzhi.requests.models import Request

    try:
        path = reverse("requests:request_export")
    except NoReverseMatch:
        return "export: /requests/export.xlsx does not exist yet — not measured"
    in_district = Request.objects.filter(subdistrict__district=district)
    nth = in_district.order_by("-created_at").values_list("created_at", flat=True)[rows - 1:rows].first()
    start, end = clock.local_date(nth), clock.today()
    expected = in_district.filter(created_at__gte=clock.at(start)).count()
    url = f"{path}?place=district:{district.pk}&start={start}&end={end}"
    with tempfile.TemporaryDirectory() as tmp:
        out = f"{tmp}/export.xlsx"
        answer = subprocess.run([sys.executable, __file__, "--export-worker", user.username, url, out],
                                capture_output=True, text=True, cwd=ROOT)
        if answer.returncode:
            return f"export: the worker failed:\n{answer.stderr[-2000:]}"
        status, size, took, base, peak = answer.stdout.split()[-5:]
        if status != "200":
            return f"export {url}: status {status}"
        book = load_workbook(out, read_only=True)
        written = sum(1 for _ in book.worksheets[0].iter_rows()) - 1
    peak_mb, base_mb = int(peak) / 1024, int(base) / 1024
    return (f"export {url}: {written:,} rows ({expected:,} requests in those days), {int(size) / 2**20:.1f} MiB "
            f"in {float(took):.1f} s; worker peak RSS {peak_mb:.0f} MB (after start-up {base_mb:.0f} MB)"
            f"   target < {EXPORT_MB} MB: {verdict(peak_mb < EXPORT_MB)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--search-runs", type=int, default=3, help="a search may take seconds: fewer runs")
    parser.add_argument("--month", default="")
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--export-worker", nargs=3, metavar=("USER", "URL", "OUT"))
    parser.add_argument("--unfinished", action="store_true", help="measure a city still being seeded")
    parser.add_argument("--skip", default="", help="comma-separated: report,export,search")
    args = parser.parse_args()
    if args.export_worker:
        export_worker(*args.export_worker)
        return
    os.environ.setdefault("GONGZHI_LOG_KEY_FILE", f"{tempfile.mkdtemp(prefix='gongzhi-bench-dash-')}/key.pem")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from gongzhi import seed as seeding
    from gongzhi.core import clock
    from gongzhi.people.models import Person
    from gongzhi.places.models import District, Estate, Unit
    from gongzhi.requests.models import Request

    settings.ALLOWED_HOSTS = ["testserver"]
    skip = set(args.skip.split(","))
    print(host("before"))
    seeded = District.objects.filter(name__startswith=seeding.NAME)
    if not args.unfinished:
        seeded = seeded.exclude(name__endswith=seeding.UNFINISHED)
    district = seeded.order_by("pk").first()
    if district is None:
        raise SystemExit("no seeded city here: run `gongzhi seed --units … --requests …` first")
    sub = district.subdistrict_set.order_by("pk").first() if hasattr(district, "subdistrict_set") else None
    if sub is None:
        from gongzhi.places.models import Subdistrict

        sub = Subdistrict.objects.filter(district=district).order_by("pk").first()
    month = args.month or clock.last_complete(clock.PeriodKind.MONTH).code
    period = clock.parse_period(month)
    lo, hi = period.bounds
    total = Request.objects.count()
    in_month = Request.objects.filter(created_at__gte=lo, created_at__lt=hi)
    print(f"database {connection.vendor} {connection.settings_dict['NAME']}: {Unit.objects.count():,} units, "
          f"{total:,} requests; month {month}: district {district.name} "
          f"{in_month.filter(subdistrict__district=district).count():,} requests "
          f"({Request.objects.filter(subdistrict__district=district).count():,} in all), subdistrict {sub.name} "
          f"{in_month.filter(subdistrict=sub).count():,} ({Request.objects.filter(subdistrict=sub).count():,} in all)")
    who = users(district, sub)

    # the process's own first-request costs (imports, URL resolver, templates) on another place and month,
    # so that "cold" below is the data's
    warm_up = f"estate:{Estate.objects.filter(community__subdistrict=sub).order_by('pk').first().pk}"
    for path in ("/api/v1/dashboard", "/dashboard/"):
        try:
            timed(who["subdistrict"], f"{path}?place={warm_up}&period={period.start.year - 2}", 0)
        except Exception as exc:
            print(f"warm-up {path} failed: {type(exc).__name__}: {str(exc)[:150]}")
    print(f"\n{'case':<44} {'cold ms':>9} {'warm ms':>9} {'max ms':>8} {'queries':>8}  target")
    cases = [
        ("subdistrict API", who["subdistrict"], f"/api/v1/dashboard?place=subdistrict:{sub.pk}&period={month}",
         SUBDISTRICT_MS),
        ("subdistrict page", who["subdistrict"], f"/dashboard/?place=subdistrict:{sub.pk}&period={month}",
         SUBDISTRICT_MS),
        ("district API", who["district"], f"/api/v1/dashboard?place=district:{district.pk}&period={month}", DISTRICT_MS),
        ("district page", who["district"], f"/dashboard/?place=district:{district.pk}&period={month}", DISTRICT_MS),
        ("subdistrict API, the year (no target)", who["subdistrict"],
         f"/api/v1/dashboard?place=subdistrict:{sub.pk}&period={period.start.year}", None),
    ]
    if "search" not in skip:
        number = Request.objects.filter(subdistrict=sub).order_by("-pk").values_list("pk", flat=True).first()
        name = (Person.objects.filter(ownerships__unit__estate__community__subdistrict=sub, kind="natural")
                .values_list("name", flat=True).first())
        flat = (Unit.objects.filter(estate__community__subdistrict=sub).values("code").annotate(n=Count("pk"))
                .filter(code="5-1-302").exists())
        for label, query in ((f"SQ{number:06d}", f"SQ{number:06d}"), (f"name '{name[:2]}'", name[:2]),
                             ("address 5-1-302" + ("" if flat else " (no such flat)"), "5-1-302"),
                             ("address 第1小区 5号楼", "第1小区 5号楼")):
            for level in ("subdistrict", "district"):
                cases.append((f"search {label} as {level}", who[level], f"/api/v1/search?q={query}", SEARCH_MS))
    for label, user, url, target in cases:
        try:
            got = timed(user, url, args.search_runs if "/search" in url else args.runs)
        except Exception as exc:  # a page broken by work in progress: say so and measure the rest
            print(f"{label:<44} failed: {type(exc).__name__}: {str(exc)[:150]}", flush=True)
            continue
        mark = f"< {target} ms: {verdict(got['warm'] < target)}" if target else ""
        print(f"{label:<44} {got['cold']:9.1f} {got['warm']:9.1f} {got['max']:8.1f} {got['queries']:8d}  {mark}",
              flush=True)
    print("\nper section (warm):")
    for level, user, code in (("subdistrict", who["subdistrict"], f"subdistrict:{sub.pk}"),
                              ("district", who["district"], f"district:{district.pk}")):
        try:
            print("\n".join(sections_timed(user, code, month)), flush=True)
        except Exception as exc:
            print(f"  {level} sections failed: {type(exc).__name__}: {exc}", flush=True)
    print()
    for part, measure in (("report", lambda: report_time(who["subdistrict"], f"subdistrict:{sub.pk}", month)),
                          ("export", lambda: export_rss(who["district"], district, args.export_rows))):
        if part not in skip:
            try:
                print(measure(), flush=True)
            except Exception as exc:
                print(f"{part} failed: {type(exc).__name__}: {str(exc)[:300]}", flush=True)
    print(host("after"))


if __name__ == "__main__":
    main()
