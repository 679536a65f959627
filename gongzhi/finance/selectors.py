"""Reads of the estate's money, through the scope filter: statements for a period, and the alerts
a discipline supervisor must see."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, Sum

from gongzhi.core import clock
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

    now = now or clock.now()
    estates = scope_for(fetched_by).estates(AUDIT_ROLES)
    found = []
    for e in Expense.objects.filter(estate__in=estates, split_suspect=True).exclude(status=ExpenseStatus.REJECTED):
        found.append(Alert("split", e.estate_id, f"疑似拆分支出：{e.payee} {e.purpose}", f"/approvals/{e.approval_id}/"))
    refused = AuditEntry.objects.filter(action="expense.pay_refused", estate_id__in=estates.values("pk"))
    for a in refused:
        found.append(Alert("pay_refused", a.estate_id, f"审批未完成即尝试付款：{a.subject_repr}（{a.actor_name}）",
                           f"/approvals/{(a.after or {}).get('approval', '')}/"))
    from gongzhi.finance.fund import overdue_reviews
    from gongzhi.finance.models import AccountabilityCase, AuditPeriod, CaseStatus
    from gongzhi.finance.reconciliation import unreconciled
    from gongzhi.places.models import Estate

    today = clock.local_date(now)
    for estate in Estate.objects.filter(pk__in=estates.values("pk"), ledger_accounts__isnull=False).distinct():
        gaps = unreconciled(estate, today)
        for tx, day, amount in gaps["income_not_deposited"]:
            found.append(Alert("not_deposited", estate.pk, f"收入未入账：{day} {amount / 100:.2f} 元（凭证 {tx}）", ""))
        for _line, day, amount, counterparty in gaps["bank_without_entry"]:
            found.append(Alert("bank_unmatched", estate.pk, f"银行流水无对应凭证：{day} {amount / 100:.2f} 元 {counterparty}", ""))
    for row in overdue_reviews(estates, now):
        found.append(Alert("fund_review_overdue", row.application.estate_id,
                           f"维修资金审核逾期：{row.application.purpose}（{row.get_level_display()}）", ""))
    stale = today - datetime.timedelta(days=settings.GONGZHI_AUDIT_DAYS)
    for period in AuditPeriod.objects.filter(estate__in=estates, completed_at__isnull=True, end__lt=stale):
        found.append(Alert("audit_overdue", period.estate_id, f"三审未完成：{period.start} 至 {period.end}", ""))
    for case in AccountabilityCase.objects.filter(estate__in=estates, status=CaseStatus.OPEN, deadline__lt=today):
        found.append(Alert("case_overdue", case.estate_id, f"问责事项逾期：{case.description[:40]}", ""))
    limit = now - datetime.timedelta(hours=settings.GONGZHI_SEAL_OUT_HOURS)
    for use in SealUse.objects.filter(seal__estate__in=estates, status=SealUseStatus.OUT, released_at__lt=limit
                                      ).select_related("seal"):
        found.append(Alert("seal_out", use.seal.estate_id, f"印章借出超时：{use.seal} — {use.document}",
                           f"/approvals/{use.approval_id}/"))
    return found


def personal_transfers(*, fetched_by, subdistrict_id: int | None = None) -> dict:
    """Money moved from individuals' accounts into estates' common accounts: per estate and in all."""
    from gongzhi.core.roles import STAFF_ROLES

    estates = scope_for(fetched_by).estates(STAFF_ROLES)
    if subdistrict_id:
        estates = estates.filter(community__subdistrict_id=subdistrict_id)
    rows = (Entry.objects.filter(account__estate__in=estates, account__code="income:personal_transfer")
            .values("account__estate__name").annotate(c=Sum("credit"), d=Sum("debit")).order_by("account__estate__name"))
    per_estate = {r["account__estate__name"]: (r["c"] or 0) - (r["d"] or 0) for r in rows}
    return {"per_estate": per_estate, "total": sum(per_estate.values())}
