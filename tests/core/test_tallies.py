"""The dashboard's figures rows other than the requests' (core.tallies): fees billed and collected, common
income and spending, meetings held and matters proposed, party points. Whatever writes a record — a service,
a queryset update, a delete — the rows summed for any place and run of days equal a direct count of the
records, across local midnight and month and year ends; the dashboard reads the rows; `gongzhi
rollups_rebuild` puts wrong rows right; concurrent writers of one row all count (PostgreSQL)."""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.management.base import CommandError
from django.db.models import Count, F, Sum

from gongzhi.core import clock as clock_module
from gongzhi.core import tallies
from gongzhi.core.figures import Place
from gongzhi.core.models import Tally
from gongzhi.finance.models import Entry, FeeBill, LedgerAccount, Transaction
from gongzhi.meetings.choices import MeetingStatus
from gongzhi.meetings.models import Matter, Meeting, at_or_below
from gongzhi.party.models import PointsEntry
from gongzhi.places.models import Community, Estate, Subdistrict
from gongzhi.requests.choices import OrderKind, OrderStatus
from gongzhi.requests.management.commands.rollups_rebuild import DIFFERENT
from gongzhi.requests.models import Order
from tests.helpers import PACIFIC, YIWU, estate, race, run_command

ANCHORS = ("2026-11-30 23:20", "2026-12-31 23:10", "2027-01-31 23:40")
STEPS = (datetime.timedelta(minutes=7), datetime.timedelta(minutes=25), datetime.timedelta(hours=5),
         datetime.timedelta(days=1), datetime.timedelta(days=9))


def places() -> list[Place]:
    yiwu, pacific = estate(YIWU), estate(PACIFIC)
    sub = yiwu.community.subdistrict
    return [Place("estate", yiwu), Place("estate", pacific), Place("community", yiwu.community),
            Place("community", pacific.community), Place("subdistrict", sub), Place("district", sub.district)]


def ranges(now: datetime.date):
    month = now.replace(day=1)
    last_month = (month - datetime.timedelta(days=1)).replace(day=1)
    return [(now, now), (now - datetime.timedelta(days=1), now), (month, now), (last_month, now),
            (last_month + datetime.timedelta(days=9), now + datetime.timedelta(days=3)),
            (now.replace(month=1, day=1), now.replace(month=12, day=31)),
            (now - datetime.timedelta(days=400), now + datetime.timedelta(days=40))]


def _code_flows(rows) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {"debit": {}, "credit": {}}
    for code, debit, credit in rows:
        for side, amount in (("debit", debit), ("credit", credit)):
            if amount:
                out[side][code] = out[side].get(code, 0) + amount
    return out


def direct(place: Place, start: datetime.date, end: datetime.date) -> dict:
    """Each source's figures counted from the records themselves."""
    lo, hi = clock_module.day_bounds(start, end)
    first, last = start.replace(day=1), end.replace(day=1)
    fees = FeeBill.objects.filter(**place.lookup(), month__gte=first, month__lte=last, reversed_at__isnull=True
                                  ).aggregate(billed=Sum("amount"), paid=Sum("paid"))
    journal = _code_flows(
        (e.account.code, e.debit, e.credit) for e in Entry.objects.filter(
            **place.lookup("transaction__estate"), transaction__date__gte=start, transaction__date__lte=end)
        .select_related("account") if e.account.code.startswith(("income:", "expense:")))
    held = dict(Meeting.objects.filter(at_or_below(place.level, place.pk), status=MeetingStatus.CLOSED,
                                       scheduled_at__gte=lo, scheduled_at__lt=hi)
                .values_list("kind").annotate(n=Count("pk")))
    proposed = Matter.objects.filter(at_or_below(place.level, place.pk), created_at__gte=lo, created_at__lt=hi).count()
    on_place = {"estate": {"estate_id": place.pk}, "community": {"community_id": place.pk},
                "subdistrict": {"community__subdistrict_id": place.pk},
                "district": {"community__subdistrict__district_id": place.pk}}[place.level]
    points = dict(PointsEntry.objects.filter(**on_place, on__gte=start, on__lte=end, points__gt=0)
                  .values_list("kind").annotate(n=Sum("points")))
    orders = {}
    for o in Order.objects.filter(**on_place, created_at__gte=lo, created_at__lt=hi):
        for figure, counts in (("received", True), ("done", o.status == OrderStatus.DONE),
                               ("rated", o.satisfaction is not None), ("satisfied", (o.satisfaction or 0) >= 4)):
            if counts:
                orders[(figure, o.kind)] = orders.get((figure, o.kind), 0) + 1
    return {"billed": fees["billed"] or 0, "paid": fees["paid"] or 0, "journal": journal, "held": held,
            "proposed": proposed, "points": points, "orders": orders}


