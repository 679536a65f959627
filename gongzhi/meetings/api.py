"""Meetings and matters over HTTP: the same services as the pages, with the same rules.

Meetings are planned (and more people invited), opened, signed in — a seat (社区, 业委会, 物业 …) only by
one who holds it —, decide the matters on their agenda, close with their minutes, which attendees
confirm. Matters move through their procedure one step at a time (`POST /matters/{id}/steps`, the
attachment base64 in the body); hearings collect bids and track deliveries; action items are assigned
to the person or body responsible, who sees them (`GET /action-items?mine=true`) and marks them done.
Every read is scoped: another estate's id answers 404, like a missing one."""

import base64
import binascii
import datetime
import re
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BeforeValidator, StrictBool

from gongzhi.core import clock
from gongzhi.core.api_schema import ERRORS, BodyId, Id, Pagination, Text
from gongzhi.core.errors import InvalidInput
from gongzhi.core.files import Upload
from gongzhi.core.masking import redact
from gongzhi.core.scoping import scope_for
from gongzhi.meetings import records, rules, selectors, services
from gongzhi.meetings.choices import DeliveryStatus, MatterSource, MatterStatus, MeetingStatus, Outcome, Party, Repeat
from gongzhi.meetings.procedures import SHIPPED, Procedure
from gongzhi.meetings.quorum import quorum_check
from gongzhi.notices.selectors import leaf_of

router = Router(tags=["meetings"])


def _yyyy_mm_dd(value):
    # core.api_schema.IsoDate lets a string such as "0" through to pydantic, which reads it as a timestamp.
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("日期须写作 YYYY-MM-DD / a date is written YYYY-MM-DD")
    return value


Day = Annotated[datetime.date, BeforeValidator(_yyyy_mm_dd)]

ATTACHMENT_NOT_BASE64 = "附件须为 base64 编码 / An attachment must be base64-encoded"
PARTIES = Literal[tuple(Party.values)]  # type: ignore[valid-type]


# --- shapes ------------------------------------------------------------------------------------------
class AtPlaceOut(Schema):
    estate_id: int | None = Field(None, description="小区（小区的会议或议题）/ the estate, for an estate's")
    community_id: int | None = Field(None, description="社区（社区一级）/ the community, above the estate")
    subdistrict_id: int | None = None
    district_id: int | None = None
    level: str = Field("estate", description="estate / community / subdistrict / district")
    place_name: str = ""


class RequiredUnitOut(Schema):
    id: int
    name: str
    kind: str
    present: bool = Field(description="已有人代表该单位签到 / someone signed in for it")


class MeetingOut(AtPlaceOut):
    id: int
    kind: str
    kind_name: str
    title: str
    scheduled_at: datetime.datetime
    place: str
    convener_id: int
    status: str
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    agenda_ids: list[int]
    unit_ids: list[int]
    repeat: str
    previous_id: int | None


class AttendanceOut(Schema):
    id: int
    name: str
    party: str
    organisation_id: int | None
    signed_in_at: datetime.datetime


class DecisionOut(Schema):
    id: int
    meeting_id: int
    matter_id: int
    text: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    passed: bool
    recorded_at: datetime.datetime
    log_index: int | None = Field(None, description="透明日志序号（小区以上会议的决定） / the transparency log's "
                                                    "leaf of an above-estate meeting's decision")


class QuorumOut(Schema):
    ok: bool
    message: str
    present: int


class ProxyCandidateOut(Schema):
    person_id: int
    name: str
    organisation_id: int
    organisation_name: str


class MeetingDetailOut(MeetingOut):
    minutes: str
    required_parties: list[str]
    required_units: list[RequiredUnitOut] = Field(description="必须到会的成员单位和平台 / departments and platforms required")
    attendance: list[AttendanceOut]
    decisions: list[DecisionOut]
    quorum: QuorumOut | None
    minutes_confirmed: int
    minutes_approved: bool
    my_parties: list[str] = Field(description="我可以签到的身份 / the parties I may sign in as")
    may_convene: bool
    proxy_candidates: list[ProxyCandidateOut] = Field(
        default_factory=list, description="代为签到名单（召集人、会议进行中） / whom the convener may record as present")


class AtPlaceIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId | None = Field(None, description="小区；或以下之一 / an estate, or one of the places below")
    community_id: BodyId | None = Field(None, description="社区一级 / at a community")
    subdistrict_id: BodyId | None = Field(None, description="街道一级 / at a subdistrict")
    district_id: BodyId | None = Field(None, description="区一级 / at a district")


class MeetingIn(AtPlaceIn):
    kind: Text = Field(..., min_length=1, max_length=24)
    title: Text = Field(..., min_length=1, max_length=200)
    scheduled_at: datetime.datetime | None = Field(None, description="不填且 open_now 时为现在 / now when open_now")
    place: Text = Field("", max_length=200)
    agenda_ids: list[BodyId] = Field(default_factory=list, max_length=50)
    open_now: StrictBool = False
    repeat_months: int = Field(0, strict=True, ge=0, le=12)
    unit_ids: list[BodyId] = Field(default_factory=list, max_length=30,
                                   description="必须到会的成员单位或平台 / departments or platforms that must attend")
    repeat: Literal[tuple(Repeat.values)] | None = Field(  # type: ignore[valid-type]
        None, description="例会：monthly / quarterly / \"\"；不填按会议类型 / default: the type's")


class InviteIn(Schema):
    model_config = {"extra": "forbid"}
    user_ids: list[BodyId] = Field(..., min_length=1, max_length=100)


class InvitedOut(Schema):
    invited: int


class SignInIn(Schema):
    model_config = {"extra": "forbid"}
    party: PARTIES
    person_id: BodyId | None = Field(None, description="召集人代为登记他人（不含必须到会的席位）/ convener records another")


class MeetingDecisionIn(Schema):
    model_config = {"extra": "forbid"}
    matter_id: BodyId
    text: Text = Field(..., min_length=1, max_length=2000)
    votes_for: int = Field(..., strict=True, ge=0, le=10000)
    votes_against: int = Field(0, strict=True, ge=0, le=10000)
    votes_abstain: int = Field(0, strict=True, ge=0, le=10000)


class CloseIn(Schema):
    model_config = {"extra": "forbid"}
    minutes: Text = Field("", max_length=services.MINUTES_MAX)


class MinutesOut(Schema):
    confirmed: int
    approved: bool


class StepDefOut(Schema):
    key: str
    label: str
    kind: str
    roles: list[str]
    meeting_types: list[str]
    back_to: str | None
    can_end: bool


class StepOut(Schema):
    id: int
    index: int
    key: str
    label: str
    outcome: str
    note: str
    actor_id: int
    role: str
    meeting_id: int | None
    vote_id: int | None
    notice_id: int | None
    attachment_url: str | None
    at: datetime.datetime


class MatterOut(AtPlaceOut):
    id: int
    concern_ids: list[int] = Field(description="涉及的小区 / the estates it concerns")
    title: str
    description: str
    source: str
    amount: Decimal | None
    major: bool
    procedure_code: str
    procedure_name: str
    step_index: int
    current_step: str | None
    status: str
    created_at: datetime.datetime
    completed_at: datetime.datetime | None


class BidOut(Schema):
    id: int
    supplier: str
    amount: Decimal
    note: str
    chosen: bool


class DeliveryOut(Schema):
    id: int
    label: str
    status: str


class ActionItemOut(Schema):
    id: int
    matter_id: int
    meeting_id: int | None
    text: str
    owner_id: int | None
    organisation_id: int | None
    assignee: str
    created_by_id: int | None
    due_on: datetime.date
    done_at: datetime.datetime | None
    overdue: bool
    mine: bool
    may_mark_done: bool


class MatterDetailOut(MatterOut):
    steps: list[StepOut]
    procedure: list[StepDefOut]
    may_take_step: bool
    may_organise: bool
    decisions: list[DecisionOut]
    bids: list[BidOut]
    deliveries: list[DeliveryOut]
    action_items: list[ActionItemOut]


