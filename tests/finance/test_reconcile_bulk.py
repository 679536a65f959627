"""Confirming a statement's matches in bulk (issue 24): one UPDATE … FROM unnest(…) on PostgreSQL,
UPDATE by primary key through executemany elsewhere. The result must be exactly what the old
bulk_update path wrote, and a second confirm of the same lines must change nothing."""

import datetime

import pytest
from django.db import transaction
from django.db.models import Count, Sum

from gongzhi.core.errors import WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.finance import selectors
from gongzhi.finance.choices import AuditAction
from gongzhi.finance.models import BankLine
from gongzhi.finance.services import journal, reconciliation
from tests.helpers import PACIFIC, estate

pytestmark = pytest.mark.usefixtures("world")
D = datetime.date


class _Rollback(Exception):
    pass


def _matches(pacific):
    return sorted(BankLine.objects.filter(estate=pacific).values_list("pk", "transaction_id", "confirmed_by_id"))


def _totals(pacific):
    matched = BankLine.objects.filter(estate=pacific, transaction__isnull=False)
    return matched.aggregate(n=Count("pk"), total=Sum("amount")), selectors.unreconciled(pacific, D(2021, 1, 1))


def _statement(yan, pacific, count):
    for i in range(count):
        journal.income_record(yan, estate_id=pacific.pk, category="parking", amount=f"{1000 + i}.{i % 100:02d}",
                              date=D(2020, 10, 1 + i % 28), memo=f"停车费{i}")
    rows = ["交易日期,收入金额,支出金额,对方户名,摘要"] + [
        f"2020-10-{2 + i % 27:02d},{1000 + i}.{i % 100:02d},,停车管理处,停车费{i}" for i in range(count)]
    reconciliation.bank_lines_import(yan, estate_id=pacific.pk, data="\n".join(rows).encode(), filename="流水.csv")
    return [(s.line_id, s.transaction_id) for s in selectors.suggest(pacific)]


@pytest.mark.parametrize("chunk", [reconciliation.CONFIRM_CHUNK, 7])  # one UPDATE, and several
def test_bulk_confirm_equals_the_old_path_and_a_second_confirm_changes_nothing(persona, monkeypatch, chunk):
    monkeypatch.setattr(reconciliation, "CONFIRM_CHUNK", chunk)
    yan, pacific = persona("yanshuji"), estate(PACIFIC)
    pairs = _statement(yan, pacific, 30)
    assert len(pairs) >= 25

    # The old path (model instances and bulk_update's CASE per row), rolled back after reading.
    with pytest.raises(_Rollback), transaction.atomic():
        lines = {b.pk: b for b in BankLine.objects.filter(pk__in=[line for line, _ in pairs])}
        for line_id, tx in pairs:
            lines[line_id].transaction_id, lines[line_id].confirmed_by = tx, yan
        BankLine.objects.bulk_update(list(lines.values()), ["transaction", "confirmed_by"], batch_size=2000)
        old_matches, old_totals = _matches(pacific), _totals(pacific)
        raise _Rollback
    assert _matches(pacific) != old_matches  # really rolled back

    audits = AuditEntry.objects.filter(action=AuditAction.BANK_RECONCILE).count()
    assert reconciliation.reconciliation_confirm(yan, pairs=pairs) == len(pairs)
    assert _matches(pacific) == old_matches
    assert _totals(pacific) == old_totals
    assert all(tx is not None and by == yan.pk for pk, tx, by in old_matches if pk in dict(pairs))
    record = AuditEntry.objects.filter(action=AuditAction.BANK_RECONCILE).latest("pk")
    assert AuditEntry.objects.filter(action=AuditAction.BANK_RECONCILE).count() == audits + 1
    assert record.estate_id == pacific.pk and record.actor_id == yan.pk
    assert record.after == {"pairs": [list(p) for p in pairs], "count": len(pairs)}

    # The same lines again: refused, and nothing written (no rows, no audit).
    with pytest.raises(WrongState, match=reconciliation.ALREADY_MATCHED.split(" / ")[0]):
        reconciliation.reconciliation_confirm(yan, pairs=pairs)
    with pytest.raises(WrongState):
        reconciliation.reconciliation_confirm(yan, pairs=pairs[:1])
    assert _matches(pacific) == old_matches
    assert AuditEntry.objects.filter(action=AuditAction.BANK_RECONCILE).count() == audits + 1


def test_one_line_twice_in_one_confirm_is_refused(persona):
    yan, pacific = persona("yanshuji"), estate(PACIFIC)
    pairs = _statement(yan, pacific, 3)
    before = _matches(pacific)
    with pytest.raises(WrongState):
        reconciliation.reconciliation_confirm(yan, pairs=[pairs[0], (pairs[0][0], pairs[1][1])])
    assert _matches(pacific) == before
