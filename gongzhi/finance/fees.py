"""Property fees: monthly bills by area × rate (per estate and unit kind), payments recorded (not
processed), arrears per unit, and collection rates. Arrears are shown to the unit's owner and to
staff in scope; what is published is the rate, never a name."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F, Sum

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.finance.models import FeeBill, FeePayment, FeeRate
from gongzhi.finance.services import _estate, fen, yuan
from gongzhi.places.models import Unit

FEE_STAFF = (Role.PROPERTY_STAFF, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR)
BAD_RATE = "费率须为正数 / The rate must be positive"
OVERPAID = "收款超过欠费 {due} 元 / The payment exceeds the {due} yuan owed"
UNKNOWN_METHOD = "未知的缴费方式 / Unknown payment method"


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@transaction.atomic
def rate_set(actor, *, estate_id: int, unit_kind: str, rate) -> FeeRate:
    estate = _estate(actor, estate_id, FEE_STAFF)
    try:
        value = Decimal(str(rate))
    except ArithmeticError:
        raise InvalidInput(BAD_RATE, field="rate") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput(BAD_RATE, field="rate")
    row, _ = FeeRate.objects.update_or_create(estate=estate, unit_kind=unit_kind, defaults={"rate": value})
    audit_record(actor, "fee.rate", estate, after={"unit_kind": unit_kind, "rate": str(value)})
    return row


@transaction.atomic
def bill_month(actor, *, estate_id: int, month: datetime.date) -> int:
    """Bill every unit with a rate for the month; billing the same month again adds nothing."""
    estate = _estate(actor, estate_id, FEE_STAFF)
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
    audit_record(actor, "fee.bill", estate, after={"month": month.isoformat(), "bills": added})
    return added


@transaction.atomic
def pay(actor, *, bill_id: int, amount, method: str, paid_on: datetime.date) -> FeePayment:
    scope = scope_for(actor)
    bill = get_in_scope(FeeBill.objects.select_for_update().filter(estate__in=scope.estates()), pk=bill_id)
    _estate(actor, bill.estate_id, FEE_STAFF)
    if method not in ("cash", "transfer", "online"):
        raise InvalidInput(UNKNOWN_METHOD, field="method")
    value = fen(amount)
    if value > bill.amount - bill.paid:
        raise InvalidInput(OVERPAID.format(due=yuan(bill.amount - bill.paid)), field="amount")
    payment = FeePayment.objects.create(bill=bill, amount=value, method=method, paid_on=paid_on, recorded_by=actor)
    FeeBill.objects.filter(pk=bill.pk).update(paid=F("paid") + value)
    audit_record(actor, "fee.pay", bill.estate, after={"bill": bill.pk, "amount": value, "method": method})
    return payment


def collection_rate(estate_ids, start: datetime.date, end: datetime.date) -> dict:
    """Billed, collected and the rate (percent, 1 decimal) over the months [start, end]."""
    totals = FeeBill.objects.filter(estate_id__in=list(estate_ids), month__gte=month_start(start),
                                    month__lte=month_start(end)).aggregate(billed=Sum("amount"), paid=Sum("paid"))
    billed, paid = totals["billed"] or 0, totals["paid"] or 0
    rate = (Decimal(paid) * 100 / Decimal(billed)).quantize(Decimal("0.1"), ROUND_HALF_UP) if billed else None
    return {"billed": billed, "collected": paid, "rate": rate}


def arrears(*, fetched_by, unit_id: int) -> list[FeeBill]:
    """A unit's unpaid bills, for its owner or for staff in scope."""
    scope = scope_for(fetched_by)
    unit = get_in_scope(scope.units(), pk=unit_id)
    own = unit.ownerships.filter(person__user=fetched_by, until__isnull=True).exists()
    if not (own or scope.is_root or any(scope.holds(r, unit.estate) for r in FEE_STAFF + (Role.COMMITTEE_CHAIR,))):
        raise PermissionDenied()
    return list(FeeBill.objects.filter(unit=unit, paid__lt=F("amount")).order_by("month"))


@transaction.atomic
def rates_publish(actor, *, estate_ids: list[int], start: datetime.date, end: datetime.date):
    """Publish collection rates (estate by estate, never a name or a unit) as a notice of the
    community of the first estate."""
    from gongzhi.notices import services as notices
    from gongzhi.places.models import Estate

    estates = [_estate(actor, pk, FEE_STAFF) for pk in estate_ids]
    if not estates:
        raise InvalidInput("请选择小区 / Choose estates", field="estate_ids")
    rows = [["小区", "应收（元）", "实收（元）", "收缴率"]]
    for estate in estates:
        r = collection_rate([estate.pk], start, end)
        rows.append([estate.name, yuan(r["billed"]), yuan(r["collected"]), f"{r['rate']}%" if r["rate"] is not None
                     else "—"])
    community = Estate.objects.get(pk=estates[0].pk).community
    return notices.notice_publish(
        actor, estate_id=estates[0].pk, kind="financial", audience="estate",
        title=f"物业费收缴情况公示（{start:%Y-%m} 至 {end:%Y-%m}）",
        body=f"{community.name}：以下为各小区物业费收缴率，不公布个人欠费信息。", table=rows)


def collection_by_company(*, fetched_by, start: datetime.date, end: datetime.date) -> list[dict]:
    """Collection rates per property company, over the estates it serves in the viewer's scope."""
    from gongzhi.bodies.models import ServiceContract

    estates = scope_for(fetched_by).estates()
    served: dict[tuple[int, str], set[int]] = {}
    for company_id, name, estate_id in ServiceContract.objects.filter(estate__in=estates).values_list(
            "company_id", "company__name", "estate_id"):
        served.setdefault((company_id, name), set()).add(estate_id)
    return [{"company": name, **collection_rate(ids, start, end)} for (_, name), ids in sorted(served.items())]