class MatterIn(AtPlaceIn):
    estate_ids: list[BodyId] = Field(default_factory=list, max_length=200,
                                     description="社区以上的议题涉及的小区 / estates a matter above the estate concerns")
    title: Text = Field(..., min_length=1, max_length=200)
    procedure: Text = Field(..., min_length=1, max_length=32,
                            description="议事程序：" + "、".join(SHIPPED) + " 或社区自定 / or the community's own")
    source: Literal[tuple(MatterSource.values)] = MatterSource.PROPOSAL  # type: ignore[valid-type]
    description: Text = Field("", max_length=5000)
    amount: Decimal | None = Field(None, gt=0, le=100_000_000, max_digits=11, decimal_places=2,
                                   description="涉及金额（元），上限 1 亿元 / yuan, at most 100,000,000")
    major: StrictBool = False


class StepAttachmentIn(Schema):
    model_config = {"extra": "forbid"}
    name: Text = Field(..., min_length=1, max_length=100)
    data_base64: str = Field(..., max_length=14 * 1024 * 1024)


class StepIn(Schema):
    model_config = {"extra": "forbid"}
    step_key: Text = Field(..., min_length=1, max_length=32, description="当前步骤 / the current step's key")
    outcome: Literal[tuple(Outcome.values)] = Outcome.DONE  # type: ignore[valid-type]
    note: Text = Field("", max_length=5000)
    meeting_id: BodyId | None = None
    vote_id: BodyId | None = None
    attachment: StepAttachmentIn | None = None


class BidIn(Schema):
    model_config = {"extra": "forbid"}
    supplier: Text = Field(..., min_length=1, max_length=200)
    amount: Decimal = Field(..., gt=0, le=100_000_000, max_digits=11, decimal_places=2)
    note: Text = Field("", max_length=2000)


class DeliveryIn(Schema):
    model_config = {"extra": "forbid"}
    label: Text = Field("", max_length=200, description="新交付项的名称 / the new deliverable's name")
    status: Literal[tuple(DeliveryStatus.values)] = DeliveryStatus.PENDING  # type: ignore[valid-type]
    item_id: BodyId | None = Field(None, description="更新已有交付项 / update this deliverable")


class ActionItemIn(Schema):
    model_config = {"extra": "forbid"}
    text: Text = Field(..., min_length=1, max_length=300)
    due_on: Day
    owner_id: BodyId | None = Field(None, description="责任人（账号）/ the login responsible")
    organisation_id: BodyId | None = Field(None, description="或责任单位 / or the body responsible")
    meeting_id: BodyId | None = Field(None, description="布置该事项的会议 / the meeting that set it")


class ResolutionOut(Schema):
    matter_id: int
    matter_title: str
    estate_id: int
    notice_id: int
    notice_title: str
    notice_kind: str
    at: datetime.datetime


class NumbersOut(Schema):
    meetings_held: int
    meetings_by_type: dict[str, int]
    meetings_by_level: dict[str, int] = Field(description="按层级：estate / community / subdistrict / district")
    matters: int
    matters_discussed: int
    matters_decided: int
    matters_result_published: int
    matters_completed: int
    median_days_to_result: float | None
    overdue_actions: int


# --- converters ----------------------------------------------------------------------------------------
def _place_out(row) -> dict:
    return {**{f: getattr(row, f) for f in ("estate_id", "community_id", "subdistrict_id", "district_id")},
            "level": row.level, "place_name": row.place_name}


def _meeting_out(meeting) -> dict:
    kinds = rules.meeting_types(meeting.types_community_id)
    return {**{f: getattr(meeting, f) for f in ("id", "kind", "title", "scheduled_at", "place", "convener_id",
                                                 "status", "opened_at", "closed_at", "repeat", "previous_id")},
            **_place_out(meeting),
            "kind_name": kinds[meeting.kind].name if meeting.kind in kinds else meeting.kind,
            "agenda_ids": sorted(meeting.agenda.values_list("pk", flat=True)),
            "unit_ids": sorted(meeting.units.values_list("pk", flat=True))}


def _decision_out(d) -> dict:
    leaf = leaf_of(records.KIND, d.pk)
    return {**{f: getattr(d, f) for f in DecisionOut.model_fields if f != "log_index"},
            "log_index": leaf.index if leaf else None}


