"""A realistic synthetic city at scale: districts … units, owners (some with several flats, some
co-owners), developer-held units and party members, written by bulk insert.

The rows are generated as plain tuples and written with executemany in large batches, committed
every CHUNK units: model instances and per-row audit would cost more than the insert itself. One
audit record notes the whole seed.

An interrupted seed (killed, out of disk) keeps the estates of the chunks it committed. Its districts
carry UNFINISHED in their names until the last step, which removes it in the transaction that writes
the audit record: a city whose districts still carry it is unfinished. The next run removes every
unfinished city first, then seeds from the start, so a rerun never leaves a half city beside a whole
one (with the same --seed it writes the same city under the same names).

With `requests`, the city also gets that many residents' requests over the last five years (see
_requests), written after its units and before the mark comes off: an interruption while they are
written leaves the city unfinished, and the rerun removes it with its requests.

On PostgreSQL every table is written with COPY (psycopg's cursor.copy), elsewhere with executemany.
"""

import bisect
import datetime
import itertools
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Replace

from gongzhi import synthetic
from gongzhi.bodies.choices import OrgKind
from gongzhi.bodies.models import Organisation
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.people.models import Ownership, PartyMember, Person
from gongzhi.places.choices import AuditAction
from gongzhi.places.models import Building, Community, District, Estate, Subdistrict, Unit
from gongzhi.requests.choices import LEVEL_HANDLER, Category, Channel, EventKind, Level, Status, Tier
from gongzhi.requests.models import Event, Request, RequestRollup, Summons
from gongzhi.requests.routing import DEFAULT_ROUTES

BATCH = 20_000
CHUNK = 200_000
NAME = "合成区"  # a seeded district's name: 合成区<run>-<n>, <run> being the first district id of the run
UNFINISHED = "（生成中）"  # in a district's name until its seed has finished