def from_tallies(place: Place, start: datetime.date, end: datetime.date) -> dict:
    first = start.replace(day=1)
    month_end = tallies.next_month(end) - datetime.timedelta(days=1)
    fees = tallies.sums("fees", place.level, place.pk, first, month_end)
    journal = tallies.sums("journal", place.level, place.pk, start, end)
    return {"billed": fees.total("billed"), "paid": fees.total("paid"),
            "journal": {"debit": journal.by_key("debit"), "credit": journal.by_key("credit")},
            "held": tallies.sums("meetings", place.level, place.pk, start, end).by_key("held"),
            "proposed": tallies.sums("matters", place.level, place.pk, start, end).total("proposed"),
            "points": tallies.sums("points", place.level, place.pk, start, end).by_key("points"),
            "orders": {cell: n for cell, n in tallies.sums("orders", place.level, place.pk, start, end).cells.items()
                       if n}}


def assert_agree(now: datetime.date):
    for place in places():
        for start, end in ranges(now):
            assert from_tallies(place, start, end) == direct(place, start, end), (place.level, start, end)


def test_the_demo_has_a_figure_of_every_source_and_they_agree_with_the_records(world):
    counted = set(Tally.objects.exclude(n=0).values_list("source", flat=True))
    assert {"fees", "journal", "meetings", "matters", "points", "orders"} <= counted
    assert tallies.differences() == {}
    assert_agree(clock_module.today())


def _clone(obj, **changes):
    """A new record like `obj`, with these fields changed (written by the ORM, as a bulk path would)."""
    obj.pk = None
    obj.id = None
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save(force_insert=True)
    return obj


