"""Benchmark (issue 24, item 3): the dashboard's money, meetings, party and orders figures from the figures
rows (core.tallies) against the same figures counted from the records, on a seeded city with a year of fee
bills for many of its units.

Run by hand, not in CI, on a seeded city (PostgreSQL):
  export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gongzhi_bench GONGZHI_DEMO=1
  .venv/bin/gongzhi seed --units 2000000 --requests 4000000      # once
  .venv/bin/python bench/tallies.py [--units 500000] [--months 12] [--runs 7]

It first bills `--units` units of the city for `--months` months (one INSERT … SELECT, with the triggers
that keep the figures rows: the time it prints includes them), unless those bills are there already.
Then, for the city's first subdistrict and its district: the money section's figures (fees billed and
collected this month and a year earlier, and the 12-month collection rate) read from the rows, warm and
cold, beside the same figures aggregated from the bills — and checks that both give the same numbers.
Target (the issue's, for the metrics): a subdistrict's under 100 ms warm, a district's under 300 ms.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")


def bill(units: int, months: int, from_unit: int) -> str:
    """Bills for the first `units` units of the seeded city (ids from `from_unit`) for the last `months`
    whole months."""
    from django.db import connection

    from gongzhi.core import clock
    from gongzhi.finance.models import FeeBill

    last = clock.last_complete(clock.PeriodKind.MONTH).start
    first = clock.add_months(last, -(months - 1))
    there = FeeBill.objects.filter(month=first, unit_id__gte=from_unit).count()
    if there >= units:
        return f"bills: {there:,} units already billed from {first:%Y-%m} (not written again)"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO finance_feebill (unit_id, estate_id, month, amount, paid, reverse_reason) "
            "SELECT u.id, u.estate_id, m::date, 8000 + (u.id * 7919 + extract(month from m)::int * 104729) %% 30000, "
            "CASE WHEN (u.id + extract(month from m)::int) %% 10 < 8 THEN 8000 ELSE 0 END, '' "
            "FROM (SELECT id, estate_id FROM places_unit WHERE id >= %s ORDER BY id LIMIT %s) u "
            "CROSS JOIN generate_series(%s::date, %s::date, interval '1 month') m "
            "WHERE NOT EXISTS (SELECT 1 FROM finance_feebill b WHERE b.unit_id = u.id AND b.month = m::date)",
            [from_unit, units, first, last])
        written = cursor.rowcount
        cursor.execute("ANALYZE finance_feebill; ANALYZE core_tally")
    took = time.perf_counter() - started
    return (f"bills: wrote {written:,} bills ({units:,} units × {months} months from {first:%Y-%m}) in {took:.1f} s "
            f"= {written / took:,.0f} bills/s, figures rows kept by the triggers in the same statement")


def raw_money(place, period) -> dict:
    """The money section's fee figures as they were counted before the figures rows: from the bills."""
    from django.db.models import Sum

    from gongzhi.core import clock
    from gongzhi.finance.models import FeeBill

    def fees(first, last):
        totals = FeeBill.objects.filter(**place.lookup(), month__gte=first.replace(day=1), month__lte=last.replace(day=1),
                                        reversed_at__isnull=True).aggregate(billed=Sum("amount"), paid=Sum("paid"))
        return (totals["billed"] or 0, totals["paid"] or 0)

    earlier = period.a_year_earlier()
    out = {"now": fees(period.start, period.end), "before": fees(earlier.start, earlier.end), "months": []}
    month = clock.add_months(period.end, -11).replace(day=1)
    while month <= period.end:
        out["months"].append(fees(month, month))
        month = clock.add_months(month, 1)
    return out


def from_rows(place, period) -> dict:
    from gongzhi.core import clock
    from gongzhi.core.tallies import by_month
    from gongzhi.finance.rollups import FEES
    from gongzhi.finance.selectors import _fees

    earlier = period.a_year_earlier()
    now, before = _fees(place, period.start, period.end), _fees(place, earlier.start, earlier.end)
    first = clock.add_months(period.end, -11).replace(day=1)
    billed = by_month(FEES.name, "billed", place.level, place.pk, first, period.end)
    paid = by_month(FEES.name, "paid", place.level, place.pk, first, period.end)
    months, month = [], first
    while month <= period.end:
        months.append((billed.get(month, 0), paid.get(month, 0)))
        month = clock.add_months(month, 1)
    return {"now": (now["billed"], now["paid"]), "before": (before["billed"], before["paid"]), "months": months}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500_000, help="units billed (the first ones of the city)")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("GONGZHI_LOG_KEY_FILE", f"{tempfile.mkdtemp(prefix='gongzhi-bench-tallies-')}/key.pem")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.dashboard import host, users, verdict
    from bench.rollups import timed
    from gongzhi import seed as seeding
    from gongzhi.core import clock
    from gongzhi.core.figures import Place
    from gongzhi.core.models import Tally
    from gongzhi.finance.models import FeeBill
    from gongzhi.finance.selectors import dashboard_section
    from gongzhi.places.models import District, Estate, Unit

    print(host("before"))
    city = District.objects.filter(name__startswith=seeding.NAME).exclude(name__endswith=seeding.UNFINISHED)
    first_unit = (Unit.objects.filter(estate__community__subdistrict__district__in=city).order_by("pk")
                  .select_related("estate__community__subdistrict__district").first())
    if first_unit is None or connection.vendor != "postgresql":
        raise SystemExit("needs a seeded city on PostgreSQL: `gongzhi seed --units …` first")
    print(bill(args.units, args.months, first_unit.pk))
    sub = first_unit.estate.community.subdistrict
    district = sub.district
    users(district, sub)
    admin = get_user_model().objects.get(username="bench-district")
    period = clock.last_complete(clock.PeriodKind.MONTH)
    print(f"database {connection.settings_dict['NAME']}: {Unit.objects.count():,} units, "
          f"{FeeBill.objects.count():,} fee bills, {Tally.objects.count():,} figures rows; period {period.code}")
    # the process's own first-call costs (imports, translations) on another place, so "cold" is the data's
    other = Estate.objects.exclude(community__subdistrict__district__in=city).order_by("pk").first()
    if other is not None:
        dashboard_section(fetched_by=admin, place=Place("estate", other), period=period.a_year_earlier())
    for place, target in ((Place("subdistrict", sub), 100), (Place("district", district), 300)):
        bills = FeeBill.objects.filter(**place.lookup()).count()
        def nothing():
            return None

        raw_t, raw = timed(lambda place=place: raw_money(place, period), max(1, args.runs // 3), nothing)
        rows_t, rows = timed(lambda place=place: from_rows(place, period), args.runs, nothing)
        assert rows == raw, (place.level, rows, raw)
        section_t, _section = timed(lambda place=place: dashboard_section(fetched_by=admin, place=place,
                                                                           period=period), args.runs, nothing)
        print(f"{place.level:<12} {place.name} ({bills:,} bills): fee figures from the bills "
              f"{raw_t['warm']:,.1f} ms warm / {raw_t['cold']:,.1f} cold; from the figures rows "
              f"{rows_t['warm']:.1f} ms warm / {rows_t['cold']:.1f} cold (same numbers); whole money section "
              f"{section_t['warm']:.1f} ms warm / {section_t['cold']:.1f} cold   "
              f"target < {target} ms: {verdict(section_t['warm'] < target)}")
    print(host("after"))


if __name__ == "__main__":
    main()
