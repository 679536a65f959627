"""The transparency log: appending published records, proofs, and signed tree heads.

Other apps never write to the log tables: they register a record kind once
(`register_record_kind`) and call `publish(kind, obj)` inside their own transaction, so the
record and its leaf commit or roll back together. The same registered `content` function that
made the leaf re-derives it in `gongzhi verify --all`, which is how a database edit behind the
application's back is found.
"""

import gc
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, models, router, transaction

from gongzhi.core import clock
from gongzhi.notices import keys, merkle
from gongzhi.notices.formats import canonical_json, head_message
from gongzhi.notices.models import LogLeaf, LogNode, LogState, SignedTreeHead

ENTRY_VERSION = 1


@dataclass(frozen=True)
class RecordKind:
    name: str
    model: type[models.Model]
    # ids -> {id: content}: the single definition of what a leaf says about a record, used when
    # it is published and again by verify --all (reads rows in bulk, so 1M records stay fast).
    # Each content names its "community" and "estate" ({"id", "name"}); the leaf is filed there.
    contents: Callable[[list[int]], dict[int, dict]]
    # Which of these record ids may this user read in full (the others show only their hash)?
    visible_ids: Callable[[object, list[int]], set[int]]


_kinds: dict[str, RecordKind] = {}


def register_record_kind(kind: RecordKind) -> None:
    _kinds[kind.name] = kind


def record_kind(name: str) -> RecordKind:
    return _kinds[name]


def record_kinds() -> dict[str, RecordKind]:
    return dict(_kinds)


def entry_text(kind_name: str, ref_id: int, content: dict) -> str:
    return canonical_json({"v": ENTRY_VERSION, "kind": kind_name, "id": ref_id, "content": content})


def entries_for(kind: RecordKind, ids: list[int]) -> dict[int, str]:
    """The entries the records would have if published now, as the database holds them."""
    return {pk: entry_text(kind.name, pk, content) for pk, content in kind.contents(ids).items()}


# --- appending -----------------------------------------------------------------------------------
def lock() -> LogState:
    """Take the log's append lock (held to the end of the caller's transaction)."""
    LogState.objects.get_or_create(pk=1)
    return LogState.objects.select_for_update().get(pk=1)


def fetch_nodes(keys_: Iterable[merkle.Key]) -> dict[merkle.Key, bytes]:
    """The stored hashes of these blocks in one statement: an index probe per key on LogNode's
    primary key (a proof's nodes sit on different levels, so they are never one contiguous range).
    Raw SQL: building a queryset cost more than the read itself on a 25-key proof."""
    wanted = {LogNode.key_of(level, index): (level, index) for level, index in keys_}
    if not wanted:
        return {}
    connection = connections[router.db_for_read(LogNode)]
    table = connection.ops.quote_name(LogNode._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'SELECT "key", "hash" FROM {table} WHERE "key" = ANY(%s::bigint[])', [list(wanted)])
        else:  # a proof or a root needs at most ~130 keys, well under SQLite's bound-variable limit
            cursor.execute(f'SELECT "key", "hash" FROM {table} WHERE "key" IN ({", ".join(["%s"] * len(wanted))})',
                           list(wanted))
        return {wanted[key]: bytes(value) for key, value in cursor.fetchall()}


def _compact_tree(size: int) -> merkle.CompactTree:
    edge_keys = merkle.CompactTree.edge_keys(size)
    nodes = fetch_nodes(edge_keys)
    return merkle.CompactTree(size, [nodes[k] for k in edge_keys])


def append(kind_name: str, objs: list[models.Model]) -> list[LogLeaf]:
    """Append records as consecutive leaves (caller holds a transaction).

    Rows go in with COPY on PostgreSQL (executemany elsewhere) rather than bulk_create: a batch of
    5,000 records is 15,000 rows, and building model instances for the nodes was most of the time.
    """
    kind = _kinds[kind_name]
    with without_gc():
        # Serialise what the database now holds, read the way verify --all will read it.
        contents = kind.contents([obj.pk for obj in objs])
        state = lock()
        tree = _compact_tree(state.size)
        now = clock.now()
        leaf_rows, node_rows = [], []
        leaf_hash, tree_append, key_of = merkle.leaf_hash, tree.append, LogNode.key_of
        for obj in objs:
            content = contents[obj.pk]
            entry = entry_text(kind.name, obj.pk, content)
            leaf = leaf_hash(entry.encode())
            index = tree.size
            node_rows.extend([(key_of(*key), value) for key, value in tree_append(leaf)])
            estate_id = (content.get("estate") or {}).get("id")
            community_id = (content.get("community") or {}).get("id")
            leaf_rows.append((index, kind.name, obj.pk, entry, leaf, now, estate_id, community_id))
        _insert(LogLeaf, LEAF_COLUMNS, leaf_rows)
        _insert(LogNode, ["key", "hash"], node_rows)
        LogState.objects.filter(pk=1).update(size=tree.size)
        # The leaves as loaded from the rows just written (positional: building them by keyword
        # cost as much as the rest of a leaf's work).
        alias = router.db_for_write(LogLeaf)
        return [LogLeaf.from_db(alias, LEAF_COLUMNS, row) for row in leaf_rows]