@pytest.mark.parametrize("seed", [1, 2])
def test_every_figure_equals_a_direct_count_whatever_writes_the_records(seed, clock, world):
    """Random inserts, updates (amounts, paid, reversal, status, day, place, kind) and deletes of every
    source's records, with the clock stepped across local midnight and month and year ends: every figure
    of every place and run of days agrees with a direct count."""
    rng = random.Random(seed)
    yiwu, pacific = estate(YIWU), estate(PACIFIC)
    bills = list(FeeBill.objects.filter(estate__in=[yiwu, pacific], reversed_at__isnull=True)[:40])
    entries = list(Entry.objects.filter(transaction__estate__in=[yiwu, pacific]).select_related("transaction")[:40])
    meetings = list(Meeting.objects.all()[:20])
    matters = list(Matter.objects.all()[:20])
    points = list(PointsEntry.objects.all()[:20])
    orders = list(Order.objects.all()[:20])
    assert bills and entries and meetings and matters and points and orders, "the demo has records of every source"
    made: dict[str, list[int]] = {"bill": [], "tx": [], "meeting": [], "matter": [], "points": [], "order": []}
    month = [datetime.date(2030, 1, 1)]  # bills of new months, so a unit is never billed twice for one

    def new_bill():  # this month's, for a unit not yet billed for it, or a month no unit has a bill for
        template = rng.choice(bills)
        current = clock_module.today().replace(day=1)
        billed = set(FeeBill.objects.filter(month=current, reversed_at__isnull=True).values_list("unit_id", flat=True))
        free = [u for u in template.estate.units.values_list("pk", flat=True) if u not in billed]
        if free and rng.random() < 0.5:
            when, unit = current, rng.choice(free)
        else:
            month[0] = tallies.next_month(month[0])
            when, unit = month[0], template.unit_id
        b = _clone(template, unit_id=unit, month=when, paid=0, amount=rng.randint(1000, 90000), reversed_at=None)
        made["bill"].append(b.pk)

    def pay():
        if made["bill"]:
            FeeBill.objects.filter(pk=rng.choice(made["bill"])).update(paid=F("amount") / rng.choice([1, 2, 3]))

    def reverse_bill():
        if made["bill"]:
            FeeBill.objects.filter(pk=rng.choice(made["bill"])).update(reversed_at=clock_module.now())

    def new_transaction():
        template = rng.choice(entries)
        tx = _clone(Transaction.objects.get(pk=template.transaction_id), date=clock_module.today(),
                    estate=rng.choice([yiwu, pacific]))
        accounts = list(LedgerAccount.objects.filter(estate=tx.estate))
        income = [a for a in accounts if a.code.startswith("income:")]
        spend = [a for a in accounts if a.code.startswith("expense:")]
        other = [a for a in accounts if not a.code.startswith(("income:", "expense:"))]
        amount = rng.randint(100, 50000)
        if income and other and (rng.random() < 0.5 or not spend):
            Entry.objects.bulk_create([Entry(transaction=tx, account=rng.choice(other), debit=amount),
                                       Entry(transaction=tx, account=rng.choice(income), credit=amount)])
        elif spend and other:
            Entry.objects.bulk_create([Entry(transaction=tx, account=rng.choice(spend), debit=amount),
                                       Entry(transaction=tx, account=rng.choice(other), credit=amount)])
        made["tx"].append(tx.pk)

    def new_meeting():
        m = _clone(rng.choice(meetings), scheduled_at=clock_module.now(),
                   status=rng.choice([MeetingStatus.CLOSED, MeetingStatus.PLANNED]))
        made["meeting"].append(m.pk)

    def change_meeting():
        if made["meeting"]:
            Meeting.objects.filter(pk=rng.choice(made["meeting"])).update(
                status=rng.choice(MeetingStatus.values), scheduled_at=F("scheduled_at") - rng.choice(STEPS),
                kind=rng.choice([m.kind for m in meetings]))

    def new_matter():
        made["matter"].append(_clone(rng.choice(matters), created_at=clock_module.now()).pk)

    def move_matter():
        if made["matter"]:
            there = rng.choice([yiwu, pacific])
            Matter.objects.filter(pk=rng.choice(made["matter"])).update(
                created_at=F("created_at") - rng.choice(STEPS), estate=there, community=None, subdistrict=None,
                district=None)

    def new_points():
        p = _clone(rng.choice(points), on=clock_module.today(), points=rng.choice([-2, 0, 1, 3, 5]),
                   source_id=None, estate=rng.choice([yiwu, pacific, None]))
        made["points"].append(p.pk)

    def new_order():
        there = rng.choice([yiwu, pacific])
        made["order"].append(_clone(rng.choice(orders), created_at=clock_module.now(), estate=there,
                                    community_id=there.community_id, status=OrderStatus.ORDERED, satisfaction=None).pk)

    def change_order():
        if made["order"]:
            Order.objects.filter(pk=rng.choice(made["order"])).update(
                status=rng.choice(OrderStatus.values), satisfaction=rng.choice([None, 2, 4, 5]),
                kind=rng.choice(OrderKind.values), created_at=F("created_at") - rng.choice(STEPS))

    def delete():
        # points and posted entries are append-only (the database refuses to delete them)
        kind = rng.choice([k for k in ("bill", "meeting", "matter", "order") if made[k]] or ["none"])
        if kind == "none":
            return
        pk = made[kind].pop(rng.randrange(len(made[kind])))
        {"bill": FeeBill, "meeting": Meeting, "matter": Matter, "order": Order}[kind].objects.filter(pk=pk).delete()

    actions = [new_bill, new_bill, pay, reverse_bill, new_transaction, new_transaction, new_meeting, change_meeting,
               new_matter, move_matter, new_points, new_points, new_order, new_order, change_order, change_order, delete]
    for anchor in ANCHORS:
        clock.set(anchor)
        for _ in range(14):
            rng.choice(actions)()
            clock.set(clock_module.now() + rng.choice(STEPS[:3]))
        assert_agree(clock_module.today())
    assert tallies.differences() == {}
    created = {k: len(v) for k, v in made.items()}
    assert sum(created.values()) > 10, created


