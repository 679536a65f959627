"""The requests' figures rows (rollups): whatever writes a request — a service, the deadline job, a queryset
update, a delete — the rows summed for any place and run of days equal a direct count of the requests,
across local midnight and month and year ends; `gongzhi rollups_rebuild` puts wrong rows right and is
idempotent; concurrent writers of one row all count (PostgreSQL)."""

import datetime
import random

import pytest
from django.core.management.base import CommandError
from django.db.models import F, Q

from gongzhi.bodies.models import Organisation
from gongzhi.core import clock as clock_module
from gongzhi.core import tallies
from gongzhi.core.errors import GongzhiError
from gongzhi.requests import jobs, rollups, services
from gongzhi.requests.choices import OPEN_STATUSES, Level, Status
from gongzhi.requests.management.commands.rollups_rebuild import BAD_MONTH, BAD_RANGE, DIFFERENT
from gongzhi.requests.models import Request, RequestRollup, Summons
from gongzhi.requests.routing import Category
from tests.helpers import PACIFIC, YIWU, estate, race, run_command

CATEGORIES = (Category.LIGHTING, Category.CLEANING, Category.MINOR_REPAIR)
CLIMB = {1: "zhangjingli", 2: "shequ", 3: "wuganbu", 4: "wuganbu"}


def direct(level: str, pk: int, start: datetime.date, end: datetime.date) -> dict:
    """The figures counted from the requests themselves, row by row in Python."""
    field = rollups.PLACE_FIELDS[level]
    lo, hi = clock_module.day_bounds(start, end)
    rows = Request.objects.filter(**{field: pk}, created_at__gte=lo, created_at__lt=hi)
    summoned = set(Summons.objects.values_list("request_id", flat=True))
    out = dict.fromkeys(rollups.FIGURES, 0)
    by_category: dict[str, int] = {}
    for r in rows:
        done = r.status in (Status.RESOLVED, Status.CLOSED)
        timed = done and r.resolved_at is not None
        for name, counts in (
            ("received", True), ("done", done), ("first_resolved", r.resolved_on_time is not None),
            ("on_time", r.resolved_on_time is True), ("rated", r.satisfaction is not None),
            ("satisfied", (r.satisfaction or 0) >= 4), ("open", r.status in OPEN_STATUSES),
            ("reopened", r.reopen_count > 0), ("summoned", r.pk in summoned), ("timed", timed),
            (f"level{r.level}", True),
        ):
            out[name] += 1 if counts else 0
        out["satisfaction_sum"] += r.satisfaction or 0
        if timed:
            out["resolve_us"] += (r.resolved_at - r.created_at) // datetime.timedelta(microseconds=1)
        by_category[r.category] = by_category.get(r.category, 0) + 1
    return out | {"by_category": by_category}


def from_rollups(level, pk, start, end) -> dict:
    counted = rollups.counts(level, pk, start, end)
    return dict(counted.totals) | {"by_category": counted.by_category}


def places():
    yiwu, pacific = estate(YIWU), estate(PACIFIC)
    sub = yiwu.community.subdistrict
    return [("estate", yiwu.pk), ("estate", pacific.pk), ("community", yiwu.community_id),
            ("community", pacific.community_id), ("subdistrict", sub.pk), ("district", sub.district_id)]


def ranges(now: datetime.date):
    """Runs of days around `now` that start and end inside months, on month edges, and across a year end."""
    month = now.replace(day=1)
    last_month = (month - datetime.timedelta(days=1)).replace(day=1)
    return [(now, now), (now - datetime.timedelta(days=1), now), (month, now), (last_month, now),
            (last_month + datetime.timedelta(days=9), now + datetime.timedelta(days=3)),
            (last_month, month - datetime.timedelta(days=1)), (now.replace(month=1, day=1), now.replace(month=12, day=31)),
            (now - datetime.timedelta(days=400), now + datetime.timedelta(days=40))]


