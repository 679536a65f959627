"""A hearing's bids (at least three, the owners' choice recorded once their vote closed) and the
awarded contract's deliveries."""

from decimal import Decimal

from django.db import transaction

from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.meetings.choices import AuditAction, DeliveryStatus
from gongzhi.meetings.models import Bid, DeliveryItem, Outcome
from gongzhi.meetings.services.matters import BAD_AMOUNT, current_step, organised_matter
from gongzhi.meetings.services.meetings import UNKNOWN_PARTY

NOT_A_BID_STEP = "现在不是收集报价或选定中标的阶段 / Bids are recorded only at the bidding step"


@transaction.atomic
def bid_add(actor, *, matter_id: int, supplier: str, amount: Decimal, note: str = "") -> Bid:
    matter = organised_matter(actor, matter_id)
    _, step = current_step(matter)
    if step.key != "bids":
        raise WrongState(NOT_A_BID_STEP)
    if amount is None or amount <= 0:
        raise InvalidInput(BAD_AMOUNT, field="amount")
    bid = Bid.objects.create(matter=matter, supplier=(supplier or "").strip()[:200] or "—", amount=amount,
                             note=note or "")
    audit_record(actor, AuditAction.BID_ADD, matter, after=snapshot(bid))
    return bid


@transaction.atomic
def bid_choose(actor, *, bid_id: int) -> Bid:
    """The owners' choice, recorded once the vote that chose it has closed (step 'owners_choose' done)."""
    scope = scope_for(actor)
    bid = get_in_scope(Bid.objects.filter(matter__estate__in=scope.estates()), pk=bid_id)
    matter = organised_matter(actor, bid.matter_id)
    if not matter.steps.filter(key="owners_choose", outcome=Outcome.DONE).exists():
        raise WrongState(NOT_A_BID_STEP)
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
        raise InvalidInput(UNKNOWN_PARTY, field="status")
    if item_id is None:
        item = DeliveryItem.objects.create(matter=matter, label=(label or "").strip()[:200] or "—", status=status)
    else:
        item = get_in_scope(DeliveryItem.objects.filter(matter=matter), pk=item_id)
        item.status = status
        item.save(update_fields=["status"])
    audit_record(actor, AuditAction.DELIVERY_SET, matter, after=snapshot(item))
    return item
