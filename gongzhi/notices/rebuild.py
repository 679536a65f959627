"""`gongzhi verify --all`: rebuild the tree from the stored records and report every difference.

For every leaf, in order, the record it names is re-serialised from the database and compared
with the entry (catches a notice edited behind the application's back), the entry is re-hashed
and compared with the stored leaf hash (catches an edited log row), and the tree rebuilt from the
records is compared with every stored node and every signed head (catches edited hashes and
removed leaves). Attachments are re-hashed from their files. Reads in chunks of BATCH leaves;
nothing is written.

Issue 24: a chunk is an aligned block of the tree, so it is checked on its own — its records
re-derived, its entries re-hashed, its nodes rebuilt and compared — by one of two worker processes
on PostgreSQL (each with its own connection), while this process puts the chunks' results
together in leaf order: the nodes above the chunks, the signed heads' roots, the report. The
report is the same with or without workers (tests/notices/test_verify_workers.py).
"""

import bisect
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from django.core.files.storage import default_storage
from django.db import connections, router

from gongzhi.notices import log, merkle, verification
from gongzhi.notices.documents import head_doc, published_keys
from gongzhi.notices.models import LEVEL_SHIFT, LogLeaf, LogNode, NoticeAttachment, SignedTreeHead

# Leaves per chunk: a power of two, so a chunk [k·BATCH, (k+1)·BATCH) is one aligned block of the tree
# and every node inside it can be rebuilt and checked from the chunk's own leaves (in a worker
# process, when there are workers); the nodes above the chunks are the main process's.
BATCH = 4096
AHEAD = 3  # chunks handed to each worker ahead of the one being put together


@dataclass
class Problem:
    index: int | None
    kind: str
    ref_id: int | None
    message: str

    def __str__(self):
        where = f"{self.kind}:{self.ref_id}" if self.ref_id is not None else self.kind
        if self.index is not None:
            where = f"#{self.index} {where}"
        return f"{where} — {self.message}"


@dataclass
class AllReport:
    leaves: int = 0
    heads: int = 0
    nodes: int = 0
    attachments: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Chunk:
    """What checking one chunk of leaves found, in leaf order."""

    start: int
    count: int = 0  # leaves appended (all of the chunk's, or those before a gap)
    # Problems of single leaves, and (size, blocks) where a signed head's size is reached: the
    # hashes of the aligned blocks of [start, size), which complete the main process's edge.
    events: list = field(default_factory=list)
    root: bytes | None = None  # the hash of the whole chunk, once it is complete
    node_problems: list[Problem] = field(default_factory=list)
    nodes: int = 0  # nodes rebuilt inside the chunk
    missing: int = 0  # of those, not stored
    gap: bool = False  # leaves are missing: verification stops here

RECORD_CHANGED = "数据库中的记录与日志条目不符（记录被改动）/ the stored record no longer matches its leaf"
RECORD_MISSING = "日志条目对应的记录已不存在 / the record of this leaf is gone"
ENTRY_CHANGED = "日志条目与叶哈希不符（日志被改动）/ the log entry no longer matches its leaf hash"
LEAF_MISSING = "日志缺少条目 #{start}–#{end} / leaves #{start}–#{end} are missing"
NODE_MISSING = "缺少 {n} 个树节点 / {n} tree nodes are missing"
NODE_CHANGED = "存储的树节点与重建结果不符 / a stored tree node differs from the rebuilt tree"
HEAD_ROOT = "签名树头（大小 {size}）的树根与重建的树不符 / the signed head of size {size} does not match the rebuilt tree"
HEAD_BEYOND = "签名树头（大小 {size}）超出了日志中的条目 / a signed head covers leaves the log no longer has"
FILE_CHANGED = "附件文件“{name}”与其 SM3 摘要不符 / the attachment file {name} does not match its SM3 digest"
FILE_MISSING = "附件文件“{name}”不见了 / the attachment file {name} is missing"


def verify_all(
    progress: Callable[[int], None] | None = None, check_files: bool = True, workers: int | None = None,
    batch: int = BATCH,
) -> AllReport:
    """Check the whole log. `workers` processes (each with its own database connection) re-derive
    and check the chunks while this one puts their results together in order; the report is the
    same as with none. By default two on PostgreSQL; none (all in this process) on SQLite or
    inside a transaction, whose rows other connections would not see. `batch`: leaves per chunk,
    a power of two."""
    if batch < 1 or batch & (batch - 1):
        raise ValueError("batch must be a power of two")
    report = AllReport()
    heads = defaultdict(list)
    for head in SignedTreeHead.objects.order_by("tree_size", "timestamp"):
        heads[head.tree_size].append(head)
    report.heads = sum(len(h) for h in heads.values())
    if workers is None:
        workers = default_workers()
    with log.without_gc(), _chunk_results(workers, sorted(heads), batch) as chunks:
        _check_head_signatures(heads, report)
        if 0 in heads:
            _check_roots(heads[0], merkle.empty_root(), report)
        size = _put_together(chunks, heads, report, progress, batch)
    for tree_size in heads:
        if tree_size > size:
            report.problems.append(Problem(None, "head", None, HEAD_BEYOND.format(size=tree_size)))
    if check_files:
        _check_files(report)
    return report


