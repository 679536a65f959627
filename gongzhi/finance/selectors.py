"""Reads of the estate's money, through the scope filter: balances and statements for a period, the
bank lines still to match, fee collection, and the alerts a discipline supervisor must see."""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Prefetch, Q, Sum

from gongzhi.bodies.models import ServiceContract
from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.figures import Chart, Figure, Section, Series, rate
from gongzhi.core.models import AuditEntry
from gongzhi.core.money import yuan
from gongzhi.core.scoping import get_in_scope, holders, scope_for
from gongzhi.finance import rules
from gongzhi.finance.choices import (
    BANK,
    FUND,
    AuditAction,
    CaseStatus,
    ExpenseCategory,
    ExpenseStatus,
    FundStatus,
    HandoverStatus,
    IncomeCategory,
    SealUseStatus,
    account_name,
)
from gongzhi.finance.models import (
    AccountabilityCase,
    AuditPeriod,
    BankLine,
    Entry,
    Expense,
    FeeBill,
    FeePayment,
    FeeRate,
    FundReview,
    Seal,
    SealHandover,
    SealUse,
)
from gongzhi.people.models import Ownership
from gongzhi.places.models import Community, Estate, Unit

MATCH_WINDOW_DAYS = 7


def estate_for_money(*, fetched_by, estate_id: int):
    """An estate whose books the user may read: its staff above it (committee, community, supervisors)."""
    return get_in_scope(scope_for(fetched_by).estates(rules.MONEY_READERS), pk=estate_id)


# --- the journal -------------------------------------------------------------------------------------
def balance(estate, code: str = BANK, until: datetime.date | None = None) -> int:
    """An account's balance in fen (debit-positive for the bank and expenses)."""
    qs = Entry.objects.filter(account__estate=estate, account__code=code)
    if until is not None:
        qs = qs.filter(transaction__date__lte=until)
    totals = qs.aggregate(d=Sum("debit"), c=Sum("credit"))
    return (totals["d"] or 0) - (totals["c"] or 0)


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


# --- the bank (收必进账入库) ----------------------------------------------------------------------------
@dataclass
class Suggestion:
    line_id: int
    transaction_id: int
    days_apart: int


def _bank_movements(estate) -> list[tuple[int, datetime.date, int]]:
    """(transaction id, date, signed fen on the bank account) for transactions not yet matched."""
    rows = (Entry.objects.filter(account__estate=estate, account__code=BANK, transaction__bank_line__isnull=True)
            .values_list("transaction_id", "transaction__date", "debit", "credit"))
    return [(tx, day, debit - credit) for tx, day, debit, credit in rows]


def suggest(estate) -> list[Suggestion]:
    """Pair unmatched bank lines with unmatched transactions: same signed amount, nearest date
    within the window, each used once (earliest lines first)."""
    pool: dict[int, list[tuple[int, int]]] = defaultdict(list)  # amount -> sorted [(ordinal, tx id)]
    for tx, day, amount in _bank_movements(estate):
        pool[amount].append((day.toordinal(), tx))
    for candidates in pool.values():
        candidates.sort()
    found = []
    lines = BankLine.objects.filter(estate=estate, transaction__isnull=True).order_by("date", "id")
    for line_id, day, amount in lines.values_list("id", "date", "amount"):
        candidates = pool.get(amount)
        if not candidates:
            continue
        target = day.toordinal()
        i = bisect.bisect_left(candidates, (target, -1))
        best = min((c for c in (i - 1, i) if 0 <= c < len(candidates)),
                   key=lambda c: abs(candidates[c][0] - target), default=None)
        if best is None or abs(candidates[best][0] - target) > MATCH_WINDOW_DAYS:
            continue
        ordinal, tx = candidates.pop(best)
        found.append(Suggestion(line_id, tx, abs(ordinal - target)))
    return found


def unreconciled(estate, today: datetime.date | None = None) -> dict:
    """Income recorded but not seen on the bank within the allowed days, and bank movements with no entry."""
    today = today or clock.today()
    limit = today - datetime.timedelta(days=settings.GONGZHI_DEPOSIT_DAYS)
    movements = _bank_movements(estate)
    return {
        "income_not_deposited": [(tx, day, amount) for tx, day, amount in movements if amount > 0 and day < limit],
        "payments_not_seen": [(tx, day, amount) for tx, day, amount in movements if amount < 0 and day < limit],
        "bank_without_entry": list(BankLine.objects.filter(estate=estate, transaction__isnull=True, date__lt=limit)
                                   .values_list("id", "date", "amount", "counterparty")),
    }