def _meeting_detail(user, meeting) -> dict:
    check = quorum_check(meeting) if meeting.status == MeetingStatus.OPEN else None
    attendance = [{"id": a.pk, "name": a.name, "party": a.party, "organisation_id": a.organisation_id,
                   "signed_in_at": a.signed_in_at}
                  for a in meeting.attendance.select_related("person", "user").order_by("signed_in_at", "id")]
    minutes = redact(meeting.minutes, scope_for(user).contacts_shown(meeting.estate_id))
    present = set(meeting.attendance.filter(organisation__isnull=False).values_list("organisation_id", flat=True))
    units = [{"id": u.pk, "name": u.name, "kind": u.kind, "present": u.pk in present}
             for u in meeting.units.order_by("kind", "name")]
    return {**_meeting_out(meeting), "minutes": minutes, "required_parties": list(rules.required_parties(meeting)),
            "required_units": units,
            "attendance": attendance, "decisions": [_decision_out(d) for d in meeting.decisions.all()],
            "quorum": {"ok": check.ok, "message": check.message, "present": check.present} if check else None,
            "minutes_confirmed": meeting.minutes_approvals.count(),
            "minutes_approved": services.minutes_approved(meeting),
            "my_parties": [p for p, _ in rules.sign_in_parties(user, meeting)] if meeting.status == MeetingStatus.OPEN
            else [],
            "may_convene": rules.may_convene(user, meeting),
            "proxy_candidates": [
                {"person_id": m.person_id, "name": m.person.name, "organisation_id": m.organisation_id,
                 "organisation_name": m.organisation.name}
                for m in services.proxy_memberships(user, meeting)
            ] if meeting.status == MeetingStatus.OPEN and rules.may_convene(user, meeting) else []}


def _fresh_meeting(user, meeting_id):
    return _meeting_detail(user, selectors.meeting_get(fetched_by=user, meeting_id=meeting_id))


def _matter_out(user, matter) -> dict:
    procedure = Procedure.from_data(matter.procedure)
    current = (procedure.steps[matter.step_index].key if matter.status == MatterStatus.IN_PROGRESS else None)
    return {**{f: getattr(matter, f) for f in ("id", "title", "source", "amount",
                                                "major", "step_index", "status", "created_at", "completed_at")},
            **_place_out(matter), "concern_ids": sorted(matter.concerns.values_list("pk", flat=True)),
            "description": redact(matter.description, scope_for(user).contacts_shown(matter.estate_id)),
            "procedure_code": procedure.code, "procedure_name": procedure.name, "current_step": current}


def _action_out(user, item) -> dict:
    return {**{f: getattr(item, f) for f in ("id", "matter_id", "meeting_id", "owner_id", "organisation_id",
                                              "created_by_id", "due_on", "done_at")},
            "text": redact(item.text, scope_for(user).contacts_shown(item.matter.estate_id)),
            "assignee": item.assignee_name, "mine": user.pk in rules.action_assignees(item),
            "overdue": item.done_at is None and item.due_on < clock.today(),
            "may_mark_done": item.done_at is None and rules.may_mark_action_done(user, item, item.matter)}


def _matter_detail(user, matter) -> dict:
    procedure = Procedure.from_data(matter.procedure)
    current = procedure.steps[matter.step_index] if matter.status == MatterStatus.IN_PROGRESS else None
    shown = scope_for(user).contacts_shown(matter.estate_id)
    steps = [{**{f: getattr(s, f) for f in ("id", "index", "key", "label", "outcome", "actor_id", "role",
                                             "meeting_id", "vote_id", "notice_id", "at")},
              "note": redact(s.note, shown),
              # through the scoped view, never the storage's own (on S3 a presigned link anyone could use)
              "attachment_url": reverse("meetings:step_attachment", args=[s.pk]) if s.attachment else None}
             for s in matter.steps.all()]
    definition = [{"key": s.key, "label": s.label, "kind": s.kind, "roles": list(s.roles),
                   "meeting_types": list(s.meeting_types), "back_to": s.back_to, "can_end": s.can_end}
                  for s in procedure.steps]
    items = matter.actions.select_related("owner", "organisation", "matter__estate")
    return {**_matter_out(user, matter), "steps": steps, "procedure": definition,
            "may_take_step": current is not None and rules.may_take_step(user, current, matter),
            "may_organise": rules.may_organise_matter(user, matter),
            "decisions": [_decision_out(d) for d in matter.decisions.all()],
            "bids": list(matter.bids.all()), "deliveries": list(matter.deliveries.all()),
            "action_items": [_action_out(user, a) for a in items]}