def test_a_meeting_counts_on_its_local_day_and_month_not_the_utc_one(clock, world):
    """Held at 23:30 on 31 December and 00:30 on 1 January (Shanghai): both are 31 December in UTC."""
    yiwu = estate(YIWU)
    template = Meeting.objects.filter(estate=yiwu).first() or Meeting.objects.first()
    kind = template.kind

    def held(start, end):
        return tallies.sums("meetings", "estate", yiwu.pk, start, end).by_key("held").get(kind, 0)

    december = (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
    january = (datetime.date(2027, 1, 1), datetime.date(2027, 1, 31))
    before = held(*december), held(*january), held(datetime.date(2026, 12, 31), datetime.date(2026, 12, 31))
    for at in ("2026-12-31 23:30", "2027-01-01 00:30"):
        clock.set(at)
        _clone(Meeting.objects.get(pk=template.pk), estate=yiwu, community=None, subdistrict=None, district=None,
               scheduled_at=clock_module.now(), status=MeetingStatus.CLOSED)
    after = held(*december), held(*january), held(datetime.date(2026, 12, 31), datetime.date(2026, 12, 31))
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]


def test_a_community_counts_its_own_meetings_and_its_estates(clock, world):
    yiwu = estate(YIWU)
    clock.set("2027-03-10 10:00")
    template = Meeting.objects.first()
    today = clock_module.today()

    def held(level, pk):
        return sum(tallies.sums("meetings", level, pk, today, today).by_key("held").values())

    community, sub = yiwu.community, yiwu.community.subdistrict
    before = held("estate", yiwu.pk), held("community", community.pk), held("subdistrict", sub.pk)
    _clone(Meeting.objects.get(pk=template.pk), estate=yiwu, community=None, subdistrict=None, district=None,
           scheduled_at=clock_module.now(), status=MeetingStatus.CLOSED)
    _clone(Meeting.objects.get(pk=template.pk), estate=None, community=community, subdistrict=None, district=None,
           scheduled_at=clock_module.now(), status=MeetingStatus.CLOSED)
    after = held("estate", yiwu.pk), held("community", community.pk), held("subdistrict", sub.pk)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 2, 2]


def test_the_dashboard_reads_the_figures_rows_and_rebuild_puts_them_right(clock, persona):
    """A wrong row shows on the dashboard (its figures come from the rows), `--check` reports it without
    changing it, a rebuild puts it right, and a second rebuild changes nothing."""
    from gongzhi.dashboard.selectors import dashboard

    yiwu = estate(YIWU)
    bill = FeeBill.objects.filter(estate=yiwu, reversed_at__isnull=True).order_by("month").last()
    month = bill.month
    period = f"{month:%Y-%m}"
    officer = persona("wuganbu")
    place = f"estate:{yiwu.pk}"

    def billed():
        board = dashboard(fetched_by=officer, place=place, period=period)
        money = next(s for s in board.sections if s.key == "money")
        return next(f for f in money.figures if f.key == "billed").value

    right = billed()
    assert right == Decimal(sum(FeeBill.objects.filter(estate=yiwu, month=month, reversed_at__isnull=True)
                                .values_list("amount", flat=True))) / 100
    Tally.objects.filter(source="fees", figure="billed", estate_id=yiwu.pk, day=month).update(n=F("n") + 123400)
    assert billed() == right + 1234
    with pytest.raises(CommandError) as differ:
        run_command("rollups_rebuild", "--check")
    assert str(differ.value).startswith(DIFFERENT)
    assert billed() == right + 1234  # reported, not changed
    run_command("rollups_rebuild")
    assert billed() == right
    rows = sorted(Tally.objects.values_list(*tallies.KEY, "n"))
    run_command("rollups_rebuild")
    assert sorted(Tally.objects.values_list(*tallies.KEY, "n")) == rows
    code, out, _err = run_command("rollups_rebuild", "--check")
    assert code == 0 and "一致" in out