# --- property fees -----------------------------------------------------------------------------------
def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def collection_rate(estate_ids, start: datetime.date, end: datetime.date) -> dict:
    """Billed, collected and the rate (percent, 1 decimal) over the months [start, end]."""
    totals = FeeBill.objects.filter(estate_id__in=list(estate_ids), month__gte=month_start(start),
                                    month__lte=month_start(end), reversed_at__isnull=True
                                    ).aggregate(billed=Sum("amount"), paid=Sum("paid"))
    billed, paid = totals["billed"] or 0, totals["paid"] or 0
    rate = (Decimal(paid) * 100 / Decimal(billed)).quantize(Decimal("0.1"), ROUND_HALF_UP) if billed else None
    return {"billed": billed, "collected": paid, "rate": rate}


def monthly_rates(estate, today: datetime.date) -> list[tuple[datetime.date, Decimal]]:
    """The last twelve months' collection rates, so a change (55% → 75%) shows at a glance."""
    months = []
    month = clock.period(clock.PeriodKind.MONTH, today)
    for _month in range(12):
        rate = collection_rate([estate.pk], month.start, month.start)["rate"]
        if rate is not None:
            months.append((month.start, rate))
        month = month.previous()
    return list(reversed(months))


def arrears(*, fetched_by, unit_id: int) -> list[FeeBill]:
    """A unit's unpaid bills, for its owner or for staff in scope."""
    scope = scope_for(fetched_by)
    unit = get_in_scope(scope.units(), pk=unit_id)
    own = unit.ownerships.filter(person__user=fetched_by, until__isnull=True).exists()
    if not rules.may_read_arrears(fetched_by, unit, owns=own):
        raise PermissionDenied()
    return list(FeeBill.objects.filter(unit=unit, paid__lt=F("amount"), reversed_at__isnull=True).order_by("month"))


def collection_by_company(*, fetched_by, start: datetime.date, end: datetime.date) -> list[dict]:
    """Collection rates per property company, over the estates it serves in the viewer's scope."""
    estates = scope_for(fetched_by).estates()
    served: dict[tuple[int, str], set[int]] = {}
    for company_id, name, estate_id in ServiceContract.objects.filter(estate__in=estates).values_list(
            "company_id", "company__name", "estate_id"):
        served.setdefault((company_id, name), set()).add(estate_id)
    return [{"company": name, **collection_rate(ids, start, end)} for (_, name), ids in sorted(served.items())]


# --- the maintenance fund ----------------------------------------------------------------------------
def overdue_reviews(estates, now=None):
    now = now or clock.now()
    return FundReview.objects.filter(application__estate__in=estates, approved__isnull=True, due_at__lt=now,
                                     application__status=FundStatus.REVIEWING).select_related("application")


# --- the supervisor ----------------------------------------------------------------------------------
@dataclass
class Alert:
    kind: str
    estate_id: int
    text: str
    link: str


def alerts(*, fetched_by, now: datetime.datetime | None = None) -> list[Alert]:
    """For the discipline supervisor: possible splitting, refused payment attempts, seals out too
    long — within the estates they supervise."""
    now = now or clock.now()
    estates = scope_for(fetched_by).estates(rules.SUPERVISORS)
    found = []
    for e in Expense.objects.filter(estate__in=estates, split_suspect=True).exclude(status=ExpenseStatus.REJECTED):
        found.append(Alert("split", e.estate_id, f"疑似拆分支出：{e.payee} {e.purpose}", f"/approvals/{e.approval_id}/"))
    refused = AuditEntry.objects.filter(action=AuditAction.EXPENSE_PAY_REFUSED, estate_id__in=estates.values("pk"))
    for a in refused:
        found.append(Alert("pay_refused", a.estate_id, f"审批未完成即尝试付款：{a.subject_repr}（{a.actor_name}）",
                           f"/approvals/{(a.after or {}).get('approval', '')}/"))
    today = clock.local_date(now)
    for estate in Estate.objects.filter(pk__in=estates.values("pk"), ledger_accounts__isnull=False).distinct():
        gaps = unreconciled(estate, today)
        for tx, day, amount in gaps["income_not_deposited"]:
            found.append(Alert("not_deposited", estate.pk, f"收入未入账：{day} {yuan(amount)} 元（凭证 {tx}）", ""))
        for _line, day, amount, counterparty in gaps["bank_without_entry"]:
            found.append(Alert("bank_unmatched", estate.pk, f"银行流水无对应凭证：{day} {yuan(amount)} 元 {counterparty}", ""))
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


