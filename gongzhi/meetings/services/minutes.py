"""After a meeting: it closes with its minutes, attendees confirm them; the action items a matter
leaves behind."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.meetings import rules
from gongzhi.meetings.choices import AuditAction
from gongzhi.meetings.models import ActionItem, Attendance, Meeting, MeetingStatus, MinutesApproval
from gongzhi.meetings.services.matters import organised_matter
from gongzhi.meetings.services.meetings import MEETING_CLOSED_ALREADY, MEETING_NOT_OPEN, NOT_CONVENER, meeting_visible

NO_MINUTES = "会议结束并有纪要后才能确认 / Minutes are confirmed after the meeting closes with minutes"
NOT_AN_ATTENDEE = "只有到会人员可以确认纪要 / Only attendees confirm the minutes"
ACTION_DUE_PAST = "期限不能早于今天 / The due date cannot be in the past"


@transaction.atomic
def meeting_close(actor, *, meeting_id: int, minutes: str = "") -> Meeting:
    meeting = meeting_visible(actor, meeting_id)
    if not rules.may_convene(actor, meeting):
        raise PermissionDenied(NOT_CONVENER)
    if meeting.status == MeetingStatus.CLOSED:
        raise WrongState(MEETING_CLOSED_ALREADY)
    if meeting.status != MeetingStatus.OPEN:
        raise WrongState(MEETING_NOT_OPEN)
    meeting.status, meeting.closed_at, meeting.minutes = MeetingStatus.CLOSED, clock.now(), (minutes or "").strip()
    meeting.save(update_fields=["status", "closed_at", "minutes"])
    audit_record(actor, AuditAction.MEETING_CLOSE, meeting, after={"status": meeting.status})
    return meeting


@transaction.atomic
def minutes_approve(actor, *, meeting_id: int) -> int:
    """An attendee confirms the minutes; returns how many have confirmed."""
    meeting = meeting_visible(actor, meeting_id)
    if meeting.status != MeetingStatus.CLOSED or not meeting.minutes:
        raise WrongState(NO_MINUTES)
    if not Attendance.objects.filter(meeting=meeting, person__user=actor).exists():
        raise PermissionDenied(NOT_AN_ATTENDEE)
    _, created = MinutesApproval.objects.get_or_create(meeting=meeting, user=actor)
    if created:
        audit_record(actor, AuditAction.MEETING_MINUTES_APPROVE, meeting, after={"user": actor.pk})
    return MinutesApproval.objects.filter(meeting=meeting).count()


def minutes_approved(meeting: Meeting) -> bool:
    attendees = Attendance.objects.filter(meeting=meeting).count()
    return attendees > 0 and MinutesApproval.objects.filter(meeting=meeting).count() * 2 > attendees


@transaction.atomic
def action_add(actor, *, matter_id: int, text: str, owner_id: int, due_on: datetime.date,
               meeting_id: int | None = None) -> ActionItem:
    matter = organised_matter(actor, matter_id)
    if due_on < clock.today():
        raise InvalidInput(ACTION_DUE_PAST, field="due_on")
    owner = get_in_scope(get_user_model().objects.all(), pk=owner_id)
    item = ActionItem.objects.create(matter=matter, meeting_id=meeting_id, text=(text or "").strip()[:300] or "—",
                                     owner=owner, due_on=due_on)
    audit_record(actor, AuditAction.ACTION_ADD, matter, after=snapshot(item))
    return item


@transaction.atomic
def action_done(actor, *, item_id: int) -> ActionItem:
    scope = scope_for(actor)
    item = get_in_scope(ActionItem.objects.select_for_update().filter(matter__estate__in=scope.estates()), pk=item_id)
    if item.owner_id != actor.pk:
        organised_matter(actor, item.matter_id)
    if item.done_at is None:
        item.done_at = clock.now()
        item.save(update_fields=["done_at"])
        audit_record(actor, AuditAction.ACTION_DONE, item.matter, after={"item": item.pk})
    return item
