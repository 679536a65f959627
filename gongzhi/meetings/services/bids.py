"""A hearing's bids (at least three, the owners' choice recorded once their vote closed) and the
awarded contract's deliveries."""

from decimal import Decimal

from django.db import transaction

from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.core.money import fen
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.meetings.choices import AuditAction, DeliveryStatus
from gongzhi.meetings.models import Bid, DeliveryItem, Matter, Outcome
from gongzhi.meetings.services.matters import BAD_AMOUNT, current_step, organised_matter

NOT_A_BID_STEP = "现在不是收集报价或选定中标的阶段 / Bids are recorded only at the bidding step"
SUPPLIER_REQUIRED = "请填写供应商名称 / Name the supplier"
LABEL_REQUIRED = "请填写交付项名称 / Name the deliverable"
UNKNOWN_DELIVERY_STATUS = "未知的交付状态 / Unknown delivery status"
BID_CHOSEN_ALREADY = "已确定中标报价 / A bid has already been chosen"


@transaction.atomic
def bid_add(actor, *, matter_id: int, supplier: str, amount: Decimal, note: str = "") -> Bid:
    matter = organised_matter(actor, matter_id)
    _, step = current_step(matter)
    if step.key != "bids":
        raise WrongState(NOT_A_BID_STEP)
    supplier = clean_text(supplier, 200, SUPPLIER_REQUIRED, field="supplier")
    note = clean_text(note, 2000, field="note")
    if amount is None:
        raise InvalidInput(BAD_AMOUNT, field="amount")
    amount = Decimal(fen(amount, message=BAD_AMOUNT)) / 100
    bid = Bid.objects.create(matter=matter, supplier=supplier, amount=amount, note=note)
    audit_record(actor, AuditAction.BID_ADD, matter, after=snapshot(bid))
    return bid


@transaction.atomic
def bid_choose(actor, *, bid_id: int) -> Bid:
    """The owners' choice, recorded once the vote that chose it has closed (step 'owners_choose' done)."""
    scope = scope_for(actor)
    bid = get_in_scope(Bid.objects.filter(matter__estate__in=scope.estates()), pk=bid_id)
    matter = organised_matter(actor, bid.matter_id)
    Matter.objects.select_for_update().filter(pk=matter.pk).first()  # of two choosing at once, the second sees it
    if not matter.steps.filter(key="owners_choose", outcome=Outcome.DONE).exists():
        raise WrongState(NOT_A_BID_STEP)
    if Bid.objects.filter(matter=matter, chosen=True).exists():
        raise WrongState(BID_CHOSEN_ALREADY)
    Bid.objects.filter(matter=matter).update(chosen=False)
    Bid.objects.filter(pk=bid.pk).update(chosen=True)
    audit_record(actor, AuditAction.BID_CHOOSE, matter, after={"bid": bid.pk, "supplier": bid.supplier})
    bid.refresh_from_db()
    return bid


@transaction.atomic
def delivery_set(actor, *, matter_id: int, label: str, status: str = DeliveryStatus.PENDING,
                 item_id: int | None = None) -> DeliveryItem:
    matter = organised_matter(actor, matter_id)
    if status not in DeliveryStatus.values:
        raise InvalidInput(UNKNOWN_DELIVERY_STATUS, field="status")
    if item_id is None:
        label = clean_text(label, 200, LABEL_REQUIRED, field="label")
        item = DeliveryItem.objects.create(matter=matter, label=label, status=status)
    else:
        item = get_in_scope(DeliveryItem.objects.filter(matter=matter), pk=item_id)
        item.status = status
        item.save(update_fields=["status"])
    audit_record(actor, AuditAction.DELIVERY_SET, matter, after=snapshot(item))
    return item
