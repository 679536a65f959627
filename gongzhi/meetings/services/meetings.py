"""Meetings: planned (and repeated monthly), invited, opened, signed in, deciding the matters on
their agenda within the quorum."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from gongzhi.bodies.models import Membership
from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
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
WHEN_YEARS = 2
WHEN_REQUIRED = "请填写时间 / Give a date and time"
WHEN_RANGE = "会议时间须在今天前后两年之内 / A meeting is planned within two years of today"
AGENDA_UNKNOWN = "议程中有未找到的议题 / A matter on the agenda was not found"
NOT_AN_INVITEE = "只能邀请在本小区任职或服务的人员 / Invite only people who serve this estate"
NOTHING_TO_INVITE = "请选择要邀请的人员 / Choose whom to invite"
TOO_MANY_INVITEES = "一次最多邀请 100 人 / Invite at most 100 people at once"


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
    title = clean_text(title, 200, TITLE_REQUIRED, field="title")
    place = clean_text(place, 200, field="place")
    if open_now and not chosen.immediate:
        raise InvalidInput(NOT_IMMEDIATE, field="kind")
    scheduled_at = _check_when(scheduled_at, repeat_months)
    matters = list(Matter.objects.filter(estate=estate, pk__in=agenda_ids or []))
    if len(matters) != len(set(agenda_ids or [])):
        raise NotFound(AGENDA_UNKNOWN)  # another estate's matter answers as a missing one
    meeting = Meeting.objects.create(estate=estate, kind=kind, title=title, scheduled_at=scheduled_at,
                                     place=place, convener=actor)
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


def _check_when(scheduled_at, repeat_months: int) -> datetime.datetime:
    """A meeting is planned within two years of today (either way), the series too."""
    if not isinstance(scheduled_at, datetime.datetime):
        raise InvalidInput(WHEN_REQUIRED, field="scheduled_at")
    today = clock.today()
    try:
        scheduled_at = clock.aware(scheduled_at)
        day = clock.local_date(scheduled_at)
    except (OverflowError, ValueError):
        raise InvalidInput(WHEN_RANGE, field="scheduled_at") from None
    earliest = today - datetime.timedelta(days=WHEN_YEARS * 366)
    latest = today + datetime.timedelta(days=WHEN_YEARS * 366)
    if not earliest <= day <= latest or clock.add_months(day, repeat_months) > latest:
        raise InvalidInput(WHEN_RANGE, field="scheduled_at")
    return scheduled_at


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
def meeting_sign_in(actor, *, meeting_id: int, party: str, person_id: int | None = None,
            organisation_id: int | None = None) -> Attendance:
    """Sign in yourself on your phone, or (as the convener) record someone present.

    A seat (社区, 社区党组织, 小区党支部, 业委会, 物业, 职能部门) is taken only by one who holds it
    (meetings.rules.seat_for); a seat the meeting requires is confirmed by its holder in person. The
    body through which the seat is held is recorded with the attendance (`organisation_id` is kept for
    old callers and ignored)."""
    meeting = meeting_visible(actor, meeting_id)
    if meeting.status != MeetingStatus.OPEN:
        raise WrongState(MEETING_NOT_OPEN)
    if party not in Party.values:
        raise InvalidInput(UNKNOWN_PARTY, field="party")
    own = Person.objects.filter(user=actor).first() if actor is not None else None
    if person_id is None or (own is not None and own.pk == person_id):
        if actor is None:
            raise InvalidInput(NO_PERSON)
        seat = rules.seat_for(actor, party, meeting)
        if seat is None:
            raise PermissionDenied(rules.seat_message(rules.SEAT_DENIED, party))
        person, user = own, actor
    else:
        if not rules.may_convene(actor, meeting):
            raise PermissionDenied(NOT_CONVENER)
        # in the convener's sight, or on no estate's register at all (an invited expert): another
        # estate's resident answers as a missing one
        outsiders = Person.objects.filter(ownerships__isnull=True, residencies__isnull=True, memberships__isnull=True)
        people = (Person.objects.filter(Q(pk__in=scope_for(actor).persons().values("pk"))
                                        | Q(pk__in=outsiders.values("pk"))) if actor is not None
                  else Person.objects.all())
        person = get_in_scope(people.select_related("user"), pk=person_id)
        if party in rules.SEATED_PARTIES and actor is not None and rules.is_required(party, meeting):
            raise PermissionDenied(rules.seat_message(rules.SEAT_IN_PERSON, party))
        seat = rules.person_seat(person, party, meeting)
        if seat is None:
            raise PermissionDenied(rules.seat_message(rules.PERSON_NOT_SEATED, party, name=person.name))
        user = person.user
    already = Attendance.objects.filter(Q(person=person) if person is not None else Q(pk__in=[]), meeting=meeting)
    if user is not None:
        already = already | Attendance.objects.filter(meeting=meeting, user=user)
    found = already.first()
    if found is not None:
        return found
    attendance = Attendance.objects.create(meeting=meeting, person=person, user=user, party=party,
                                           organisation=seat.organisation, recorded_by=actor)
    audit_record(actor, AuditAction.MEETING_SIGN_IN, meeting,
                 after={"person_id": person.pk if person else None, "user_id": user.pk if user else None,
                        "party": party, "organisation_id": seat.organisation.pk if seat.organisation else None})
    return attendance


def invitable_users(meeting: Meeting) -> set[int]:
    """Whom the convener may invite (summon): those who serve the estate — its bodies' members, the
    community, property staff, and the departments and cadres above it."""
    from gongzhi.core.scoping import holders

    return _invitees(meeting) | holders(rules.INVITABLE_ROLES, meeting.estate)


@transaction.atomic
def meeting_invite(actor, *, meeting_id: int, user_ids: list[int]) -> int:
    """Invite (summon) more people — a department's officer, a cadre — to a meeting not yet closed;
    they get the notice. Returns how many were newly invited."""
    meeting = meeting_visible(actor, meeting_id)
    if not rules.may_convene(actor, meeting):
        raise PermissionDenied(NOT_CONVENER)
    if meeting.status == MeetingStatus.CLOSED:
        raise WrongState(MEETING_CLOSED_ALREADY)
    wanted = set(user_ids or [])
    if not wanted:
        raise InvalidInput(NOTHING_TO_INVITE, field="user_ids")
    if len(wanted) > 100:
        raise InvalidInput(TOO_MANY_INVITEES, field="user_ids")
    if not wanted <= invitable_users(meeting):
        raise NotFound(NOT_AN_INVITEE)  # a stranger's id answers as a missing one
    new = wanted - set(meeting.invitations.values_list("user_id", flat=True))
    Invitation.objects.bulk_create([Invitation(meeting=meeting, user_id=u) for u in new], ignore_conflicts=True)
    if new:
        when = clock.local(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M")
        notify(new, title=f"会议通知：{meeting.title}", body=f"{when} {meeting.place}".strip(),
               link=reverse("meetings:meeting_detail", args=[meeting.pk]))
        audit_record(actor, AuditAction.MEETING_INVITE, meeting, after={"invited": sorted(new)})
    return len(new)


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
    text = clean_text(text, 2000, TITLE_REQUIRED, field="text")
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                meeting=meeting, matter=matter, text=text, votes_for=votes_for, votes_against=votes_against,
                votes_abstain=votes_abstain, passed=check.passes(votes_for), recorded_by=actor)
    except IntegrityError:
        raise WrongState(ALREADY_DECIDED) from None
    audit_record(actor, AuditAction.MEETING_DECIDE, meeting, after={**snapshot(decision), "quorum": check.message})
    return decision
