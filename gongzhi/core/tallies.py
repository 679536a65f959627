"""Figures rows for the dashboard's flows (models.Tally): the triggers that keep them, their rebuild, and
the read the dashboard makes of them. The requests keep their own, wider rows (requests.rollups); every
other app that counts a flow over a period — fees billed and collected, common income and spending,
meetings held, matters proposed, party points, 三单制 orders — declares a `Source` here and installs its
triggers in a migration.

A source says, in SQL over its table (alias `r`, and any joins it names): which rows count, the local day
each counts on, its place (estate, and any higher place it hangs at directly), the breakdown key, and
each figure's amount. That one description is used three ways: by the triggers (in the transaction that
writes a record, the rows it was counted in lose its old amounts and the rows it belongs to now gain the
new ones), by the rebuild (the records counted again), and by `differences`, which the tests and
`rollups_rebuild --check` compare with a direct count.

PostgreSQL: statement triggers with transition tables (a bulk insert is one grouped upsert), rows written
in key order with INSERT … ON CONFLICT DO UPDATE SET n = n + delta, so concurrent writers of one row add
up. SQLite: row triggers, BEFORE a change to take the old amounts away and AFTER it to add the new. A
delete only takes away: it never makes a row (when the rows were emptied first, as a test database
cleared table by table, there is nothing to take from). What a source reads through a join (a journal
entry's transaction and account) is counted as it is when the record is written: those rows are
append-only in their apps.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum

from gongzhi.core.choices import Grain

TABLE = "core_tally"
KEY = ("source", "estate_id", "grain", "day", "community_id", "subdistrict_id", "district_id", "figure", "key")
PLACE_COLUMNS = {"estate": "estate_id", "community": "community_id", "subdistrict": "subdistrict_id",
                 "district": "district_id"}


# --- the local calendar in SQL (the requests' rollups use these too) ---------------------------------------
def local_day(vendor: str, column: str) -> str:
    """The local date of a timestamp column, as SQL."""
    zone = settings.TIME_ZONE
    if vendor == "postgresql":
        return f"(({column}) AT TIME ZONE '{zone}')::date"
    return f"django_datetime_cast_date({column}, '{zone}', 'UTC')"


def month_of(vendor: str, day: str) -> str:
    """The first day of the month of a date expression, as SQL."""
    if vendor == "postgresql":
        return f"date_trunc('month', ({day})::timestamp)::date"
    return f"(substr({day}, 1, 8) || '01')"


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def days_q(start: datetime.date, end: datetime.date) -> Q:
    """The rows that cover [start, end] (inclusive) exactly once: whole months from month rows, the days
    before the first and after the last whole month from day rows."""
    first = start if start.day == 1 else next_month(start)
    after = next_month(end)
    last = after if after - datetime.timedelta(days=1) == end else month_start(end)  # exclusive
    if first >= last:
        return Q(grain=Grain.DAY, day__gte=start, day__lte=end)
    q = Q(grain=Grain.MONTH, day__gte=first, day__lt=last)
    if start < first:
        q |= Q(grain=Grain.DAY, day__gte=start, day__lt=first)
    if last <= end:
        q |= Q(grain=Grain.DAY, day__gte=last, day__lte=end)
    return q


# --- sources -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """What one table's records count for. Every SQL text is over the record `r` and the `joins`."""

    name: str  # the Tally.source of its rows
    table: str
    figures: dict[str, str]  # figure → its amount for one record (1 to count it)
    day: str  # the date column it counts on …
    timestamp: bool = False  # … or a timestamp column, counted on its local day
    key: str = "''"  # the breakdown (a kind, an account code)
    where: str = "1 = 1"  # which records count
    joins: str = ""
    estate: str = "r.estate_id"  # NULL where the record does not hang at an estate
    community: str = "NULL"  # the record's own higher places, where it hangs above an estate
    subdistrict: str = "NULL"
    district: str = "NULL"
    grains: tuple[int, ...] = (Grain.DAY, Grain.MONTH)

    def __post_init__(self):
        assert self.name.isidentifier() and len(self.name) <= 24, self.name

    def day_sql(self, vendor: str) -> str:
        return local_day(vendor, self.day) if self.timestamp else self.day


SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Make a source known to the rebuild and the check (an app's apps.ready); its triggers come from its
    app's migration (install)."""
    SOURCES[source.name] = source
    return source


def _union(selects: list[str]) -> str:
    return " UNION ALL ".join(selects)


def _contributions(vendor: str, source: Source, rows: str, sign: int, where: str = "") -> str:
    """Each record of `rows` once per grain and figure, at its place and every place above it, with its
    amount times `sign`."""
    day = source.day_sql(vendor)
    grains = _union([f"SELECT {g} AS grain" for g in source.grains])
    figures = _union([f"SELECT '{f}' AS figure" for f in source.figures])
    amount = "CASE f.figure " + " ".join(f"WHEN '{f}' THEN ({expr})" for f, expr in source.figures.items()) + " END"
    condition = f"({source.where}){' AND ' + where if where else ''}"
    return (
        f"SELECT '{source.name}' AS source, COALESCE(pe.id, 0) AS estate_id, "
        f"CASE g.grain WHEN {Grain.DAY} THEN {day} ELSE {month_of(vendor, day)} END AS day, g.grain AS grain, "
        f"COALESCE(pc.id, 0) AS community_id, COALESCE(ps.id, 0) AS subdistrict_id, "
        f"COALESCE({source.district}, ps.district_id, 0) AS district_id, f.figure AS figure, "
        f"CAST({source.key} AS varchar(64)) AS key, CAST({sign} * ({amount}) AS bigint) AS n "
        f"FROM {rows} r {source.joins} "
        f"LEFT JOIN places_estate pe ON pe.id = {source.estate} "
        f"LEFT JOIN places_community pc ON pc.id = COALESCE({source.community}, pe.community_id) "
        f"LEFT JOIN places_subdistrict ps ON ps.id = COALESCE({source.subdistrict}, pc.subdistrict_id) "
        f"CROSS JOIN ({grains}) g CROSS JOIN ({figures}) f WHERE {condition}")


def _grouped(parts: list[str]) -> str:
    keys = ", ".join(KEY)
    return (f"SELECT {keys}, SUM(n) AS n FROM ({_union(parts)}) c WHERE 1 = 1 GROUP BY {keys} "
            f"HAVING SUM(n) <> 0 ORDER BY {keys}")


def _upsert(parts: list[str]) -> str:
    """Add the parts' sums to their rows (made at zero where missing), in key order."""
    keys = ", ".join(KEY)
    return (f"INSERT INTO {TABLE} ({keys}, n) {_grouped(parts)} "
            f"ON CONFLICT ({keys}) DO UPDATE SET n = {TABLE}.n + excluded.n")


def _take_away(part: str) -> str:
    """Subtract the part's sums from the rows they were added to (never making a row: when the figures
    rows were emptied first, as a test database cleared table by table, there is nothing to take from)."""
    match = " AND ".join(f"{TABLE}.{k} = c.{k}" for k in KEY)
    return f"UPDATE {TABLE} SET n = {TABLE}.n - c.n FROM ({_grouped([part])}) c WHERE {match}"


def _trigger(source: Source, what: str) -> str:
    return f"tally_{source.name}_{what}"


def postgresql_install(source: Source) -> list[str]:
    apply = _trigger(source, "apply")
    return [
        f"""CREATE OR REPLACE FUNCTION {apply}() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            {_upsert([_contributions("postgresql", source, "tally_new", 1)])};
          ELSIF TG_OP = 'UPDATE' THEN
            {_upsert([_contributions("postgresql", source, "tally_old", -1),
                      _contributions("postgresql", source, "tally_new", 1)])};
          ELSE
            {_take_away(_contributions("postgresql", source, "tally_old", 1))};
          END IF;
          RETURN NULL;
        END; $$ LANGUAGE plpgsql;""",
        *postgresql_drop_triggers(source),
        f"CREATE TRIGGER {_trigger(source, 'insert')} AFTER INSERT ON {source.table} REFERENCING NEW TABLE AS "
        f"tally_new FOR EACH STATEMENT EXECUTE FUNCTION {apply}();",
        f"CREATE TRIGGER {_trigger(source, 'update')} AFTER UPDATE ON {source.table} REFERENCING OLD TABLE AS "
        f"tally_old NEW TABLE AS tally_new FOR EACH STATEMENT EXECUTE FUNCTION {apply}();",
        f"CREATE TRIGGER {_trigger(source, 'delete')} AFTER DELETE ON {source.table} REFERENCING OLD TABLE AS "
        f"tally_old FOR EACH STATEMENT EXECUTE FUNCTION {apply}();",
    ]


def postgresql_drop_triggers(source: Source) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_trigger(source, t)} ON {source.table};" for t in ("insert", "update", "delete")]


def postgresql_uninstall(source: Source) -> list[str]:
    return [*postgresql_drop_triggers(source), f"DROP FUNCTION IF EXISTS {_trigger(source, 'apply')}();"]


def sqlite_install(source: Source) -> list[str]:
    table = source.table

    def add(row):
        return _upsert([_contributions("sqlite", source, table, 1, f"r.id = {row}.id")]) + ";"

    def take(row):
        return _take_away(_contributions("sqlite", source, table, 1, f"r.id = {row}.id")) + ";"

    return [
        *sqlite_uninstall(source),
        f"CREATE TRIGGER {_trigger(source, 'insert')} AFTER INSERT ON {table} BEGIN {add('NEW')} END;",
        f"CREATE TRIGGER {_trigger(source, 'unupdate')} BEFORE UPDATE ON {table} BEGIN {take('OLD')} END;",
        f"CREATE TRIGGER {_trigger(source, 'update')} AFTER UPDATE ON {table} BEGIN {add('NEW')} END;",
        f"CREATE TRIGGER {_trigger(source, 'delete')} BEFORE DELETE ON {table} BEGIN {take('OLD')} END;",
    ]


def sqlite_uninstall(source: Source) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_trigger(source, t)};" for t in ("insert", "unupdate", "update", "delete")]


