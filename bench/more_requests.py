"""Benchmark helper: add requests to a city `gongzhi seed` already wrote, spread over the same five years
by the seed's own generator (gongzhi.seed._requests), so a 2,000,000-unit city seeded with 6,000,000
requests can be brought to 10,000,000 without writing its units again.

Run by hand, not in CI:
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gongzhi_bench GONGZHI_DEMO=1 \
        nice -n 10 .venv/bin/python bench/more_requests.py --requests 4000000
The seeded city's estates are read back (size, first flat and building, flats per building) from the
districts named 合成区…; the new requests' numbers follow the existing ones.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def estate_rows(district_ids) -> list:
    from django.db.models import Count, Min

    from gongzhi.places.models import Unit

    rows = []
    units = (Unit.objects.filter(estate__community__subdistrict__district_id__in=district_ids)
             .values("estate_id", "estate__community_id", "estate__community__subdistrict_id")
             .annotate(n=Count("pk"), first=Min("pk"), building=Min("building_id")).order_by("estate_id"))
    per = dict(Unit.objects.filter(building_id__in=[u["building"] for u in units]).values_list("building_id")
               .annotate(n=Count("pk")).order_by())
    for u in units:
        rows.append((u["estate_id"], u["estate__community_id"], u["estate__community__subdistrict_id"], u["n"],
                     u["first"], u["building"], per[u["building"]]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    from django.db import connection

    from gongzhi import seed as seeding
    from gongzhi.places.models import District
    from gongzhi.requests.models import Event, Request, Summons

    districts = list(District.objects.filter(name__startswith=seeding.NAME).exclude(
        name__endswith=seeding.UNFINISHED).values_list("pk", flat=True))
    if not districts:
        raise SystemExit("no seeded city here: run gongzhi seed --units N first")
    started = time.perf_counter()
    result = seeding.SeedResult()
    result.estate_rows = estate_rows(districts)
    ids = {m: seeding._next_id(m) for m in (Request, Event, Summons)}
    before = Request.objects.count()
    print(f"{len(result.estate_rows):,} estates in {len(districts)} seeded districts; {before:,} requests before")
    with connection.cursor() as cursor:
        writer = seeding._Writer(cursor)
        done = [0]

        def progress(step):
            done[0] += step
            print(f"  {done[0]:,} ({done[0] / (time.perf_counter() - started):,.0f}/s)", flush=True)

        seeding._requests(writer, ids, random.Random(args.seed), args.requests, result, progress)
    if connection.vendor == "postgresql":
        seeding._reset_sequences()
        with connection.cursor() as cursor:
            for model in (Request, Event, Summons):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    wall = time.perf_counter() - started
    print(f"added {result.requests:,} requests in {wall:.0f} s ({result.requests / wall:,.0f}/s); "
          f"{Request.objects.count():,} in all")


if __name__ == "__main__":
    main()
