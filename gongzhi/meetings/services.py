"""Writes of joint deliberation: meetings (plan, open, sign in, decide, close), matters and their
procedures (one step at a time), action items, hearing bids and deliveries.

Every function takes the acting user first, checks the role for the estate, runs in one
transaction with the row lock that matters, and leaves an audit record.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.procedures import SHIPPED, Procedure, StepKind
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.meetings.models import (
    ActionItem,
    Attendance,
    Bid,
    Decision,
    DeliveryItem,
    Invitation,
    Matter,
    MatterSource,
    MatterStatus,
    MatterStep,
    Meeting,
    MeetingStatus,
    MinutesApproval,
    Outcome,
    Party,
    ProcedureTemplate,
)
from gongzhi.meetings.quorum import quorum_check
from gongzhi.meetings.types import meeting_type, meeting_types
from gongzhi.notices import services as notices
from gongzhi.people.models import Person

UNKNOWN_TYPE = "未知的会议类型 / Unknown meeting type"
NOT_CONVENER = "您不能召集此类会议 / You cannot convene this kind of meeting"
TITLE_REQUIRED = "请填写名称 / A title is required"
NOT_IMMEDIATE = "只有紧急会议可以立即召开 / Only an emergency meeting can be opened at once"
MEETING_NOT_OPEN = "会议未在进行中 / The meeting is not in session"
MEETING_CLOSED_ALREADY = "会议已经结束 / The meeting is already closed"
ALREADY_OPEN = "会议已经开始 / The meeting has already started"
NOT_ON_AGENDA = "该议题不在本次会议议程上 / The matter is not on this meeting's agenda"
MAJOR_NEEDS_JOINT = (
    "三重一大事项只能在其议事程序规定的联席会议上决定 / "
    "A 三重一大 matter is decided only at the joint meeting its procedure names"
)
ALREADY_DECIDED = "本次会议已对该议题作出决定 / This meeting has already decided the matter"
BAD_COUNTS = "表决票数不合理 / The vote counts do not add up"
NO_PERSON = "您的账号未关联人员信息 / Your login is not linked to a person"
UNKNOWN_PARTY = "未知的参会身份 / Unknown party"
UNKNOWN_PROCEDURE = "未知的议事程序 / Unknown procedure"
MAJOR_PROCEDURE = (
    "三重一大事项须采用包含联席会议的程序 / A 三重一大 matter needs a procedure with a joint meeting"
)
UNKNOWN_SOURCE = "未知的议题来源 / Unknown source"
NOT_YOUR_STEP = "当前步骤“{label}”须由{roles}办理 / The current step “{label}” is for {roles}"
WRONG_STEP = "当前步骤是“{label}”，不能跳过或重复 / The current step is “{label}”: steps are not skipped or repeated"
MATTER_FINISHED = "该议题已办结或终止 / This matter is finished"
CANNOT_BACK = "该步骤不能退回 / This step cannot send the matter back"
CANNOT_END = "该步骤不能终止议题 / This step cannot end the matter"
NEEDS_MEETING = "该步骤须由会议决定：请选择已作出决定的会议 / This step is decided by a meeting: name it"
WRONG_MEETING_TYPE = "该步骤须由以下会议决定：{types} / This step needs one of: {types}"
NO_DECISION = "该会议未对此议题作出决定 / That meeting made no decision on this matter"
DECISION_SAYS = "会议决定为“{result}”，本步骤的结果须与之一致 / The step must follow the meeting's decision ({result})"
NEEDS_VOTE = "该步骤须由业主表决决定：请选择已结束的表决 / This step is decided by an owners' vote: name it"
VOTE_NOT_CLOSED = "该表决尚未结束 / That vote has not closed"
VOTE_SAYS = "表决结果为“{result}”，本步骤的结果须与之一致 / The step must follow the vote's result ({result})"
TOO_FEW_BIDS = "至少需要 3 家报价 / At least 3 bids are needed"
DELIVERY_OPEN = "还有交付项未完成（{done}/{total}）/ Deliveries are not all done ({done}/{total})"
NO_DELIVERIES = "请先登记交付项 / Record the deliverables first"
BAD_AMOUNT = "金额须为正数 / The amount must be positive"
ACTION_DUE_PAST = "期限不能早于今天 / The due date cannot be in the past"
BAD_REPEAT = "重复月数须在 0 到 12 之间 / Repeat for 0 to 12 months"
NO_MINUTES = "会议结束并有纪要后才能确认 / Minutes are confirmed after the meeting closes with minutes"
NOT_AN_ATTENDEE = "只有到会人员可以确认纪要 / Only attendees confirm the minutes"
NOT_A_BID_STEP = "现在不是收集报价或选定中标的阶段 / Bids are recorded only at the bidding step"


def _estate_for(actor, estate_id, roles):
    scope = scope_for(actor)
    estate = get_in_scope(scope.estates().select_related("community"), pk=estate_id)
    if not (scope.is_root or any(scope.holds(r, estate) for r in roles)):
        raise PermissionDenied(NOT_CONVENER)
    return estate


def _meeting(actor, meeting_id, lock=True) -> Meeting:
    scope = scope_for(actor)
    visible = get_in_scope(Meeting.objects.filter(estate__in=scope.estates()), pk=meeting_id)
    qs = Meeting.objects.select_for_update() if lock else Meeting.objects
    return qs.select_related("estate").get(pk=visible.pk)


def is_convener(actor, meeting: Meeting) -> bool:
    scope = scope_for(actor)
    return scope.is_root or meeting.convener_id == actor.pk or any(
        scope.holds(r, meeting.estate) for r in meeting_type(meeting.kind, meeting.estate.community_id).conveners)


# --- meetings ------------------------------------------------------------------------------------
def _invitees(meeting: Meeting) -> set[int]:
    """Who is invited: the estate's committee, property staff and branch, the community's staff,
    and the people on the estate's organisations who have a login."""
    from gongzhi.bodies.models import Membership
    from gongzhi.people.models import RoleAssignment

    anchored = RoleAssignment.objects.current().filter(
        Q(estate=meeting.estate) | Q(community_id=meeting.estate.community_id),
        role__in=[Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.PROPERTY_STAFF, Role.COMMUNITY_SECRETARY,
                  Role.COMMUNITY_STAFF])
    members = Membership.objects.filter(organisation__estate=meeting.estate, active=True, person__user__isnull=False)
    return set(anchored.values_list("user_id", flat=True)) | set(members.values_list("person__user_id", flat=True))