def assert_agree(now: datetime.date):
    for level, pk in places():
        for start, end in ranges(now):
            assert from_rollups(level, pk, start, end) == direct(level, pk, start, end), (level, start, end)


# The clock is moved to just before local midnight at a month's end and a year's end, then stepped across.
ANCHORS = ("2026-11-30 23:20", "2026-12-31 23:10", "2027-01-31 23:40", "2027-02-28 22:50")
STEPS = (datetime.timedelta(minutes=7), datetime.timedelta(minutes=25), datetime.timedelta(hours=5),
         datetime.timedelta(days=1), datetime.timedelta(days=9))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_from_the_rollups_equals_a_direct_count_whatever_happens(seed, clock, persona):
    """Random runs of submit / respond / resolve / rate / reopen / escalate / summon / the deadline job /
    queryset updates moving a request to another day, estate or category / delete, with the clock stepped
    across local midnight and month and year ends: every figure of every place and run of days agrees."""
    rng = random.Random(seed)
    wang, staff = persona("wangayi"), persona("zhangjingli")
    housing = Organisation.objects.get(name="区住建局")
    yiwu, pacific = estate(YIWU), estate(PACIFIC)
    mine: list[int] = []

    def pick(**where):  # the services' personas act in 义乌城 (a moved request stays where it went)
        found = list(Request.objects.filter(pk__in=mine, estate=yiwu, **where).values_list("pk", flat=True))
        return rng.choice(found) if found else None

    def submit():
        mine.append(services.request_submit(wang, services.Intake(
            estate_id=yiwu.pk, category=rng.choice(CATEGORIES), description="楼道灯不亮")).pk)

    def respond():
        if (pk := pick(status=Status.NEW, level=Level.ESTATE)) is not None:
            services.request_respond(staff, request_id=pk)

    def resolve():
        if (pk := pick(status__in=OPEN_STATUSES, level=Level.ESTATE)) is not None:
            services.request_resolve(staff, request_id=pk, note="已修好")

    def rate():
        if (pk := pick(status=Status.RESOLVED)) is not None:
            services.request_confirm(wang, request_id=pk, satisfaction=rng.randint(1, 5))

    def reopen():
        if (pk := pick(status=Status.RESOLVED)) is not None:
            services.request_reopen(wang, request_id=pk, reason="没修好")

    def escalate():
        if (pk := pick(status__in=OPEN_STATUSES, level__lt=Level.DEPARTMENT)) is not None:
            level = Request.objects.get(pk=pk).level
            services.request_call_up(persona(CLIMB[level]), request_id=pk, reason="上报")

    def summon():
        if (pk := pick(status__in=OPEN_STATUSES, level=Level.SUBDISTRICT)) is not None:
            services.request_summon(persona("wuganbu"), request_id=pk, department_ids=[housing.pk])

    def sweep():
        jobs.sweep(clock_module.now())

    def move():  # not through a service: the triggers count whatever writes the row
        if (pk := pick()) is not None:
            there = rng.choice([yiwu, pacific])
            Request.objects.filter(pk=pk).update(
                estate=there, community_id=there.community_id, subdistrict_id=there.community.subdistrict_id,
                category=rng.choice(CATEGORIES),
                created_at=F("created_at") - rng.choice(STEPS), satisfaction=rng.choice([None, 2, 5]))

    def delete():
        if (pk := pick()) is not None:
            Request.objects.get(pk=pk).delete()
            mine.remove(pk)

    actions = [submit] * 4 + [respond, resolve, resolve, resolve, rate, rate, reopen, escalate, escalate, summon, sweep,
                              move, delete]
    for anchor in ANCHORS:
        clock.set(anchor)
        submit()
        escalate()
        for _ in range(12):
            try:
                rng.choice(actions)()
            except GongzhiError:  # a step the state does not allow is refused and changes nothing
                pass
            clock.set(clock_module.now() + rng.choice(STEPS[:3]))
        assert_agree(clock_module.today())
    assert mine, "the run filed requests"
    ran = Request.objects.filter(pk__in=mine)
    assert ran.filter(status__in=(Status.RESOLVED, Status.CLOSED)).exists() and ran.filter(level__gt=1).exists()
    assert rollups.differences() == {}