# LogLeaf's concrete fields, in their order.
LEAF_COLUMNS = ["index", "kind", "ref_id", "entry", "leaf_hash", "appended_at", "estate_id", "community_id"]


@contextmanager
def without_gc():
    """Collect no cycles meanwhile: with thousands of short-lived rows and entries per batch the
    collector walked every long-lived object again and again (a quarter of verify --all's time);
    nothing here makes cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


COPY_ON_POSTGRESQL = True  # False: the portable executemany path (tests compare the two)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    ops = connection.ops
    fields = [model._meta.get_field(c) for c in columns]
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql" and COPY_ON_POSTGRESQL:
        # COPY … FROM STDIN: one stream per table instead of a statement per row. Values go in as
        # Python objects (int, str, bytes, aware datetime, None), which psycopg writes in COPY's
        # text format exactly as it would bind them as parameters.
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # Elsewhere (SQLite): executemany, values through the fields' own conversions as the ORM would.
    prepared = [
        tuple(field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True))
        for row in rows
    ]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(table, names, ", ".join(["%s"] * len(fields)))
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), 10_000):
            cursor.executemany(sql, prepared[start : start + 10_000])


@transaction.atomic
def publish(kind_name: str, obj: models.Model, *, sign: bool = True) -> LogLeaf:
    """Enter one published record in the log, in the caller's transaction, and sign a new head.

    This is the only way records reach the log. Signing at once means a notice can be verified
    the moment it is published; bulk publishers pass sign=False and sign once at the end.
    """
    leaf = append(kind_name, [obj])[0]
    if sign:
        head_sign()
    return leaf


@transaction.atomic
def publish_many(kind_name: str, objs: list[models.Model], *, sign: bool = True) -> list[LogLeaf]:
    leaves = append(kind_name, objs)
    if sign:
        head_sign()
    return leaves


# --- reading -------------------------------------------------------------------------------------
def log_size() -> int:
    return LogState.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def root_at(size: int) -> bytes:
    if size == 0:
        return merkle.empty_root()
    return merkle.range_hash(0, size, fetch_nodes(merkle.range_blocks(0, size)))


def _resolve(ranges: list[tuple[int, int]]) -> list[bytes]:
    nodes = fetch_nodes(merkle.keys_for(ranges))
    return [merkle.range_hash(start, end, nodes) for start, end in ranges]


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return _resolve(merkle.inclusion_ranges(index, size))


def consistency_proof(first: int, second: int) -> list[bytes]:
    if first == second or first == 0:
        return []
    return _resolve(merkle.consistency_ranges(first, second))


# --- signed tree heads ---------------------------------------------------------------------------
@transaction.atomic
def head_sign() -> SignedTreeHead:
    """Sign the log as it stands now. Holds the append lock, so heads only ever grow."""
    state = lock()
    private, log_key = keys.active_signing_key()
    root = root_at(state.size)
    timestamp = int(clock.now().timestamp() * 1000)
    latest = latest_head()  # sizes and timestamps only grow, so this is also the newest
    if latest is not None and timestamp <= latest.timestamp:
        timestamp = latest.timestamp + 1  # timestamps strictly increase even if the clock steps back
    signature = private.sign(head_message(state.size, timestamp, root))
    return SignedTreeHead.objects.create(
        tree_size=state.size, root_hash=root, timestamp=timestamp, key=log_key, signature=signature
    )


def head_sign_if_due() -> SignedTreeHead | None:
    """The periodic job: a fresh head when the log grew or the latest head is older than the interval."""
    latest = latest_head()
    interval_ms = settings.GONGZHI_LOG_HEAD_INTERVAL_SECONDS * 1000
    now_ms = int(clock.now().timestamp() * 1000)
    if latest is None or latest.tree_size != log_size() or now_ms - latest.timestamp >= interval_ms:
        return head_sign()
    return None


def latest_head() -> SignedTreeHead | None:
    return SignedTreeHead.objects.select_related("key").order_by("-tree_size", "-timestamp").first()


def head_covering(index: int) -> SignedTreeHead | None:
    """The latest head that includes leaf `index`."""
    head = latest_head()
    return head if head is not None and head.tree_size > index else None
