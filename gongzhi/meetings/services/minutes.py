"""After a meeting: it closes with its minutes, attendees confirm them; the action items a matter
leaves behind."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from gongzhi.bodies.models import PLATFORM_KINDS, Organisation
from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import get_in_scope, holders, scope_for
from gongzhi.core.text import clean_text
from gongzhi.meetings import rules
from gongzhi.meetings.choices import AuditAction
from gongzhi.meetings.models import ActionItem, Attendance, Meeting, MeetingStatus, MinutesApproval, at_or_above, chain
from gongzhi.meetings.services.matters import organised_matter
from gongzhi.meetings.services.meetings import (
    MEETING_CLOSED_ALREADY,
    MEETING_NOT_OPEN,
    NOT_CONVENER,
    NOT_ON_AGENDA,
    invitable_users,
    meeting_visible,
)
from gongzhi.places.models import Estate

NO_MINUTES = "会议结束并有纪要后才能确认 / Minutes are confirmed after the meeting closes with minutes"
NOT_AN_ATTENDEE = "只有到会人员可以确认纪要 / Only attendees confirm the minutes"
ACTION_DUE_PAST = "期限不能早于今天 / The due date cannot be in the past"
ACTION_DUE_YEARS = 5
ACTION_DUE_FAR = "期限不能晚于五年之后 / The due date is at most five years ahead"
ACTION_DUE_REQUIRED = "请填写期限 / Give a due date"
ACTION_TEXT_REQUIRED = "请填写行动事项 / Describe the action item"
ASSIGNEE_REQUIRED = ("请指定一个责任人或一个责任单位（二者选一）/ "
                     "Assign the item to one person or one body responsible (one of the two)")
ASSIGNEE_UNKNOWN = "未找到该责任人：须为在本小区任职或服务的人员 / No such person serving this estate"
NOT_YOUR_ACTION = "只有该事项的责任人或责任单位可以标记完成 / Only the person or body responsible marks it done"
ACTION_DONE_ALREADY = "该行动事项已完成 / This action item is already done"
MINUTES_APPROVED_ALREADY = "您已确认过本次会议纪要 / You have already confirmed these minutes"
MINUTES_MAX = 20000


@transaction.atomic
def meeting_close(actor, *, meeting_id: int, minutes: str = "") -> Meeting:
    meeting = meeting_visible(actor, meeting_id)
    if not rules.may_convene(actor, meeting):
        raise PermissionDenied(NOT_CONVENER)
    if meeting.status == MeetingStatus.CLOSED:
        raise WrongState(MEETING_CLOSED_ALREADY)
    if meeting.status != MeetingStatus.OPEN:
        raise WrongState(MEETING_NOT_OPEN)
    minutes = clean_text(minutes, MINUTES_MAX, field="minutes")
    meeting.status, meeting.closed_at, meeting.minutes = MeetingStatus.CLOSED, clock.now(), minutes
    meeting.save(update_fields=["status", "closed_at", "minutes"])
    audit_record(actor, AuditAction.MEETING_CLOSE, meeting, after={"status": meeting.status})
    return meeting


@transaction.atomic
def minutes_approve(actor, *, meeting_id: int) -> int:
    """An attendee confirms the minutes; returns how many have confirmed."""
    meeting = meeting_visible(actor, meeting_id)
    if meeting.status != MeetingStatus.CLOSED or not meeting.minutes:
        raise WrongState(NO_MINUTES)
    if actor is None or not attended(actor, meeting):
        raise PermissionDenied(NOT_AN_ATTENDEE)
    if MinutesApproval.objects.filter(meeting=meeting, user=actor).exists():
        raise WrongState(MINUTES_APPROVED_ALREADY)
    MinutesApproval.objects.create(meeting=meeting, user=actor)
    audit_record(actor, AuditAction.MEETING_MINUTES_APPROVE, meeting, after={"user": actor.pk})
    return MinutesApproval.objects.filter(meeting=meeting).count()


def attended(user, meeting: Meeting) -> bool:
    """Did this login attend (signed in themself, or recorded as a person linked to it)?"""
    return Attendance.objects.filter(Q(person__user=user) | Q(user=user), meeting=meeting).exists()


def minutes_approved(meeting: Meeting) -> bool:
    attendees = Attendance.objects.filter(meeting=meeting).count()
    return attendees > 0 and MinutesApproval.objects.filter(meeting=meeting).count() * 2 > attendees


@transaction.atomic
def action_add(actor, *, matter_id: int, text: str, due_on: datetime.date, owner_id: int | None = None,
               organisation_id: int | None = None, meeting_id: int | None = None) -> ActionItem:
    """A follow-up, assigned to the person (`owner_id`, a login serving the estate) or the body
    (`organisation_id`) responsible — exactly one of them; the typist is only recorded as such."""
    matter = organised_matter(actor, matter_id)
    text = clean_text(text, 300, ACTION_TEXT_REQUIRED, field="text")
    if not isinstance(due_on, datetime.date):
        raise InvalidInput(ACTION_DUE_REQUIRED, field="due_on")
    if due_on < clock.today():
        raise InvalidInput(ACTION_DUE_PAST, field="due_on")
    if due_on > clock.today() + datetime.timedelta(days=ACTION_DUE_YEARS * 366):
        raise InvalidInput(ACTION_DUE_FAR, field="due_on")
    if (owner_id is None) == (organisation_id is None):
        raise InvalidInput(ASSIGNEE_REQUIRED, field="owner_id")
    owner = organisation = None
    where = matter.estate if matter.estate_id is not None else matter
    if owner_id is not None:
        if owner_id not in assignable_users(where):
            raise NotFound(ASSIGNEE_UNKNOWN)  # another estate's login answers as a missing one
        owner = get_user_model().objects.get(pk=owner_id)
    else:
        organisation = get_in_scope(assignable_organisations(actor, where), pk=organisation_id)
    meeting = None
    if meeting_id is not None:
        meeting = get_in_scope(Meeting.objects.filter(at_or_above(matter)), pk=meeting_id)
        if not meeting.agenda.filter(pk=matter.pk).exists():
            raise InvalidInput(NOT_ON_AGENDA, field="meeting_id")
    item = ActionItem.objects.create(matter=matter, meeting=meeting, text=text, owner=owner,
                                     organisation=organisation, created_by=actor, due_on=due_on)
    audit_record(actor, AuditAction.ACTION_ADD, matter, after=snapshot(item))
    assignees = rules.action_assignees(item) - ({actor.pk} if actor is not None else set())
    if assignees:
        notify(assignees, title=f"新的行动事项：{text}", body=f"期限 {due_on:%Y-%m-%d}",
               link=reverse("meetings:matter_detail", args=[matter.pk]))
    return item


def assignable_users(where) -> set[int]:
    """The logins an action item may be assigned to: those who serve the estate (its bodies' members,
    the community, property staff, departments and cadres over it). Above the estate (`where` a matter):
    the members of the departments and platforms there, and those holding such roles at, above or within
    its place."""
    if not isinstance(where, Estate):
        units = rules.current_memberships(rules.unit_choices(None, where)).filter(person__user__isnull=False)
        return (set(units.values_list("person__user_id", flat=True))
                | invitable_users(Meeting(**{where.level: where.level_place})))
    estate = where
    members = rules.current_memberships(Organisation.objects.filter(estate=estate)).filter(
        person__user__isnull=False).values_list("person__user_id", flat=True)
    return set(members) | holders(rules.INVITABLE_ROLES, estate)


def assignable_organisations(actor, where):
    """The bodies an action item may be assigned to: the estate's own, the companies serving it, the
    platforms serving it, and those of its community, subdistrict and district the actor sees. Above the
    estate (`where` a matter): the 成员单位 and platforms there, and the bodies hanging at its place or above."""
    seen = scope_for(actor).organisations() if actor is not None else Organisation.objects.all()
    if not isinstance(where, Estate):
        ids = chain(where)
        here = (Q(pk__in=rules.unit_choices(actor, where).values("pk"))
                | Q(estate__isnull=True, community__isnull=True, subdistrict__isnull=True, district_id=ids["district"]))
        if ids.get("subdistrict"):
            here |= Q(estate__isnull=True, community__isnull=True, subdistrict_id=ids["subdistrict"])
        if ids.get("community"):
            here |= Q(estate__isnull=True, community_id=ids["community"])
        return Organisation.objects.filter(here, active=True, pk__in=seen.values("pk"))
    estate = where
    community = estate.community
    here = (Q(estate=estate) | Q(pk__in=rules.contracted_companies(estate).values("pk"))
            | Q(estate__isnull=True, community_id=estate.community_id)
            | Q(estate__isnull=True, community__isnull=True, subdistrict_id=community.subdistrict_id)
            | Q(estate__isnull=True, community__isnull=True, subdistrict__isnull=True,
                district_id=community.subdistrict.district_id)
            | Q(kind__in=PLATFORM_KINDS, serves=estate))
    return Organisation.objects.filter(here, active=True, pk__in=seen.values("pk"))


@transaction.atomic
def action_done(actor, *, item_id: int) -> ActionItem:
    """The one responsible marks the item done (meetings.rules.may_mark_action_done)."""
    from gongzhi.meetings.selectors import action_items

    visible = get_in_scope(action_items(fetched_by=actor) if actor is not None else ActionItem.objects.all(),
                           pk=item_id)
    item = ActionItem.objects.select_for_update(of=("self",)).select_related(
        "matter__estate", "matter__community", "matter__subdistrict", "organisation").get(pk=visible.pk)
    if not rules.may_mark_action_done(actor, item, item.matter):
        raise PermissionDenied(NOT_YOUR_ACTION)
    if item.done_at is not None:
        raise WrongState(ACTION_DONE_ALREADY)
    item.done_at, item.done_by = clock.now(), actor
    item.save(update_fields=["done_at", "done_by"])
    audit_record(actor, AuditAction.ACTION_DONE, item.matter, after={"item": item.pk})
    return item
