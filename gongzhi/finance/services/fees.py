"""Property fees: monthly bills by area × rate (per estate and unit kind), payments recorded (not
processed), and the collection rates published estate by estate — never a name. (Arrears and rates
are read through selectors.)"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F

from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput
from gongzhi.core.money import fen, yuan
from gongzhi.finance.choices import AuditAction, PaymentMethod
from gongzhi.finance.models import FeeBill, FeePayment, FeeRate
from gongzhi.finance.rules import FEE_STAFF
from gongzhi.finance.selectors import collection_rate, month_start
from gongzhi.notices import services as notices
from gongzhi.places.models import Unit

BAD_RATE = "费率须为正数 / The rate must be positive"
OVERPAID = "收款超过欠费 {due} 元 / The payment exceeds the {due} yuan owed"
UNKNOWN_METHOD = "未知的缴费方式 / Unknown payment method"
NO_ESTATES = "请选择小区 / Choose estates"


@transaction.atomic
def rate_set(actor, *, estate_id: int, unit_kind: str, rate) -> FeeRate:
    estate = estate_for(actor, estate_id, roles=FEE_STAFF)
    try:
        value = Decimal(str(rate))
    except ArithmeticError:
        raise InvalidInput(BAD_RATE, field="rate") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput(BAD_RATE, field="rate")
    row, _ = FeeRate.objects.update_or_create(estate=estate, unit_kind=unit_kind, defaults={"rate": value})
    audit_record(actor, AuditAction.FEE_RATE, estate, after={"unit_kind": unit_kind, "rate": str(value)})
    return row


@transaction.atomic
def bill_month(actor, *, estate_id: int, month: datetime.date) -> int:
    """Bill every unit with a rate for the month; billing the same month again adds nothing."""
    estate = estate_for(actor, estate_id, roles=FEE_STAFF)
    month = month_start(month)
    rates = dict(FeeRate.objects.filter(estate=estate).values_list("unit_kind", "rate"))
    bills = [
        FeeBill(unit_id=pk, estate=estate, month=month,
                amount=int((area * rates[kind] * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)))
        for pk, area, kind in Unit.objects.filter(estate=estate, kind__in=list(rates)).values_list("pk", "area", "kind")
    ]
    before = FeeBill.objects.filter(estate=estate, month=month).count()
    FeeBill.objects.bulk_create(bills, batch_size=5000, ignore_conflicts=True)
    added = FeeBill.objects.filter(estate=estate, month=month).count() - before
    audit_record(actor, AuditAction.FEE_BILL, estate, after={"month": month.isoformat(), "bills": added})
    return added


@transaction.atomic
def fee_pay(actor, *, bill_id: int, amount, method: str, paid_on: datetime.date) -> FeePayment:
    bill = object_for(actor, FeeBill.objects.select_for_update(), bill_id, roles=FEE_STAFF)
    if method not in PaymentMethod.values:
        raise InvalidInput(UNKNOWN_METHOD, field="method")
    value = fen(amount)
    if value > bill.amount - bill.paid:
        raise InvalidInput(OVERPAID.format(due=yuan(bill.amount - bill.paid)), field="amount")
    payment = FeePayment.objects.create(bill=bill, amount=value, method=method, paid_on=paid_on, recorded_by=actor)
    FeeBill.objects.filter(pk=bill.pk).update(paid=F("paid") + value)
    audit_record(actor, AuditAction.FEE_PAY, bill.estate, after={"bill": bill.pk, "amount": value, "method": method})
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
