"""三单制: a resident orders a service or a micro-wish (点单), the community or branch dispatches it
(派单) to party members, building heads or volunteers, and the first of them to accept it (接单)
does it. Exactly one accepts: the order row is locked and its status compared-and-set."""

import datetime

from django.conf import settings
from django.db import transaction

from gongzhi.core import clock, registry
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, holders, scope_for
from gongzhi.core.text import check_rating, clean_text
from gongzhi.places.models import Estate
from gongzhi.requests.choices import AuditAction, OrderKind, OrderStatus
from gongzhi.requests.models import Order, OrderOffer
from gongzhi.requests.rules import DISPATCHER_ROLES, HELPER_ROLES, may_accept, may_complete, may_dispatch, may_rate
from gongzhi.requests.selectors import order_list_for

UNKNOWN_KIND = "未知的点单类别 / Unknown order kind"
TITLE_REQUIRED = "请写明需要什么帮助 / Say what help is needed"
TOO_LONG = "内容过长 / Too long"
ESTATE_NOT_FOUND = "未找到该小区 / No such estate"
NOT_DISPATCHER = "只有社区、网格员或小区党支部可以派单 / Only the community, grid workers or the branch dispatch orders"
NOT_ORDERED = "该单不在待派单状态 / This order is not waiting to be dispatched"
HELPERS_REQUIRED = "请选择接单人 / Choose who it is dispatched to"
NOT_A_HELPER = ("只能派给本小区的党员、楼栋长、志愿者或网格员 / Dispatch only to this estate's party members, "
                "building heads, volunteers or grid workers")
NOT_OFFERED = "该单没有派给您 / This order was not dispatched to you"
ALREADY_TAKEN = "该单已被他人接单或已退回 / Someone else has accepted this order, or it went back"
NOT_ACCEPTER = "只有接单人可以完成该单 / Only the person who accepted it can complete it"
NOT_ACCEPTED = "该单尚未接单 / Nobody has accepted this order yet"
NOTE_REQUIRED = "请填写完成情况 / Say what was done"
NOT_REQUESTER = "只有点单人可以评价 / Only the person who ordered can rate it"
NOT_DONE = "该单尚未完成 / This order is not done yet"
ALREADY_RATED = "已评价 / Already rated"


def _link(order) -> str:
    return f"/orders/{order.pk}/"


def _locked(actor, order_id) -> Order:
    visible = get_in_scope(order_list_for(actor), pk=order_id)
    return Order.objects.select_for_update(of=("self",)).select_related("estate").get(pk=visible.pk)


def order_place(actor, *, estate_id: int, kind: str, title: str, description: str = "",
                building_id: int | None = None) -> Order:
    """点单."""
    if kind not in OrderKind.values:
        raise InvalidInput(UNKNOWN_KIND, field="kind")
    title = clean_text(title, 200, TITLE_REQUIRED, TOO_LONG)
    description = clean_text(description, 2000, None, TOO_LONG)
    scope = scope_for(actor)
    estate = Estate.objects.filter(pk=estate_id).first()
    if estate is None or not (scope.is_root or estate.pk in scope.estate_ids()):
        raise NotFound(ESTATE_NOT_FOUND, field="estate_id")
    building = estate.buildings.filter(pk=building_id).first() if building_id else None
    if building_id and building is None:
        raise InvalidInput(ESTATE_NOT_FOUND, field="building_id")
    with transaction.atomic():
        order = Order.objects.create(kind=kind, title=title, description=description, estate=estate,
                                     community_id=estate.community_id, building=building, requester=actor,
                                     created_at=clock.now())
        audit_record(actor, AuditAction.ORDER_PLACE, order, after=snapshot(order))
        notify(holders(DISPATCHER_ROLES - {Role.ADMINISTRATOR}, estate), title=f"新{order.get_kind_display()}待派单：{title}",
               body=estate.name, link=_link(order))
    return order


