"""publish_many's bulk writes (issue 24): COPY on PostgreSQL, executemany elsewhere. The same batch
written both ways must leave the same leaves, nodes, root and signed-head root, and proofs
read from either must verify."""

import pytest
from django.db import transaction

from gongzhi.notices import log, merkle
from gongzhi.notices.models import LogLeaf, LogNode, Notice, SignedTreeHead
from gongzhi.notices.rebuild import verify_all
from tests.helpers import PACIFIC, estate

pytestmark = pytest.mark.usefixtures("world")


class _Rollback(Exception):
    pass


def _written(size_before):
    leaves = list(LogLeaf.objects.filter(index__gte=size_before).order_by("index").values_list(
        "index", "kind", "ref_id", "entry", "leaf_hash", "appended_at", "estate_id", "community_id"))
    nodes = list(LogNode.objects.order_by("key").values_list("key", "hash"))
    head = SignedTreeHead.objects.order_by("-tree_size", "-timestamp").first()
    size = log.log_size()
    proofs = [log.inclusion_proof(i, size) for i in range(0, size, 7)] + [log.consistency_proof(1, size)]
    return ([(*row[:4], bytes(row[4]), *row[5:]) for row in leaves], [(k, bytes(h)) for k, h in nodes],
            log.root_at(size), bytes(head.root_hash), head.tree_size, proofs)


def _publish(notices, *, copy: bool, monkeypatch):
    monkeypatch.setattr(log, "COPY_ON_POSTGRESQL", copy)
    size_before = log.log_size()
    log.publish_many("notice", notices)
    return _written(size_before)


def test_copy_and_executemany_write_the_same_log(persona, monkeypatch, clock):  # stopped: same appended_at
    chair, pacific = persona("zhaozhuren"), estate(PACIFIC)
    notices = [Notice.objects.create(
        kind="announcement", audience="public", title=f"第 {i} 号公示", body=f"正文 {i}：含“引号”、\\反斜杠\t制表符\n换行",
        issuer="业委会", estate=pacific, community_id=pacific.community_id, published_by=chair,
        table={"columns": ["项目", "金额"], "rows": [["停车", str(i)]]},
    ) for i in range(37)]
    size_before = log.log_size()
    with pytest.raises(_Rollback), transaction.atomic():
        copied = _publish(notices, copy=True, monkeypatch=monkeypatch)
        raise _Rollback
    assert log.log_size() == size_before
    plain = _publish(notices, copy=False, monkeypatch=monkeypatch)
    assert copied == plain

    leaves, _, root, head_root, head_size, _ = plain
    assert [row[0] for row in leaves] == list(range(size_before, size_before + 37))
    tree = merkle.CompactTree()
    for stored in LogLeaf.objects.order_by("index").values_list("entry", "leaf_hash"):
        assert merkle.leaf_hash(stored[0].encode()) == bytes(stored[1])
        tree.append(bytes(stored[1]))
    assert tree.root() == root == head_root and head_size == size_before + 37
    assert verify_all().ok


def test_a_batch_written_by_copy_verifies(persona, monkeypatch):
    chair, pacific = persona("zhaozhuren"), estate(PACIFIC)
    notices = [Notice.objects.create(
        kind="announcement", audience="public", title=f"第 {i} 号", body="正文", issuer="业委会",
        estate=pacific, community_id=pacific.community_id, published_by=chair) for i in range(20)]
    monkeypatch.setattr(log, "COPY_ON_POSTGRESQL", True)
    log.publish_many("notice", notices)
    size = log.log_size()
    root = log.root_at(size)
    hashes = [bytes(h) for h in LogLeaf.objects.order_by("index").values_list("leaf_hash", flat=True)]
    for index in range(size):
        merkle.verify_inclusion(index, size, hashes[index], log.inclusion_proof(index, size), root)
    for first in range(1, size):
        tree = merkle.CompactTree()
        for h in hashes[:first]:
            tree.append(h)
        merkle.verify_consistency(first, size, tree.root(), root, log.consistency_proof(first, size))
    assert verify_all().ok
