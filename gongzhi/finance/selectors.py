"""Reads of the estate's money, through the scope filter: balances and statements for a period, the
bank lines still to match, fee collection, and the alerts a discipline supervisor must see."""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Prefetch, Q, Sum
from django.urls import reverse

from gongzhi.bodies.models import ServiceContract
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.figures import Chart, Figure, Section, Series, place_get, rate, records_link
from gongzhi.core.masking import redact
from gongzhi.core.models import AuditEntry
from gongzhi.core.money import yuan
from gongzhi.core.scoping import get_in_scope, holders, scope_for
from gongzhi.core.tallies import by_month, month_start, next_month, sums
from gongzhi.core.text import ascii_int
from gongzhi.finance import rules
from gongzhi.finance.choices import (
    BANK,
    FUND,
    AlertKind,
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
    AlertReview,
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
    Transaction,
)
from gongzhi.finance.rollups import FEES, JOURNAL
from gongzhi.people.models import Ownership
from gongzhi.places.models import Community, Estate, Unit

MATCH_WINDOW_DAYS = 7
UNKNOWN_ALERT = "未找到该预警（或已消除） / No such alert (or it has cleared)"


def estate_for_money(*, fetched_by, estate_id: int):
    """An estate whose books the user may read: its staff above it (committee, community, supervisors)."""
    return get_in_scope(scope_for(fetched_by).estates(rules.MONEY_READERS), pk=estate_id)


# --- the audit rows behind a figure ------------------------------------------------------------------
# What finance's services file their audit rows under (gongzhi.core.audit: "<app_label>.<model_name>").
SUBJECT_TRANSACTION = "finance.transaction"  # journal.post for every posting; fund.deposit
SUBJECT_EXPENSE = "finance.expense"  # expense.request, expense.pay, expense.pay_refused
SUBJECT_FEE_PAYMENT = "finance.feepayment"  # fee.pay, fee.pay_reverse
SUBJECT_FUND_APPLICATION = "finance.fundapplication"  # fund.apply, fund.review, fund.payout
SUBJECT_SEAL_USE = "finance.sealuse"  # seal.request, seal.release, seal.return


def audit_link(estate_id: int | None = None, *, subject_type: str = "", subject_id: int | str | None = None,
               action: str = "", person: str = "", since: datetime.date | None = None,
               until: datetime.date | None = None) -> str:
    """The audit trail filtered to the rows behind a figure or a record (the trail's query: estate,
    subject_type, subject_id, action, person, since, until — each optional, combined)."""
    query = {"estate": estate_id, "subject_type": subject_type, "subject_id": subject_id, "action": action,
             "person": person, "since": since.isoformat() if since else None,
             "until": until.isoformat() if until else None}
    return f"{reverse('core:audit_trail')}?{urlencode({k: v for k, v in query.items() if v not in (None, '')})}"


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
    """One alert: its kind and the record behind it (`key`, "kind:record id", what a review names), the
    estate it is in, what it says, where the record is, when it happened, and its review if any."""

    kind: str
    estate_id: int
    text: str
    link: str
    record_id: int = 0
    at: datetime.datetime | datetime.date | None = None
    estate_name: str = ""
    review: AlertReview | None = None
    note: str = ""  # the review's note as the viewer may read it

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record_id}"

    @property
    def kind_label(self) -> str:
        return str(AlertKind(self.kind).label)

    @property
    def at_text(self) -> str:
        """When it happened, local time (a date for what happens on a day: a booking, a deadline)."""
        if isinstance(self.at, datetime.datetime):
            return clock.local(self.at).strftime("%Y-%m-%d %H:%M")
        return self.at.isoformat() if self.at else ""


def _page(name: str, estate_id: int, anchor: str, **query) -> str:
    """An estate money page's address, asking for the record (so it is listed) and scrolled to it."""
    url = reverse(name, args=[estate_id])
    return f"{url}?{urlencode(query)}#{anchor}" if query else f"{url}#{anchor}"


def _approval(approval_id) -> str:
    return reverse("core:approval_detail", args=[approval_id])


def _split_alerts(estates, now, record_id=None):
    qs = Expense.objects.filter(estate__in=estates, split_suspect=True).exclude(status=ExpenseStatus.REJECTED)
    if record_id is not None:
        qs = qs.filter(pk=record_id)
    return [Alert(AlertKind.SPLIT, e.estate_id, f"疑似拆分支出：{e.payee} {e.purpose}", _approval(e.approval_id),
                  e.pk, e.created_at) for e in qs]


