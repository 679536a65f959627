"""`gongzhi verify --all`: rebuild the tree from the stored records and report every difference.

For every leaf, in order, the record it names is re-serialised from the database and compared
with the entry (catches a notice edited behind the application's back), the entry is re-hashed
and compared with the stored leaf hash (catches an edited log row), and the tree rebuilt from the
records is compared with every stored node and every signed head (catches edited hashes and
removed leaves). Attachments are re-hashed from their files. Reads in batches; nothing is
written.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.storage import default_storage

from gongzhi.notices import log, merkle, verification
from gongzhi.notices.documents import head_doc, published_keys
from gongzhi.notices.models import LEVEL_SHIFT, LogLeaf, LogNode, NoticeAttachment, SignedTreeHead

BATCH = 5000


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


def verify_all(progress: Callable[[int], None] | None = None, check_files: bool = True) -> AllReport:
    report = AllReport()
    kinds = log.record_kinds()
    heads = defaultdict(list)
    for head in SignedTreeHead.objects.order_by("tree_size", "timestamp"):
        heads[head.tree_size].append(head)
    report.heads = sum(len(h) for h in heads.values())
    _check_head_signatures(heads, report)
    if 0 in heads:
        _check_roots(heads[0], merkle.empty_root(), report)

    tree = merkle.CompactTree()
    start = 0
    while True:
        batch = list(
            LogLeaf.objects.filter(index__gte=start).order_by("index")
            .values_list("index", "kind", "ref_id", "entry", "leaf_hash")[:BATCH]
        )
        if not batch:
            break
        current = _current_entries(batch, kinds)
        built: dict[int, bytes] = {}
        for index, kind, ref_id, entry, stored in batch:
            if index != tree.size:
                report.problems.append(Problem(None, "log", None, LEAF_MISSING.format(start=tree.size, end=index - 1)))
                break
            record_entry = current.get((kind, ref_id))
            if record_entry is None:
                report.problems.append(Problem(index, kind, ref_id, RECORD_MISSING))
            elif record_entry != entry:
                report.problems.append(Problem(index, kind, ref_id, RECORD_CHANGED))
            leaf = merkle.leaf_hash(entry.encode())
            if leaf != bytes(stored):
                report.problems.append(Problem(index, kind, ref_id, ENTRY_CHANGED))
            if record_entry is not None and record_entry != entry:
                # The tree is rebuilt from the records as they stand, so a change shows in the roots.
                leaf = merkle.leaf_hash(record_entry.encode())
            for key, value in tree.append(leaf):
                built[LogNode.key_of(*key)] = value
            if tree.size in heads:
                _check_roots(heads[tree.size], tree.root(), report)
        else:
            report.nodes += _check_nodes(built, report)
            report.leaves = tree.size
            start = tree.size
            if progress:
                progress(tree.size)
            continue
        break
    for size in heads:
        if size > tree.size:
            report.problems.append(Problem(None, "head", None, HEAD_BEYOND.format(size=size)))
    if check_files:
        _check_files(report)
    return report


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


def _check_nodes(built: dict[int, bytes], report: AllReport) -> int:
    """Compare the stored nodes with the rebuilt ones: one range scan per tree level."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for key in built:
        by_level[key >> LEVEL_SHIFT].append(key)
    seen = 0
    for keys in by_level.values():
        rows = LogNode.objects.filter(key__gte=min(keys), key__lte=max(keys)).values_list("key", "hash")
        for key, value in rows.iterator(chunk_size=BATCH):
            if key in built:
                seen += 1
                if bytes(value) != built[key]:
                    level, index = key >> LEVEL_SHIFT, key & ((1 << LEVEL_SHIFT) - 1)
                    report.problems.append(Problem(None, "node", None, f"{NODE_CHANGED} (level {level}, #{index})"))
    if seen != len(built):
        report.problems.append(Problem(None, "node", None, NODE_MISSING.format(n=len(built) - seen)))
    return len(built)


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