@dataclass
class SeedResult:
    units: int = 0
    persons: int = 0
    ownerships: int = 0
    party_members: int = 0
    estates: int = 0
    buildings: int = 0
    seconds: float = 0.0
    removed_units: int = 0  # units of the unfinished city (an interrupted run) removed before seeding
    requests: int = 0
    events: int = 0
    summonses: int = 0
    estate_rows: list = field(default_factory=list, repr=False)  # (estate, community, subdistrict, size, unit, building, per_building)

    @property
    def units_per_second(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0

    @property
    def rows(self) -> int:
        return (self.units + self.persons + self.ownerships + self.party_members + self.estates + self.buildings
                + self.requests + self.events + self.summonses)


class _Writer:
    """Buffers rows per table and flushes them with COPY (PostgreSQL) or executemany.

    `first` names tables whose buffered rows go before another's: {Request: Summons} writes the summonses
    of the buffered requests before them (foreign keys are checked at commit). A summons' row trigger then
    finds no request to move a figure of, and the requests' statement trigger counts them summoned as it
    counts them: one grouped upsert instead of a lookup and an update for every summons."""

    def __init__(self, cursor, first: dict | None = None):
        self.cursor = cursor
        self.buffers: dict[type, tuple[list[str], list[tuple]]] = {}
        self.first = first or {}

    def add(self, model, columns: list[str], row: tuple) -> None:
        buffer = self.buffers.setdefault(model, (columns, []))[1]
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush(model)

    def flush(self, model=None) -> None:
        for m in [model] if model else list(self.buffers):
            if m in self.first:
                self.flush(self.first[m])
            columns, rows = self.buffers.get(m, ([], []))
            if not rows:
                continue
            table = connection.ops.quote_name(m._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(c) for c in columns)
            if connection.vendor == "postgresql":
                with self.cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                self.cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
            rows.clear()


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _tune_sqlite() -> None:
    """Millions of index inserts: give this connection a large page cache (the default 2 MB makes
    every B-tree insert go to disk once the indexes outgrow it)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:  # pragmas refuse to run in one
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -524288")  # 512 MiB, this connection only
            cursor.execute("PRAGMA temp_store = MEMORY")


def seed(units: int, *, requests: int = 0, rng_seed: int = 1, progress: Callable[[int], None] | None = None,
         request_progress: Callable[[int], None] | None = None) -> SeedResult:
    started = time.perf_counter()
    rng = random.Random(rng_seed)
    result = SeedResult()
    _tune_sqlite()
    result.removed_units = remove_unfinished()
    ids = {m: _next_id(m) for m in (District, Subdistrict, Community, Estate, Building, Unit, Person, Ownership, PartyMember,
                                    Request, Event, Summons)}
    ids_at_start = ids[District]
    with connection.cursor() as cursor:
        writer = _Writer(cursor, first={Request: Summons})
        estates = _generate(writer, ids, rng, units, result, progress)
        # Commit every CHUNK units: one transaction over millions of rows makes SQLite's WAL, and
        # every lookup in it, grow without bound. A chunk holds whole estates, so foreign keys
        # (checked at commit) always find their rows.
        more = True
        while more:
            with transaction.atomic():
                written = 0
                for size in estates:
                    written += size
                    if written >= CHUNK:
                        break
                else:
                    more = False
                writer.flush()
        if requests:
            _requests(writer, ids, random.Random(rng_seed + 1), requests, result, request_progress)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _reset_sequences()
        # the city is finished: its districts lose the mark, with the audit record, in one transaction
        District.objects.filter(pk__gte=ids_at_start, name__startswith=NAME, name__endswith=UNFINISHED).update(
            name=Replace("name", Value(UNFINISHED), Value("")))
        district = District.objects.order_by("-pk").first()
        audit_record(None, AuditAction.SEED_GENERATE, district, after={
            "units": result.units, "persons": result.persons, "requests": result.requests,
            "removed_unfinished_units": result.removed_units})
    if connection.vendor == "postgresql":
        # Fresh statistics for every table the seed wrote (and the rollups its triggers kept), or the planner
        # guesses from the empty tables it saw before: 250 estates for 2,063 walked every estate against its units.
        written = {m._meta.db_table for m in writer.buffers} | {
            m._meta.db_table for m in (Unit, Person, Ownership, Request, Event, Summons, RequestRollup)}
        with connection.cursor() as cursor:
            for table in sorted(written):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    result.seconds = time.perf_counter() - started
    return result


def _delete(queryset) -> int:
    """Delete the rows of a query in one statement, without loading them (the ORM would collect every
    row and its relations in memory to cascade)."""
    model = queryset.model
    select, params = queryset.values("pk").query.sql_with_params()
    table, pk = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({select})", params)
        return cursor.rowcount


def remove_unfinished() -> int:
    """Remove every unfinished city (districts still marked UNFINISHED) with everything the seed wrote
    in it, in one transaction; the number of its units. Foreign keys are checked at commit, so the
    people are found through their ownerships before those go."""
    districts = District.objects.filter(name__startswith=NAME, name__endswith=UNFINISHED)
    if not districts.exists():
        return 0
    estates = Estate.objects.filter(community__subdistrict__district__in=districts)
    units = Unit.objects.filter(estate__in=estates)
    owners = Ownership.objects.filter(unit__in=units)
    # the seed's people own only its units; anyone who also owns elsewhere stays
    people = Person.objects.filter(pk__in=owners.values("person_id")).exclude(
        pk__in=Ownership.objects.exclude(unit__in=units).values("person_id"))
    requests = Request.objects.filter(estate__in=estates)
    with transaction.atomic():
        _delete(Summons.objects.filter(request__in=requests))
        _delete(Event.objects.filter(request__in=requests))
        _delete(requests)
        _delete(Organisation.objects.filter(district__in=districts, kind=OrgKind.DEPARTMENT))
        _delete(PartyMember.objects.filter(person__in=people))
        _delete(people)
        _delete(owners)
        removed = _delete(units)
        _delete(Building.objects.filter(estate__in=estates))
        _delete(estates)
        _delete(Community.objects.filter(subdistrict__district__in=districts))
        _delete(Subdistrict.objects.filter(district__in=districts))
        _delete(districts)
    return removed


class _Taker:
    """Hands out the next primary key of each model (the seed writes its own ids)."""

    def __init__(self, ids: dict):
        self.ids = ids

    def __call__(self, model) -> int:
        value = self.ids[model]
        self.ids[model] += 1
        return value

    def peek(self, model) -> int:
        return self.ids[model]


def _generate(writer: _Writer, ids: dict, rng: random.Random, target: int, result: SeedResult, progress):
    """Writes the city estate by estate, yielding each estate's unit count."""
    take = _Taker(ids)

    unit_cols = ["id", "estate_id", "building_id", "entrance_id", "code", "area", "kind"]
    person_cols = ["id", "kind", "name", "phone", "id_number", "user_id"]
    own_cols = ["id", "unit_id", "person_id", "since", "until"]
    party_cols = ["id", "person_id", "status", "work_unit", "registered_community_id", "registered_on"]
    suffix = ids[District]
    done = 0
    district_no = 0
    while done < target:
        district_no += 1
        district = take(District)
        writer.add(District, ["id", "name", "committee_max_term_years"],
                   (district, f"{NAME}{suffix}-{district_no}{UNFINISHED}", None))
        for s in range(1, 7):
            if done >= target:
                break
            sub = take(Subdistrict)
            writer.add(Subdistrict, ["id", "district_id", "name", "committee_max_term_years", "code"],
                       (sub, district, f"第{s}街道", None, ""))
            for c in range(1, 9):
                if done >= target:
                    break
                community = take(Community)
                writer.add(Community, ["id", "subdistrict_id", "name"], (community, sub, f"第{c}社区"))
                for e in range(1, 9):
                    if done >= target:
                        break
                    size = min(rng.choice((60, 120, 300, 600, 900, 1500, 3000)), target - done)
                    _estate(writer, take, rng, (community, sub), f"第{e}小区", size, result,
                            unit_cols, person_cols, own_cols, party_cols)
                    done += size
                    if progress:
                        progress(size)
                    yield size


def _estate(writer, take, rng, place, name, size, result, unit_cols, person_cols, own_cols, party_cols):
    community, sub = place
    estate = take(Estate)
    writer.add(Estate, ["id", "community_id", "grid_id", "name", "address", "household_count", "property_service", "aliases"],
               (estate, community, None, name, "", size, rng.choice(("property_company", "none", "community_service_company")),
                "[]"))
    result.estates += 1
    developer = None
    per_building = rng.choice((24, 48, 72, 108))
    recent: list[int] = []
    building = None
    result.estate_rows.append((estate, community, sub, size, take.peek(Unit), take.peek(Building), per_building))
    for i in range(size):
        if i % per_building == 0:
            building = take(Building)
            writer.add(Building, ["id", "estate_id", "code", "floors"], (building, estate, str(i // per_building + 1), 18))
            result.buildings += 1
        unit = take(Unit)
        floor, flat = divmod(i % per_building, 4)
        code = f"{i // per_building + 1}-1-{floor + 1}{flat + 1:02d}"
        kind = "parking" if i % 40 == 39 else "residential"
        writer.add(Unit, unit_cols, (unit, estate, building, None, code, f"{rng.uniform(45, 160):.2f}", kind))
        roll = rng.random()
        if roll < 0.03:  # unsold or undelivered: still the developer's
            if developer is None:
                developer = take(Person)
                writer.add(Person, person_cols, (developer, "developer", f"{name}置业有限公司", "", "", None))
                result.persons += 1
            owners = [developer]
        elif roll < 0.08 and recent:  # an owner with several flats in the estate
            owners = [rng.choice(recent)]
        else:
            owners = [_person(writer, take, rng, person_cols, party_cols, community, result)]
            if roll > 0.98:  # co-owners
                owners.append(_person(writer, take, rng, person_cols, party_cols, community, result))
            recent.append(owners[0])
            if len(recent) > 50:
                recent.pop(0)
        for person in owners:
            writer.add(Ownership, own_cols, (take(Ownership), unit, person, None, None))
            result.ownerships += 1
        result.units += 1


def _person(writer, take, rng, person_cols, party_cols, community, result) -> int:
    person = take(Person)
    writer.add(Person, person_cols, (person, "natural", synthetic.person_name(rng), synthetic.phone(rng),
                                     synthetic.id_number(rng), None))
    result.persons += 1
    if rng.random() < 0.04:
        status = "in_service" if rng.random() < 0.6 else "retired"
        writer.add(PartyMember, party_cols, (take(PartyMember), person, status, "", community, None))
        result.party_members += 1
    return person


def _reset_sequences() -> None:
    from django.core.management.color import no_style

    models = [District, Subdistrict, Community, Estate, Building, Unit, Person, Ownership, PartyMember, Request, Event,
              Summons]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


# --- requests ---------------------------------------------------------------------------------------
REQUEST_CHUNK = 100_000  # requests a transaction (with their events and summonses)
YEARS = 5
GROWTH = 1.10  # the volume of requests a year grows by 10% as more residents use the service
# Complaints (投诉: disputes with neighbours or the property company, noise, things thrown from
# windows) fall about 20% a year against that growth, as in the seeds' "complaints −20%".
COMPLAINTS = frozenset({Category.NOISE, Category.NEIGHBOUR_DISPUTE, Category.HIGH_THROW, Category.FEE_DISPUTE})
COMPLAINTS_YEARLY = 0.8 / GROWTH
CATEGORY_WEIGHTS = {
    Category.CLEANING: 14, Category.LIGHTING: 9, Category.MINOR_REPAIR: 12, Category.LIFT: 7, Category.PIPES: 9,
    Category.UTILITIES: 7, Category.ROADS: 3, Category.FLYING_WIRE: 2, Category.PARKING: 6, Category.NOISE: 7,
    Category.NEIGHBOUR_DISPUTE: 5, Category.HIGH_THROW: 1.5, Category.GREENERY: 4, Category.SECURITY: 3,
    Category.RENOVATION: 3, Category.POLES_CABLES: 1.5, Category.FEE_DISPUTE: 4, Category.OTHER: 5,
}
PHRASES = {
    Category.CLEANING: ("楼道垃圾没人清理", "垃圾桶满了没有清运"), Category.LIGHTING: ("楼道灯不亮", "路灯坏了"),
    Category.MINOR_REPAIR: ("单元门关不上", "楼道窗户玻璃破了"), Category.LIFT: ("电梯停运", "电梯门夹人"),
    Category.PIPES: ("下水道堵塞", "楼上漏水"), Category.UTILITIES: ("停水没有通知", "暖气不热"),
    Category.ROADS: ("小区路面破损", "井盖松动"), Category.FLYING_WIRE: ("楼道飞线充电",),
    Category.PARKING: ("车辆堵住消防通道", "车位被占"), Category.NOISE: ("夜间装修噪音", "广场舞音响太吵"),
    Category.NEIGHBOUR_DISPUTE: ("邻居占用公共楼道", "楼上养狗扰民"), Category.HIGH_THROW: ("高空抛物",),
    Category.GREENERY: ("树枝挡住窗户", "草坪无人养护"), Category.SECURITY: ("门禁损坏", "监控不能用"),
    Category.RENOVATION: ("装修垃圾乱堆",), Category.POLES_CABLES: ("线缆垂落",),
    Category.FEE_DISPUTE: ("物业费收费不明", "公共收益未公示"), Category.OTHER: ("其他问题",),
}
CHANNELS = ((Channel.WEB, 45), (Channel.PHONE, 25), (Channel.BUILDING_HEAD, 12), (Channel.VISIT, 8), (Channel.PATROL, 10))
# When residents write, by local hour (few at night, most in the morning and the evening).
HOURS = (1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 8, 6, 7, 8, 8, 8, 9, 10, 10, 8, 6, 3, 2)
# The median hours to resolve, by tier (utilities: same day); spread log-normally.
MEDIAN_HOURS = {Tier.MINOR: 20.0, Tier.MAJOR: 90.0}
STUCK = 0.004  # requests that stay open long past their deadline
SATISFACTION = ((5, 50), (4, 30), (3, 10), (2, 6), (1, 4))

REQUEST_COLUMNS = [
    "id", "subdistrict_id", "community_id", "estate_id", "building_id", "unit_id", "place_text", "lat", "long",
    "media_url", "category", "description", "emergency", "channel", "requester_id", "contact_name", "contact_phone",
    "anonymous", "entered_by_id", "status", "tier", "level", "handler", "handler_user_id", "created_at", "respond_by",
    "respond_unit", "resolve_by", "resolve_unit", "deadline_estimated", "responded_at", "resolved_at",
    "first_resolved_at", "resolved_on_time", "resolution_note", "resolved_by_id", "closed_at", "auto_closed",
    "satisfaction", "satisfaction_comment", "reopen_count", "token", "updated_at"]
EVENT_COLUMNS = ["id", "request_id", "kind", "at", "actor_id", "level", "note", "against_user_id"]
SUMMONS_COLUMNS = ["id", "request_id", "department_id", "summoned_by_id", "summoned_at", "report_by", "reported_at",
                   "reported_by_id", "acted_at", "action_note", "overdue_notified"]


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng_random, values, cumulative):
    return values[bisect.bisect_right(cumulative, rng_random() * cumulative[-1])]


def _add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """`days` working days after `start`, counting weekends only (bulk rows: no holiday calendar)."""
    weekday = clock.local(start).weekday()
    calendar = days // 5 * 7
    for _ in range(days % 5):
        calendar += 1
        while (weekday + calendar) % 7 >= 5:
            calendar += 1
    while (weekday + calendar) % 7 >= 5:
        calendar += 1
    return start + datetime.timedelta(days=calendar)


def _creation_times(rng: random.Random, total: int, now: datetime.datetime):
    """`total` instants over the last YEARS years up to `now`, in order (request numbers grow with time,
    as the app's do), each with its age in years from the start (t): the volume grows GROWTH a year, and
    residents write at the local hours of HOURS. Each local day gets its exact share of the total."""
    today = clock.local_date(now)
    first_day = today.replace(year=today.year - YEARS)
    days = (today - first_day).days + 1
    span = GROWTH ** YEARS - 1
    hours = range(24)
    hours_cum = _cumulative(HOURS)
    handed = 0
    for d in range(days):
        upto = round(total * (GROWTH ** (YEARS * (d + 1) / days) - 1) / span) if d < days - 1 else total
        midnight = clock.at(first_day + datetime.timedelta(days=d))
        if d == days - 1:  # today: only the hours gone by
            seconds = sorted(rng.random() * (now - midnight).total_seconds() for _ in range(upto - handed))
        else:
            seconds = sorted((_pick(rng.random, hours, hours_cum) + rng.random()) * 3600 for _ in range(upto - handed))
        t = YEARS * d / days
        for second in seconds:
            yield t, midnight + datetime.timedelta(seconds=second)
        handed = upto


def _departments(ids_of_districts) -> dict[int, int]:
    """One department (成员单位) per seeded district for the subdistricts to summon: {district: org}."""
    made = {}
    for district in ids_of_districts:
        org = Organisation.objects.create(kind=OrgKind.DEPARTMENT, name="合成住建局", district_id=district,
                                          responsibilities=["housing", "urban_management"])
        made[district] = org.pk
    return made


def _requests(writer: _Writer, ids: dict, rng: random.Random, total: int, result: SeedResult, progress) -> None:
    """`total` requests over the last five years in the estates this run wrote, in chunks of REQUEST_CHUNK.

    Spread as a city's would be: estates weighted by their size; the volume growing GROWTH a year while
    complaints fall; local hours of the day; each category's route (handler, tier, deadlines); resolution
    times log-normal around the tier's median, so some are late; late ones more often escalated (a level
    reached of 3 or more summons the district's department); recent ones still open or awaiting the
    requester's confirmation; most closed ones rated. Each request has its submission event."""
    take = _Taker(ids)
    postgres = connection.vendor == "postgresql"
    dt = (lambda v: v) if postgres else (lambda v: None if v is None else connection.ops.adapt_datetimefield_value(v))
    token = (lambda v: v) if postgres else (lambda v: v.hex)
    estates = result.estate_rows
    by_size = _cumulative(size for _e, _c, _s, size, *_rest in estates)
    district_of = dict(Subdistrict.objects.filter(pk__in={s for _e, _c, s, *_r in estates}).values_list("pk", "district_id"))
    with transaction.atomic():
        departments = _departments(sorted(set(district_of.values())))
    for sub, district in district_of.items():
        district_of[sub] = departments[district]
    now = clock.now()
    categories = list(CATEGORY_WEIGHTS)
    by_month = [_cumulative(w * (COMPLAINTS_YEARLY ** (m / 12) if c in COMPLAINTS else 1.0)
                            for c, w in CATEGORY_WEIGHTS.items()) for m in range(YEARS * 12 + 1)]
    channels, channels_cum = [c for c, _w in CHANNELS], _cumulative(w for _c, w in CHANNELS)
    stars, stars_cum = [s for s, _w in SATISFACTION], _cumulative(w for _s, w in SATISFACTION)
    hour = datetime.timedelta(hours=1)
    confirm = datetime.timedelta(days=7)
    r = rng.random
    times = _creation_times(rng, total, now)
    done = 0
    while done < total:
        with transaction.atomic():
            for t, created in itertools.islice(times, REQUEST_CHUNK):
                category = _pick(r, categories, by_month[int(t * 12)])
                route = DEFAULT_ROUTES[category]
                estate, community, sub, size, first_unit, first_building, per_building = (
                    estates[bisect.bisect_right(by_size, r() * by_size[-1])])
                emergency = r() < 0.01
                respond_by = created + hour * (2 if emergency else route.response.amount)
                if route.resolve.unit == clock.Unit.HOURS:
                    resolve_by = created + hour * route.resolve.amount
                elif route.resolve.unit == clock.Unit.DAYS:
                    resolve_by = created + datetime.timedelta(days=route.resolve.amount)
                else:
                    resolve_by = _add_working_days(created, route.resolve.amount)
                median = 6.0 if route.resolve.unit == clock.Unit.HOURS else MEDIAN_HOURS[route.tier]
                took = hour * rng.lognormvariate(math.log(median), 1.0)
                resolved = created + took
                if resolved > now or r() < STUCK:
                    resolved = None
                late = (resolved or now) > resolve_by
                level = Level.ESTATE
                if r() < (0.45 if late else 0.02):
                    level = _pick(r, (2, 3, 4, 5), (70, 90, 97, 100))
                first_resolved, reopens = resolved, 0
                if resolved is not None and r() < 0.03:  # reopened once by the requester, then resolved again
                    first_resolved, reopens = created + took * 0.5, 1
                responded = created + hour * (0.2 + r() * (1.5 if emergency else 12))
                if responded > now:
                    responded = None
                status, closed, auto_closed, satisfaction = Status.IN_PROGRESS, None, False, None
                if resolved is None:
                    if responded is None:
                        status = Status.NEW
                else:
                    rated = r() < 0.75
                    closed = resolved + (confirm * r() if rated else confirm)
                    if closed > now:
                        status, closed = Status.RESOLVED, None
                    else:
                        status, auto_closed = Status.CLOSED, not rated
                        if rated:
                            satisfaction = _pick(r, stars, stars_cum)
                            if late and satisfaction > 3 and r() < 0.4:
                                satisfaction -= 2
                unit = first_unit + int(r() * size) if r() < 0.7 else None
                building = first_building + (unit - first_unit) // per_building if unit else None
                phrases = PHRASES[category]
                described = phrases[int(r() * len(phrases))]
                if building:
                    described = f"{(unit - first_unit) // per_building + 1}号楼{described}"
                request_id = take(Request)
                writer.add(Request, REQUEST_COLUMNS, (
                    request_id, sub, community, estate, building, unit, "", None, None,
                    "", category.value, described, emergency, _pick(r, channels, channels_cum).value, None,
                    synthetic.person_name(rng), synthetic.phone(rng), False, None,
                    status.value, route.tier.value, int(level),
                    (route.handler if level == Level.ESTATE else LEVEL_HANDLER[level]).value, None,
                    dt(created), dt(respond_by), clock.Unit.HOURS.value, dt(resolve_by), route.resolve.unit.value, False,
                    dt(responded), dt(resolved), dt(first_resolved),
                    None if first_resolved is None else first_resolved <= resolve_by,
                    "已处理" if resolved else "", None, dt(closed), auto_closed, satisfaction, "", reopens,
                    token(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    dt(closed or resolved or responded or created)))
                writer.add(Event, EVENT_COLUMNS, (take(Event), request_id, EventKind.SUBMITTED.value, dt(created), None,
                                                  1, "", None))
                result.events += 1
                if level >= Level.SUBDISTRICT:
                    summoned = created + hour * (24 + r() * 48)
                    reported = summoned + hour * r() * 30 if summoned < now and r() < 0.95 else None
                    writer.add(Summons, SUMMONS_COLUMNS, (
                        take(Summons), request_id, district_of[sub], None, dt(min(summoned, now)),
                        dt(min(summoned, now) + hour * 24), dt(reported if reported and reported < now else None),
                        None, None, "", False))
                    result.summonses += 1
                result.requests += 1
            writer.flush()
        step = min(REQUEST_CHUNK, total - done)
        done += step
        if progress:
            progress(step)