def _pay_refused_alerts(estates, now, record_id=None):
    """Each refused attempt is its own alert (the audit row is the record): another attempt after a
    review is a new alert."""
    qs = AuditEntry.objects.filter(action=AuditAction.EXPENSE_PAY_REFUSED, estate_id__in=estates.values("pk"))
    if record_id is not None:
        qs = qs.filter(pk=record_id)
    rows = list(qs)
    approvals = dict(Expense.objects.filter(pk__in=[ascii_int(a.subject_id) or 0 for a in rows])
                     .values_list("pk", "approval_id"))
    found = []
    for a in rows:
        approval = (a.after or {}).get("approval") or approvals.get(ascii_int(a.subject_id))
        found.append(Alert(AlertKind.PAY_REFUSED, a.estate_id, f"审批未完成即尝试付款：{a.subject_repr}（{a.actor_name}）",
                           _approval(approval) if approval else "", a.pk, a.at))
    return found


def _bank_alerts(estates, now, record_id=None, kind=None):
    """Income not seen on the bank in time, and bank lines with no entry (selectors.unreconciled)."""
    today = clock.local_date(now)
    qs = Estate.objects.filter(pk__in=estates.values("pk"), ledger_accounts__isnull=False).distinct()
    if record_id is not None:
        model = Transaction if kind == AlertKind.NOT_DEPOSITED else BankLine
        qs = qs.filter(pk__in=model.objects.filter(pk=record_id).values("estate_id"))
    found = []
    for estate in qs:
        gaps = unreconciled(estate, today)
        if kind in (None, AlertKind.NOT_DEPOSITED):
            for tx, day, amount in gaps["income_not_deposited"]:
                found.append(Alert(AlertKind.NOT_DEPOSITED, estate.pk, f"收入未入账：{day} {yuan(amount)} 元（凭证 {tx}）",
                                   _page("finance:estate_money", estate.pk, f"gap-tx-{tx}"), tx, day))
        if kind in (None, AlertKind.BANK_UNMATCHED):
            for line, day, amount, counterparty in gaps["bank_without_entry"]:
                found.append(Alert(AlertKind.BANK_UNMATCHED, estate.pk,
                                   f"银行流水无对应凭证：{day} {yuan(amount)} 元 {counterparty}",
                                   _page("finance:estate_money", estate.pk, f"line-{line}"), line, day))
    return [a for a in found if record_id is None or a.record_id == record_id]


def _fund_alerts(estates, now, record_id=None):
    qs = overdue_reviews(estates, now)
    if record_id is not None:
        qs = qs.filter(pk=record_id)
    return [Alert(AlertKind.FUND_REVIEW_OVERDUE, row.application.estate_id,
                  f"维修资金审核逾期：{row.application.purpose}（{row.get_level_display()}）",
                  _page("finance:money_fund", row.application.estate_id, f"fund-{row.application_id}",
                        application=row.application_id), row.pk, row.due_at) for row in qs]


def _audit_alerts(estates, now, record_id=None):
    stale = clock.local_date(now) - datetime.timedelta(days=settings.GONGZHI_AUDIT_DAYS)
    qs = AuditPeriod.objects.filter(estate__in=estates, completed_at__isnull=True, end__lt=stale)
    if record_id is not None:
        qs = qs.filter(pk=record_id)
    return [Alert(AlertKind.AUDIT_OVERDUE, p.estate_id, f"三审未完成：{p.start} 至 {p.end}",
                  _page("finance:money_audits", p.estate_id, f"audit-{p.pk}", period=p.pk), p.pk, p.end) for p in qs]


def _case_alerts(estates, now, record_id=None):
    qs = AccountabilityCase.objects.filter(estate__in=estates, status=CaseStatus.OPEN, deadline__lt=clock.local_date(now))
    if record_id is not None:
        qs = qs.filter(pk=record_id)
    return [Alert(AlertKind.CASE_OVERDUE, c.estate_id, f"问责事项逾期：{c.description[:40]}",
                  _page("finance:money_audits", c.estate_id, f"case-{c.pk}", case=c.pk), c.pk, c.deadline) for c in qs]


def seal_out_limit(now: datetime.datetime) -> datetime.datetime:
    """A seal released before this instant has been out longer than GONGZHI_SEAL_OUT_HOURS (exactly that
    long is not yet too long)."""
    return now - datetime.timedelta(hours=settings.GONGZHI_SEAL_OUT_HOURS)


