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
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Replace

from gongzhi import synthetic
from gongzhi.core.audit import audit_record
from gongzhi.people.models import Ownership, PartyMember, Person
from gongzhi.places.choices import AuditAction
from gongzhi.places.models import Building, Community, District, Estate, Subdistrict, Unit

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

    @property
    def units_per_second(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0

    @property
    def rows(self) -> int:
        return self.units + self.persons + self.ownerships + self.party_members + self.estates + self.buildings


class _Writer:
    """Buffers rows per table and flushes them with executemany."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.buffers: dict[type, tuple[list[str], list[tuple]]] = {}

    def add(self, model, columns: list[str], row: tuple) -> None:
        buffer = self.buffers.setdefault(model, (columns, []))[1]
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush(model)

    def flush(self, model=None) -> None:
        for m in [model] if model else list(self.buffers):
            columns, rows = self.buffers.get(m, ([], []))
            if not rows:
                continue
            table = connection.ops.quote_name(m._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(c) for c in columns)
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


def seed(units: int, *, rng_seed: int = 1, progress: Callable[[int], None] | None = None) -> SeedResult:
    started = time.perf_counter()
    rng = random.Random(rng_seed)
    result = SeedResult()
    _tune_sqlite()
    result.removed_units = remove_unfinished()
    ids = {m: _next_id(m) for m in (District, Subdistrict, Community, Estate, Building, Unit, Person, Ownership, PartyMember)}
    ids_at_start = ids[District]
    with connection.cursor() as cursor:
        writer = _Writer(cursor)
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
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _reset_sequences()
        # the city is finished: its districts lose the mark, with the audit record, in one transaction
        District.objects.filter(pk__gte=ids_at_start, name__startswith=NAME, name__endswith=UNFINISHED).update(
            name=Replace("name", Value(UNFINISHED), Value("")))
        district = District.objects.order_by("-pk").first()
        audit_record(None, AuditAction.SEED_GENERATE, district, after={
            "units": result.units, "persons": result.persons, "removed_unfinished_units": result.removed_units})
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
    with transaction.atomic():
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


def _generate(writer: _Writer, ids: dict, rng: random.Random, target: int, result: SeedResult, progress):
    """Writes the city estate by estate, yielding each estate's unit count."""
    def take(model) -> int:
        value = ids[model]
        ids[model] += 1
        return value

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
                    _estate(writer, take, rng, community, f"第{e}小区", size, result,
                            unit_cols, person_cols, own_cols, party_cols)
                    done += size
                    if progress:
                        progress(size)
                    yield size


def _estate(writer, take, rng, community, name, size, result, unit_cols, person_cols, own_cols, party_cols):
    estate = take(Estate)
    writer.add(Estate, ["id", "community_id", "grid_id", "name", "address", "household_count", "property_service", "aliases"],
               (estate, community, None, name, "", size, rng.choice(("property_company", "none", "community_service_company")),
                "[]"))
    result.estates += 1
    developer = None
    per_building = rng.choice((24, 48, 72, 108))
    recent: list[int] = []
    building = None
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

    models = [District, Subdistrict, Community, Estate, Building, Unit, Person, Ownership, PartyMember]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
