"""Benchmark: 业账社管 (issue 7 targets).

Run by hand, not in CI:  .venv/bin/python bench/finance.py
(a throw-away SQLite file, or DATABASE_URL pointing at an empty PostgreSQL database)
- a year of a large estate: 20,000 journal transactions and the matching 20,000-line bank statement
  (CSV with Chinese headers); time to import the statement, compute the suggestions and confirm them
  all (target < 10 s);
- the estate's statement for that year (target < 200 ms).
"""

import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="gongzhi-bench-finance-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("GONGZHI_LOG_KEY_FILE", f"{workdir}/key.pem")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from gongzhi.core.roles import Role
    from gongzhi.finance.models import Entry, Transaction
    from gongzhi.finance.selectors import statement, suggest
    from gongzhi.finance.services import reconciliation
    from gongzhi.finance.services.journal import account
    from gongzhi.people.services import role_assign
    from gongzhi.places import services as places

    district = places.place_create(None, kind="district", name="区")
    sub = places.place_create(None, kind="subdistrict", name="街道", parent_id=district.pk)
    community = places.place_create(None, kind="community", name="社区", parent_id=sub.pk)
    estate = places.place_create(None, kind="estate", name="大型小区", parent_id=community.pk)
    clerk = get_user_model().objects.create_user("bench-clerk")
    role_assign(None, user_id=clerk.pk, role=Role.COMMUNITY_STAFF, anchor_field="community", anchor_id=community.pk)

    rng = random.Random(7)
    start = datetime.date(2025, 1, 1)
    bank, parking, repair = (account(estate, c) for c in ("bank", "income:parking", "expense:repair"))
    movements = []
    with transaction.atomic():  # setup: a year's journal, bulk-written (not measured)
        txs = Transaction.objects.bulk_create(
            Transaction(estate=estate, date=start + datetime.timedelta(days=rng.randrange(365)), memo=f"凭证{i}",
                        posted_by=clerk) for i in range(20_000))
        entries = []
        for tx in txs:
            amount = rng.randrange(100, 500_000)
            income = rng.random() < 0.7
            entries += [Entry(transaction=tx, account=bank if income else repair, debit=amount),
                        Entry(transaction=tx, account=parking if income else bank, credit=amount)]
            movements.append((tx.date + datetime.timedelta(days=rng.randrange(0, 3)), amount if income else -amount))
        Entry.objects.bulk_create(entries, batch_size=5000)
    rows = ["交易日期,收入金额,支出金额,对方户名,摘要"] + [
        f"{day.isoformat()},{amount / 100:.2f}," + "," + f"对方{i},摘要{i}" if amount > 0
        else f"{day.isoformat()},,{-amount / 100:.2f},对方{i},摘要{i}" for i, (day, amount) in enumerate(movements)]
    data = "\n".join(rows).encode()

    started = time.perf_counter()
    added = reconciliation.bank_lines_import(clerk, estate_id=estate.pk, data=data, filename="2025流水.csv")
    imported = time.perf_counter() - started
    suggestions = suggest(estate)
    suggested = time.perf_counter() - started
    confirm_started = time.perf_counter()
    reconciliation.reconciliation_confirm(clerk, pairs=[(s.line_id, s.transaction_id) for s in suggestions])
    confirmed = time.perf_counter() - confirm_started
    total = time.perf_counter() - started
    print(f"database              {connection.vendor}")
    print(f"bank lines imported   {added:,} in {imported:.2f} s")
    print(f"suggestions           {len(suggestions):,} pairs ({len(suggestions) / added:.1%}) by {suggested:.2f} s")
    print(f"confirm               {len(suggestions):,} pairs in {confirmed:.2f} s "
          f"(issue 24 target < 3 s: {'met' if confirmed < 3 else 'NOT met'})")
    print(f"reconciled            all confirmed in {total:.2f} s (target < 10 s: {'met' if total < 10 else 'NOT met'})")

    times = []
    for _ in range(20):
        t = time.perf_counter()
        result = statement(estate, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
        times.append((time.perf_counter() - t) * 1000)
    print(f"year statement        median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over 40,000 "
          f"entries (target < 200 ms: {'met' if max(times) < 200 else 'NOT met'}); closing {result['closing']:,} fen")


if __name__ == "__main__":
    main()