def _fresh_matter(user, matter_id):
    return _matter_detail(user, selectors.matter_get(fetched_by=user, matter_id=matter_id))


# --- meetings -----------------------------------------------------------------------------------------
@router.get("/meetings", response={200: list[MeetingOut], **ERRORS}, operation_id="meeting_list")
@paginate(Pagination)
def meeting_list(request: HttpRequest, estate_id: Id | None = None,
                 status: Literal[tuple(["", *MeetingStatus.values])] = "",  # type: ignore[valid-type]
                 level: Literal["", "estate", "community", "subdistrict", "district"] = ""):
    """The meetings the caller sees, latest first: of the estates in sight, and above the estate those at a
    place the caller covers, was invited to, or acts for a required unit of; `level`: only those held at it."""
    qs = selectors.meeting_list(fetched_by=request.user)
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    if level:
        qs = qs.filter(**{f"{level}__isnull": False})
    if status:
        qs = qs.filter(status=status)
    return [_meeting_out(m) for m in qs.prefetch_related("agenda", "units")[:1000]]


@router.post("/meetings", response={201: MeetingDetailOut, **ERRORS}, operation_id="meeting_plan")
def meeting_plan(request: HttpRequest, payload: MeetingIn):
    """Call a meeting at an estate (`estate_id`) or above it (`community_id`, `subdistrict_id` or
    `district_id`: 每月调度会, 每季联席会, 专项推进会), naming the 成员单位 and platforms that must attend
    (`unit_ids`, each signing in through its own officer). With `repeat_months`, the same meeting monthly;
    a standing meeting (`repeat`, by default the type's) gets its next one planned when it comes due. The
    estate's committee, property staff, branch and community (above the estate: those at its place and the
    units' members) are invited. An emergency meeting may open at once (`open_now`)."""
    data = payload.dict()
    if data["scheduled_at"] is None:
        if not data["open_now"]:
            raise InvalidInput(services.WHEN_REQUIRED, field="scheduled_at")
        data["scheduled_at"] = clock.now()
    meeting = services.meeting_plan(request.user, **data)
    return Status(201, _fresh_meeting(request.user, meeting.pk))


@router.get("/meetings/numbers", response={200: NumbersOut, **ERRORS}, operation_id="meeting_numbers")
def meeting_numbers(request: HttpRequest, start: Day | None = None, end: Day | None = None,
                    estate_id: Id | None = None, community_id: Id | None = None, subdistrict_id: Id | None = None):
    """Meetings held by type, matters discussed / decided / published, overdue action items."""
    today = clock.today()
    return selectors.numbers(fetched_by=request.user, estate_ids=[estate_id] if estate_id else None,
                             community_id=community_id, subdistrict_id=subdistrict_id,
                             start=start or today.replace(month=1, day=1), end=end or today)


@router.get("/meetings/{meeting_id}", response={200: MeetingDetailOut, **ERRORS}, operation_id="meeting_get")
def meeting_get(request: HttpRequest, meeting_id: Id):
    """A meeting with its attendance, quorum, decisions and minutes, and the parties the caller may
    sign in as."""
    return _fresh_meeting(request.user, meeting_id)


@router.post("/meetings/{meeting_id}/invitations", response={201: InvitedOut, **ERRORS},
             operation_id="meeting_invite")
def meeting_invite(request: HttpRequest, meeting_id: Id, payload: InviteIn):
    """Invite (summon) more people serving the estate — e.g. a department's officer, who may then sign
    in as 职能部门."""
    return Status(201, {"invited": services.meeting_invite(request.user, meeting_id=meeting_id,
                                                           user_ids=payload.user_ids)})


@router.post("/meetings/{meeting_id}/open", response={200: MeetingDetailOut, **ERRORS}, operation_id="meeting_open")
def meeting_open(request: HttpRequest, meeting_id: Id):
    services.meeting_open(request.user, meeting_id=meeting_id)
    return _fresh_meeting(request.user, meeting_id)