def _seal_alerts(estates, now, record_id=None):
    qs = SealUse.objects.filter(seal__estate__in=estates, status=SealUseStatus.OUT, released_at__lt=seal_out_limit(now)
                                ).select_related("seal__estate")
    if record_id is not None:
        qs = qs.filter(pk=record_id)
    return [Alert(AlertKind.SEAL_OUT, use.seal.estate_id, f"印章借出超时：{use.seal} — {use.document}",
                  _approval(use.approval_id), use.pk, use.released_at) for use in qs]


_ALERTS = {
    AlertKind.SPLIT: _split_alerts,
    AlertKind.PAY_REFUSED: _pay_refused_alerts,
    AlertKind.NOT_DEPOSITED: lambda e, n, r=None: _bank_alerts(e, n, r, AlertKind.NOT_DEPOSITED),
    AlertKind.BANK_UNMATCHED: lambda e, n, r=None: _bank_alerts(e, n, r, AlertKind.BANK_UNMATCHED),
    AlertKind.FUND_REVIEW_OVERDUE: _fund_alerts,
    AlertKind.AUDIT_OVERDUE: _audit_alerts,
    AlertKind.CASE_OVERDUE: _case_alerts,
    AlertKind.SEAL_OUT: _seal_alerts,
}


def _completed(found: list[Alert], scope) -> list[Alert]:
    """The alerts with their estate's name and their review, if any (two queries for all); what people
    typed (payees, documents, notes) with the phone and ID numbers the viewer may not read masked."""
    names = dict(Estate.objects.filter(pk__in={a.estate_id for a in found}).values_list("pk", "name"))
    reviews = {(r.kind, r.record_id): r for r in AlertReview.objects.filter(
        record_id__in={a.record_id for a in found}).select_related("reviewed_by")}
    for a in found:
        shown = scope.contacts_shown(a.estate_id)
        a.estate_name = names.get(a.estate_id, "")
        a.text = redact(a.text, shown)
        a.review = reviews.get((a.kind, a.record_id))
        a.note = redact(a.review.note, shown) if a.review else ""
    return found


def alerts(*, fetched_by, now: datetime.datetime | None = None) -> list[Alert]:
    """For the discipline supervisor: possible splitting, refused payment attempts, money not matched
    with the bank, overdue reviews, 三审 and cases, seals out too long — within the estates they
    supervise, reviewed or not (Alert.review)."""
    now = now or clock.now()
    scope = scope_for(fetched_by)
    estates = scope.estates(rules.SUPERVISORS)
    found = []
    for kind in (AlertKind.SPLIT, AlertKind.PAY_REFUSED):
        found += _ALERTS[kind](estates, now)
    found += _bank_alerts(estates, now)
    for kind in (AlertKind.FUND_REVIEW_OVERDUE, AlertKind.AUDIT_OVERDUE, AlertKind.CASE_OVERDUE, AlertKind.SEAL_OUT):
        found += _ALERTS[kind](estates, now)
    return _completed(found, scope)


def alert_get(*, fetched_by, key: str, now: datetime.datetime | None = None) -> Alert:
    """The alert a key names ("seal_out:12"), if it stands now in an estate the user sees (NotFound for
    a malformed key, a condition that has cleared, or an estate out of sight, alike). Whether the user
    may review it is the rule's (rules.may_review_alert)."""
    kind, _sep, record = (key or "").partition(":")
    record_id = ascii_int(record)
    if kind not in _ALERTS or not record_id:
        raise NotFound(UNKNOWN_ALERT)
    scope = scope_for(fetched_by)
    found = _ALERTS[kind](scope.estates(), now or clock.now(), record_id)
    if not found:
        raise NotFound(UNKNOWN_ALERT)
    return _completed(found[:1], scope)[0]


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
            .values("account__estate__name", "account__estate_id").annotate(c=Sum("credit"), d=Sum("debit"))
            .order_by("account__estate__name"))
    per_estate = {r["account__estate__name"]: (r["c"] or 0) - (r["d"] or 0) for r in rows}
    return {"per_estate": per_estate, "total": sum(per_estate.values()),
            "estate_ids": {r["account__estate__name"]: r["account__estate_id"] for r in rows}}


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



# --- the records behind the dashboard's money figures ----------------------------------------------
@dataclass
class MoneyRecords:
    """The rows one money figure adds up, over a place and a period, and their total (fen)."""

    what: str
    rows: object  # a queryset of Entry (income, spending, transfers) or FeeBill (billed, collected)
    total: int


RECORD_KINDS = ("income", "spending", "personal_transfer", "billed", "collected")
_ENTRY_ACCOUNTS = {"income": "income:", "spending": "expense:", "personal_transfer": "income:personal_transfer"}


