"""Meetings: planned (and repeated monthly), invited, opened, signed in, deciding the matters on
their agenda within the quorum."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from gongzhi.bodies.models import Membership
from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.meetings import rules
from gongzhi.meetings.choices import AuditAction
from gongzhi.meetings.models import Attendance, Decision, Invitation, Matter, Meeting, MeetingStatus, Party
from gongzhi.meetings.quorum import quorum_check
from gongzhi.meetings.rules import meeting_types
from gongzhi.meetings.services.matters import MAJOR_NEEDS_JOINT, TITLE_REQUIRED, current_step, major_may_decide
from gongzhi.people.models import Person, RoleAssignment

UNKNOWN_TYPE = "未知的会议类型 / Unknown meeting type"
NOT_CONVENER = "您不能召集此类会议 / You cannot convene this kind of meeting"
NOT_IMMEDIATE = "只有紧急会议可以立即召开 / Only an emergency meeting can be opened at once"
MEETING_NOT_OPEN = "会议未在进行中 / The meeting is not in session"
MEETING_CLOSED_ALREADY = "会议已经结束 / The meeting is already closed"
ALREADY_OPEN = "会议已经开始 / The meeting has already started"
NOT_ON_AGENDA = "该议题不在本次会议议程上 / The matter is not on this meeting's agenda"
ALREADY_DECIDED = "本次会议已对该议题作出决定 / This meeting has already decided the matter"
BAD_COUNTS = "表决票数不合理 / The vote counts do not add up"
NO_PERSON = "您的账号未关联人员信息 / Your login is not linked to a person"
UNKNOWN_PARTY = "未知的参会身份 / Unknown party"
BAD_REPEAT = "重复月数须在 0 到 12 之间 / Repeat for 0 to 12 months"


def meeting_visible(actor, meeting_id, lock=True) -> Meeting:
    scope = scope_for(actor)
    visible = get_in_scope(Meeting.objects.filter(estate__in=scope.estates()), pk=meeting_id)
    qs = Meeting.objects.select_for_update() if lock else Meeting.objects
    return qs.select_related("estate").get(pk=visible.pk)


def is_convener(actor, meeting: Meeting) -> bool:
    """Kept for old callers: the rule is meetings.rules.may_convene."""
    return rules.may_convene(actor, meeting)


# --- meetings ------------------------------------------------------------------------------------
def _invitees(meeting: Meeting) -> set[int]:
    """Who is invited: the estate's committee, property staff and branch, the community's staff,
    and the people on the estate's organisations who have a login."""
    anchored = RoleAssignment.objects.current().filter(
        Q(estate=meeting.estate) | Q(community_id=meeting.estate.community_id),
        role__in=rules.INVITED_ROLES)
    members = Membership.objects.filter(organisation__estate=meeting.estate, active=True, person__user__isnull=False)
    return set(anchored.values_list("user_id", flat=True)) | set(members.values_list("person__user_id", flat=True))


