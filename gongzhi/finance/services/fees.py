"""Property fees: rates per unit kind in 元/m²/月 with the date each takes effect, monthly bills by
area × the rate in force that month, payments recorded (not processed) with a numbered receipt and a
journal entry, corrections by reversal (a reversing journal entry for a payment, 作废 for a bill),
and the collection rates published estate by estate — never a name. (Arrears and rates are read
through selectors.)"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.core.money import fen, yuan
from gongzhi.core.text import clean_text
from gongzhi.finance.choices import FEES_COLLECTED, FEES_HELD, AuditAction, PaymentMethod
from gongzhi.finance.models import FeeBill, FeePayment, FeeRate, ReceiptSequence, Transaction
from gongzhi.finance.rules import FEE_STAFF
from gongzhi.finance.selectors import collection_rate, month_start, rates_on
from gongzhi.finance.services.journal import transaction_post
from gongzhi.notices import services as notices
from gongzhi.places.choices import UnitKind
from gongzhi.places.models import Unit

# No property fee in China comes near 100 元/m²/月 (city-centre offices run at 30–50); anything above is a
# typing slip ("1e9", a total typed as a rate) and is refused.
MAX_RATE = Decimal("100")
EARLIEST = datetime.date(2000, 1, 1)
_PLAIN = re.compile(r"\d+(\.\d+)?")

BAD_RATE = (
    "费率须为大于 0、不超过 100 元/平方米/月的数，最多四位小数 / The rate must be a number above 0 and at most "
    "100 yuan per m² per month, with at most four decimals"
)
UNKNOWN_KIND = "未知的房屋类型 / Unknown kind of unit"
RATE_NOT_FIRST = "费率须自某月 1 日起执行 / A rate takes effect on the first day of a month"
RATE_DATE_RANGE = "起始执行日期须在 2000 年之后、五年之内 / The start date must be after 2000 and within five years"
RATE_EXISTS = "该类型房屋在该日期已有费率 / This kind of unit already has a rate from that date"
RATE_BILLED = (
    "{month} 的账单已按原费率出账，新费率不能覆盖已出账的月份 / Bills for {month} have been issued at the old "
    "rate: a new rate cannot cover months already billed"
)
NO_RATE = (
    "{estate}尚未设定物业费费率（或 {month} 尚无生效的费率），没有生成账单。请先在物业费页设定费率 / {estate} has "
    "no property-fee rate in force for {month}: no bills were made. Set a rate on the fees page first"
)
MONTH_RANGE = "只能为 2000 年以后、不晚于本月的月份出账 / Bill a month from 2000 up to this month"
OVERPAID = "收款超过欠费 {due} 元 / The payment exceeds the {due} yuan owed"
BILL_PAID = "该账单已结清 / This bill is paid in full"
BILL_REVERSED = "该账单已作废，不能收款 / This bill has been reversed: it cannot be paid"
BILL_ALREADY_REVERSED = "该账单已作废 / This bill has already been reversed"
BILL_HAS_PAYMENTS = "该账单已有收款，请先冲销收款再作废 / This bill has payments: reverse them first"
UNKNOWN_METHOD = "未知的缴费方式 / Unknown payment method"
REFERENCE_REQUIRED = "转账或线上缴费须填写流水号 / A transfer or online payment needs its reference"
REFERENCE_TOO_LONG = "流水号最多 {n} 个字符 / The reference is at most {n} characters"
PAID_ON_RANGE = "缴费日期不能晚于今天，也不能早于 2000 年 / The payment date cannot be after today or before 2000"
PAYMENT_REVERSED = "该笔收款已冲销 / This payment has already been reversed"
REASON_REQUIRED = "请写明原因 / Give the reason"
REASON_TOO_LONG = "原因最多 {n} 字 / The reason is at most {n} characters"
NO_ESTATES = "请选择小区 / Choose estates"


def _rate(value) -> Decimal:
    if isinstance(value, float | bool):
        raise InvalidInput(BAD_RATE, field="rate")
    text = str(value).replace(",", "").strip() if not isinstance(value, Decimal) else format(value, "f")
    if not _PLAIN.fullmatch(text):
        raise InvalidInput(BAD_RATE, field="rate")
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(BAD_RATE, field="rate") from None
    if rate <= 0 or rate > MAX_RATE or rate != rate.quantize(Decimal("0.0001")):
        raise InvalidInput(BAD_RATE, field="rate")
    return rate


def bill_amount(area: Decimal, rate: Decimal) -> int:
    """A month's fee in fen: area (m²) × rate (元/m²/月), rounded half up to the fen."""
    return int((Decimal(area) * Decimal(rate) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@transaction.atomic
def fee_rate_set(actor, *, estate_id: int, unit_kind: str, rate, effective_from: datetime.date) -> FeeRate:
    """A rate for one kind of unit from the first day of a month on, until the next one. Months already
    billed keep the rate they were billed at."""
    estate = estate_for(actor, estate_id, roles=FEE_STAFF)
    if unit_kind not in UnitKind.values:
        raise InvalidInput(UNKNOWN_KIND, field="unit_kind")
    value = _rate(rate)
    if not isinstance(effective_from, datetime.date):
        raise InvalidInput(RATE_NOT_FIRST, field="effective_from")
    if effective_from.day != 1:
        raise InvalidInput(RATE_NOT_FIRST, field="effective_from")
    if not EARLIEST <= effective_from <= clock.add_months(clock.today(), 60):
        raise InvalidInput(RATE_DATE_RANGE, field="effective_from")
    # The months this rate would govern (up to the next rate of the kind) must not be billed already.
    following = (FeeRate.objects.filter(estate=estate, unit_kind=unit_kind, effective_from__gt=effective_from)
                 .order_by("effective_from").values_list("effective_from", flat=True).first())
    governed = FeeBill.objects.filter(estate=estate, unit__kind=unit_kind, reversed_at__isnull=True,
                                      month__gte=effective_from)
    if following is not None:
        governed = governed.filter(month__lt=following)
    billed = governed.order_by("month").values_list("month", flat=True).first()
    if billed is not None:
        raise WrongState(RATE_BILLED.format(month=f"{billed:%Y-%m}"))
    try:
        with transaction.atomic():
            row = FeeRate.objects.create(estate=estate, unit_kind=unit_kind, rate=value, effective_from=effective_from,
                                         set_by=actor)
    except IntegrityError:
        raise WrongState(RATE_EXISTS) from None
    audit_record(actor, AuditAction.FEE_RATE, row, after={"unit_kind": unit_kind, "rate": str(value),
                                                         "effective_from": effective_from.isoformat()})
    return row


@transaction.atomic
def bills_issue(actor, *, estate_id: int, month: datetime.date) -> int:
    """Bill every unit of a kind with a rate in force that month (area × rate); billing the same month
    again adds nothing. An estate with no rate in force is told so: no bills of 0 fen."""
    estate = estate_for(actor, estate_id, roles=FEE_STAFF)
    if not isinstance(month, datetime.date):
        raise InvalidInput(MONTH_RANGE, field="month")
    month = month_start(month)
    if not EARLIEST <= month <= month_start(clock.today()):
        raise InvalidInput(MONTH_RANGE, field="month")
    rates = {kind: r.rate for kind, r in rates_on(estate, month).items()}
    if not rates:
        raise WrongState(NO_RATE.format(estate=estate.name, month=f"{month:%Y-%m}"))
    bills = []
    for pk, area, kind in Unit.objects.filter(estate=estate, kind__in=list(rates)).values_list("pk", "area", "kind"):
        amount = bill_amount(area, rates[kind])
        if amount > 0:
            bills.append(FeeBill(unit_id=pk, estate=estate, month=month, amount=amount, area=area, rate=rates[kind]))
    live = FeeBill.objects.filter(estate=estate, month=month, reversed_at__isnull=True)
    before = live.count()
    FeeBill.objects.bulk_create(bills, batch_size=5000, ignore_conflicts=True)
    added = live.count() - before
    audit_record(actor, AuditAction.FEE_BILL, estate, after={"month": month.isoformat(), "bills": added})
    return added


@transaction.atomic
def bill_reverse(actor, *, bill_id: int, reason: str) -> FeeBill:
    """作废 a bill issued in error (a wrong area, a unit that is not billed); the month may be billed
    again for that unit. A bill with payments is reversed only after its payments are."""
    bill = object_for(actor, FeeBill.objects.select_for_update(), bill_id, roles=FEE_STAFF)
    reason = clean_text(reason, 200, REASON_REQUIRED, REASON_TOO_LONG, field="reason")
    if bill.reversed_at is not None:
        raise WrongState(BILL_ALREADY_REVERSED)
    if bill.paid > 0:
        raise WrongState(BILL_HAS_PAYMENTS)
    bill.reversed_at, bill.reversed_by, bill.reverse_reason = clock.now(), actor, reason
    bill.save(update_fields=["reversed_at", "reversed_by", "reverse_reason"])
    audit_record(actor, AuditAction.FEE_BILL_REVERSE, bill, after={"reason": reason})
    return bill


def _receipt_no(estate, year: int) -> str:
    """The next receipt number of the estate and year: 义乌城小区-2026-000123 (the row lock keeps two
    cashiers from taking one number)."""
    rows = ReceiptSequence.objects.filter(estate=estate, year=year)
    if not rows.update(last=F("last") + 1):  # the year's first receipt
        try:
            with transaction.atomic():
                ReceiptSequence.objects.create(estate=estate, year=year, last=1)
        except IntegrityError:  # another cashier's first receipt of the year came first
            rows.update(last=F("last") + 1)
    return f"{estate.name}-{year}-{rows.values_list('last', flat=True).get():06d}"


@transaction.atomic
def fee_pay(actor, *, bill_id: int, amount, method: str, paid_on: datetime.date, reference: str = "") -> FeePayment:
    """Record a payment (cash, transfer or online — the last two with their reference): a numbered
    receipt and the journal entry (money received, held for the service provider)."""
    bill = object_for(actor, FeeBill.objects.select_for_update(of=("self",)).select_related("estate", "unit"), bill_id,
                      roles=FEE_STAFF)
    if method not in PaymentMethod.values:
        raise InvalidInput(UNKNOWN_METHOD, field="method")
    reference = clean_text(reference, 64, REFERENCE_REQUIRED if method != PaymentMethod.CASH else None,
                           REFERENCE_TOO_LONG, field="reference")
    value = fen(amount)
    if not isinstance(paid_on, datetime.date) or not EARLIEST <= paid_on <= clock.today():
        raise InvalidInput(PAID_ON_RANGE, field="paid_on")
    if bill.reversed_at is not None:
        raise WrongState(BILL_REVERSED)
    if bill.paid >= bill.amount:
        raise WrongState(BILL_PAID)
    if value > bill.amount - bill.paid:
        raise InvalidInput(OVERPAID.format(due=yuan(bill.amount - bill.paid)), field="amount")
    estate = bill.estate
    number = _receipt_no(estate, clock.today().year)
    tx = transaction_post(actor, estate, date=paid_on, memo=f"物业费 {bill.unit.code} {bill.month:%Y-%m}（收据 {number}）",
                          lines=[(FEES_COLLECTED, value, 0), (FEES_HELD, 0, value)])
    payment = FeePayment.objects.create(bill=bill, estate=estate, amount=value, method=method, reference=reference,
                                        paid_on=paid_on, receipt_no=number, transaction=tx, recorded_by=actor)
    FeeBill.objects.filter(pk=bill.pk).update(paid=F("paid") + value)
    audit_record(actor, AuditAction.FEE_PAY, payment, after={"bill": bill.pk, "amount": value, "method": method,
                                                            "receipt": number})
    return payment


@transaction.atomic
def fee_payment_reverse(actor, *, payment_id: int, reason: str) -> FeePayment:
    """A payment recorded in error is reversed by the mirror journal entry; the bill is owed again.
    The payment and its receipt number stay, marked reversed."""
    visible = object_for(actor, FeePayment.objects.all(), payment_id, roles=FEE_STAFF)
    reason = clean_text(reason, 200, REASON_REQUIRED, REASON_TOO_LONG, field="reason")
    bill = FeeBill.objects.select_for_update().get(pk=visible.bill_id)  # the bill first, as in a payment
    payment = FeePayment.objects.select_for_update(of=("self",)).select_related("estate", "transaction").get(pk=visible.pk)
    if payment.reversed_at is not None or (
            payment.transaction_id and Transaction.objects.filter(reverses=payment.transaction_id).exists()):
        raise WrongState(PAYMENT_REVERSED)
    lines = [(e.account.code, e.credit, e.debit) for e in payment.transaction.entries.select_related("account")] \
        if payment.transaction_id else [(FEES_HELD, payment.amount, 0), (FEES_COLLECTED, 0, payment.amount)]
    tx = transaction_post(actor, payment.estate, date=clock.today(), memo=f"冲销物业费收款（收据 {payment.receipt_no}）：{reason}",
                          lines=lines, reverses=payment.transaction)
    payment.reversal, payment.reversed_at, payment.reversed_by, payment.reverse_reason = tx, clock.now(), actor, reason
    payment.save(update_fields=["reversal", "reversed_at", "reversed_by", "reverse_reason"])
    FeeBill.objects.filter(pk=bill.pk).update(paid=F("paid") - payment.amount)
    audit_record(actor, AuditAction.FEE_PAY_REVERSE, payment, after={"reversal": tx.pk, "reason": reason})
    return payment


@transaction.atomic
def rates_publish(actor, *, estate_ids: list[int], start: datetime.date, end: datetime.date):
    """Publish collection rates (estate by estate, never a name or a unit) as a notice of the
    community of the first estate."""
    estates = [estate_for(actor, pk, roles=FEE_STAFF) for pk in estate_ids]
    if not estates:
        raise InvalidInput(NO_ESTATES, field="estate_ids")
    rows = [["小区", "应收（元）", "实收（元）", "收缴率"]]
    for estate in estates:
        r = collection_rate([estate.pk], start, end)
        rows.append([estate.name, yuan(r["billed"]), yuan(r["collected"]), f"{r['rate']}%" if r["rate"] is not None
                     else "—"])
    community = estates[0].community
    return notices.notice_publish(
        actor, estate_id=estates[0].pk, kind="financial", audience="estate",
        title=f"物业费收缴情况公示（{start:%Y-%m} 至 {end:%Y-%m}）",
        body=f"{community.name}：以下为各小区物业费收缴率，不公布个人欠费信息。", table=rows)