def default_workers() -> int:
    connection = connections[router.db_for_read(LogLeaf)]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 0
    return 2


def _put_together(chunks: Iterator[Chunk], heads: dict, report: AllReport, progress, batch: int) -> int:
    """Fold the chunks' results, in order, into the report; return the number of leaves appended."""
    chunk_level = batch.bit_length() - 1
    outer = merkle.CompactTree()  # over the chunks' roots: its level j is the tree's level chunk_level + j
    size = 0
    for chunk in chunks:
        for event in chunk.events:
            if isinstance(event, Problem):
                report.problems.append(event)
            else:
                head_size, blocks = event
                _check_roots(heads[head_size], merkle.fold_blocks(outer.edge + blocks), report)
        size += chunk.count
        if chunk.gap:
            break
        report.problems.extend(chunk.node_problems)
        nodes, missing = chunk.nodes, chunk.missing
        if chunk.root is not None:
            above = {LogNode.key_of(level + chunk_level, index): value
                     for (level, index), value in outer.append(chunk.root)[1:]}
            nodes += len(above)
            missing += _compare_nodes(above, _stored_nodes_at(list(above)), report.problems)
        if missing:
            report.problems.append(Problem(None, "node", None, NODE_MISSING.format(n=missing)))
        report.nodes += nodes
        report.leaves = size
        if progress and chunk.count:
            progress(size)
        if chunk.count < batch:
            break
    return size


@contextmanager
def _chunk_results(workers: int, head_sizes: list[int], batch: int):
    """The chunks' results in order, checked here (workers=0) or in worker processes."""

    def sizes_in(start: int) -> tuple[int, ...]:
        return tuple(head_sizes[bisect.bisect_right(head_sizes, start) : bisect.bisect_right(head_sizes, start + batch)])

    if workers <= 0:
        yield (verify_chunk(start, sizes_in(start), batch) for start in _starts(batch))
        return
    from gongzhi.notices import rebuild_workers

    connection = connections[router.db_for_read(LogLeaf)]
    with rebuild_workers.pool(workers, connection.alias, connection.settings_dict["NAME"]) as pool:
        starts = _starts(batch)
        # Started at once, so the workers read while this process checks the heads' signatures.
        pending = deque(pool.submit(verify_chunk_in_worker, start, sizes_in(start), batch)
                        for start in islice(starts, workers * AHEAD))

        def in_order() -> Iterator[Chunk]:
            while True:
                chunk = pending.popleft().result()
                start = next(starts)
                pending.append(pool.submit(verify_chunk_in_worker, start, sizes_in(start), batch))
                yield chunk

        try:
            yield in_order()
        finally:
            for future in pending:  # chunks asked for past the end of the log (or a gap): not needed
                future.cancel()


def verify_chunk_in_worker(start: int, head_sizes: tuple[int, ...], batch: int):
    """One chunk, checked in a worker process (rebuild_workers): handed to the pool by reference, so the
    workers module needs nothing from this one."""
    with log.without_gc():
        return verify_chunk(start, head_sizes, batch)


def _starts(batch: int) -> Iterator[int]:
    start = 0
    while True:
        yield start
        start += batch


def verify_chunk(start: int, head_sizes: tuple[int, ...] = (), batch: int = BATCH) -> Chunk:
    """Check the leaves from `start` (a multiple of batch) up to batch of them: re-derive each
    record's entry and compare, re-hash each entry and compare, rebuild the nodes inside the chunk
    from the records and compare with the stored ones. Runs in a worker process or in this one."""
    chunk = Chunk(start)
    rows = _leaf_rows(start, batch)
    current = _current_entries(rows, log.record_kinds())
    heads = set(head_sizes)
    leaves: list[bytes] = []  # the chunk's leaves as rebuilt from the records
    head_at: list[int] = []  # positions in chunk.events awaiting the blocks of a head's size
    leaf_hash = merkle.leaf_hash
    for index, kind, ref_id, entry, stored in rows:
        if index != start + len(leaves):
            chunk.events.append(Problem(None, "log", None, LEAF_MISSING.format(start=start + len(leaves), end=index - 1)))
            chunk.gap = True
            break
        leaf = leaf_hash(entry.encode())
        record_entry = current.get((kind, ref_id))
        if record_entry is None:
            chunk.events.append(Problem(index, kind, ref_id, RECORD_MISSING))
        elif record_entry != entry:
            chunk.events.append(Problem(index, kind, ref_id, RECORD_CHANGED))
        if leaf != stored:
            chunk.events.append(Problem(index, kind, ref_id, ENTRY_CHANGED))
        if record_entry is not None and record_entry != entry:
            # The tree is rebuilt from the records as they stand, so a change shows in the roots.
            leaf = leaf_hash(record_entry.encode())
        leaves.append(leaf)
        if index + 1 in heads:
            head_at.append(len(chunk.events))
            chunk.events.append(index + 1)
    chunk.count = len(leaves)
    # The chunk's own subtree: its (level, i) is the tree's (level, (start >> level) + i).
    levels = merkle.subtree_levels(leaves)
    for position in head_at:
        size = chunk.events[position]
        chunk.events[position] = (size, merkle.edge_of(levels, size - start))
    if chunk.gap:
        return chunk
    if len(leaves) == batch:
        chunk.root = levels[-1][0]
    built = {(level << LEVEL_SHIFT) | ((start >> level) + i): value
             for level, hashes in enumerate(levels) for i, value in enumerate(hashes)}
    chunk.nodes = len(built)
    chunk.missing = _compare_nodes(built, _stored_nodes_in(built), chunk.node_problems)
    return chunk