@router.post("/meetings/{meeting_id}/attendance", response={201: AttendanceOut, **ERRORS}, operation_id="meeting_sign_in")
def meeting_sign_in(request: HttpRequest, meeting_id: Id, payload: SignInIn):
    """Sign yourself in as a party you hold (see `my_parties`), or, as the convener, record another
    person as an open party (成员, 业主代表, 专家). A required seat is confirmed by its holder in person."""
    a = services.meeting_sign_in(request.user, meeting_id=meeting_id, party=payload.party, person_id=payload.person_id)
    return Status(201, {"id": a.pk, "name": a.name, "party": a.party, "organisation_id": a.organisation_id,
                        "signed_in_at": a.signed_in_at})


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut, **ERRORS},
             operation_id="decision_record")
def decision_record(request: HttpRequest, meeting_id: Id, payload: MeetingDecisionIn):
    """Record the meeting's decision on a matter on its agenda (within the quorum)."""
    return Status(201, _decision_out(services.decision_record(request.user, meeting_id=meeting_id,
                                                              **payload.dict())))


@router.post("/meetings/{meeting_id}/close", response={200: MeetingDetailOut, **ERRORS}, operation_id="meeting_close")
def meeting_close(request: HttpRequest, meeting_id: Id, payload: CloseIn):
    """Close the meeting with its minutes (纪要)."""
    services.meeting_close(request.user, meeting_id=meeting_id, minutes=payload.minutes)
    return _fresh_meeting(request.user, meeting_id)


@router.post("/meetings/{meeting_id}/minutes-approvals", response={201: MinutesOut, **ERRORS},
             operation_id="minutes_approve")
def minutes_approve(request: HttpRequest, meeting_id: Id):
    """An attendee confirms the minutes, once; approved when more than half confirmed."""
    confirmed = services.minutes_approve(request.user, meeting_id=meeting_id)
    meeting = selectors.meeting_get(fetched_by=request.user, meeting_id=meeting_id)
    return Status(201, {"confirmed": confirmed, "approved": services.minutes_approved(meeting)})


# --- matters ------------------------------------------------------------------------------------------
@router.get("/matters", response={200: list[MatterOut], **ERRORS}, operation_id="matter_list")
@paginate(Pagination)
def matter_list(request: HttpRequest, estate_id: Id | None = None,
                status: Literal[tuple(["", *MatterStatus.values])] = "",  # type: ignore[valid-type]
                major: bool | None = None,
                level: Literal["", "estate", "community", "subdistrict", "district"] = ""):
    """Matters the caller sees: of the estates in sight, above the estate those at a place the caller covers
    or concerning an estate the caller serves."""
    qs = selectors.matter_list(fetched_by=request.user)
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    if level:
        qs = qs.filter(**{f"{level}__isnull": False})
    if status:
        qs = qs.filter(status=status)
    if major is not None:
        qs = qs.filter(major=major)
    return [_matter_out(request.user, m) for m in qs[:1000]]


@router.post("/matters", response={201: MatterDetailOut, **ERRORS}, operation_id="matter_create")
def matter_create(request: HttpRequest, payload: MatterIn):
    """Put a matter on the estate's table under a procedure (four_discussions, branch_first, hearing or
    the community's own); 50,000 元 or more makes it 三重一大. Above the estate (`community_id`,
    `subdistrict_id`, `district_id`): the estates it concerns in `estate_ids`, procedure `coordination`."""
    matter = services.matter_create(request.user, **payload.dict())
    return Status(201, _fresh_matter(request.user, matter.pk))


@router.get("/matters/{matter_id}", response={200: MatterDetailOut, **ERRORS}, operation_id="matter_get")
def matter_get(request: HttpRequest, matter_id: Id):
    """A matter with its procedure, the steps recorded, decisions, bids, deliveries and action items."""
    return _fresh_matter(request.user, matter_id)


