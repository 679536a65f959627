"""Meetings: planned (and repeated monthly), invited, opened, signed in, deciding the matters on
their agenda within the quorum."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from gongzhi.bodies.models import Membership, Organisation
from gongzhi.core import clock, registry
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.meetings import records, rules
from gongzhi.meetings.choices import AuditAction, Repeat
from gongzhi.meetings.models import (
    Attendance,
    Decision,
    Invitation,
    Matter,
    Meeting,
    MeetingStatus,
    Party,
    at_or_below,
    chain,
)
from gongzhi.meetings.quorum import quorum_check
from gongzhi.meetings.rules import meeting_types
from gongzhi.meetings.services.matters import (  # noqa: F401 — ONE_PLACE is also read from here
    MAJOR_NEEDS_JOINT,
    ONE_PLACE,
    TITLE_REQUIRED,
    current_step,
    major_may_decide,
    place_for,
)
from gongzhi.notices import log
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
WRONG_LEVEL = "“{name}”不在{level}一级召开（可在：{levels}）/ A “{name}” is not held at the {level_en} level"
UNITS_REQUIRED = ("{name}须指定至少一个必须到会的成员单位或平台 / "
                  "A “{name}” names at least one department or platform that must attend")
UNIT_UNKNOWN = "未找到该成员单位或平台 / No such department or platform here"
TOO_MANY_UNITS = "最多指定 30 个单位 / At most 30 units"
UNKNOWN_REPEAT = "未知的例会周期 / Unknown repeat"
LEVEL_LABELS = {"estate": "小区", "community": "社区", "subdistrict": "街道", "district": "区/县"}
REPEAT_MONTHS = {Repeat.MONTHLY: 1, Repeat.QUARTERLY: 3}


def meeting_visible(actor, meeting_id, lock=True) -> Meeting:
    from gongzhi.meetings.selectors import visible_meetings

    visible = get_in_scope(Meeting.objects.filter(visible_meetings(actor)) if actor is not None
                           else Meeting.objects.all(), pk=meeting_id)
    qs = Meeting.objects.select_for_update(of=("self",)) if lock else Meeting.objects
    return qs.select_related("estate__community__subdistrict", "community__subdistrict", "subdistrict").get(
        pk=visible.pk)


def _units(actor, where, unit_ids) -> list:
    wanted = set(unit_ids or [])
    if len(wanted) > 30:
        raise InvalidInput(TOO_MANY_UNITS, field="unit_ids")
    units = list(rules.unit_choices(actor, where).filter(pk__in=wanted))
    if len(units) != len(wanted):
        raise NotFound(UNIT_UNKNOWN)  # a unit elsewhere answers as a missing one
    return units


def is_convener(actor, meeting: Meeting) -> bool:
    """Kept for old callers: the rule is meetings.rules.may_convene."""
    return rules.may_convene(actor, meeting)


# --- meetings ------------------------------------------------------------------------------------
def _invitees(meeting: Meeting) -> set[int]:
    """Who is invited: the estate's committee, property staff and branch, the community's staff,
    and the people on the estate's organisations who have a login. Above the estate: those anchored at
    its place (the community's staff, the subdistrict's officers). Always: the current members of the
    units it requires."""
    found = set()
    if meeting.pk is not None:
        units = rules.current_memberships(meeting.units.all()).filter(person__user__isnull=False)
        found = set(units.values_list("person__user_id", flat=True))
    if meeting.estate_id is None:
        anchored = RoleAssignment.objects.current().filter(
            **{f"{meeting.level}_id": meeting.level_place.pk},
            role__in=rules.INVITED_ROLES | {Role.SUBDISTRICT_OFFICER})
        return found | set(anchored.values_list("user_id", flat=True))
    anchored = RoleAssignment.objects.current().filter(
        Q(estate=meeting.estate) | Q(community_id=meeting.estate.community_id),
        role__in=rules.INVITED_ROLES)
    members = Membership.objects.filter(organisation__estate=meeting.estate, active=True, person__user__isnull=False)
    return (found | set(anchored.values_list("user_id", flat=True))
            | set(members.values_list("person__user_id", flat=True)))


def _invite(meeting: Meeting) -> None:
    users = _invitees(meeting) | {meeting.convener_id}
    Invitation.objects.bulk_create([Invitation(meeting=meeting, user_id=u) for u in users], ignore_conflicts=True)
    when = clock.local(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M")
    notify(users, title=f"会议通知：{meeting.title}", body=f"{when} {meeting.place}".strip(),
           link=reverse("meetings:meeting_detail", args=[meeting.pk]))


@transaction.atomic
def meeting_plan(actor, *, kind: str, title: str, scheduled_at: datetime.datetime, estate_id: int | None = None,
                 community_id: int | None = None, subdistrict_id: int | None = None, district_id: int | None = None,
                 place: str = "", agenda_ids: list[int] | None = None, open_now: bool = False,
                 repeat_months: int = 0, unit_ids: list[int] | None = None, repeat: str | None = None) -> Meeting:
    """Call a meeting at an estate, or above it at a community, subdistrict or district (and, with
    repeat_months, the same meeting on the same day of the following months; with `repeat` — by default
    the type's: 每月调度会 monthly, 每季联席会 quarterly — the next one is planned by the periodic job when
    this one is due); `unit_ids` name the 成员单位 and platforms that must attend. Everyone invited gets
    the notice in their inbox."""
    if not 0 <= repeat_months <= 12:
        raise InvalidInput(BAD_REPEAT, field="repeat_months")
    level, where = place_for(actor, estate_id=estate_id, community_id=community_id, subdistrict_id=subdistrict_id,
                             district_id=district_id)
    meeting = Meeting(**{level: where})
    types = meeting_types(meeting.types_community_id)
    if kind not in types:
        raise InvalidInput(UNKNOWN_TYPE, field="kind")
    chosen = types[kind]
    if level not in chosen.levels:
        raise InvalidInput(WRONG_LEVEL.format(name=chosen.name, level=LEVEL_LABELS[level], level_en=level,
                                              levels="、".join(LEVEL_LABELS[x] for x in chosen.levels)), field="kind")
    if not rules.may_convene_kind(actor, chosen, meeting):
        raise PermissionDenied(NOT_CONVENER)
    title = clean_text(title, 200, TITLE_REQUIRED, field="title")
    place = clean_text(place, 200, field="place")
    if open_now and not chosen.immediate:
        raise InvalidInput(NOT_IMMEDIATE, field="kind")
    if repeat is None:
        repeat = chosen.repeat
    if repeat not in Repeat.values:
        raise InvalidInput(UNKNOWN_REPEAT, field="repeat")
    scheduled_at = _check_when(scheduled_at, repeat_months)
    units = _units(actor, meeting if level != "estate" else where, unit_ids)
    if chosen.needs_units and not units:
        raise InvalidInput(UNITS_REQUIRED.format(name=chosen.name), field="unit_ids")
    matters = list(Matter.objects.filter(at_or_below(level, where.pk), pk__in=agenda_ids or []))
    if len(matters) != len(set(agenda_ids or [])):
        raise NotFound(AGENDA_UNKNOWN)  # another estate's matter answers as a missing one
    meeting = Meeting.objects.create(**{level: where}, kind=kind, title=title, scheduled_at=scheduled_at,
                                     place=place, convener=actor, repeat=repeat)
    meeting.agenda.set(matters)
    meeting.units.set(units)
    if open_now:
        meeting.status, meeting.opened_at = MeetingStatus.OPEN, clock.now()
        meeting.save(update_fields=["status", "opened_at"])
    _invite(meeting)
    audit_record(actor, AuditAction.MEETING_PLAN, meeting, after={
        **snapshot(meeting), "agenda": [m.pk for m in matters], "units": [u.pk for u in units]})
    for month in range(1, repeat_months + 1):
        later = Meeting.objects.create(**{level: where}, kind=kind, title=title[:200], place=meeting.place,
                                       scheduled_at=add_months(scheduled_at, month), convener=actor)
        later.units.set(units)
        _invite(later)
        audit_record(actor, AuditAction.MEETING_PLAN, later, after=snapshot(later))
    return meeting


@transaction.atomic
def meeting_plan_next(actor, *, meeting_id: int, now: datetime.datetime | None = None) -> Meeting | None:
    """A standing meeting (每月调度会, 每季联席会) that has come due gets its next one: the same place, type,
    title, units and convener, a month (a quarter) later — the first such day still ahead. Once only: the
    next meeting points back at this one (unique), so two runs at once make one; None when it has one, is
    not standing, or is not yet due."""
    now = now or clock.now()
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound()
    months = REPEAT_MONTHS.get(meeting.repeat)
    if months is None or meeting.scheduled_at > now or Meeting.objects.filter(previous=meeting).exists():
        return None
    step, when = months, add_months(meeting.scheduled_at, months)
    while when <= now:
        step += months
        when = add_months(meeting.scheduled_at, step)
    following = Meeting.objects.create(
        estate=meeting.estate, community=meeting.community, subdistrict=meeting.subdistrict,
        district=meeting.district, kind=meeting.kind, title=meeting.title, place=meeting.place, scheduled_at=when,
        convener=meeting.convener, repeat=meeting.repeat, previous=meeting)
    following.units.set(meeting.units.all())
    _invite(following)
    audit_record(actor, AuditAction.MEETING_REPEAT, following, after={**snapshot(following), "previous": meeting.pk})
    return following


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
        person = get_in_scope(proxy_people(actor, meeting).select_related("user"), pk=person_id)
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
    registry.completed("meeting_attended", attendance, actor=actor)  # e.g. a party member's points
    return attendance


def proxy_people(actor, meeting: Meeting):
    """Whom the convener may record as present (代为签到): people in the convener's sight, people on no
    estate's register at all (an invited expert), and the current members of the units the meeting requires
    (a department's officers, a platform's members — above the estate often outside any estate's register).
    Another estate's resident answers as a missing one."""
    if actor is None:
        return Person.objects.all()
    outsiders = Person.objects.filter(ownerships__isnull=True, residencies__isnull=True, memberships__isnull=True)
    unit_members = rules.current_memberships(meeting.units.all()).values("person_id")
    return Person.objects.filter(Q(pk__in=scope_for(actor).persons().values("pk")) | Q(pk__in=outsiders.values("pk"))
                                 | Q(pk__in=unit_members))


def proxy_memberships(actor, meeting: Meeting):
    """The 代为签到 list: at an estate's meeting its bodies' members; above the estate the members of the
    units the meeting requires (成员单位 and platforms) and of the bodies at its place (the community's party
    organisation …) — each one the convener may record."""
    if meeting.estate_id is not None:
        return (Membership.objects.filter(organisation__estate=meeting.estate, active=True)
                .select_related("person", "organisation"))
    place = {"community": Q(community_id=meeting.community_id, estate__isnull=True),
             "subdistrict": Q(subdistrict_id=meeting.subdistrict_id, community__isnull=True),
             "district": Q(district_id=meeting.district_id, subdistrict__isnull=True,
                           community__isnull=True)}[meeting.level]
    bodies = Organisation.objects.filter(Q(pk__in=meeting.units.values("pk")) | place)
    return (rules.current_memberships(bodies).filter(person__in=proxy_people(actor, meeting))
            .select_related("person", "organisation").order_by("organisation__kind", "organisation__name", "id"))


def invitable_users(meeting: Meeting) -> set[int]:
    """Whom the convener may invite (summon): those who serve the estate — its bodies' members, the
    community, property staff, and the departments and cadres above it. Above the estate: those holding
    such roles at its place, above it or at a community within it, and the members of the departments
    and platforms it may require."""
    from gongzhi.core.scoping import holders

    if meeting.estate_id is not None:
        return _invitees(meeting) | holders(rules.INVITABLE_ROLES, meeting.estate)
    ids = chain(meeting)
    anchors = Q(district_id=ids["district"])
    if ids.get("subdistrict"):
        anchors |= Q(subdistrict_id=ids["subdistrict"])
    anchors |= {"community": Q(community_id=ids.get("community")) | Q(estate__community_id=ids.get("community")),
                "subdistrict": Q(community__subdistrict_id=ids.get("subdistrict"))
                | Q(estate__community__subdistrict_id=ids.get("subdistrict")),
                "district": Q(community__subdistrict__district_id=ids["district"])
                | Q(subdistrict__district_id=ids["district"])
                | Q(estate__community__subdistrict__district_id=ids["district"])}[meeting.level]
    held = RoleAssignment.objects.current().filter(anchors, role__in=rules.INVITABLE_ROLES)
    units = rules.current_memberships(rules.unit_choices(None, meeting)).filter(person__user__isnull=False)
    return (_invitees(meeting) | set(held.values_list("user_id", flat=True))
            | set(units.values_list("person__user_id", flat=True)))


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
        if not major_may_decide(step, meeting.kind, meeting.types_community_id):
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
    after = {**snapshot(decision), "quorum": check.message}
    if meeting.estate_id is None:
        # above the estate there is no estate notice to carry it: the decision itself enters the log, at the
        # meeting's place (an estate's resolution is published by its procedure's publication step)
        after["log_index"] = log.publish(records.KIND, decision).index
    audit_record(actor, AuditAction.MEETING_DECIDE, meeting, after=after)
    return decision
