"""Reads of the estate's money, through the scope filter: statements for a period, and the alerts
a discipline supervisor must see."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from gongzhi.core.models import AuditEntry
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.finance.models import (
    BANK,
    Entry,
    Expense,
    ExpenseCategory,
    ExpenseStatus,
    IncomeCategory,
    SealUse,
    SealUseStatus,
)


def estate_for_money(*, fetched_by, estate_id: int):
    """An estate whose books the user may read: its staff above it (committee, community, supervisors)."""
    from gongzhi.core.roles import STAFF_ROLES

    return get_in_scope(scope_for(fetched_by).estates(STAFF_ROLES), pk=estate_id)


def statement(estate, start: datetime.date, end: datetime.date) -> dict:
    """Income and spending by category for [start, end], with opening and closing balances (fen)."""
    period = Q(transaction__estate=estate, transaction__date__gte=start, transaction__date__lte=end)
    rows = (Entry.objects.filter(period).values("account__code")
            .annotate(d=Sum("debit"), c=Sum("credit")))
    income = {c: 0 for c in IncomeCategory.values}
    spending = {c: 0 for c in ExpenseCategory.values}
    for row in rows:
        kind, _, category = row["account__code"].partition(":")
        if kind == "income":
            income[category] = income.get(category, 0) + row["c"] - row["d"]
        elif kind == "expense":
            spending[category] = spending.get(category, 0) + row["d"] - row["c"]
    opening = Entry.objects.filter(account__estate=estate, account__code=BANK, transaction__date__lt=start).aggregate(
        d=Sum("debit"), c=Sum("credit"))
    opening_balance = (opening["d"] or 0) - (opening["c"] or 0)
    total_in, total_out = sum(income.values()), sum(spending.values())
    return {"start": start, "end": end, "opening": opening_balance, "income": income, "spending": spending,
            "total_income": total_in, "total_spending": total_out, "closing": opening_balance + total_in - total_out}


@dataclass
class Alert:
    kind: str
    estate_id: int
    text: str
    link: str


def alerts(*, fetched_by, now: datetime.datetime | None = None) -> list[Alert]:
    """For the discipline supervisor: possible splitting, refused payment attempts, seals out too
    long — within the estates they supervise."""
    from gongzhi.core.roles import AUDIT_ROLES

    now = now or timezone.now()
    estates = scope_for(fetched_by).estates(AUDIT_ROLES)
    found = []
    for e in Expense.objects.filter(estate__in=estates, split_suspect=True).exclude(status=ExpenseStatus.REJECTED):
        found.append(Alert("split", e.estate_id, f"疑似拆分支出：{e.payee} {e.purpose}", f"/approvals/{e.approval_id}/"))
    refused = AuditEntry.objects.filter(action="expense.pay_refused", estate_id__in=estates.values("pk"))
    for a in refused:
        found.append(Alert("pay_refused", a.estate_id, f"审批未完成即尝试付款：{a.subject_repr}（{a.actor_name}）",
                           f"/approvals/{(a.after or {}).get('approval', '')}/"))
    limit = now - datetime.timedelta(hours=settings.GONGZHI_SEAL_OUT_HOURS)
    for use in SealUse.objects.filter(seal__estate__in=estates, status=SealUseStatus.OUT, released_at__lt=limit
                                      ).select_related("seal"):
        found.append(Alert("seal_out", use.seal.estate_id, f"印章借出超时：{use.seal} — {use.document}",
                           f"/approvals/{use.approval_id}/"))
    return found
