"""The requests' figures rows (models.RequestRollup): the triggers that keep them, their rebuild, and the
read the metrics and the dashboard make of them.

What a request counts for is written once, as SQL (`_counts`), and used three ways: by the triggers (the
row a request was counted in loses its old counts, the row it belongs to now gains its new ones, in the
transaction that writes it), by the rebuild (the requests of a run of months counted again), and by the
test that compares both with a direct count. Every request is counted in its local day's row and its
local month's row; a read takes whole months from month rows and the days at either end from day rows.

PostgreSQL: statement triggers with transition tables (a COPY of 20,000 requests is one grouped upsert,
not 20,000), rows written in key order with INSERT … ON CONFLICT DO UPDATE SET n = n + delta, so that
concurrent writers of one row add up instead of overwriting each other. SQLite: row triggers. Summonses
move a request's `summoned` count when its first one is added or its last one removed.

Why triggers, not a task with a watermark: the figures are exact to the last commit (a page's figure and
its list agree the moment after a change), and no way of writing a request can miss them — the services,
the jobs' queryset updates, the seed's COPY, the admin, a test's factory. The cost is on the writer: one
upsert of two small rows per statement, and writers of one estate's category in one month queue for
that month's row until they commit (an intake transaction is short). Only `overdue`, which depends on
the instant, is still counted from the (open) requests by the reader.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Sum

from gongzhi.core import clock
from gongzhi.core.tallies import Source, days_q, local_day, month_of, month_start, next_month
from gongzhi.requests.choices import OPEN_STATUSES, Grain, Level, OrderStatus, Status

TABLE = "requests_requestrollup"
KEY = ("estate_id", "community_id", "subdistrict_id", "grain", "day", "category")
FIGURES = ("received", "done", "first_resolved", "on_time", "rated", "satisfied", "satisfaction_sum", "open",
           "reopened", "summoned", "timed", "resolve_us", *(f"level{v}" for v in Level.values))
LEVELS = tuple(Level.values)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _keys(vendor: str, r: str) -> dict[int, str]:
    """The day of each grain a request `r` is counted on."""
    day = local_day(vendor, f"{r}.created_at")
    month = month_of(vendor, day)
    return {Grain.DAY: day, Grain.MONTH: month}


def _counts(vendor: str, r: str, summoned: str) -> dict[str, str]:
    """Each figure of one request `r` (a table alias) as an SQL expression: 1 if it counts, else 0."""
    done = f"{r}.status IN {_in(DONE_STATUSES)}"
    if vendor == "postgresql":
        span = f"(EXTRACT(EPOCH FROM ({r}.resolved_at - {r}.created_at)) * 1000000)::bigint"
    else:
        span = f"django_timestamp_diff({r}.resolved_at, {r}.created_at)"
    timed = f"{done} AND {r}.resolved_at IS NOT NULL"
    counts = {
        "received": "1",
        "done": f"CASE WHEN {done} THEN 1 ELSE 0 END",
        "first_resolved": f"CASE WHEN {r}.resolved_on_time IS NOT NULL THEN 1 ELSE 0 END",
        "on_time": f"CASE WHEN {r}.resolved_on_time THEN 1 ELSE 0 END",
        "rated": f"CASE WHEN {r}.satisfaction IS NOT NULL THEN 1 ELSE 0 END",
        "satisfied": f"CASE WHEN {r}.satisfaction >= 4 THEN 1 ELSE 0 END",
        "satisfaction_sum": f"COALESCE({r}.satisfaction, 0)",
        "open": f"CASE WHEN {r}.status IN {_in(OPEN_STATUSES)} THEN 1 ELSE 0 END",
        "reopened": f"CASE WHEN {r}.reopen_count > 0 THEN 1 ELSE 0 END",
        "summoned": f"CASE WHEN {summoned} THEN 1 ELSE 0 END",
        "timed": f"CASE WHEN {timed} THEN 1 ELSE 0 END",
        "resolve_us": f"CASE WHEN {timed} THEN {span} ELSE 0 END",
        **{f"level{v}": f"CASE WHEN {r}.level = {v} THEN 1 ELSE 0 END" for v in LEVELS},
    }
    assert tuple(counts) == FIGURES
    return counts


def _exists_summons(r: str) -> str:
    return f"EXISTS (SELECT 1 FROM requests_summons s WHERE s.request_id = {r}.id)"


def _contributions(vendor: str, rows: str, sign: str, summoned: str, where: str = "") -> str:
    """Each request of `rows` twice (its day's row and its month's row) with its counts times `sign`."""
    keys = _keys(vendor, "r")
    counts = _counts(vendor, "r", summoned)
    day = f"CASE g.grain WHEN {Grain.DAY} THEN {keys[Grain.DAY]} ELSE {keys[Grain.MONTH]} END"
    figures = ", ".join(f"{sign} * ({expr}) AS {name}" for name, expr in counts.items())
    return (f"SELECT r.estate_id, r.community_id, r.subdistrict_id, g.grain, {day} AS day, r.category, {figures} "
            f"FROM {rows} r CROSS JOIN (SELECT {Grain.DAY} AS grain UNION ALL SELECT {Grain.MONTH}) AS g {where}")


def _upsert(parts: list[str]) -> str:
    """Sum the parts by key and add the sums to the rows (created at zero where missing), in key order."""
    keys = ", ".join(KEY)
    sums = ", ".join(f"SUM({f}) AS {f}" for f in FIGURES)
    changed = " OR ".join(f"SUM({f}) <> 0" for f in FIGURES)
    union = " UNION ALL ".join(parts)
    add = ", ".join(f"{f} = {TABLE}.{f} + EXCLUDED.{f}" for f in FIGURES)
    return (f"INSERT INTO {TABLE} ({keys}, {', '.join(FIGURES)}) SELECT {keys}, {sums} FROM ({union}) AS c "
            f"GROUP BY {keys} HAVING {changed} ORDER BY {keys} ON CONFLICT ({keys}) DO UPDATE SET {add}")


def _pg_summons_delta(sign: str, request: str) -> str:
    keys = _keys("postgresql", "r")
    return (f"UPDATE {TABLE} t SET summoned = t.summoned + ({sign}) FROM requests_request r "
            f"WHERE r.id = {request} AND t.estate_id = r.estate_id AND t.community_id = r.community_id "
            f"AND t.subdistrict_id = r.subdistrict_id AND t.category = r.category AND "
            f"((t.grain = {Grain.DAY} AND t.day = {keys[Grain.DAY]}) OR (t.grain = {Grain.MONTH} AND t.day = {keys[Grain.MONTH]}))")


def postgresql_install() -> list[str]:
    summoned = _exists_summons("r")
    return [
        f"""CREATE OR REPLACE FUNCTION requests_rollup_apply() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            {_upsert([_contributions("postgresql", "rollup_new", "1", summoned)])};
          ELSIF TG_OP = 'UPDATE' THEN
            {_upsert([_contributions("postgresql", "rollup_old", "-1", summoned),
                      _contributions("postgresql", "rollup_new", "1", summoned)])};
          ELSE
            {_upsert([_contributions("postgresql", "rollup_old", "-1", summoned)])};
          END IF;
          RETURN NULL;
        END; $$ LANGUAGE plpgsql;""",
        f"""CREATE OR REPLACE FUNCTION requests_rollup_summons() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            IF NOT EXISTS (SELECT 1 FROM requests_summons WHERE request_id = NEW.request_id AND id <> NEW.id) THEN
              {_pg_summons_delta("1", "NEW.request_id")};
            END IF;
          ELSIF NOT EXISTS (SELECT 1 FROM requests_summons WHERE request_id = OLD.request_id) THEN
            {_pg_summons_delta("-1", "OLD.request_id")};
          END IF;
          RETURN NULL;
        END; $$ LANGUAGE plpgsql;""",
        *postgresql_drop_triggers(),
        """CREATE TRIGGER requests_rollup_insert AFTER INSERT ON requests_request REFERENCING NEW TABLE AS rollup_new
        FOR EACH STATEMENT EXECUTE FUNCTION requests_rollup_apply();""",
        """CREATE TRIGGER requests_rollup_update AFTER UPDATE ON requests_request
        REFERENCING OLD TABLE AS rollup_old NEW TABLE AS rollup_new FOR EACH STATEMENT EXECUTE FUNCTION requests_rollup_apply();""",
        """CREATE TRIGGER requests_rollup_delete AFTER DELETE ON requests_request REFERENCING OLD TABLE AS rollup_old
        FOR EACH STATEMENT EXECUTE FUNCTION requests_rollup_apply();""",
        """CREATE TRIGGER requests_rollup_summons AFTER INSERT OR DELETE ON requests_summons
        FOR EACH ROW EXECUTE FUNCTION requests_rollup_summons();""",
    ]


def postgresql_drop_triggers() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS requests_rollup_{t} ON requests_request;" for t in ("insert", "update", "delete")] + [
        "DROP TRIGGER IF EXISTS requests_rollup_summons ON requests_summons;"]


def postgresql_uninstall() -> list[str]:
    return [*postgresql_drop_triggers(), "DROP FUNCTION IF EXISTS requests_rollup_apply();",
            "DROP FUNCTION IF EXISTS requests_rollup_summons();"]


# Which columns of a request its counts depend on: an update of others (a note, updated_at) moves nothing.
COUNTED_COLUMNS = ("estate_id", "community_id", "subdistrict_id", "created_at", "category", "status", "level",
                   "resolved_on_time", "satisfaction", "reopen_count", "resolved_at")


def _sqlite_apply(r: str, sign: str) -> list[str]:
    """Statements of a row trigger adding (sign 1) or taking away (-1) the counts of request `r` (NEW/OLD).
    Taking away never makes a row: the row it was counted in exists, unless the rollups were emptied first
    (a test database being cleared table by table), when there is nothing to take from."""
    keys = _keys("sqlite", r)
    counts = _counts("sqlite", r, _exists_summons(r))
    statements = []
    for grain, day in keys.items():
        if sign != "1":
            add = ", ".join(f"{f} = {f} + {sign} * ({expr})" for f, expr in counts.items())
            statements.append(
                f"UPDATE {TABLE} SET {add} WHERE estate_id = {r}.estate_id AND community_id = {r}.community_id "
                f"AND subdistrict_id = {r}.subdistrict_id AND grain = {grain} AND day = {day} "
                f"AND category = {r}.category;")
            continue
        statements.append(
            f"INSERT OR IGNORE INTO {TABLE} ({', '.join(KEY)}, {', '.join(FIGURES)}) VALUES "
            f"({r}.estate_id, {r}.community_id, {r}.subdistrict_id, {grain}, {day}, {r}.category, "
            f"{', '.join('0' for _f in FIGURES)});")
        add = ", ".join(f"{f} = {f} + {sign} * ({expr})" for f, expr in counts.items())
        statements.append(
            f"UPDATE {TABLE} SET {add} WHERE estate_id = {r}.estate_id AND community_id = {r}.community_id "
            f"AND subdistrict_id = {r}.subdistrict_id AND grain = {grain} AND day = {day} AND category = {r}.category;")
    return statements


def _sqlite_summons(sign: str, request: str) -> str:
    r = f"(SELECT {{c}} FROM requests_request WHERE id = {request})"
    created = r.format(c="created_at")
    day = local_day("sqlite", created)
    where = " AND ".join(f"{c} = {r.format(c=c)}" for c in ("estate_id", "community_id", "subdistrict_id", "category"))
    return (f"UPDATE {TABLE} SET summoned = summoned + ({sign}) WHERE {where} AND "
            f"((grain = {Grain.DAY} AND day = {day}) OR (grain = {Grain.MONTH} AND day = {month_of('sqlite', day)}));")


def sqlite_install() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COUNTED_COLUMNS)
    return [
        *sqlite_uninstall(),
        f"CREATE TRIGGER requests_rollup_insert AFTER INSERT ON requests_request BEGIN "
        f"{' '.join(_sqlite_apply('NEW', '1'))} END;",
        f"CREATE TRIGGER requests_rollup_update AFTER UPDATE ON requests_request WHEN {changed} BEGIN "
        f"{' '.join(_sqlite_apply('OLD', '-1') + _sqlite_apply('NEW', '1'))} END;",
        f"CREATE TRIGGER requests_rollup_delete AFTER DELETE ON requests_request BEGIN "
        f"{' '.join(_sqlite_apply('OLD', '-1'))} END;",
        "CREATE TRIGGER requests_rollup_summons_insert AFTER INSERT ON requests_summons WHEN NOT EXISTS "
        "(SELECT 1 FROM requests_summons WHERE request_id = NEW.request_id AND id <> NEW.id) BEGIN "
        f"{_sqlite_summons('1', 'NEW.request_id')} END;",
        "CREATE TRIGGER requests_rollup_summons_delete AFTER DELETE ON requests_summons WHEN NOT EXISTS "
        "(SELECT 1 FROM requests_summons WHERE request_id = OLD.request_id) BEGIN "
        f"{_sqlite_summons('-1', 'OLD.request_id')} END;",
    ]


def sqlite_uninstall() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS requests_rollup_{t};"
            for t in ("insert", "update", "delete", "summons_insert", "summons_delete")]


def install(schema_editor_or_cursor) -> None:  # anything with execute(sql)
    """(Re)create the triggers for this database (idempotent; the time zone is today's setting)."""
    vendor = connection.vendor
    for statement in {"postgresql": postgresql_install, "sqlite": sqlite_install}.get(vendor, list)():
        schema_editor_or_cursor.execute(statement)


def uninstall(schema_editor_or_cursor) -> None:
    for statement in {"postgresql": postgresql_uninstall, "sqlite": sqlite_uninstall}.get(connection.vendor, list)():
        schema_editor_or_cursor.execute(statement)


# --- rebuild ---------------------------------------------------------------------------------------------




@dataclass
class Rebuilt:
    start: datetime.date | None
    end: datetime.date | None  # exclusive: the first day after the run of whole months
    requests: int
    rows: int


def rebuild(start: datetime.date | None = None, end: datetime.date | None = None) -> Rebuilt:
    """Count the figures rows of the months from `start`'s to `end`'s again from the requests (all of them
    without a range). Idempotent; on PostgreSQL writers of requests wait meanwhile (SHARE lock), readers
    do not, and the rows change at commit, all at once; a second rebuild waits for the first."""
    vendor = connection.vendor
    lo = month_start(start) if start else None
    hi = next_month(end) if end else None
    where, params = [], []
    if lo is not None:
        where.append("r.created_at >= %s")
        params.append(clock.at(lo))
    if hi is not None:
        where.append("r.created_at < %s")
        params.append(clock.at(hi))
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    summoned = "r.id IN (SELECT request_id FROM requests_summons)"
    keys = ", ".join(KEY)
    sums = ", ".join(f"SUM({f})" for f in FIGURES)
    insert = (f"INSERT INTO {TABLE} ({keys}, {', '.join(FIGURES)}) SELECT {keys}, {sums} FROM "
              f"({_contributions(vendor, 'requests_request', '1', summoned, condition)}) AS c GROUP BY {keys}")
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":  # writers wait (in this order: a request's writer takes them in it too)
            cursor.execute("LOCK TABLE requests_request, requests_summons IN SHARE MODE")
            cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")  # and a second rebuild
        gone, day_params = [], []
        if lo is not None:
            gone.append("day >= %s")
            day_params.append(lo)
        if hi is not None:
            gone.append("day < %s")
            day_params.append(hi)
        cursor.execute(f"DELETE FROM {TABLE} {'WHERE ' + ' AND '.join(gone) if gone else ''}", day_params)
        cursor.execute(insert, params)
        rows = cursor.rowcount
        cursor.execute(f"SELECT COALESCE(SUM(received), 0) FROM {TABLE} WHERE grain = {Grain.MONTH}"
                       f"{' AND ' + ' AND '.join(gone) if gone else ''}", day_params)
        requests = int(cursor.fetchone()[0])
    return Rebuilt(lo, hi, requests, rows)


# --- read --------------------------------------------------------------------------------------------
PLACE_FIELDS = {"estate": "estate_id", "community": "community_id", "subdistrict": "subdistrict_id",
                "district": "subdistrict__district_id"}


@dataclass
class Counts:
    """The figures of the requests filed in a place on a run of local days."""

    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    by_category: dict[str, int] = field(default_factory=dict)  # received, by category

    def __getitem__(self, name: str) -> int:
        return self.totals[name]

    @property
    def by_level(self) -> dict[int, int]:
        """Received, by the level each request is at now."""
        return {v: self.totals[f"level{v}"] for v in LEVELS}

    def at_least(self, level: int) -> int:
        """Received that reached `level` or above."""
        return sum(self.totals[f"level{v}"] for v in LEVELS if v >= level)




def counts(level: str, pk: int, start: datetime.date, end: datetime.date) -> Counts:
    """The figures of a place's (estate, community, subdistrict or district) requests filed from `start` to
    `end` (local days, inclusive), summed from the figures rows: one query, a row per category."""
    from gongzhi.places.models import Subdistrict
    from gongzhi.requests.models import RequestRollup

    if level == "district":  # as literal ids: a join would make the database read every row of the table
        where = {"subdistrict_id__in": sorted(Subdistrict.objects.filter(district_id=pk).values_list("pk", flat=True))}
    else:
        where = {PLACE_FIELDS[level]: pk}
    rows = (RequestRollup.objects.filter(days_q(start, end), **where)
            .values("category").order_by().annotate(**{f"s_{f}": Sum(f) for f in FIGURES}))
    result = Counts()
    for row in rows:
        for f in FIGURES:
            result.totals[f] += row[f"s_{f}"] or 0
        if row["s_received"]:
            result.by_category[row["category"]] = row["s_received"]
    return result


def _stored(start: datetime.date | None, end: datetime.date | None) -> dict[tuple, tuple]:
    from gongzhi.requests.models import RequestRollup

    rows = RequestRollup.objects.all()
    if start is not None:
        rows = rows.filter(day__gte=month_start(start))
    if end is not None:
        rows = rows.filter(day__lt=next_month(end))
    names = ["estate_id", "community_id", "subdistrict_id", "grain", "day", "category"]
    return {tuple(r[:6]): tuple(r[6:]) for r in rows.values_list(*names, *FIGURES) if any(r[6:])}


def differences(start: datetime.date | None = None, end: datetime.date | None = None) -> dict[tuple, tuple]:
    """The figures rows of the months from `start`'s to `end`'s (all without a range) that differ from a
    count of the requests now: {key: (stored, counted)}; empty when they agree. Writes nothing (the count
    is a rebuild rolled back)."""
    with transaction.atomic():
        stored = _stored(start, end)
        rebuild(start, end)
        counted = _stored(start, end)
        transaction.set_rollback(True)
    return {key: (stored.get(key), counted.get(key)) for key in stored.keys() | counted.keys()
            if stored.get(key) != counted.get(key)}


# --- 三单制 orders' figures rows (core.tallies) ---------------------------------------------------------------
ORDERS = Source("orders", "requests_order", {
    "received": "1",
    "done": f"CASE WHEN r.status = '{OrderStatus.DONE.value}' THEN 1 ELSE 0 END",
    "rated": "CASE WHEN r.satisfaction IS NOT NULL THEN 1 ELSE 0 END",
    "satisfied": "CASE WHEN r.satisfaction >= 4 THEN 1 ELSE 0 END",
}, day="r.created_at", timestamp=True, key="r.kind", estate="r.estate_id", community="r.community_id")

SOURCES = (ORDERS,)
