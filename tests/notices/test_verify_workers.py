"""verify --all in chunks and in worker processes (issue 24): the report does not depend on the chunk
size nor on whether the chunks are checked in this process or in workers with their own database
connections; whatever was tampered with is reported the same way, in leaf order."""

import pytest
from django.db import connection

from gongzhi.notices import log, rebuild
from gongzhi.notices.models import LogLeaf, LogNode, Notice
from gongzhi.notices.rebuild import verify_all
from tests.helpers import PACIFIC, behind_the_applications_back, estate, run_command

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("workers read committed rows through their own connections: PostgreSQL's test database only")


def publish(persona, count: int) -> list[Notice]:
    chair, pacific = persona("zhaozhuren"), estate(PACIFIC)
    notices = Notice.objects.bulk_create([Notice(
        kind="financial", audience="public", title=f"第 {i} 号公示", body=f"正文 {i}：含“引号”与\\反斜杠", issuer="业委会",
        estate=pacific, community_id=pacific.community_id, published_by=chair,
        table={"columns": ["项目", "金额"], "rows": [["停车", str(i)]]}) for i in range(count)])
    log.publish_many("notice", notices)
    return notices


def tamper(notices) -> dict:
    """A record, an entry, nodes inside a chunk of 8 and above it, a node removed."""
    size = log.log_size()
    record = notices[3]
    entry_index = size - 20
    if connection.vendor == "postgresql":  # within the test's transaction, the foreign-key checks of the rows
        with connection.cursor() as cursor:  # just written must run before the triggers can be switched off
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with behind_the_applications_back() as cursor:
        cursor.execute("UPDATE notices_notice SET body = %s WHERE id = %s", ["改过的正文", record.pk])
        cursor.execute("UPDATE notices_logleaf SET entry = %s WHERE \"index\" = %s", ['{"forged":true}', entry_index])
        for level, index in ((1, 2), (4, 1)):
            cursor.execute("UPDATE notices_lognode SET hash = %s WHERE key = %s", [bytes(32), LogNode.key_of(level, index)])
        cursor.execute("DELETE FROM notices_lognode WHERE key = %s", [LogNode.key_of(0, 5)])
    return {"record": LogLeaf.objects.get(kind="notice", ref_id=record.pk).index, "entry": entry_index}


def test_the_chunk_size_does_not_change_the_report(persona):
    notices = publish(persona, 40)
    whole = verify_all(workers=0)
    assert whole.ok and whole.leaves == log.log_size() and whole.nodes == LogNode.objects.count()
    assert verify_all(workers=0, batch=8) == verify_all(workers=0, batch=1) == whole
    where = tamper(notices)
    problems = verify_all(workers=0, batch=8).problems
    text = [str(p) for p in problems]
    assert [(p.index, p.message) for p in problems if p.index is not None] == [
        (where["record"], rebuild.RECORD_CHANGED), (where["entry"], rebuild.RECORD_CHANGED),
        (where["entry"], rebuild.ENTRY_CHANGED)]
    for changed in ("(level 1, #2)", "(level 4, #1)"):
        assert text.count(f"node — {rebuild.NODE_CHANGED} {changed}") == 1
    assert f"node — {rebuild.NODE_MISSING.format(n=1)}" in text
    assert any(rebuild.HEAD_ROOT.split("）")[1].split(" / ")[0] in t for t in text)
    # Chunk sizes only move where a node's problem is listed among the leaves' problems.
    assert sorted(text) == sorted(str(p) for p in verify_all(workers=0).problems)


@pytest.mark.django_db(transaction=True)
def test_workers_report_exactly_what_one_process_reports(persona, postgresql):
    notices = publish(persona, 40)
    alone, shared = verify_all(workers=0, batch=8), verify_all(workers=2, batch=8)
    assert alone.ok and alone == shared
    assert verify_all(workers=2) == verify_all(workers=0)  # one chunk of 4,096
    tamper(notices)
    alone, shared = verify_all(workers=0, batch=8), verify_all(workers=2, batch=8)
    assert not alone.ok and len(alone.problems) >= 7
    assert shared == alone  # the same problems, in the same (leaf) order, and the same counts
    code, out, err = run_command("verify", "--all", "--workers", "2")  # the CLI's default on PostgreSQL
    assert code == 1 and out.splitlines() == [f"✘ {p}" for p in verify_all(workers=0).problems]


@pytest.mark.django_db(transaction=True)
def test_workers_stop_at_removed_leaves_as_one_process_does(persona, postgresql):
    publish(persona, 40)
    size = log.log_size()
    with behind_the_applications_back() as cursor:
        cursor.execute("DELETE FROM notices_logleaf WHERE \"index\" BETWEEN %s AND %s", [size - 30, size - 21])
    alone, shared = verify_all(workers=0, batch=8), verify_all(workers=2, batch=8)
    missing = rebuild.LEAF_MISSING.format(start=size - 30, end=size - 21)
    assert f"log — {missing}" in [str(p) for p in alone.problems]
    assert any(rebuild.HEAD_BEYOND.format(size=size) == p.message for p in alone.problems)
    assert shared == alone
