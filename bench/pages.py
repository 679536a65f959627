"""Benchmark: response time and query count of the main pages and API lists on a large database.

Run by hand after seeding, e.g.
  DATABASE_URL=sqlite:////tmp/big.sqlite3 .venv/bin/python bench/seed.py --units 1000000 --keep
  DATABASE_URL=sqlite:////tmp/big.sqlite3 .venv/bin/python bench/pages.py
It adds three users to the seeded city (a district administrator, a community secretary and an
owner), then prints, per URL, the median of 5 requests and the number of SQL queries.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongzhi.core.roles import Role
    from gongzhi.people.models import Ownership
    from gongzhi.people.services import person_link_user, role_assign
    from gongzhi.places.models import Community, District, Estate

    settings.ALLOWED_HOSTS = ["testserver"]
    User = get_user_model()
    district = District.objects.order_by("pk").first()
    community = Community.objects.filter(subdistrict__district=district).order_by("pk").first()
    estate = Estate.objects.filter(community=community).order_by("-household_count").first()
    owner = Ownership.objects.filter(unit__estate=estate, person__kind="natural").select_related("person").first()

    def user(name: str, role: str, field: str, anchor_id: int, staff=False):
        found = User.objects.filter(username=name).first()
        if found is None:
            found = User.objects.create_user(name, password="bench", is_staff=staff)
            role_assign(None, user_id=found.pk, role=role, anchor_field=field, anchor_id=anchor_id)
        return found

    admin = user("bench-admin", Role.ADMINISTRATOR, "district", district.pk, staff=True)
    secretary = user("bench-secretary", Role.COMMUNITY_SECRETARY, "community", community.pk)
    resident = user("bench-owner", Role.OWNER, "unit", owner.unit_id)
    if owner.person.user_id is None:
        person_link_user(None, person_id=owner.person_id, user_id=resident.pk)
    building = estate.buildings.order_by("pk").first()
    cases = [
        (secretary, "/"), (secretary, f"/estates/{estate.pk}/"), (secretary, f"/buildings/{building.pk}/"),
        (secretary, f"/communities/{community.pk}/"), (secretary, "/api/v1/places/units?limit=100"),
        (secretary, f"/api/v1/people/persons?estate_id={estate.pk}&limit=100"),
        (secretary, f"/estates/{estate.pk}/ledger.xlsx"),
        (admin, "/"), (admin, "/api/v1/places/estates?limit=100"), (admin, "/api/v1/places/units?limit=100"),
        (admin, "/admin/places/unit/"), (admin, "/admin/people/person/"), (admin, "/audit/"),
        (resident, "/"), (resident, f"/estates/{estate.pk}/"),
    ]
    print(f"database: {connection.vendor}, estates: {Estate.objects.count()}")
    print(f"{'user':<16} {'url':<58} {'ms':>8} {'queries':>8} status")
    for who, url in cases:
        client = Client()
        client.force_login(who)
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
        print(f"{who.username:<16} {url:<58} {statistics.median(times):8.1f} {len(queries):8d} {response.status_code}")


if __name__ == "__main__":
    main()