def _invite(meeting: Meeting) -> None:
    users = _invitees(meeting) | {meeting.convener_id}
    Invitation.objects.bulk_create([Invitation(meeting=meeting, user_id=u) for u in users], ignore_conflicts=True)
    when = clock.local(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M")
    notify(users, title=f"会议通知：{meeting.title}", body=f"{when} {meeting.place}".strip(),
           link=reverse("meeting_detail", args=[meeting.pk]))


@transaction.atomic
def meeting_plan(actor, *, estate_id: int, kind: str, title: str, scheduled_at: datetime.datetime,
                 place: str = "", agenda_ids: list[int] | None = None, open_now: bool = False,
                 repeat_months: int = 0) -> Meeting:
    """Call a meeting (and, with repeat_months, the same meeting on the same day of the following
    months); everyone invited gets the notice in their inbox."""
    if not 0 <= repeat_months <= 12:
        raise InvalidInput(BAD_REPEAT, field="repeat_months")
    scope = scope_for(actor)
    community_id = get_in_scope(scope.estates(), pk=estate_id).community_id
    types = meeting_types(community_id)
    if kind not in types:
        raise InvalidInput(UNKNOWN_TYPE, field="kind")
    chosen = types[kind]
    estate = _estate_for(actor, estate_id, chosen.conveners)
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
    audit_record(actor, "meeting.plan", meeting, after={**snapshot(meeting), "agenda": [m.pk for m in matters]})
    for month in range(1, repeat_months + 1):
        later = Meeting.objects.create(estate=estate, kind=kind, title=title[:200], place=meeting.place,
                                       scheduled_at=add_months(scheduled_at, month), convener=actor)
        _invite(later)
        audit_record(actor, "meeting.plan", later, after=snapshot(later))
    return meeting


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same local time on the same day `months` later, or that month's last day (Jan 31 -> Feb 28)."""
    return clock.at(clock.add_months(clock.local_date(moment), months), clock.local(moment).time())


@transaction.atomic
def meeting_open(actor, *, meeting_id: int) -> Meeting:
    meeting = _meeting(actor, meeting_id)
    if not is_convener(actor, meeting):
        raise PermissionDenied(NOT_CONVENER)
    if meeting.status != MeetingStatus.PLANNED:
        raise WrongState(MEETING_CLOSED_ALREADY if meeting.status == MeetingStatus.CLOSED else ALREADY_OPEN)
    meeting.status, meeting.opened_at = MeetingStatus.OPEN, clock.now()
    meeting.save(update_fields=["status", "opened_at"])
    audit_record(actor, "meeting.open", meeting, after={"status": meeting.status})
    return meeting


@transaction.atomic
def sign_in(actor, *, meeting_id: int, party: str, person_id: int | None = None,
            organisation_id: int | None = None) -> Attendance:
    """Sign in yourself on your phone, or (as the convener) record someone present."""
    meeting = _meeting(actor, meeting_id)
    if meeting.status != MeetingStatus.OPEN:
        raise WrongState(MEETING_NOT_OPEN)
    if party not in Party.values:
        raise InvalidInput(UNKNOWN_PARTY, field="party")
    if person_id is None:
        person = Person.objects.filter(user=actor).first()
        if person is None:
            raise InvalidInput(NO_PERSON)
    else:
        if not is_convener(actor, meeting):
            raise PermissionDenied(NOT_CONVENER)
        person = get_in_scope(Person.objects.all(), pk=person_id)
    attendance, created = Attendance.objects.get_or_create(
        meeting=meeting, person=person,
        defaults={"party": party, "organisation_id": organisation_id, "recorded_by": actor})
    if created:
        audit_record(actor, "meeting.sign_in", meeting, after={"person_id": person.pk, "party": party})
    return attendance


@transaction.atomic
def decision_record(actor, *, meeting_id: int, matter_id: int, text: str, votes_for: int, votes_against: int = 0,
                    votes_abstain: int = 0) -> Decision:
    meeting = _meeting(actor, meeting_id)
    if not is_convener(actor, meeting):
        raise PermissionDenied(NOT_CONVENER)
    if meeting.status != MeetingStatus.OPEN:
        raise WrongState(MEETING_NOT_OPEN)
    matter = meeting.agenda.filter(pk=matter_id).first()
    if matter is None:
        raise InvalidInput(NOT_ON_AGENDA, field="matter_id")
    if matter.major:
        _, step = current_step(matter)
        if not _major_may_decide(step, meeting.kind, meeting.estate.community_id):
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
    audit_record(actor, "meeting.decide", meeting, after={**snapshot(decision), "quorum": check.message})
    return decision


@transaction.atomic
def meeting_close(actor, *, meeting_id: int, minutes: str = "") -> Meeting:
    meeting = _meeting(actor, meeting_id)
    if not is_convener(actor, meeting):
        raise PermissionDenied(NOT_CONVENER)
    if meeting.status == MeetingStatus.CLOSED:
        raise WrongState(MEETING_CLOSED_ALREADY)
    if meeting.status != MeetingStatus.OPEN:
        raise WrongState(MEETING_NOT_OPEN)
    meeting.status, meeting.closed_at, meeting.minutes = MeetingStatus.CLOSED, clock.now(), (minutes or "").strip()
    meeting.save(update_fields=["status", "closed_at", "minutes"])
    audit_record(actor, "meeting.close", meeting, after={"status": meeting.status})
    return meeting


@transaction.atomic
def minutes_approve(actor, *, meeting_id: int) -> int:
    """An attendee confirms the minutes; returns how many have confirmed."""
    meeting = _meeting(actor, meeting_id)
    if meeting.status != MeetingStatus.CLOSED or not meeting.minutes:
        raise WrongState(NO_MINUTES)
    if not Attendance.objects.filter(meeting=meeting, person__user=actor).exists():
        raise PermissionDenied(NOT_AN_ATTENDEE)
    _, created = MinutesApproval.objects.get_or_create(meeting=meeting, user=actor)
    if created:
        audit_record(actor, "meeting.minutes_approve", meeting, after={"user": actor.pk})
    return MinutesApproval.objects.filter(meeting=meeting).count()


def minutes_approved(meeting: Meeting) -> bool:
    attendees = Attendance.objects.filter(meeting=meeting).count()
    return attendees > 0 and MinutesApproval.objects.filter(meeting=meeting).count() * 2 > attendees


def send_reminders(now: datetime.datetime | None = None) -> tuple[int, int]:
    """The periodic job: remind the invited of meetings in the next 24 hours, and owners of overdue
    action items once a day. Safe to run twice or at once: each reminder is claimed by an update
    that only one run can make."""
    now = now or clock.now()
    meetings = 0
    for invitation in Invitation.objects.filter(
            reminded_at__isnull=True, meeting__status=MeetingStatus.PLANNED,
            meeting__scheduled_at__gt=now, meeting__scheduled_at__lte=now + datetime.timedelta(hours=24),
    ).select_related("meeting"):
        if Invitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True).update(reminded_at=now):
            with transaction.atomic():
                meeting = invitation.meeting
                notify([invitation.user_id], title=f"会议提醒：{meeting.title}",
                       body=clock.local(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M"),
                       link=reverse("meeting_detail", args=[meeting.pk]))
            meetings += 1
    today = clock.local_date(now)
    overdue = 0
    for item in ActionItem.objects.filter(done_at__isnull=True, due_on__lt=today).exclude(reminded_on=today):
        if ActionItem.objects.filter(pk=item.pk).exclude(reminded_on=today).update(reminded_on=today):
            with transaction.atomic():
                notify([item.owner_id], title=f"行动事项已逾期：{item.text}",
                       body=f"期限 {item.due_on:%Y-%m-%d}", link=reverse("matter_detail", args=[item.matter_id]))
            overdue += 1
    return meetings, overdue


# --- matters and procedures -----------------------------------------------------------------------
def procedure_for(estate, code: str) -> Procedure:
    template = ProcedureTemplate.objects.filter(community_id=estate.community_id, code=code).first()
    if template is not None:
        return Procedure.from_data({"code": code, **template.definition})
    if code not in SHIPPED:
        raise InvalidInput(UNKNOWN_PROCEDURE, field="procedure")
    return SHIPPED[code]


def _major_may_decide(step, meeting_kind: str, community_id: int) -> bool:
    """A 三重一大 matter is decided only at its procedure's current meeting step, and where that
    step offers a joint meeting, only at a joint one."""
    if step.kind != StepKind.MEETING or meeting_kind not in step.meeting_types:
        return False
    types = meeting_types(community_id)
    joint = [t for t in step.meeting_types if t in types and types[t].joint]
    return not joint or meeting_kind in joint


def _has_joint_meeting(procedure: Procedure, community_id: int) -> bool:
    types = meeting_types(community_id)
    return any(s.kind == StepKind.MEETING and any(t in types and types[t].joint for t in s.meeting_types)
               for s in procedure.steps)


@transaction.atomic
def matter_create(actor, *, estate_id: int, title: str, procedure: str, source: str = MatterSource.PROPOSAL,
                  description: str = "", amount: Decimal | None = None, major: bool = False) -> Matter:
    scope = scope_for(actor)
    estate = get_in_scope(scope.estates().select_related("community"), pk=estate_id)
    definition = procedure_for(estate, procedure)
    proposers = set(definition.steps[0].roles) | {Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF}
    if not (scope.is_root or any(scope.holds(r, estate) for r in proposers)):
        raise PermissionDenied()
    title = (title or "").strip()
    if not title:
        raise InvalidInput(TITLE_REQUIRED, field="title")
    if source not in MatterSource.values:
        raise InvalidInput(UNKNOWN_SOURCE, field="source")
    if amount is not None and amount <= 0:
        raise InvalidInput(BAD_AMOUNT, field="amount")
    major = bool(major) or (amount is not None and amount >= Decimal(settings.GONGZHI_MAJOR_SPENDING_YUAN))
    if major and not _has_joint_meeting(definition, estate.community_id):
        raise InvalidInput(MAJOR_PROCEDURE, field="procedure")
    matter = Matter.objects.create(estate=estate, title=title[:200], description=description or "", source=source,
                                   amount=amount, major=major, procedure=definition.as_data(), created_by=actor)
    audit_record(actor, "matter.create", matter, after=snapshot(matter))
    return matter


def current_step(matter: Matter):
    procedure = Procedure.from_data(matter.procedure)
    return procedure, procedure.steps[matter.step_index]


def _acting_role(scope, step, estate) -> str | None:
    if scope.is_root:
        return Role.ADMINISTRATOR
    return next((r for r in step.roles if scope.holds(r, estate)), None)


@transaction.atomic
def matter_step(actor, *, matter_id: int, step_key: str, outcome: str = Outcome.DONE, note: str = "",
                meeting_id: int | None = None, vote_id: int | None = None, attachment=None) -> MatterStep:
    """Record the current step of a matter's procedure — and only the current one."""
    scope = scope_for(actor)
    visible = get_in_scope(Matter.objects.filter(estate__in=scope.estates()), pk=matter_id)
    # Lock the matter: of two people recording the same step at once, the second finds it done.
    matter = Matter.objects.select_for_update().select_related("estate").get(pk=visible.pk)
    if matter.status != MatterStatus.IN_PROGRESS:
        raise WrongState(MATTER_FINISHED)
    procedure, step = current_step(matter)
    if step.key != step_key:
        raise WrongState(WRONG_STEP.format(label=step.label))
    role = _acting_role(scope, step, matter.estate)
    if role is None:
        labels = "、".join(str(Role(r).label) for r in step.roles)
        raise PermissionDenied(NOT_YOUR_STEP.format(label=step.label, roles=labels))
    if outcome not in Outcome.values:
        raise InvalidInput(CANNOT_END, field="outcome")
    if outcome == Outcome.BACK and not step.back_to:
        raise InvalidInput(CANNOT_BACK, field="outcome")
    if outcome == Outcome.END and not step.can_end:
        raise InvalidInput(CANNOT_END, field="outcome")
    meeting = _check_meeting(step, matter, meeting_id, outcome)
    vote = _check_vote(step, matter, vote_id, outcome)
    _check_hearing(step, matter, outcome)
    notice = None
    if step.kind == StepKind.PUBLISH:
        notice = notices.notice_publish(
            actor, estate_id=matter.estate_id, kind=step.notice_kind, audience="estate",
            title=f"{'决议公示' if step.notice_kind == 'resolution' else '实施结果公示'}：{matter.title}",
            body=(note or "").strip() or _published_body(matter, step.notice_kind))
    record = MatterStep(matter=matter, index=matter.step_index, key=step.key, label=step.label, outcome=outcome,
                        note=(note or "").strip(), actor=actor, role=role, meeting=meeting, vote=vote, notice=notice)
    if attachment:
        record.attachment.save(attachment.name, attachment, save=False)
    record.save()
    _advance(matter, procedure, step, outcome)
    audit_record(actor, f"matter.step.{outcome}", matter, after={"step": step.key, "meeting_id": meeting_id,
                                                                  "vote_id": vote_id, "status": matter.status})
    return record


def _advance(matter: Matter, procedure: Procedure, step, outcome: str) -> None:
    if outcome == Outcome.END:
        matter.status = MatterStatus.ENDED
    elif outcome == Outcome.BACK:
        matter.step_index = procedure.index(step.back_to)
    elif matter.step_index + 1 >= len(procedure.steps):
        matter.status, matter.completed_at = MatterStatus.COMPLETED, clock.now()
    else:
        matter.step_index += 1
    matter.save(update_fields=["status", "step_index", "completed_at"])


def _check_meeting(step, matter, meeting_id, outcome):
    if step.kind != StepKind.MEETING:
        return None
    if meeting_id is None:
        raise InvalidInput(NEEDS_MEETING, field="meeting_id")
    meeting = Meeting.objects.filter(pk=meeting_id, estate=matter.estate).first()
    types = meeting_types(matter.estate.community_id)
    names = "、".join(types[t].name if t in types else t for t in step.meeting_types)
    if meeting is None or meeting.kind not in step.meeting_types:
        raise InvalidInput(WRONG_MEETING_TYPE.format(types=names), field="meeting_id")
    if matter.major and not _major_may_decide(step, meeting.kind, matter.estate.community_id):
        raise WrongState(MAJOR_NEEDS_JOINT)
    decision = Decision.objects.filter(meeting=meeting, matter=matter).first()
    if decision is None:
        raise WrongState(NO_DECISION)
    if decision.passed != (outcome == Outcome.DONE):
        raise WrongState(DECISION_SAYS.format(result="通过" if decision.passed else "未通过"))
    return meeting


def _check_vote(step, matter, vote_id, outcome):
    if step.kind != StepKind.VOTE:
        return None
    from gongzhi.votes.models import Vote, VoteStatus

    vote = Vote.objects.filter(pk=vote_id, estate=matter.estate).first() if vote_id else None
    if vote is None:
        raise InvalidInput(NEEDS_VOTE, field="vote_id")
    if vote.status != VoteStatus.CLOSED:
        raise WrongState(VOTE_NOT_CLOSED)
    approved = vote.passed
    if approved != (outcome == Outcome.DONE):
        raise WrongState(VOTE_SAYS.format(result="通过" if approved else "未通过"))
    return vote


def _check_hearing(step, matter, outcome):
    if outcome != Outcome.DONE:
        return
    if step.key == "bids" and matter.bids.count() < 3:
        raise WrongState(TOO_FEW_BIDS)
    if step.key == "delivery":
        total = matter.deliveries.count()
        done = matter.deliveries.filter(status=DeliveryItem.Status.DONE).count()
        if total == 0:
            raise WrongState(NO_DELIVERIES)
        if done < total:
            raise WrongState(DELIVERY_OPEN.format(done=done, total=total))


def _published_body(matter: Matter, kind: str) -> str:
    decisions = "\n".join(f"{d.meeting.title}：{d.text}（赞成 {d.votes_for}，反对 {d.votes_against}，弃权 "
                          f"{d.votes_abstain}）" for d in matter.decisions.select_related("meeting"))
    if kind == "implementation":
        items = "\n".join(f"{d.label}：{d.get_status_display()}" for d in matter.deliveries.all())
        return "\n".join(filter(None, [matter.description, decisions, items, "已按决议实施完毕。"]))
    return "\n".join(filter(None, [matter.description, decisions]))


# --- action items, bids, deliveries ---------------------------------------------------------------
def _organiser_of(actor, matter_id):
    scope = scope_for(actor)
    matter = get_in_scope(Matter.objects.filter(estate__in=scope.estates()).select_related("estate"), pk=matter_id)
    organisers = (Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF,
                  Role.ADMINISTRATOR)
    if not (scope.is_root or any(scope.holds(r, matter.estate) for r in organisers)):
        raise PermissionDenied()
    return matter


@transaction.atomic
def action_add(actor, *, matter_id: int, text: str, owner_id: int, due_on: datetime.date,
               meeting_id: int | None = None) -> ActionItem:
    from django.contrib.auth import get_user_model

    matter = _organiser_of(actor, matter_id)
    if due_on < clock.today():
        raise InvalidInput(ACTION_DUE_PAST, field="due_on")
    owner = get_in_scope(get_user_model().objects.all(), pk=owner_id)
    item = ActionItem.objects.create(matter=matter, meeting_id=meeting_id, text=(text or "").strip()[:300] or "—",
                                     owner=owner, due_on=due_on)
    audit_record(actor, "action.add", matter, after=snapshot(item))
    return item


@transaction.atomic
def action_done(actor, *, item_id: int) -> ActionItem:
    scope = scope_for(actor)
    item = get_in_scope(ActionItem.objects.select_for_update().filter(matter__estate__in=scope.estates()), pk=item_id)
    if item.owner_id != actor.pk:
        _organiser_of(actor, item.matter_id)
    if item.done_at is None:
        item.done_at = clock.now()
        item.save(update_fields=["done_at"])
        audit_record(actor, "action.done", item.matter, after={"item": item.pk})
    return item


@transaction.atomic
def bid_add(actor, *, matter_id: int, supplier: str, amount: Decimal, note: str = "") -> Bid:
    matter = _organiser_of(actor, matter_id)
    _, step = current_step(matter)
    if step.key != "bids":
        raise WrongState(NOT_A_BID_STEP)
    if amount is None or amount <= 0:
        raise InvalidInput(BAD_AMOUNT, field="amount")
    bid = Bid.objects.create(matter=matter, supplier=(supplier or "").strip()[:200] or "—", amount=amount,
                             note=note or "")
    audit_record(actor, "bid.add", matter, after=snapshot(bid))
    return bid


@transaction.atomic
def bid_choose(actor, *, bid_id: int) -> Bid:
    """The owners' choice, recorded once the vote that chose it has closed (step 'owners_choose' done)."""
    scope = scope_for(actor)
    bid = get_in_scope(Bid.objects.filter(matter__estate__in=scope.estates()), pk=bid_id)
    matter = _organiser_of(actor, bid.matter_id)
    if not matter.steps.filter(key="owners_choose", outcome=Outcome.DONE).exists():
        raise WrongState(NOT_A_BID_STEP)
    Bid.objects.filter(matter=matter).update(chosen=False)
    Bid.objects.filter(pk=bid.pk).update(chosen=True)
    audit_record(actor, "bid.choose", matter, after={"bid": bid.pk, "supplier": bid.supplier})
    bid.refresh_from_db()
    return bid


@transaction.atomic
def delivery_set(actor, *, matter_id: int, label: str, status: str = DeliveryItem.Status.PENDING,
                 item_id: int | None = None) -> DeliveryItem:
    matter = _organiser_of(actor, matter_id)
    if status not in DeliveryItem.Status.values:
        raise InvalidInput(UNKNOWN_PARTY, field="status")
    if item_id is None:
        item = DeliveryItem.objects.create(matter=matter, label=(label or "").strip()[:200] or "—", status=status)
    else:
        item = get_in_scope(DeliveryItem.objects.filter(matter=matter), pk=item_id)
        item.status = status
        item.save(update_fields=["status"])
    audit_record(actor, "delivery.set", matter, after=snapshot(item))
    return item
