"""Benchmark: response time and query count of every persona's pages and lists (the persona × page matrix).

Run by hand on a database holding the demo, and for the big figures a seeded city beside it, e.g. on PostgreSQL:
  createdb -h 127.0.0.1 -U postgres gongzhi_pages
  export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gongzhi_pages GONGZHI_DEMO=1
  .venv/bin/gongzhi migrate && .venv/bin/gongzhi load_demo
  nice -n 10 .venv/bin/gongzhi seed --units 200000 --requests 1000000
  .venv/bin/python bench/pages.py [--runs 5] [--only wuganbu,chen] [--match /api/]
It prints, per persona and page, the median time of the runs (after one warm-up request), the number of SQL
queries and the status. The personas are the demo's (PERSONA_USERNAMES); when a seeded city is present, six
users anchored in it are added (bench-admin: its first district's administrator; bench-officer: a subdistrict
officer; bench-secretary: a community secretary; bench-staff: the property staff of its largest estate;
bench-head: a building head there; bench-owner: an owner there), whose scopes are city-sized.

The matrix (`matrix()`) is also what bench/queries.py counts and tests/portal/test_query_budget.py budgets.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("GONGZHI_DEMO", "1")

# Every persona's pages: the home page, the header's entries and the portal's links (read from the portal for
# each user, so a new app's pages join the matrix), these lists, and the pages of the persona's first estate.
LISTS = [
    "/requests/", "/orders/", "/votes/", "/notices/", "/inbox/",
    "/api/v1/requests?limit=30", "/api/v1/requests?status=open&limit=30", "/api/v1/orders?limit=30",
    "/api/v1/votes", "/api/v1/places/estates?limit=100", "/api/v1/places/units?limit=100",
]
ESTATE_PAGES = ["/estates/{estate}/", "/api/v1/people/persons?estate_id={estate}&limit=100",
                "/api/v1/requests?estate_id={estate}&limit=30"]
ADMIN_PAGES = ["/admin/people/person/", "/admin/places/unit/", "/admin/requests/request/"]
SKIP = ("/api/v1/docs", "/ledger/import/", "/places/setup/")  # documentation and forms, not lists
CITY_USERS = ("bench-admin", "bench-officer", "bench-secretary", "bench-staff", "bench-head", "bench-owner")


def _city_users() -> list:
    """The six users anchored in the seeded city (made once; none when no city is seeded)."""
    from django.contrib.auth import get_user_model

    from gongzhi.core.roles import Role
    from gongzhi.people.models import Ownership
    from gongzhi.people.services import person_link_user, role_assign
    from gongzhi.places.models import District, Estate
    from gongzhi.seed import NAME

    User = get_user_model()
    district = District.objects.filter(name__startswith=NAME).order_by("pk").first()
    if district is None:
        return []
    estate = (Estate.objects.filter(community__subdistrict__district=district).select_related("community__subdistrict")
              .order_by("-household_count", "pk").first())
    building = estate.buildings.order_by("pk").first()
    owner = (Ownership.objects.filter(unit__estate=estate, person__kind="natural", person__user__isnull=True,
                                      until__isnull=True).select_related("person").order_by("pk").first())
    anchors = {"bench-admin": (Role.ADMINISTRATOR, "district", district.pk),
               "bench-officer": (Role.SUBDISTRICT_OFFICER, "subdistrict", estate.community.subdistrict_id),
               "bench-secretary": (Role.COMMUNITY_SECRETARY, "community", estate.community_id),
               "bench-staff": (Role.PROPERTY_STAFF, "estate", estate.pk),
               "bench-head": (Role.BUILDING_HEAD, "building", building.pk),
               "bench-owner": (Role.OWNER, "unit", owner.unit_id if owner else None)}
    users = []
    for name in CITY_USERS:
        found = User.objects.filter(username=name).first()
        role, field, anchor = anchors[name]
        if found is None and anchor is not None:
            found = User.objects.create_user(name, password="bench", is_staff=name == "bench-admin")
            role_assign(None, user_id=found.pk, role=role, anchor_field=field, anchor_id=anchor)
            if name == "bench-owner":
                person_link_user(None, person_id=owner.person_id, user_id=found.pk)
        if found is not None:
            users.append(found)
    return users


def _first_estate(user):
    from gongzhi.core.scoping import scope_for
    from gongzhi.people.selectors import my_units

    own = my_units(fetched_by=user).first()
    if own is not None:
        return own.estate_id
    scope = scope_for(user)
    for a in scope.assignments:  # the estate of the persona's first anchor, not the city's first estate
        for field in ("estate_id", "building_estate_id", "unit_estate_id"):
            if getattr(a, field, None):
                return getattr(a, field)
    return scope.estates().order_by("pk").values_list("pk", flat=True).first()


def pages_for(user) -> list[str]:
    """The pages of the matrix for one user, in a stable order."""
    from django.test import RequestFactory

    from gongzhi.core.scoping import forget_scope, scope_for
    from gongzhi.portal import cards

    request = RequestFactory().get("/")
    request.user = user
    scope = scope_for(user)
    found = ["/"] + [e.url for e in cards.nav(request, scope)] + [e.url for e in cards.links(request, scope)] + LISTS
    estate = _first_estate(user)
    if estate is not None:
        found += [p.format(estate=estate) for p in ESTATE_PAGES]
    if user.is_staff:
        found += ADMIN_PAGES
    forget_scope(user)
    seen, pages = set(), []
    for url in found:
        if url not in seen and not url.startswith(SKIP) and url != "/admin/":
            seen.add(url)
            pages.append(url)
    return pages


def matrix(*, city: bool = True) -> list[tuple[str, str]]:
    """(username, url) for every persona (the demo's, and the city's users when `city` and a city is seeded) ×
    every page of theirs."""
    from django.contrib.auth import get_user_model

    from gongzhi.demo import PERSONA_USERNAMES

    users = list(get_user_model().objects.filter(username__in=PERSONA_USERNAMES))
    users.sort(key=lambda u: PERSONA_USERNAMES.index(u.username))
    if city:
        users += _city_users()
    return [(user.username, url) for user in users for url in pages_for(user)]


def measure(client, url: str, runs: int):
    """(median ms, queries of the last run, status) of `runs` requests after a warm-up one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times, response = [], None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(queries), response.status_code


def setup():
    from django.conf import settings

    import gongzhi.wsgi  # noqa: F401 -- set up as an app server is (the garbage collector's start-up freeze too)

    settings.ALLOWED_HOSTS = ["testserver"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated usernames")
    parser.add_argument("--match", default="", help="only urls containing this")
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from gongzhi.places.models import Estate, Unit
    from gongzhi.requests.models import Request

    only = set(filter(None, args.only.split(",")))
    print(f"database: {connection.vendor}, estates: {Estate.objects.count()}, units: {Unit.objects.count()}, "
          f"requests: {Request.objects.count()}; median of {args.runs} after a warm-up")
    print(f"{'user':<16} {'url':<62} {'ms':>8} {'queries':>8} status")
    clients = {}
    for username, url in matrix():
        if (only and username not in only) or args.match not in url:
            continue
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(get_user_model().objects.get(username=username))
        ms, queries, status = measure(clients[username], url, args.runs)
        print(f"{username:<16} {url:<62} {ms:8.1f} {queries:8d} {status}", flush=True)


if __name__ == "__main__":
    main()