def test_the_requests_section_shows_orders_from_the_figures_rows(clock, persona):
    """三单制: orders placed, completed and the satisfaction rate in the period, beside last year's."""
    from gongzhi.dashboard.selectors import dashboard

    yiwu = estate(YIWU)
    clock.set("2027-04-10 10:00")
    template = Order.objects.first()
    for status, satisfaction in ((OrderStatus.DONE, 5), (OrderStatus.DONE, 2), (OrderStatus.DONE, 4),
                                 (OrderStatus.ORDERED, None)):
        _clone(Order.objects.get(pk=template.pk), estate=yiwu, community_id=yiwu.community_id,
               created_at=clock_module.now(), status=status, satisfaction=satisfaction)
    board = dashboard(fetched_by=persona("wuganbu"), place=f"estate:{yiwu.pk}", period="2027-04")
    figures = {f.key: f for f in next(s for s in board.sections if s.key == "requests").figures}
    assert (figures["orders"].value, figures["orders_done"].value) == (4, 3)
    assert figures["orders_satisfaction"].value == pytest.approx(66.7, abs=0.1)
    assert figures["orders"].last_year == Order.objects.filter(
        estate=yiwu, created_at__gte=clock_module.at(datetime.date(2026, 4, 1)),
        created_at__lt=clock_module.at(datetime.date(2026, 5, 1))).count()


def test_taking_away_never_makes_a_row(world):
    """With the rows emptied first (a test database cleared table by table), deleting records leaves no
    negative rows behind."""
    Tally.objects.all().delete()
    assert FeeBill.objects.filter(payments__isnull=True).exists() and Matter.objects.exists()
    FeeBill.objects.filter(payments__isnull=True).delete()
    assert not Tally.objects.exists()


def test_the_place_columns_follow_the_place_tree(world):
    """A district's figure is its subdistricts' figures added up; a subdistrict's, its communities'."""
    today = clock_module.today()
    start = today - datetime.timedelta(days=800)
    for source, figure in (("fees", "billed"), ("journal", "credit"), ("meetings", "held"), ("points", "points")):
        for sub in Subdistrict.objects.all():
            below = sum(tallies.sums(source, "community", c.pk, start, today).total(figure)
                        for c in Community.objects.filter(subdistrict=sub))
            own = tallies.sums(source, "subdistrict", sub.pk, start, today).total(figure)
            if source != "meetings":  # a subdistrict's own meetings hang above its communities
                assert own == below, (source, sub)
            else:
                assert own >= below
    assert Estate.objects.exists()


# --- PostgreSQL: concurrent writers of one row ----------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_in_one_estate_month_all_count(world):
    """Twenty bills of one estate and month are paid at the same moment: each transaction adds to the same
    month row; none of the amounts is lost."""
    yiwu = estate(YIWU)
    template = FeeBill.objects.filter(estate=yiwu).first()
    month = datetime.date(2031, 5, 1)
    units = list(yiwu.units.values_list("pk", flat=True)[:20])
    bills = [_clone(FeeBill.objects.get(pk=template.pk), unit_id=u, month=month, amount=10000, paid=0,
                    reversed_at=None).pk for u in units]

    def paid():
        return tallies.sums("fees", "estate", yiwu.pk, month, datetime.date(2031, 5, 31)).total("paid")

    assert paid() == 0
    results = race([lambda pk=pk: FeeBill.objects.filter(pk=pk).update(paid=5000) for pk in bills])
    assert results == [1] * len(bills), results
    assert paid() == 5000 * len(bills)
    assert tallies.differences() == {}