def test_a_request_counts_on_its_local_day_and_month_not_the_utc_one(clock, persona):
    """Filed at 23:30 on 31 December and 00:30 on 1 January (Shanghai): both are 31 December in UTC."""
    yiwu = estate(YIWU)
    keys = [(1, datetime.date(2026, 12, 31)), (1, datetime.date(2027, 1, 1)), (2, datetime.date(2026, 12, 1)),
            (2, datetime.date(2027, 1, 1))]

    def received():
        rows = RequestRollup.objects.filter(estate=yiwu, category=Category.LIGHTING, day__gte=datetime.date(2026, 12, 1))
        found = {(r.grain, r.day): r.received for r in rows}
        return [found.get(key, 0) for key in keys]

    before = received()
    for at in ("2026-12-31 23:30", "2027-01-01 00:30"):
        clock.set(at)
        services.request_submit(persona("wangayi"), services.Intake(
            estate_id=yiwu.pk, category=Category.LIGHTING, description="楼道灯不亮"))
    assert [a - b for a, b in zip(received(), before, strict=True)] == [1, 1, 1, 1]
    january = rollups.counts("estate", yiwu.pk, datetime.date(2027, 1, 1), datetime.date(2027, 1, 31))
    assert january["received"] == direct("estate", yiwu.pk, datetime.date(2027, 1, 1), datetime.date(2027, 1, 31))["received"]


def test_a_run_of_days_is_read_from_whole_months_and_the_days_at_either_end():
    q = tallies.days_q(datetime.date(2026, 1, 10), datetime.date(2026, 4, 5))
    text = str(q)
    for day in ("2026, 2, 1", "2026, 4, 1", "2026, 1, 10", "2026, 4, 5"):
        assert f"datetime.date({day})" in text
    whole = str(tallies.days_q(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)))
    assert "Grain.DAY" not in whole and "Grain.MONTH" in whole  # whole months only: no day rows
    inside = str(tallies.days_q(datetime.date(2026, 2, 3), datetime.date(2026, 2, 20)))
    assert "Grain.MONTH" not in inside  # inside one month: day rows only


def test_rollups_rebuild_puts_wrong_rows_right_and_changes_nothing_the_second_time(clock, persona):
    yiwu = estate(YIWU)
    clock.set("2027-03-15 10:00")
    for _ in range(3):
        services.request_submit(persona("wangayi"), services.Intake(
            estate_id=yiwu.pk, category=Category.LIGHTING, description="楼道灯不亮"))
    before = from_rollups("estate", yiwu.pk, datetime.date(2027, 3, 1), datetime.date(2027, 3, 31))
    march = RequestRollup.objects.filter(estate=yiwu, day__gte=datetime.date(2027, 3, 1))
    march.update(received=999)
    RequestRollup.objects.filter(estate=yiwu, day__lt=datetime.date(2027, 3, 1)).update(open=F("open") + 7)
    with pytest.raises(CommandError) as differ:  # reported, not fixed
        run_command("rollups_rebuild", "--check", "--start", "2027-03")
    assert str(differ.value).startswith(DIFFERENT)
    assert march.filter(received=999).exists()
    run_command("rollups_rebuild", "--start", "2027-03", "--end", "2027-03")
    assert from_rollups("estate", yiwu.pk, datetime.date(2027, 3, 1), datetime.date(2027, 3, 31)) == before
    assert rollups.differences(datetime.date(2027, 3, 1), datetime.date(2027, 3, 31)) == {}
    assert rollups.differences(datetime.date(2027, 2, 1), datetime.date(2027, 2, 28)) == {}
    assert rollups.differences() != {}  # the months outside the range were left as they were
    run_command("rollups_rebuild")
    rows = sorted(RequestRollup.objects.values_list("estate_id", "grain", "day", "category", "received", "open"))
    run_command("rollups_rebuild")
    assert sorted(RequestRollup.objects.values_list("estate_id", "grain", "day", "category", "received", "open")) == rows
    assert rollups.differences() == {}
    code, out, _err = run_command("rollups_rebuild", "--check")
    assert "一致" in out