def large_expenses(*, fetched_by):
    """Expenses at or above the large line, in the estates the viewer supervises."""
    estates = scope_for(fetched_by).estates(rules.SUPERVISORS)
    return Expense.objects.filter(estate__in=estates, amount__gte=rules.large_threshold_fen()).select_related(
        "estate", "approval")


def personal_transfers(*, fetched_by, subdistrict_id: int | None = None) -> dict:
    """Money moved from individuals' accounts into estates' common accounts: per estate and in all."""
    estates = scope_for(fetched_by).estates(rules.MONEY_READERS)
    if subdistrict_id:
        estates = estates.filter(community__subdistrict_id=subdistrict_id)
    rows = (Entry.objects.filter(account__estate__in=estates, account__code="income:personal_transfer")
            .values("account__estate__name").annotate(c=Sum("credit"), d=Sum("debit")).order_by("account__estate__name"))
    per_estate = {r["account__estate__name"]: (r["c"] or 0) - (r["d"] or 0) for r in rows}
    return {"per_estate": per_estate, "total": sum(per_estate.values())}


# --- seals: custody and the community's register -----------------------------------------------------
def seal_keepers(estate, *, kept_by_community: bool = True):
    """Who may keep this estate's seals: community staff for a seal in the community's 代管箱, the
    committee as well otherwise (for the register's and the handover's forms)."""
    roles = rules.BOOKKEEPERS if kept_by_community else rules.SEAL_KEEPERS
    return get_user_model().objects.filter(pk__in=holders(roles, estate), is_active=True).order_by("username")


def community_for_register(*, fetched_by, community_id: int):
    """A community whose seal register the user may read (404 when missing or out of sight, as one)."""
    scope = scope_for(fetched_by)
    seen = Community.objects.filter(Q(pk__in=scope.communities().values("pk")) |
                                    Q(pk__in=scope.estates().values("community_id")))
    community = get_in_scope(seen, pk=community_id)
    if not rules.may_read_seal_register(fetched_by, community):
        raise PermissionDenied()
    return community


def seal_register(community) -> list:
    """Every seal registered in the community's estates, with its custodian and the use it is out with
    now (its release time: since when), estate by estate."""
    return list(Seal.objects.filter(estate__community=community)
                .select_related("estate", "custodian", "out_with__requested_by", "out_with__released_by")
                .prefetch_related(Prefetch("handovers", SealHandover.objects.filter(status=HandoverStatus.PENDING)
                                           .select_related("receiver"), to_attr="open_handovers"))
                .order_by("estate__name", "kind"))


# --- property fees: rates, bills, receipts -----------------------------------------------------------
def rates_on(estate, day: datetime.date) -> dict:
    """The rate in force on `day` for each kind of unit that has one (the latest that started by then)."""
    found = {}
    for fee_rate in FeeRate.objects.filter(estate=estate, effective_from__lte=day).order_by("unit_kind", "-effective_from"):
        found.setdefault(fee_rate.unit_kind, fee_rate)
    return found


def bills_for(*, fetched_by, estate_id: int | None = None, month: datetime.date | None = None,
              unpaid: bool = False, unit_code: str = ""):
    """Bills the user may read: fee staff and the committee chair for their estates' units, an owner for
    their own units (current ownership), nothing else."""
    scope = scope_for(fetched_by)
    staff = FeeBill.objects.filter(estate__in=scope.estates(rules.ARREARS_READERS))
    own = Ownership.objects.filter(person__user=fetched_by, until__isnull=True).values("unit_id") \
        if fetched_by.is_authenticated else Ownership.objects.none().values("unit_id")
    qs = (staff | FeeBill.objects.filter(unit_id__in=own)).distinct()
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    if month is not None:
        qs = qs.filter(month=month_start(month))
    if unpaid:
        qs = qs.filter(paid__lt=F("amount"), reversed_at__isnull=True)
    if unit_code:
        qs = qs.filter(unit__code=unit_code)
    return qs.select_related("unit", "estate").order_by("-month", "unit__code", "id")


