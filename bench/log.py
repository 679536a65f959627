"""Benchmark: the transparency log (issue 3 targets).

Run by hand, not in CI:
    .venv/bin/python bench/log.py                      # both parts, throw-away SQLite files
    .venv/bin/python bench/log.py --part records --records 1000000
    .venv/bin/python bench/log.py --part proofs --leaves 10000000
Set DATABASE_URL to an empty PostgreSQL database to measure there instead.

records: bulk-creates notices, appends them to the log through log.publish_many (the path other
         apps use) and reports leaves/s (issue 24 target >= 10,000/s); times single notice_publish
         calls (one transaction, one signed head each); then times `verify --all` (issue 24 target:
         1,000,000 records in under 30 s; --workers 0 checks it all in one process). The machine
         is shared: each figure is printed with the load average before → after it.
proofs:  builds a log of N leaves directly (hashes and nodes, bulk-inserted), then times
         inclusion and consistency proofs read from the database (issue 24 target: p99 < 2 ms
         on 10,000,000 leaves) and checks every proof it made against the root.
"""

import argparse
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(workdir: str) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("GONGZHI_LOG_KEY_FILE", f"{workdir}/log-key.pem")
    os.environ.setdefault("GONGZHI_MEDIA_ROOT", f"{workdir}/media")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def place_and_user():
    from django.contrib.auth import get_user_model

    from gongzhi.core.roles import Role
    from gongzhi.people.services import role_assign
    from gongzhi.places import services as places

    district = places.place_create(None, kind="district", name="基准区")
    sub = places.place_create(None, kind="subdistrict", name="基准街道", parent_id=district.pk)
    community = places.place_create(None, kind="community", name="基准社区", parent_id=sub.pk)
    estate = places.place_create(None, kind="estate", name="基准小区", parent_id=community.pk)
    user = get_user_model().objects.create_user("bench-secretary")
    role_assign(None, user_id=user.pk, role=Role.COMMUNITY_SECRETARY, anchor_field="community",
                anchor_id=community.pk)
    return estate, user


def part_records(count: int, batch: int, singles: int, workers: int | None) -> None:
    from django.db import connection

    from gongzhi.core import clock
    from gongzhi.notices import log, services
    from gongzhi.notices.models import Notice
    from gongzhi.notices.rebuild import default_workers, verify_all

    estate, user = place_and_user()
    now = clock.now().replace(microsecond=0)
    started = time.perf_counter()
    for start in range(0, count, 10_000):
        Notice.objects.bulk_create(
            Notice(kind="financial", audience="public", title=f"第 {i} 号公示", issuer="基准小区业主委员会",
                   body=f"第 {i} 号公示正文：公共收益收支情况，如有疑问请向业主委员会反映。",
                   table={"columns": ["项目", "金额"], "rows": [["停车", str(i)]]},
                   estate=estate, community_id=estate.community_id, published_at=now, published_by=user)
            for i in range(start, min(count, start + 10_000))
        )
    created = time.perf_counter() - started
    ids = list(Notice.objects.order_by("pk").values_list("pk", flat=True))
    # The records as a publishing app holds them, made before the clock starts (building 200,000
    # model instances here took a third of the time measured).
    batches = [[Notice(pk=pk) for pk in ids[start : start + batch]] for start in range(0, len(ids), batch)]

    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    for objs in batches:
        log.publish_many("notice", objs, sign=False)
    log.head_sign()
    appended, append_cpu = time.perf_counter() - started, time.process_time() - cpu
    append_load = f"load {load:.2f} → {os.getloadavg()[0]:.2f}"

    started = time.perf_counter()
    for i in range(singles):
        services.notice_publish(user, estate_id=estate.pk, kind="announcement", audience="public",
                                title=f"单条发布 {i}", body="逐条发布，每条一个事务并签署树头。")
    single = time.perf_counter() - started

    workers = default_workers() if workers is None else workers
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = verify_all(workers=workers)
    verified, verify_cpu = time.perf_counter() - started, time.process_time() - cpu
    deadline = time.monotonic() + 30  # the workers exit by themselves: wait for them, to count their CPU
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    verify_load = f"load {load:.2f} → {os.getloadavg()[0]:.2f}"

    print(f"database                 {connection.vendor}")
    print(f"notices bulk-created     {count:,} in {created:.1f} s (setup, not measured)")
    print(f"append (publish_many)    {count:,} leaves in {appended:.1f} s = {count / appended:,.0f} leaves/s "
          f"(batches of {batch:,}; target >= 10,000/s: {'met' if count / appended >= 10_000 else 'NOT met'}; "
          f"{append_cpu:.1f} s CPU in this process; {append_load})")
    print(f"notice_publish, one by one  {singles} in {single:.2f} s = {singles / single:,.0f} notices/s "
          "(each: checks, notice row, leaf, nodes, signed head, audit row)")
    per_million = verified * 1e6 / report.leaves
    print(f"verify --all             {report.leaves:,} records, {report.nodes:,} nodes, {report.heads} heads in "
          f"{verified:.1f} s = {per_million:.1f} s per 1,000,000 "
          f"(target < 30 s: {'met' if per_million < 30 else 'NOT met'}); problems: {len(report.problems)}; "
          f"{workers} worker processes; CPU {verify_cpu:.1f} s here + {workers_cpu:.1f} s in workers; {verify_load}")