def order_dispatch(actor, *, order_id: int, helper_ids: list[int], accept_hours: int | None = None) -> Order:
    """派单 to one or more helpers; the first to accept takes it."""
    with transaction.atomic():
        order = _locked(actor, order_id)
        if not may_dispatch(actor, order):
            raise PermissionDenied(NOT_DISPATCHER)
        if order.status != OrderStatus.ORDERED:
            raise WrongState(NOT_ORDERED)
        ids = sorted(set(helper_ids or []))
        if not ids:
            raise InvalidInput(HELPERS_REQUIRED, field="helper_ids")
        allowed = holders(HELPER_ROLES, order.estate)
        if not set(ids) <= allowed:
            raise InvalidInput(NOT_A_HELPER, field="helper_ids")
        before = snapshot(order)
        now = clock.now()
        hours = accept_hours or settings.GONGZHI_ORDER_ACCEPT_HOURS
        order.status, order.dispatched_by, order.dispatched_at = OrderStatus.DISPATCHED, actor, now
        order.accept_by = now + datetime.timedelta(hours=hours)
        order.save()
        OrderOffer.objects.filter(order=order).delete()
        OrderOffer.objects.bulk_create([OrderOffer(order=order, user_id=uid, offered_at=now) for uid in ids])
        audit_record(actor, AuditAction.ORDER_DISPATCH, order, before=before, after={**snapshot(order), "helpers": ids})
        notify(ids, title=f"派单：{order.title}", body=f"{order.estate.name} · 请尽快接单", link=_link(order))
    return order


def order_accept(actor, *, order_id: int) -> Order:
    """接单: exactly one of two people accepting at once wins; the other is told it is taken."""
    with transaction.atomic():
        order = _locked(actor, order_id)
        if not may_accept(actor, order):
            raise PermissionDenied(NOT_OFFERED)
        now = clock.now()
        if order.status != OrderStatus.DISPATCHED or (order.accept_by and now >= order.accept_by):
            raise WrongState(ALREADY_TAKEN)
        before = snapshot(order)
        taken = Order.objects.filter(pk=order.pk, status=OrderStatus.DISPATCHED).update(
            status=OrderStatus.ACCEPTED, accepted_by=actor, accepted_at=now)
        if not taken:
            raise WrongState(ALREADY_TAKEN)
        order.refresh_from_db()
        audit_record(actor, AuditAction.ORDER_ACCEPT, order, before=before, after=snapshot(order))
        notify([order.requester_id, order.dispatched_by_id], title=f"已接单：{order.title}",
               body=actor.get_full_name() or actor.get_username(), link=_link(order))
    return order


def order_complete(actor, *, order_id: int, note: str) -> Order:
    note = clean_text(note, 2000, NOTE_REQUIRED, TOO_LONG)
    with transaction.atomic():
        order = _locked(actor, order_id)
        if order.status != OrderStatus.ACCEPTED:
            raise WrongState(NOT_ACCEPTED)
        if not may_complete(actor, order):
            raise PermissionDenied(NOT_ACCEPTER)
        before = snapshot(order)
        order.status, order.done_at, order.done_note = OrderStatus.DONE, clock.now(), note
        order.save()
        audit_record(actor, AuditAction.ORDER_COMPLETE, order, before=before, after=snapshot(order))
        registry.completed("order", order, actor=actor)  # e.g. the helper's party points, in this transaction
        notify([order.requester_id, order.dispatched_by_id], title=f"已完成：{order.title}", body=note,
               link=_link(order))
    return order


def order_rate(actor, *, order_id: int, satisfaction: int) -> Order:
    check_rating(satisfaction)
    with transaction.atomic():
        order = _locked(actor, order_id)
        if not may_rate(actor, order):
            raise PermissionDenied(NOT_REQUESTER)
        if order.status != OrderStatus.DONE:
            raise WrongState(NOT_DONE)
        if order.satisfaction is not None:
            raise WrongState(ALREADY_RATED)
        order.satisfaction = satisfaction
        order.save(update_fields=["satisfaction"])
        audit_record(actor, AuditAction.ORDER_RATE, order, after={"satisfaction": satisfaction})
        notify([order.accepted_by_id], title=f"点单评价 {satisfaction}/5：{order.title}", link=_link(order))
    return order


def order_return(order: Order, now) -> bool:
    """An order nobody accepted in time goes back to its dispatcher (the deadline job, in a
    transaction); False when it was accepted or returned meanwhile."""
    if not Order.objects.filter(pk=order.pk, status=OrderStatus.DISPATCHED, accept_by__lte=now).update(
            status=OrderStatus.ORDERED, returned_count=order.returned_count + 1):
        return False
    order.refresh_from_db()
    audit_record(None, AuditAction.ORDER_RETURN, order, after=snapshot(order))
    notify([order.dispatched_by_id], title=f"无人接单，已退回：{order.title}", body="请重新派单", link=_link(order))
    return True
