"""Spaces and their bookings. No two bookings that hold a slot (pending or confirmed) of one space
overlap: each booking locks its space's row first (PostgreSQL; SQLite's IMMEDIATE transactions let one
writer in at a time), looks for an overlap and only then writes, and on PostgreSQL an exclusion
constraint (migration 0002) refuses whatever got past that — two residents booking the last slot at
once: one wins, the other is told it is taken."""

import datetime

from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import holders, scope_for
from gongzhi.core.text import clean_text
from gongzhi.services import rules
from gongzhi.services.choices import HOLDING, Approver, AuditAction, BookingStatus
from gongzhi.services.models import Booking, Space

KEEPER_ONLY = "只有社区、业委会主任或物业可以登记场地 / Only the community, the committee chair or the property company register spaces"
TAKING_PART_ONLY = "只有本小区居民和工作人员可以预约 / Only the estate's residents and staff can book"
NAME_REQUIRED = "请填写场地名称 / Give the space a name"
NAME_TAKEN = "本小区已有名为“{name}”的场地 / The estate already has a space called {name}"
HOURS_ORDER = "关闭时间须晚于开放时间 / The space must close after it opens"
CAPACITY_RANGE = "容纳人数须为 1 至 {n} / The capacity is 1 to {n}"
MAX_HOURS_RANGE = "单次最长使用时间须为 1 至 24 小时 / A booking may last 1 to 24 hours at most"
UNKNOWN_APPROVER = "未知的审批方 / Unknown approver"
PURPOSE_REQUIRED = "请填写用途 / Say what the space is for"
SPACE_CLOSED = "“{space}”暂停开放 / {space} is closed for now"
IN_THE_PAST = "不能预约已过去的时间 / A booking cannot start in the past"
ENDS_BEFORE_START = "结束时间须晚于开始时间 / A booking ends after it starts"
OUTSIDE_HOURS = ("“{space}”开放时间为 {opens}–{closes}，请在开放时间内预约 / "
                 "{space} is open {opens}–{closes}; book within those hours")
TOO_LONG = "“{space}”单次最多预约 {hours} 小时 / {space} can be booked for {hours} hours at most"
TOO_FAR = "最多可提前 {days} 天预约 / Book at most {days} days ahead"
TAKEN = ("“{space}”{start}–{end} 已被预约，请选择其他时间 / {space} is already booked {start}–{end}; "
         "choose another time")
NOT_A_MEMBER = "您不是该组织的成员，不能代表它预约 / You are not a member of this organisation"
NOT_PENDING = "该预约不在待审批状态 / This booking is not awaiting approval"
APPROVER_ONLY = "只有该场地的审批方可以审批预约 / Only the space's approver decides its bookings"
NOT_HOLDING = "该预约已取消或未获批准 / This booking was already cancelled or refused"
ALREADY_OVER = "该预约时段已结束，不能取消 / This booking is over and cannot be cancelled"
CANCEL_ONLY_OWN = "只能取消自己的预约 / You can only cancel your own booking"
USED_BY_ACTIVITY = "该预约用于活动“{title}”，不能单独取消 / The activity {title} uses this booking"
MAX_CAPACITY = 10_000
BOOK_AHEAD_DAYS = 90


@transaction.atomic
def space_create(actor, *, estate_id: int, name: str, capacity: int, opens: datetime.time, closes: datetime.time,
                 area_m2: int = 0, max_hours: int = 4, rules_text: str = "", needs_approval: bool = False,
                 approver: str = Approver.COMMITTEE) -> Space:
    estate = estate_for(actor, estate_id, roles=rules.SPACE_KEEPER_ROLES, denied=KEEPER_ONLY)
    name = clean_text(name, 60, NAME_REQUIRED, field="name")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(CAPACITY_RANGE.format(n=MAX_CAPACITY), field="capacity")
    if closes <= opens:
        raise InvalidInput(HOURS_ORDER, field="closes")
    if not 1 <= max_hours <= 24:
        raise InvalidInput(MAX_HOURS_RANGE, field="max_hours")
    if approver not in Approver.values:
        raise InvalidInput(UNKNOWN_APPROVER, field="approver")
    if Space.objects.filter(estate=estate, name=name).exists():
        raise WrongState(NAME_TAKEN.format(name=name), field="name")
    space = Space.objects.create(
        estate=estate, name=name, capacity=capacity, opens=opens, closes=closes, area_m2=max(area_m2, 0),
        max_hours=max_hours, rules=clean_text(rules_text, 2000, field="rules_text"), needs_approval=needs_approval,
        approver=approver)
    after = snapshot(space, ["estate", "name", "area_m2", "capacity", "max_hours", "needs_approval", "approver"])
    audit_record(actor, AuditAction.SPACE_CREATE, space, after=after | {"opens": _hhmm(opens), "closes": _hhmm(closes)})
    return space


def _hhmm(when) -> str:
    return when.strftime("%H:%M")