@pytest.mark.parametrize("args, message", [(["--start", "2027-13"], BAD_MONTH),
                                           (["--start", "2027-05", "--end", "2027-04"], BAD_RANGE)])
def test_rollups_rebuild_refuses_a_bad_range_and_changes_nothing(db, args, message):
    rows = RequestRollup.objects.count()
    with pytest.raises(CommandError) as refused:
        run_command("rollups_rebuild", *args)
    assert str(refused.value) == message
    assert RequestRollup.objects.count() == rows


def test_the_metrics_and_the_dashboard_read_the_rollups(clock, persona):
    """Wrong rows show: the figures come from the rollups, not from counting requests."""
    from gongzhi.core.figures import Place
    from gongzhi.requests import selectors

    yiwu = estate(YIWU)
    clock.set("2027-03-15 10:00")
    services.request_submit(persona("wangayi"), services.Intake(
        estate_id=yiwu.pk, category=Category.LIGHTING, description="楼道灯不亮"))
    start, end = datetime.date(2027, 3, 1), datetime.date(2027, 3, 31)
    m = selectors.metrics(fetched_by=persona("wuganbu"), place="estate", place_id=yiwu.pk, start=start, end=end)
    assert m.received == 1
    RequestRollup.objects.filter(estate=yiwu, grain=2, day=start).update(received=41)
    m = selectors.metrics(fetched_by=persona("wuganbu"), place="estate", place_id=yiwu.pk, start=start, end=end)
    assert m.received == 41
    period = clock_module.period("month", containing=start)
    counts = selectors._period_counts(Place("estate", yiwu), period)
    assert counts["received"] == 41


# --- PostgreSQL: concurrent writers of one row ----------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_one_estate_day_and_category_all_count(world, persona):
    """Twenty residents file the same category in the same estate at the same moment: each transaction adds
    to the same day and month rows; none of the increments is lost, and the rows equal a direct count."""
    yiwu = estate(YIWU)
    wang = persona("wangayi")
    today = clock_module.today()
    before = rollups.counts("estate", yiwu.pk, today, today)["received"]

    def file():
        return services.request_submit(wang, services.Intake(
            estate_id=yiwu.pk, category=Category.LIGHTING, description="楼道灯不亮")).pk

    filed = race([file for _ in range(20)])
    assert all(isinstance(pk, int) for pk in filed), filed
    assert rollups.counts("estate", yiwu.pk, today, today)["received"] == before + 20
    staff = persona("zhangjingli")
    done = race([lambda pk=pk: services.request_resolve(staff, request_id=pk, note="好了").pk for pk in filed])
    assert all(isinstance(pk, int) for pk in done), done
    assert from_rollups("estate", yiwu.pk, today, today) == direct("estate", yiwu.pk, today, today)
    assert rollups.differences() == {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_while_requests_are_filed_leaves_the_rows_exact(world, persona):
    yiwu = estate(YIWU)
    wang = persona("wangayi")

    def file():
        return services.request_submit(wang, services.Intake(
            estate_id=yiwu.pk, category=Category.CLEANING, description="垃圾没清运")).pk

    results = race([file] * 8 + [lambda: rollups.rebuild(clock_module.today(), clock_module.today())] * 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert rollups.differences() == {}
    assert not Request.objects.filter(Q(pk__in=[r for r in results if isinstance(r, int)])).filter(
        estate__isnull=True).exists()