def money_records(*, fetched_by, place_code: str, start: datetime.date, end: datetime.date, what: str) -> MoneyRecords:
    """The journal entries or fee bills behind a dashboard figure (dashboard_section links here), for a
    place the user reads the books of (NotFound otherwise): their total is the figure."""
    place = place_get(fetched_by, place_code, rules.MONEY_READERS)
    if what not in RECORD_KINDS:
        what = "income"
    if what in _ENTRY_ACCOUNTS:
        prefix = _ENTRY_ACCOUNTS[what]
        rows = (Entry.objects.filter(**place.lookup("transaction__estate"), transaction__date__gte=start,
                                     transaction__date__lte=end, account__code__startswith=prefix)
                .select_related("transaction__estate", "account").order_by("transaction__date", "transaction_id", "id"))
        totals = rows.aggregate(d=Sum("debit"), c=Sum("credit"))
        debit, credit = totals["d"] or 0, totals["c"] or 0
        return MoneyRecords(what, rows, debit - credit if what == "spending" else credit - debit)
    rows = (FeeBill.objects.filter(**place.lookup(), month__gte=month_start(start), month__lte=month_start(end),
                                   reversed_at__isnull=True).select_related("estate", "unit")
            .order_by("estate__name", "month", "unit__code", "id"))
    if what == "collected":
        rows = rows.filter(paid__gt=0)
    total = rows.aggregate(t=Sum("paid" if what == "collected" else "amount"))["t"] or 0
    return MoneyRecords(what, rows, total)


# --- the dashboard's section -------------------------------------------------------------------------
def _money_flows(place, period: clock.Period) -> dict:
    """Common income and spending booked in the period (fen), by account code, over the place's estates
    (from the figures rows: finance.rollups.JOURNAL)."""
    found = sums(JOURNAL.name, place.level, place.pk, period.start, period.end)
    debit, credit = found.by_key("debit"), found.by_key("credit")
    flows = {}
    for code in debit.keys() | credit.keys():
        d, c = debit.get(code, 0), credit.get(code, 0)
        flows[code] = c - d if code.startswith("income:") else d - c
    return flows


def _fees(place, first: datetime.date, last: datetime.date) -> dict:
    """Fees billed and collected for the months from `first`'s to `last`'s (finance.rollups.FEES)."""
    found = sums(FEES.name, place.level, place.pk, month_start(first), next_month(last) - datetime.timedelta(days=1))
    return {"billed": found.total("billed"), "paid": found.total("paid")}


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
    earlier = period.a_year_earlier()
    fees, fees_before = _fees(place, period.start, period.end), _fees(place, earlier.start, earlier.end)

    def total(flows, prefix):
        return sum(v for k, v in flows.items() if k.startswith(prefix))

    transfer = "income:personal_transfer"
    records = reverse("finance:money_records")

    def link(what):
        return records_link(records, place, period, what=what)

    figures = [
        Figure("billed", _("应收物业费"), _yuan(fees["billed"]), _yuan(fees_before["billed"]), "元", link("billed")),
        Figure("collected", _("已收物业费"), _yuan(fees["paid"]), _yuan(fees_before["paid"]), "元", link("collected")),
        Figure("collection_rate", _("物业费收缴率"), rate(fees["paid"], fees["billed"]),
               rate(fees_before["paid"], fees_before["billed"]), "%", link("billed")),
        Figure("income", _("公共收益收入"), _yuan(total(now, "income:")), _yuan(total(before, "income:")), "元",
               link("income")),
        Figure("spending", _("公共收益支出"), _yuan(total(now, "expense:")), _yuan(total(before, "expense:")), "元",
               link("spending")),
        Figure("personal_transfer", _("从个人账户转入公共账户"), _yuan(now.get(transfer, 0)),
               _yuan(before.get(transfer, 0)), "元", link("personal_transfer")),
    ]
    if scope.has_any(rules.SUPERVISORS):
        estates = set(Estate.objects.filter(**place.lookup("")).values_list("pk", flat=True))
        open_alerts = [a for a in alerts(fetched_by=fetched_by) if a.estate_id in estates and a.review is None]
        figures.append(Figure("alerts", _("未处理的预警（至今）"), len(open_alerts),
                              link=records_link(reverse("finance:supervisor_desk"), place)))
    first = month_start(clock.add_months(period.end, -11))
    billed = by_month(FEES.name, "billed", place.level, place.pk, first, period.end)
    paid = by_month(FEES.name, "paid", place.level, place.pk, first, period.end)
    months, rates = [], []
    month = first
    while month <= period.end:
        months.append(f"{month:%Y-%m}")
        rates.append(rate(paid.get(month, 0), billed.get(month, 0)))
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