MY_FEE_MONTHS = 24  # an owner's page lists each flat's last two years of bills, and every older unpaid one


@dataclass
class FlatFees:
    """One flat of an owner's: its bills (newest first) and their sums in fen — billed and paid over the
    bills listed, the arrears (欠费合计) over every unpaid bill, all of which are listed."""

    unit: object
    bills: list
    billed: int
    paid: int
    arrears: int

    @property
    def billed_yuan(self) -> str:
        return yuan(self.billed)

    @property
    def paid_yuan(self) -> str:
        return yuan(self.paid)

    @property
    def arrears_yuan(self) -> str:
        return yuan(self.arrears)


def my_fees(user, today: datetime.date | None = None) -> tuple[list[FlatFees], int]:
    """An owner's fees flat by flat (current ownerships; never anyone else's), and the total due over
    all their flats, in fen."""
    if not user.is_authenticated:
        return [], 0
    units = (Unit.objects.filter(pk__in=Ownership.objects.filter(person__user=user, until__isnull=True)
                                 .values("unit_id")).select_related("estate").order_by("estate__name", "code"))
    since = clock.add_months(month_start(today or clock.today()), 1 - MY_FEE_MONTHS)
    listed = (FeeBill.objects.filter(unit__in=units).filter(
        Q(month__gte=since) | Q(paid__lt=F("amount"), reversed_at__isnull=True))
        .prefetch_related(Prefetch("payments", FeePayment.objects.order_by("id"))).order_by("-month", "id"))
    per_unit: dict[int, list[FeeBill]] = defaultdict(list)
    for bill in listed:
        per_unit[bill.unit_id].append(bill)
    flats = []
    for unit in units:
        bills = per_unit[unit.pk]
        for bill in bills:
            bill.unit = unit  # the flat is the section's, fetched once
        live = [b for b in bills if not b.reversed_at]
        flats.append(FlatFees(unit, bills, sum(b.amount for b in live), sum(b.paid for b in live),
                              sum(b.due for b in live)))
    return flats, sum(f.arrears for f in flats)


def payment_for_receipt(*, fetched_by, payment_id: int):
    """A payment whose receipt the user may fetch: the unit's own owner and fee staff only (404 outside
    the user's estates, 403 for anyone else in them)."""
    scope = scope_for(fetched_by)
    base = FeePayment.objects.select_related("bill__unit__building", "estate__community", "recorded_by")
    payment = get_in_scope(base.filter(estate__in=scope.estates()), pk=payment_id)
    owns = Ownership.objects.filter(unit_id=payment.bill.unit_id, person__user=fetched_by, until__isnull=True).exists()
    if not rules.may_fetch_receipt(fetched_by, payment.estate, owns=owns):
        raise PermissionDenied()
    return payment


# --- the maintenance fund ----------------------------------------------------------------------------
def fund_balance(estate) -> int:
    """The estate's maintenance fund in fen: deposits less payouts."""
    return balance(estate, FUND)



# --- the dashboard's section -------------------------------------------------------------------------
def _money_flows(place, period: clock.Period) -> dict:
    """Common income and spending booked in the period (fen), by account code, over the place's estates."""
    rows = (Entry.objects.filter(**place.lookup("transaction__estate"), transaction__date__gte=period.start,
                                 transaction__date__lte=period.end, account__code__regex=r"^(income|expense):")
            .values("account__code").annotate(d=Sum("debit"), c=Sum("credit")))
    flows = {}
    for row in rows:
        code = row["account__code"]
        flows[code] = (row["c"] or 0) - (row["d"] or 0) if code.startswith("income:") else (row["d"] or 0) - (row["c"] or 0)
    return flows