def install(schema_editor_or_cursor, source: Source) -> None:  # anything with execute(sql)
    """(Re)create a source's triggers for this database (idempotent; the time zone is today's setting)."""
    for statement in {"postgresql": postgresql_install, "sqlite": sqlite_install}.get(connection.vendor,
                                                                                       lambda s: [])(source):
        schema_editor_or_cursor.execute(statement)


def uninstall(schema_editor_or_cursor, source: Source) -> None:
    for statement in {"postgresql": postgresql_uninstall, "sqlite": sqlite_uninstall}.get(connection.vendor,
                                                                                         lambda s: [])(source):
        schema_editor_or_cursor.execute(statement)


def migration(module: str):
    """The operation of an app's migration that installs the triggers of `module`'s SOURCES (its
    rollups.py) and counts the records already there; taken back, it drops them and their rows."""
    import importlib

    from django.db import migrations

    def forwards(apps, schema_editor):
        sources = importlib.import_module(module).SOURCES
        for source in sources:
            install(schema_editor, source)
        rebuild(sources=list(sources))

    def backwards(apps, schema_editor):
        sources = importlib.import_module(module).SOURCES
        for source in sources:
            uninstall(schema_editor, source)
        apps.get_model("core", "Tally").objects.filter(source__in=[s.name for s in sources]).delete()

    return migrations.RunPython(forwards, backwards)


# --- rebuild -------------------------------------------------------------------------------------------------
@dataclass
class Rebuilt:
    sources: list[str]
    rows: int


def rebuild(names: list[str] | None = None, sources: list[Source] | None = None) -> Rebuilt:
    """Count the figures rows of these sources (all registered ones by default) again from their records.
    Idempotent; on PostgreSQL the sources' writers wait meanwhile (SHARE lock), readers do not, and the
    rows change at commit, all at once. A migration passes its `sources` (the registry may not be filled)."""
    chosen = sources if sources is not None else [SOURCES[n] for n in (names or sorted(SOURCES))]
    vendor, rows = connection.vendor, 0
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql" and chosen:
            cursor.execute(f"LOCK TABLE {', '.join(s.table for s in chosen)} IN SHARE MODE")
            cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        for source in chosen:
            cursor.execute(f"DELETE FROM {TABLE} WHERE source = %s", [source.name])
            keys = ", ".join(KEY)
            cursor.execute(f"INSERT INTO {TABLE} ({keys}, n) "
                           f"{_grouped([_contributions(vendor, source, source.table, 1)])}")
            rows += max(cursor.rowcount, 0)
    return Rebuilt([s.name for s in chosen], rows)


def _stored(names: list[str]) -> dict[tuple, int]:
    from gongzhi.core.models import Tally

    return {tuple(r[:-1]): r[-1] for r in Tally.objects.filter(source__in=names).values_list(*KEY, "n") if r[-1]}


def differences(names: list[str] | None = None) -> dict[tuple, tuple]:
    """The figures rows of these sources (all by default) that differ from a count of their records now:
    {key: (stored, counted)}; empty when they agree. Writes nothing (the count is a rebuild rolled back)."""
    names = names or sorted(SOURCES)
    with transaction.atomic():
        stored = _stored(names)
        rebuild(names)
        counted = _stored(names)
        transaction.set_rollback(True)
    return {key: (stored.get(key), counted.get(key)) for key in stored.keys() | counted.keys()
            if stored.get(key) != counted.get(key)}


# --- read ------------------------------------------------------------------------------------------------------
@dataclass
class Sums:
    """A source's figures at a place over a run of days: {(figure, key): n}."""

    cells: dict[tuple[str, str], int] = field(default_factory=dict)

    def total(self, figure: str, prefix: str = "") -> int:
        return sum(n for (f, k), n in self.cells.items() if f == figure and k.startswith(prefix))

    def by_key(self, figure: str) -> dict[str, int]:
        return {k: n for (f, k), n in self.cells.items() if f == figure and n}


def _place_q(level: str, pk: int) -> Q:
    return Q(**{PLACE_COLUMNS[level]: pk})


def sums(source: str, level: str, pk: int, start: datetime.date, end: datetime.date) -> Sums:
    """A source's figures at a place (estate, community, subdistrict or district, and everything below it)
    from `start` to `end` (local days, inclusive): one query over the figures rows."""
    from gongzhi.core.models import Tally

    rows = (Tally.objects.filter(days_q(start, end), _place_q(level, pk), source=source)
            .values_list("figure", "key").order_by().annotate(total=Sum("n")))
    return Sums({(figure, key): total for figure, key, total in rows})


def by_month(source: str, figure: str, level: str, pk: int, first: datetime.date,
             last: datetime.date) -> dict[datetime.date, int]:
    """A figure at a place for each month from `first`'s to `last`'s: {first day of the month: n}."""
    from gongzhi.core.models import Tally

    rows = (Tally.objects.filter(_place_q(level, pk), source=source, figure=figure, grain=Grain.MONTH,
                                 day__gte=month_start(first), day__lt=next_month(last))
            .values_list("day").order_by().annotate(total=Sum("n")))
    return dict(rows)