def part_proofs(leaves: int, samples: int) -> None:
    from django.db import connection, transaction

    from gongzhi.notices import log, merkle
    from gongzhi.notices.models import LogNode, LogState

    started = time.perf_counter()
    tree = merkle.CompactTree()
    rows = []
    with transaction.atomic():  # written as publish_many writes them (COPY on PostgreSQL)
        for i in range(leaves):
            for key, value in tree.append(merkle.leaf_hash(i.to_bytes(8, "big"))):
                rows.append((LogNode.key_of(*key), value))
            if len(rows) >= 200_000:
                log._insert(LogNode, ["key", "hash"], rows)
                rows.clear()
        log._insert(LogNode, ["key", "hash"], rows)
        LogState.objects.update_or_create(pk=1, defaults={"size": leaves})
    built = time.perf_counter() - started
    root = tree.root()
    assert log.root_at(leaves) == root

    def orm_proof(ranges):  # the pre-issue-24 read (a queryset per proof), timed alongside for comparison
        wanted = {LogNode.key_of(*key): key for key in merkle.keys_for(ranges)}
        nodes = {wanted[k]: bytes(v) for k, v in LogNode.objects.filter(key__in=list(wanted)).values_list("key", "hash")}
        return [merkle.range_hash(start, end, nodes) for start, end in ranges]

    rng = random.Random(6962)
    inclusion, consistency, orm = [], [], []
    for _ in range(samples):
        index = rng.randrange(leaves)
        t = time.perf_counter()
        proof = log.inclusion_proof(index, leaves)
        inclusion.append((time.perf_counter() - t) * 1000)
        merkle.verify_inclusion(index, leaves, merkle.leaf_hash(index.to_bytes(8, "big")), proof, root)
        index = rng.randrange(leaves)
        t = time.perf_counter()
        proof = orm_proof(merkle.inclusion_ranges(index, leaves))
        orm.append((time.perf_counter() - t) * 1000)
        merkle.verify_inclusion(index, leaves, merkle.leaf_hash(index.to_bytes(8, "big")), proof, root)
    for _ in range(samples):
        first = rng.randrange(1, leaves)
        t = time.perf_counter()
        proof = log.consistency_proof(first, leaves)
        consistency.append((time.perf_counter() - t) * 1000)
        merkle.verify_consistency(first, leaves, log.root_at(first), root, proof)
        first = rng.randrange(1, leaves)
        t = time.perf_counter()
        proof = orm_proof(merkle.consistency_ranges(first, leaves))
        orm.append((time.perf_counter() - t) * 1000)
        merkle.verify_consistency(first, leaves, log.root_at(first), root, proof)

    def summary(times):
        times = sorted(times)
        return (f"median {statistics.median(times):.2f} ms, p99 {times[int(len(times) * 0.99) - 1]:.2f} ms, "
                f"max {times[-1]:.2f} ms")

    print(f"database                 {connection.vendor}")
    print(f"log built                {leaves:,} leaves, {LogNode.objects.count():,} stored nodes in {built:.1f} s")
    print(f"inclusion proof          {samples} random leaves: {summary(inclusion)} (all verified)")
    print(f"consistency proof        {samples} random sizes: {summary(consistency)} (all verified)")
    print(f"  same, ORM queryset     {2 * samples} of both: {summary(orm)} (the read before issue 24)")
    p99 = sorted(inclusion + consistency)[int(2 * samples * 0.99) - 1]
    print(f"target < 2 ms            {'met' if p99 < 2 else 'NOT met'} (p99 of both {p99:.2f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["records", "proofs"])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--leaves", type=int, default=10_000_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None, help="verify --all's worker processes (default: its own)")
    args = parser.parse_args()
    if args.part is None:  # each part in its own process and database
        for part in ("records", "proofs"):
            subprocess.run([sys.executable, __file__, "--part", part, *sys.argv[1:]], check=True)
        return
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-log-") as workdir:
        setup(workdir)
        if args.part == "records":
            part_records(args.records, args.batch, args.singles, args.workers)
        else:
            part_proofs(args.leaves, args.samples)


if __name__ == "__main__":
    main()