def _fees(place, period: clock.Period) -> dict:
    totals = FeeBill.objects.filter(**place.lookup(), month__gte=month_start(period.start),
                                    month__lte=month_start(period.end), reversed_at__isnull=True
                                    ).aggregate(billed=Sum("amount"), paid=Sum("paid"))
    return {"billed": totals["billed"] or 0, "paid": totals["paid"] or 0}


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def dashboard_section(*, fetched_by, place, period: clock.Period):
    """Common money (业账社管) for the roles that read it: fees billed and collected and the collection rate
    by month, common income and spending, money moved in from personal accounts, alerts open now."""
    from django.utils.translation import gettext_lazy as _  # not at the top: `_` is a throwaway name there

    scope = scope_for(fetched_by)
    if not scope.has_any(rules.MONEY_READERS):
        return None
    now, before = _money_flows(place, period), _money_flows(place, period.a_year_earlier())
    fees, fees_before = _fees(place, period), _fees(place, period.a_year_earlier())

    def total(flows, prefix):
        return sum(v for k, v in flows.items() if k.startswith(prefix))

    transfer = "income:personal_transfer"
    figures = [
        Figure("billed", _("应收物业费"), _yuan(fees["billed"]), _yuan(fees_before["billed"]), "元"),
        Figure("collected", _("已收物业费"), _yuan(fees["paid"]), _yuan(fees_before["paid"]), "元"),
        Figure("collection_rate", _("物业费收缴率"), rate(fees["paid"], fees["billed"]),
               rate(fees_before["paid"], fees_before["billed"]), "%"),
        Figure("income", _("公共收益收入"), _yuan(total(now, "income:")), _yuan(total(before, "income:")), "元"),
        Figure("spending", _("公共收益支出"), _yuan(total(now, "expense:")), _yuan(total(before, "expense:")), "元"),
        Figure("personal_transfer", _("从个人账户转入公共账户"), _yuan(now.get(transfer, 0)),
               _yuan(before.get(transfer, 0)), "元"),
    ]
    if scope.has_any(rules.SUPERVISORS):
        estates = set(Estate.objects.filter(**place.lookup("")).values_list("pk", flat=True))
        open_alerts = [a for a in alerts(fetched_by=fetched_by) if a.estate_id in estates]
        figures.append(Figure("alerts", _("未处理的预警（至今）"), len(open_alerts)))
    months, rates = [], []
    month = month_start(clock.add_months(period.end, -11))
    while month <= period.end:
        bills = _fees(place, clock.Period("month", month, clock.add_months(month, 1) - datetime.timedelta(days=1)))
        months.append(f"{month:%Y-%m}")
        rates.append(rate(bills["paid"], bills["billed"]))
        month = clock.add_months(month, 1)
    income = sorted(((account_name(k), _yuan(v)) for k, v in now.items() if k.startswith("income:") and v),
                    key=lambda item: -item[1])
    spending = sorted(((account_name(k), _yuan(v)) for k, v in now.items() if k.startswith("expense:") and v),
                      key=lambda item: -item[1])
    return Section("money", str(_("公共资金（业账社管）")), figures, charts=[
        Chart("collection_by_month", str(_("物业费收缴率（近 12 个月）")), "line", months,
              [Series(str(_("收缴率")), rates)], unit="%"),
        Chart("income_by_account", str(_("公共收益收入构成")), "pie", [n for n, _v in income],
              [Series(period.label, [v for _n, v in income])], unit="元"),
        Chart("spending_by_account", str(_("公共收益支出构成")), "pie", [n for n, _v in spending],
              [Series(period.label, [v for _n, v in spending])], unit="元"),
    ])



def seals_out(user, limit: int = 10) -> list[SealUse]:
    """Seals handed out and not yet back, in the estates whose seals the user signs for or keeps, the
    longest out first (the secretary's and the chair's home card)."""
    estates = scope_for(user).estates(set(rules.SEAL_SIGNERS) | set(rules.SEAL_KEEPERS))
    return list(SealUse.objects.filter(seal__estate__in=estates, status=SealUseStatus.OUT)
                .select_related("seal__estate").order_by("released_at", "pk")[:limit])


def my_fees_due(user) -> int:
    """What the user owes over all their flats (fen): the home card's figure, the same as the fees page's."""
    return my_fees(user)[1]