def check_slot(space: Space, starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    """A slot a space can be booked for: ahead of now, within one day's opening hours, not too long."""
    start, end = clock.local(starts_at), clock.local(ends_at)
    if end <= start:
        raise InvalidInput(ENDS_BEFORE_START, field="ends_at")
    if start < clock.now():
        raise InvalidInput(IN_THE_PAST, field="starts_at")
    if clock.local_date(starts_at) > clock.today() + datetime.timedelta(days=BOOK_AHEAD_DAYS):
        raise InvalidInput(TOO_FAR.format(days=BOOK_AHEAD_DAYS), field="starts_at")
    if clock.local_date(starts_at) != clock.local_date(ends_at) or start.time() < space.opens or end.time() > space.closes:
        raise InvalidInput(OUTSIDE_HOURS.format(space=space.name, opens=_hhmm(space.opens),
                                                closes=_hhmm(space.closes)), field="starts_at")
    if end - start > datetime.timedelta(hours=space.max_hours):
        raise InvalidInput(TOO_LONG.format(space=space.name, hours=space.max_hours), field="ends_at")


def _lock(space: Space) -> None:
    """One booking of a space at a time until the transaction ends (SQLite: already, IMMEDIATE)."""
    if connection.vendor != "sqlite":
        Space.objects.select_for_update().filter(pk=space.pk).first()


def _taken(space: Space, start, end) -> WrongState:
    return WrongState(TAKEN.format(space=space.name, start=clock.stamp(start, "%m-%d %H:%M"),
                                   end=clock.stamp(end, "%H:%M")), field="starts_at")


def book(actor, space: Space, *, starts_at, ends_at, purpose: str, organisation=None) -> Booking:
    """The booking itself (the caller holds the transaction and has checked the actor may book)."""
    check_slot(space, starts_at, ends_at)
    _lock(space)
    clash = Booking.objects.filter(space=space, status__in=HOLDING, starts_at__lt=ends_at, ends_at__gt=starts_at)
    first = clash.order_by("starts_at").first()
    if first is not None:
        raise _taken(space, first.starts_at, first.ends_at)
    approved = not space.needs_approval or rules.may_approve_booking(actor, space)
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                estate=space.estate, space=space, booked_by=actor, organisation=organisation, purpose=purpose,
                starts_at=starts_at, ends_at=ends_at, created_at=clock.now(),
                status=BookingStatus.CONFIRMED if approved else BookingStatus.PENDING)
    except IntegrityError as exc:  # PostgreSQL's exclusion constraint: another booking got there first
        raise _taken(space, starts_at, ends_at) from exc
    audit_record(actor, AuditAction.BOOKING_CREATE, booking, after=snapshot(booking))
    if not approved:
        notify(holders(rules.APPROVER_ROLES[space.approver], space.estate) - {actor.pk},
               title=f"场地预约待审批：{space.name} {clock.stamp(starts_at)}", body=purpose,
               link=reverse("services:space_detail", args=[space.pk]))
    return booking


def _visible_space(actor, space_id) -> Space:
    return object_for(actor, Space.objects.select_related("estate__community__subdistrict"), space_id,
                      roles=rules.TAKING_PART_ROLES, denied=TAKING_PART_ONLY)


@transaction.atomic
def booking_create(actor, *, space_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime,
                   purpose: str, organisation_id: int | None = None) -> Booking:
    """A resident (or a body, through one of its members) books a slot; where the space needs approval
    it waits for the approver, and holds the slot meanwhile."""
    space = _visible_space(actor, space_id)
    if not space.active:
        raise WrongState(SPACE_CLOSED.format(space=space.name))
    purpose = clean_text(purpose, 200, PURPOSE_REQUIRED, field="purpose")
    organisation = None
    if organisation_id is not None:
        organisation = scope_for(actor).organisations().filter(pk=organisation_id).first()
        if organisation is None:
            raise NotFound(field="organisation_id")
        is_member = organisation.memberships.filter(person__user=actor, active=True).exists()
        if not (is_member or rules.may_keep_spaces(actor, space.estate)):
            raise PermissionDenied(NOT_A_MEMBER)
    return book(actor, space, starts_at=clock.aware(starts_at), ends_at=clock.aware(ends_at), purpose=purpose,
                organisation=organisation)


def _locked_booking(actor, booking_id) -> Booking:
    visible = object_for(actor, Booking.objects.all(), booking_id, roles=rules.TAKING_PART_ROLES)
    return Booking.objects.select_for_update(of=("self",)).select_related(
        "space__estate__community__subdistrict").get(pk=visible.pk)


@transaction.atomic
def booking_decide(actor, *, booking_id: int, approve: bool) -> Booking:
    booking = _locked_booking(actor, booking_id)
    if not rules.may_approve_booking(actor, booking.space):
        raise PermissionDenied(APPROVER_ONLY)
    if booking.status != BookingStatus.PENDING:
        raise WrongState(NOT_PENDING)
    before = snapshot(booking, ["status"])
    booking.status = BookingStatus.CONFIRMED if approve else BookingStatus.REFUSED
    booking.decided_by, booking.decided_at = actor, clock.now()
    booking.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor, AuditAction.BOOKING_APPROVE if approve else AuditAction.BOOKING_REFUSE, booking,
                 before=before, after=snapshot(booking, ["status"]))
    notify([booking.booked_by_id], title=f"{booking.space.name} {clock.stamp(booking.starts_at)}：{booking.get_status_display()}",
           link=reverse("services:space_detail", args=[booking.space_id]))
    return booking


@transaction.atomic
def booking_cancel(actor, *, booking_id: int) -> Booking:
    booking = _locked_booking(actor, booking_id)
    if not rules.may_cancel_booking(actor, booking):
        raise PermissionDenied(CANCEL_ONLY_OWN)
    if booking.status not in HOLDING:
        raise WrongState(NOT_HOLDING)
    if booking.ends_at <= clock.now():
        raise WrongState(ALREADY_OVER)
    activity = getattr(booking, "activity", None)
    if activity is not None:
        raise WrongState(USED_BY_ACTIVITY.format(title=activity.title))
    before = snapshot(booking, ["status"])
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status"])
    audit_record(actor, AuditAction.BOOKING_CANCEL, booking, before=before, after=snapshot(booking, ["status"]))
    if actor is not None and actor.pk != booking.booked_by_id:
        notify([booking.booked_by_id], title=f"您的场地预约已被取消：{booking.space.name} {clock.stamp(booking.starts_at)}",
               link=reverse("services:space_detail", args=[booking.space_id]))
    return booking