def _leaf_rows(start: int, batch: int) -> list[tuple]:
    """The next `batch` leaves from `start`, as tuples (index, kind, ref_id, entry, leaf_hash as bytes)."""
    connection = connections[router.db_for_read(LogLeaf)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(LogLeaf._meta.get_field(name).column) for name in ("index", "kind", "ref_id", "entry", "leaf_hash"))
    index = quote(LogLeaf._meta.get_field("index").column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(LogLeaf._meta.db_table)} WHERE {index} >= %s "
                       f"ORDER BY {index} LIMIT %s", [start, batch])
        return [(i, kind, ref_id, entry, bytes(leaf)) for i, kind, ref_id, entry, leaf in cursor.fetchall()]


def _current_entries(batch, kinds) -> dict[tuple[str, int], str]:
    by_kind = defaultdict(list)
    for _, kind, ref_id, _, _ in batch:
        by_kind[kind].append(ref_id)
    result = {}
    for name, ids in by_kind.items():
        if name in kinds:
            for pk, entry in log.entries_for(kinds[name], ids).items():
                result[(name, pk)] = entry
    return result


def _stored_nodes_in(built: dict[int, bytes]) -> dict[int, bytes]:
    """The stored nodes in the key range of each level the rebuilt nodes cover: one range scan
    per level, all in one statement."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for key in built:
        by_level[key >> LEVEL_SHIFT].append(key)
    if not by_level:
        return {}
    connection = connections[router.db_for_read(LogNode)]
    quote = connection.ops.quote_name
    key = quote(LogNode._meta.get_field("key").column)
    where = " OR ".join([f"{key} BETWEEN %s AND %s"] * len(by_level))
    params = [bound for keys in by_level.values() for bound in (min(keys), max(keys))]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, {quote(LogNode._meta.get_field('hash').column)} "
                       f"FROM {quote(LogNode._meta.db_table)} WHERE {where}", params)
        return {k: bytes(value) for k, value in cursor.fetchall()}


def _stored_nodes_at(keys: list[int]) -> dict[int, bytes]:
    if not keys:
        return {}
    return {LogNode.key_of(level, index): value
            for (level, index), value in log.fetch_nodes(_split(k) for k in keys).items()}


def _split(key: int) -> tuple[int, int]:
    return key >> LEVEL_SHIFT, key & ((1 << LEVEL_SHIFT) - 1)


def _compare_nodes(built: dict[int, bytes], stored: dict[int, bytes], problems) -> int:
    """Report each rebuilt node whose stored hash differs (by level, then position); return how
    many are not stored at all."""
    missing = 0
    for key in sorted(built):
        value = stored.get(key)
        if value is None:
            missing += 1
        elif value != built[key]:
            level, index = _split(key)
            problems.append(Problem(None, "node", None, f"{NODE_CHANGED} (level {level}, #{index})"))
    return missing


def _check_roots(heads, root: bytes, report: AllReport) -> None:
    for head in heads:
        if bytes(head.root_hash) != root:
            report.problems.append(Problem(None, "head", None, HEAD_ROOT.format(size=head.tree_size)))


def _check_head_signatures(heads, report: AllReport) -> None:
    keys = published_keys()
    for group in heads.values():
        for head in group:
            try:
                verification.check_head(head_doc(head), keys)
            except verification.VerificationError as exc:
                report.problems.append(Problem(None, "head", None, f"{head.tree_size}: {exc}"))


def _check_files(report: AllReport) -> None:
    for attachment in NoticeAttachment.objects.order_by("pk").iterator(chunk_size=1000):
        report.attachments += 1
        try:
            with default_storage.open(attachment.file.name, "rb") as handle:
                digest = merkle.sm3(handle.read()).hex()
        except FileNotFoundError:
            report.problems.append(Problem(None, "attachment", attachment.notice_id, FILE_MISSING.format(name=attachment.name)))
            continue
        if digest != attachment.sm3:
            report.problems.append(
                Problem(None, "attachment", attachment.notice_id, FILE_CHANGED.format(name=attachment.name))
            )