@router.post("/matters/{matter_id}/steps", response={201: MatterDetailOut, **ERRORS}, operation_id="matter_step")
def matter_step(request: HttpRequest, matter_id: Id, payload: StepIn):
    """Record the current step (and only it): done, sent back or ended, with the meeting or vote that
    decided it and an optional attachment (PDF, image, Excel or Word; base64)."""
    data = payload.dict()
    attachment = None
    if payload.attachment is not None:
        try:
            attachment = Upload(payload.attachment.name, base64.b64decode(payload.attachment.data_base64,
                                                                          validate=True))
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(ATTACHMENT_NOT_BASE64, field="attachment") from exc
    data["attachment"] = attachment
    services.matter_step(request.user, matter_id=matter_id, **data)
    return Status(201, _fresh_matter(request.user, matter_id))


@router.post("/matters/{matter_id}/bids", response={201: BidOut, **ERRORS}, operation_id="bid_add")
def bid_add(request: HttpRequest, matter_id: Id, payload: BidIn):
    """A supplier's offer, at a hearing's bidding step."""
    return Status(201, services.bid_add(request.user, matter_id=matter_id, **payload.dict()))


@router.post("/bids/{bid_id}/choose", response={200: BidOut, **ERRORS}, operation_id="bid_choose")
def bid_choose(request: HttpRequest, bid_id: Id):
    """Record the owners' choice, once their vote has closed."""
    return services.bid_choose(request.user, bid_id=bid_id)


@router.post("/matters/{matter_id}/deliveries", response={201: DeliveryOut, **ERRORS}, operation_id="delivery_set")
def delivery_set(request: HttpRequest, matter_id: Id, payload: DeliveryIn):
    """Add a deliverable (a `label`), or set the `status` of one (`item_id`)."""
    return Status(201, services.delivery_set(request.user, matter_id=matter_id, **payload.dict()))


# --- action items -------------------------------------------------------------------------------------
@router.get("/action-items", response={200: list[ActionItemOut], **ERRORS}, operation_id="action_item_list")
@paginate(Pagination)
def action_item_list(request: HttpRequest, mine: bool = False, open: bool = False, matter_id: Id | None = None,
                     meeting_id: Id | None = None, estate_id: Id | None = None, overdue: bool = False):
    """Action items of the matters the caller sees; `mine=true`: those the caller (or a body the caller acts
    for — a department's officer for the department) is responsible for; `overdue=true`: open past their day."""
    qs = selectors.action_items(fetched_by=request.user, mine=mine, open_only=open, matter_id=matter_id,
                                meeting_id=meeting_id, estate_id=estate_id, overdue=overdue)
    return [_action_out(request.user, a) for a in qs[:1000]]


@router.post("/matters/{matter_id}/action-items", response={201: ActionItemOut, **ERRORS}, operation_id="action_add")
def action_add(request: HttpRequest, matter_id: Id, payload: ActionItemIn):
    """A follow-up assigned to the person (`owner_id`) or the body (`organisation_id`) responsible —
    exactly one; they are notified and see it on their home page."""
    item = services.action_add(request.user, matter_id=matter_id, **payload.dict())
    return Status(201, _action_out(request.user, selectors.action_item_get(fetched_by=request.user,
                                                                            item_id=item.pk)))


@router.post("/action-items/{item_id}/done", response={200: ActionItemOut, **ERRORS}, operation_id="action_done")
def action_done(request: HttpRequest, item_id: Id):
    """The one responsible marks the item done."""
    services.action_done(request.user, item_id=item_id)
    return _action_out(request.user, selectors.action_item_get(fetched_by=request.user, item_id=item_id))


# --- resolutions --------------------------------------------------------------------------------------
@router.get("/resolutions", response={200: list[ResolutionOut], **ERRORS}, operation_id="resolution_list")
@paginate(Pagination)
def resolution_list(request: HttpRequest, estate_id: Id | None = None):
    """Published resolutions and implementation results (决议与结果公开) of the caller's estates."""
    return [{"matter_id": s.matter_id, "matter_title": s.matter.title, "estate_id": s.matter.estate_id,
             "notice_id": s.notice_id, "notice_title": s.notice.title, "notice_kind": s.notice.kind, "at": s.at}
            for s in selectors.resolutions(fetched_by=request.user, estate_id=estate_id)[:1000]]
