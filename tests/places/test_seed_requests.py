"""`gongzhi seed --requests`: a small city with 500 requests over five years whose rows keep the app's
invariants (places agree, deadlines and states make sense, summonses only where a request reached the
subdistrict), whose dashboard figures equal a direct count for a month and the same month last year,
and whose interrupted request phase is removed with the unfinished city by the rerun."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F, Q

from gongzhi import seed as seeding
from gongzhi.core import clock as clock_module
from gongzhi.core.roles import Role
from gongzhi.dashboard.selectors import dashboard
from gongzhi.people.services import role_assign
from gongzhi.places.models import District, Subdistrict, Unit
from gongzhi.requests import rollups
from gongzhi.requests.choices import OPEN_STATUSES, Grain, Level, Status
from gongzhi.requests.models import Event, Request, RequestRollup, Summons

REQUESTS = 500


class Killed(Exception):
    """Stands for the kill signal that stops a long seed."""


def _seeded_requests():
    return Request.objects.filter(subdistrict__district__name__startswith=seeding.NAME)


@pytest.fixture
def city(db, clock):
    clock.set("2026-12-07 15:00")
    result = seeding.seed(2_000, requests=REQUESTS, rng_seed=7)
    return result


def test_the_requests_keep_the_apps_invariants(city):
    requests = _seeded_requests()
    assert city.requests == REQUESTS == requests.count()
    assert Event.objects.filter(request__in=requests).count() == REQUESTS
    now = clock_module.now()
    first = clock_module.at(clock_module.today().replace(year=2021))
    assert not requests.filter(Q(created_at__lt=first) | Q(created_at__gt=now)).exists()
    years = {clock_module.local_date(t).year for t in requests.values_list("created_at", flat=True)}
    assert years == {2021, 2022, 2023, 2024, 2025, 2026}
    # the place columns agree with the estate, the flat with its estate and building
    assert not requests.exclude(community_id=F("estate__community_id")).exists()
    assert not requests.exclude(subdistrict_id=F("estate__community__subdistrict_id")).exists()
    with_unit = requests.filter(unit__isnull=False)
    assert with_unit.exists() and not with_unit.exclude(unit__estate_id=F("estate_id")).exists()
    assert not with_unit.exclude(building_id=F("unit__building_id")).exists()
    # states: open ones unresolved, done ones resolved after they came in, on time against their deadline
    assert not requests.filter(status__in=OPEN_STATUSES, resolved_at__isnull=False).exists()
    done = requests.filter(status__in=(Status.RESOLVED, Status.CLOSED))
    assert done.count() > REQUESTS * 0.9
    assert not done.filter(Q(resolved_at__lt=F("created_at")) | Q(first_resolved_at__gt=F("resolved_at"))).exists()
    assert not done.filter(resolved_on_time=True, first_resolved_at__gt=F("resolve_by")).exists()
    assert not done.filter(resolved_on_time=False, first_resolved_at__lte=F("resolve_by")).exists()
    assert not requests.filter(status=Status.CLOSED, closed_at__isnull=True).exists()
    assert not requests.filter(satisfaction__isnull=False).exclude(status=Status.CLOSED).exists()
    # summonses where (and only where) the request reached the subdistrict
    summoned = Summons.objects.filter(request__in=requests)
    assert summoned.count() == city.summonses == requests.filter(level__gte=Level.SUBDISTRICT).count()
    assert requests.filter(level__gt=Level.ESTATE).exists()
    assert len({n for n in Request.objects.values_list("token", flat=True)}) == Request.objects.count()


def test_the_seeded_rollups_equal_a_direct_count(city):
    """The seed writes its requests with COPY (executemany on SQLite) and their summonses before them: the
    triggers' figures rows equal a count of the requests from scratch, summonses included."""
    seeded = _seeded_requests()
    assert city.summonses > 0
    assert rollups.differences() == {}
    month_rows = RequestRollup.objects.filter(grain=Grain.MONTH, estate__in=seeded.values("estate_id"))
    assert sum(month_rows.values_list("received", flat=True)) == REQUESTS
    assert sum(month_rows.values_list("summoned", flat=True)) == seeded.filter(summonses__isnull=False).count() > 0


def test_the_dashboard_counts_what_the_seed_wrote(city, clock):
    sub = Subdistrict.objects.filter(district__name__startswith=seeding.NAME).order_by("pk").first()
    officer = get_user_model().objects.create_user("seed-officer", first_name="街道干部")
    role_assign(None, user_id=officer.pk, role=Role.SUBDISTRICT_OFFICER, anchor_field="subdistrict", anchor_id=sub.pk)
    month = clock_module.period("month", datetime.date(2026, 11, 1))
    board = dashboard(fetched_by=officer, place=f"subdistrict:{sub.pk}", period=month.code)
    figures = {f.key: f for s in board.sections if s.key == "requests" for f in s.figures}
    for period, attribute in ((month, "value"), (month.a_year_earlier(), "last_year")):
        lo, hi = period.bounds
        in_month = Request.objects.filter(subdistrict=sub, created_at__gte=lo, created_at__lt=hi)
        assert getattr(figures["received"], attribute) == in_month.count() > 0
        assert getattr(figures["resolved"], attribute) == in_month.filter(
            status__in=(Status.RESOLVED, Status.CLOSED)).count()
        assert getattr(figures["late"], attribute) == in_month.filter(resolved_on_time=False).count()
        assert getattr(figures["escalated"], attribute) == in_month.filter(level__gte=Level.COMMUNITY).count()
        assert getattr(figures["summoned"], attribute) == in_month.filter(summonses__isnull=False).distinct().count()


def test_an_interrupted_request_phase_is_removed_by_the_rerun(db, clock, monkeypatch):
    clock.set("2026-12-07 15:00")
    monkeypatch.setattr(seeding, "REQUEST_CHUNK", 100)
    before, summonses_before = Request.objects.count(), Summons.objects.count()

    seen = []

    def kill_at_second_chunk(step):
        seen.append(step)
        if len(seen) == 2:
            raise Killed

    with pytest.raises(Killed):
        seeding.seed(1_000, requests=REQUESTS, request_progress=kill_at_second_chunk)
    assert Request.objects.count() == before + 200  # two chunks committed, in a city still unfinished
    assert all(d.name.endswith(seeding.UNFINISHED) for d in District.objects.filter(name__startswith=seeding.NAME))

    call_command("seed", units=1_000, requests=REQUESTS)

    assert Request.objects.count() == before + REQUESTS == before + _seeded_requests().count()
    assert Unit.objects.filter(estate__community__subdistrict__district__name__startswith=seeding.NAME).count() == 1_000
    seeded = Summons.objects.filter(request__in=_seeded_requests()).count()
    assert seeded > 0 and Summons.objects.count() == summonses_before + seeded  # none left of the first run