def _invite(meeting: Meeting) -> None:
    users = _invitees(meeting) | {meeting.convener_id}
    Invitation.objects.bulk_create([Invitation(meeting=meeting, user_id=u) for u in users], ignore_conflicts=True)
    when = clock.local(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M")
    notify(users, title=f"会议通知：{meeting.title}", body=f"{when} {meeting.place}".strip(),
           link=reverse("meetings:meeting_detail", args=[meeting.pk]))


@transaction.atomic
def meeting_plan(actor, *, estate_id: int, kind: str, title: str, scheduled_at: datetime.datetime,
                 place: str = "", agenda_ids: list[int] | None = None, open_now: bool = False,
                 repeat_months: int = 0) -> Meeting:
    """Call a meeting (and, with repeat_months, the same meeting on the same day of the following
    months); everyone invited gets the notice in their inbox."""
    if not 0 <= repeat_months <= 12:
        raise InvalidInput(BAD_REPEAT, field="repeat_months")
    estate = get_in_scope(scope_for(actor).estates().select_related("community"), pk=estate_id)
    types = meeting_types(estate.community_id)
    if kind not in types:
        raise InvalidInput(UNKNOWN_TYPE, field="kind")
    chosen = types[kind]
    if not rules.may_convene_kind(actor, chosen, estate):
        raise PermissionDenied(NOT_CONVENER)
    title = (title or "").strip()
    if not title:
        raise InvalidInput(TITLE_REQUIRED, field="title")
    if open_now and not chosen.immediate:
        raise InvalidInput(NOT_IMMEDIATE, field="kind")
    matters = list(Matter.objects.filter(estate=estate, pk__in=agenda_ids or []))
    if len(matters) != len(set(agenda_ids or [])):
        raise InvalidInput(NOT_ON_AGENDA, field="agenda_ids")
    meeting = Meeting.objects.create(estate=estate, kind=kind, title=title[:200], scheduled_at=scheduled_at,
                                     place=(place or "")[:200], convener=actor)
    meeting.agenda.set(matters)
    if open_now:
        meeting.status, meeting.opened_at = MeetingStatus.OPEN, clock.now()
        meeting.save(update_fields=["status", "opened_at"])
    _invite(meeting)
    audit_record(actor, AuditAction.MEETING_PLAN, meeting, after={**snapshot(meeting), "agenda": [m.pk for m in matters]})
    for month in range(1, repeat_months + 1):
        later = Meeting.objects.create(estate=estate, kind=kind, title=title[:200], place=meeting.place,
                                       scheduled_at=add_months(scheduled_at, month), convener=actor)
        _invite(later)
        audit_record(actor, AuditAction.MEETING_PLAN, later, after=snapshot(later))
    return meeting


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same local time on the same day `months` later, or that month's last day (Jan 31 -> Feb 28)."""
    return clock.at(clock.add_months(clock.local_date(moment), months), clock.local(moment).time())


@transaction.atomic
def meeting_open(actor, *, meeting_id: int) -> Meeting:
    meeting = meeting_visible(actor, meeting_id)
    if not rules.may_convene(actor, meeting):
        raise PermissionDenied(NOT_CONVENER)
    if meeting.status != MeetingStatus.PLANNED:
        raise WrongState(MEETING_CLOSED_ALREADY if meeting.status == MeetingStatus.CLOSED else ALREADY_OPEN)
    meeting.status, meeting.opened_at = MeetingStatus.OPEN, clock.now()
    meeting.save(update_fields=["status", "opened_at"])
    audit_record(actor, AuditAction.MEETING_OPEN, meeting, after={"status": meeting.status})
    return meeting


@transaction.atomic
def sign_in(actor, *, meeting_id: int, party: str, person_id: int | None = None,
            organisation_id: int | None = None) -> Attendance:
    """Sign in yourself on your phone, or (as the convener) record someone present."""
    meeting = meeting_visible(actor, meeting_id)
    if meeting.status != MeetingStatus.OPEN:
        raise WrongState(MEETING_NOT_OPEN)
    if party not in Party.values:
        raise InvalidInput(UNKNOWN_PARTY, field="party")
    if person_id is None:
        person = Person.objects.filter(user=actor).first()
        if person is None:
            raise InvalidInput(NO_PERSON)
    else:
        if not rules.may_convene(actor, meeting):
            raise PermissionDenied(NOT_CONVENER)
        person = get_in_scope(Person.objects.all(), pk=person_id)
    attendance, created = Attendance.objects.get_or_create(
        meeting=meeting, person=person,
        defaults={"party": party, "organisation_id": organisation_id, "recorded_by": actor})
    if created:
        audit_record(actor, AuditAction.MEETING_SIGN_IN, meeting, after={"person_id": person.pk, "party": party})
    return attendance


@transaction.atomic
def decision_record(actor, *, meeting_id: int, matter_id: int, text: str, votes_for: int, votes_against: int = 0,
                    votes_abstain: int = 0) -> Decision:
    meeting = meeting_visible(actor, meeting_id)
    if not rules.may_convene(actor, meeting):
        raise PermissionDenied(NOT_CONVENER)
    if meeting.status != MeetingStatus.OPEN:
        raise WrongState(MEETING_NOT_OPEN)
    matter = meeting.agenda.filter(pk=matter_id).first()
    if matter is None:
        raise InvalidInput(NOT_ON_AGENDA, field="matter_id")
    if matter.major:
        _, step = current_step(matter)
        if not major_may_decide(step, meeting.kind, meeting.estate.community_id):
            raise WrongState(MAJOR_NEEDS_JOINT)
    check = quorum_check(meeting)
    if not check.ok:
        raise WrongState(check.message)
    counts = (votes_for, votes_against, votes_abstain)
    if any(c < 0 for c in counts) or sum(counts) > check.present or votes_for + votes_against + votes_abstain == 0:
        raise InvalidInput(BAD_COUNTS, field="votes_for")
    text = (text or "").strip()
    if not text:
        raise InvalidInput(TITLE_REQUIRED, field="text")
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                meeting=meeting, matter=matter, text=text, votes_for=votes_for, votes_against=votes_against,
                votes_abstain=votes_abstain, passed=check.passes(votes_for), recorded_by=actor)
    except IntegrityError:
        raise WrongState(ALREADY_DECIDED) from None
    audit_record(actor, AuditAction.MEETING_DECIDE, meeting, after={**snapshot(decision), "quorum": check.message})
    return decision
