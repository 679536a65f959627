"""Every write on residents' requests: intake, response, escalation (呼叫 and the deadline job),
吹哨报到, resolution, the requester's confirmation or reopening, and the routing table.

Each function takes the acting user first (None: the system — the deadline job, Open311 intake),
checks permission, runs in one transaction with the request row locked, appends to the timeline,
writes the audit trail and notifies the next people only after the change commits.
"""

import datetime
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q

from gongzhi.core import clock
from gongzhi.core.api_schema import CONTROL_CHARACTERS, no_control_characters
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.clock import UNIT_LIMITS, Unit
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.files import Upload, attachment_type
from gongzhi.core.notifications import notify
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, holders, scope_for
from gongzhi.places.models import Estate, PropertyService
from gongzhi.requests.models import (
    OPEN_STATUSES,
    Channel,
    Escalation,
    Event,
    EventKind,
    Level,
    Photo,
    PhotoStage,
    Request,
    Route,
    Status,
    Summons,
)
from gongzhi.requests.routing import (
    DEFAULT_DEPARTMENTS,
    FIRST_HANDLERS,
    Category,
    Handler,
    Tier,
    deadlines_for,
    route_for,
    summons_report_term,
)

UNKNOWN_CATEGORY = "未知的诉求类别 / Unknown category"
DESCRIPTION_REQUIRED = "请描述遇到的问题 / Describe the problem"
DESCRIPTION_TOO_LONG = "问题描述最多 {n} 字 / The description is at most {n} characters"
ESTATE_NOT_FOUND = "未找到该小区，或您不能为该小区反映诉求 / No such estate, or not one you may report for"
PLACE_MISMATCH = "楼栋或房屋不属于所选小区 / The building or unit is not in the chosen estate"
UNIT_NOT_YOURS = "只能为自己的房屋反映户内问题 / You can only report a problem inside your own home"
CHANNEL_NOT_ALLOWED = "您不能登记该来源的诉求 / You cannot enter requests from this channel"
CONTACT_REQUIRED = "代为登记时请填写诉求人姓名或电话 / Give the requester's name or phone when entering for them"
PHONE_INVALID = "联系电话格式不正确 / The phone number is not valid"
COORDINATES_INVALID = "坐标不正确（纬度 -90～90，经度 -180～180）/ Coordinates out of range"
TOO_MANY_PHOTOS = "照片最多 {n} 张 / At most {n} photos"
PHOTO_TOO_BIG = "照片“{name}”超过 {mb} MB / The photo {name} is larger than {mb} MB"
PHOTO_TYPE = "“{name}”不是 JPEG、PNG 或 WebP 图片 / {name} is not a JPEG, PNG or WebP image"
NOT_HANDLER = "该诉求不由您办理 / This request is not assigned to you"
NOT_OPEN = "该诉求不在办理中 / This request is not open"
NOT_NEW = "该诉求已响应 / This request has already been answered"
NOTE_REQUIRED = "请填写办理情况 / Write what was done"
REASON_REQUIRED = "请填写上报原因 / Give a reason for calling the next level"
TOP_LEVEL = "已到最高层级（包保干部），无法继续上报 / Already at the top level (the responsible cadre)"
NOT_REQUESTER = "只有诉求人可以确认或重新提交 / Only the requester can confirm or reopen"
NOT_RESOLVED = "该诉求尚未办结，不能确认或重新提交 / The request is not resolved yet"
CONFIRM_WINDOW_OVER = "已超过 {days} 天确认期限，诉求已自动关闭 / The {days}-day confirmation window is over"
RATING_RANGE = "满意度须为 1 至 5 / Satisfaction is 1 to 5"
COMMENT_TOO_LONG = "评价最多 500 字 / The comment is at most 500 characters"
REOPEN_REASON = "请说明问题为何没有解决 / Say why the problem is not solved"
NOT_AT_SUBDISTRICT = "只有上报到街道的诉求才能吹哨 / Only a request at the subdistrict can summon departments"
NOT_SUBDISTRICT = "只有街道干部可以吹哨 / Only subdistrict officers can summon departments"
DEPARTMENTS_REQUIRED = "请选择要报到的部门 / Choose the departments that must report"
UNKNOWN_DEPARTMENT = "未知的部门 / Unknown department"
ALREADY_SUMMONED = "所选部门均已吹哨 / These departments have already been summoned"
NOT_DEPARTMENT = "只有被吹哨部门的干部可以报到 / Only an officer of the summoned department can report"
ALREADY_REPORTED = "该部门已报到 / The department has already reported"
NOT_REPORTED = "请先报到再填写处置情况 / Report first, then record the action"
NOT_ROUTER = "只有社区工作人员可以修改派单规则 / Only community staff can change the routing table"
UNKNOWN_HANDLER = "首办单位只能是物业、三方议事会、楼栋长或社区 / The first handler is the property company, the tripartite council, a building head or the community"
UNKNOWN_TIER = "未知的诉求层级 / Unknown tier"
TERM_RANGE = ("时限须为 1 至 {limit} {unit} / A deadline in {unit_en} is 1 to {limit}")
UNKNOWN_UNIT = "时限单位只能是小时、自然日或工作日 / The unit is hours, days or working days"

DESCRIPTION_MAX = 2000
PHOTOS_MAX = 6
NOTE_MAX = 2000

# Who works a request at each level (beside administrators).
ESTATE_HANDLER_ROLES = {
    Handler.PROPERTY: {Role.PROPERTY_STAFF},
    Handler.COUNCIL: {Role.PROPERTY_STAFF, Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER},
    Handler.BUILDING_HEAD: {Role.BUILDING_HEAD},
    Handler.COMMUNITY: {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.GRID_WORKER},
}
LEVEL_ROLES = {
    Level.COMMUNITY: {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.GRID_WORKER},
    Level.SUBDISTRICT: {Role.SUBDISTRICT_OFFICER},
    Level.DEPARTMENT: {Role.SUBDISTRICT_OFFICER},  # and the summoned departments' officers
    Level.CADRE: {Role.CADRE, Role.SUBDISTRICT_OFFICER},
}
LEVEL_HANDLER = {Level.COMMUNITY: Handler.COMMUNITY, Level.SUBDISTRICT: Handler.SUBDISTRICT,
                 Level.DEPARTMENT: Handler.DEPARTMENT, Level.CADRE: Handler.CADRE}
# Staff who may enter a request on someone's behalf, and from which channels.
INTAKE_CHANNELS = {
    Role.PROPERTY_STAFF: {Channel.PHONE, Channel.VISIT, Channel.PATROL},
    Role.GRID_WORKER: {Channel.PHONE, Channel.VISIT, Channel.PATROL},
    Role.COMMUNITY_STAFF: {Channel.PHONE, Channel.VISIT, Channel.PATROL},
    Role.COMMUNITY_SECRETARY: {Channel.PHONE, Channel.VISIT, Channel.PATROL},
    Role.BUILDING_HEAD: {Channel.BUILDING_HEAD, Channel.VISIT},
    Role.COMMITTEE_CHAIR: {Channel.VISIT, Channel.PHONE},
    Role.COMMITTEE_MEMBER: {Channel.VISIT, Channel.PHONE},
    Role.SUBDISTRICT_OFFICER: {Channel.PHONE, Channel.VISIT},
    Role.CADRE: {Channel.PHONE, Channel.VISIT},
    Role.ADMINISTRATOR: {Channel.PHONE, Channel.VISIT, Channel.PATROL, Channel.DEVICE},
}
# Audit rows carry the workflow, not the requester's contact details.
AUDIT_FIELDS = ["estate", "building", "unit", "category", "emergency", "channel", "anonymous", "status", "tier",
                "level", "handler", "handler_user", "respond_by", "resolve_by", "resolved_at", "closed_at",
                "satisfaction", "reopen_count"]


# --- helpers -------------------------------------------------------------------------------------------
def _now():
    return clock.now()


def _hours(n: int) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def _audit(actor, action, req, before=None, **extra):
    audit_record(actor, action, req, before=before, after={**snapshot(req, AUDIT_FIELDS), **extra})


def _event(req, kind, actor=None, note="", against_id=None):
    return Event.objects.create(request=req, kind=kind, actor=actor if actor is not None and actor.pk else None,
                                level=req.level, note=note, against_user_id=against_id, at=_now())


def clean_text(value, limit, message_if_empty=None, message_if_long=None) -> str:
    """Stripped text, refused when required and empty, longer than the limit, or holding control
    characters (PostgreSQL cannot store NUL; no form needs the others)."""
    value = (value or "").strip()
    try:
        no_control_characters(value)
    except ValueError as exc:
        raise InvalidInput(CONTROL_CHARACTERS) from exc
    if message_if_empty and not value:
        raise InvalidInput(message_if_empty)
    if len(value) > limit:
        raise InvalidInput(message_if_long or DESCRIPTION_TOO_LONG.format(n=limit))
    return value


def _locked(actor, request_id) -> Request:
    """The request the actor may see, locked for update; 404 when hidden or missing."""
    from gongzhi.requests.selectors import request_list

    visible = get_in_scope(request_list(fetched_by=actor), pk=request_id)
    return Request.objects.select_for_update().select_related("estate__community__subdistrict").get(pk=visible.pk)


def department_officers(department_ids) -> set[int]:
    from gongzhi.bodies.models import Membership
    from gongzhi.people.models import RoleAssignment

    members = set(Membership.objects.filter(organisation_id__in=list(department_ids), active=True,
                                            person__user__isnull=False).values_list("person__user_id", flat=True))
    officers = RoleAssignment.objects.current().filter(user_id__in=members, role=Role.DEPARTMENT_OFFICER)
    return set(officers.values_list("user_id", flat=True))


def user_departments(user) -> set[int]:
    """The departments (成员单位) the user is an officer of."""
    from gongzhi.bodies.models import Membership, OrgKind

    if not user.is_authenticated or Role.DEPARTMENT_OFFICER not in scope_for(user).roles:
        return set()
    return set(Membership.objects.filter(person__user=user, active=True, organisation__kind=OrgKind.DEPARTMENT)
               .values_list("organisation_id", flat=True))


def level_users(req: Request) -> set[int]:
    """Who is told when a request reaches its current level."""
    estate = req.estate
    if req.level == Level.ESTATE:
        if req.handler == Handler.BUILDING_HEAD and req.handler_user_id:
            return {req.handler_user_id}
        return holders(ESTATE_HANDLER_ROLES[req.handler], estate)
    users = holders(LEVEL_ROLES[req.level], estate)
    if req.level == Level.DEPARTMENT:
        users |= department_officers(req.summonses.values_list("department_id", flat=True))
    return users


def may_handle(user, req: Request) -> bool:
    """May this user respond to, resolve or call up the request at its current level?"""
    scope = scope_for(user)
    if scope.is_root or scope.holds(Role.ADMINISTRATOR, req.estate):
        return True
    if req.level == Level.ESTATE:
        if req.handler == Handler.BUILDING_HEAD:
            return req.handler_user_id == user.pk
        return any(scope.holds(r, req.estate) for r in ESTATE_HANDLER_ROLES[req.handler])
    if any(scope.holds(r, req.estate) for r in LEVEL_ROLES[req.level]):
        return True
    return req.level == Level.DEPARTMENT and bool(
        user_departments(user) & set(req.summonses.values_list("department_id", flat=True)))


def may_call_up(user, req: Request) -> bool:
    """The current handler calls the next level (呼叫); a higher level may also pull it up."""
    if may_handle(user, req):
        return True
    scope = scope_for(user)
    return any(scope.holds(r, req.estate) for level, roles in LEVEL_ROLES.items() if level > req.level for r in roles)


# --- intake -------------------------------------------------------------------------------------------
@dataclass
class Intake:
    estate_id: int
    category: str
    description: str
    building_id: int | None = None
    unit_id: int | None = None
    place_text: str = ""
    lat: float | None = None
    long: float | None = None
    emergency: bool = False
    anonymous: bool = False
    channel: str = Channel.WEB
    contact_name: str = ""
    contact_phone: str = ""
    photos: list[Upload] = field(default_factory=list)
    via: str = ""  # who entered it when no user did (an Open311 client, a device), for the audit trail


def check_photos(photos: list[Upload]) -> list[tuple[Upload, str]]:
    if len(photos) > PHOTOS_MAX:
        raise InvalidInput(TOO_MANY_PHOTOS.format(n=PHOTOS_MAX), field="photos")
    limit = settings.GONGZHI_REQUEST_PHOTO_MAX_BYTES
    checked = []
    for photo in photos:
        if len(photo.data) > limit:
            raise InvalidInput(PHOTO_TOO_BIG.format(name=photo.name, mb=limit // (1024 * 1024)), field="photos")
        try:
            kind = attachment_type(photo)
        except InvalidInput:
            kind = ""
        if kind not in ("image/jpeg", "image/png", "image/webp"):
            raise InvalidInput(PHOTO_TYPE.format(name=photo.name), field="photos")
        checked.append((photo, kind))
    return checked


@contextmanager
def _files_removed_on_failure():
    """Photo files are written while the transaction is open; should it roll back, the rows go with
    it and this removes the files too, so that nothing unreferenced is left in storage. Wrap it
    around the transaction: `with _files_removed_on_failure() as written, transaction.atomic():`."""
    written: list = []
    try:
        yield written
    except BaseException:
        for file in written:
            file.storage.delete(file.name)
        raise


def _save_photos(req, checked, stage, actor, written: list) -> None:
    for photo, kind in checked:
        row = Photo(request=req, stage=stage, content_type=kind, size=len(photo.data),
                    uploaded_by=actor if actor is not None and actor.pk else None, uploaded_at=_now())
        suffix = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[kind]
        row.file.save(f"{hashlib.sha256(photo.data).hexdigest()[:20]}.{suffix}", ContentFile(photo.data), save=False)
        written.append(row.file)
        row.save()


def _intake_place(actor, data: Intake):
    """The estate, building and unit (fetched together), checked against what the actor may
    report for."""
    from gongzhi.places.models import Building, Unit

    unit = building = None
    if data.unit_id:
        unit = Unit.objects.select_related("building", "estate__community__subdistrict").filter(
            pk=data.unit_id, estate_id=data.estate_id).first()
        if unit is None:
            raise InvalidInput(PLACE_MISMATCH, field="unit_id")
        building, estate = unit.building, unit.estate
        if data.building_id and data.building_id != building.pk:
            raise InvalidInput(PLACE_MISMATCH, field="building_id")
    elif data.building_id:
        building = Building.objects.select_related("estate__community__subdistrict").filter(
            pk=data.building_id).first()
        if building is None or building.estate_id != data.estate_id:
            if not Estate.objects.filter(pk=data.estate_id).exists():
                raise NotFound(ESTATE_NOT_FOUND, field="estate_id")
            raise InvalidInput(PLACE_MISMATCH, field="building_id")
        estate = building.estate
    else:
        estate = Estate.objects.select_related("community__subdistrict").filter(pk=data.estate_id).first()
        if estate is None:
            raise NotFound(ESTATE_NOT_FOUND, field="estate_id")
    if actor is not None and not scope_for(actor).covers(estate):
        raise NotFound(ESTATE_NOT_FOUND, field="estate_id")
    return estate, building, unit


def _intake_channel(actor, data: Intake, estate, unit) -> None:
    """Residents report for themselves on the web; staff enter calls, visits and patrols."""
    if actor is None:
        return  # Open311 and devices: checked by their own endpoint
    scope = scope_for(actor)
    if data.channel == Channel.WEB:
        if unit is not None and not scope.is_root and not scope.units().filter(pk=unit.pk).exists():
            staff = any(scope.holds(r, estate) for r in INTAKE_CHANNELS)
            if not staff:
                raise PermissionDenied(UNIT_NOT_YOURS, field="unit_id")
        return
    allowed = scope.is_root or any(data.channel in channels and scope.holds(role, estate)
                                   for role, channels in INTAKE_CHANNELS.items())
    if not allowed:
        raise PermissionDenied(CHANNEL_NOT_ALLOWED, field="channel")
    if data.channel in (Channel.PHONE, Channel.VISIT) and not (data.contact_name.strip() or data.contact_phone.strip()):
        raise InvalidInput(CONTACT_REQUIRED, field="contact_name")


def _check_contact(data: Intake) -> None:
    for text in (data.contact_name, data.contact_phone, data.place_text):
        clean_text(text, 200)
    phone = data.contact_phone.strip()
    if phone and (not phone.replace("-", "").isdigit() or not 5 <= len(phone) <= 20):
        raise InvalidInput(PHONE_INVALID, field="contact_phone")
    if (data.lat is None) != (data.long is None) or (
            data.lat is not None and not (-90 <= float(data.lat) <= 90 and -180 <= float(data.long) <= 180)):
        raise InvalidInput(COORDINATES_INVALID, field="lat")
    if len(data.contact_name) > 100 or len(data.place_text) > 200:
        raise InvalidInput(DESCRIPTION_TOO_LONG.format(n=100), field="contact_name")


def _first_handler(estate, building, route) -> tuple[str, int | None, str, set[int]]:
    """The estate-level handler the route names, its user (a building head), why it differs from
    the route, and who is told. Falls back to the community when nobody could take it (no building
    head, an estate without property service, nobody with a login)."""
    handler = route.handler
    if handler == Handler.BUILDING_HEAD:
        heads = sorted(holders({Role.BUILDING_HEAD}, estate, building_id=building.pk)) if building else []
        if heads:
            return handler, heads[0], "", {heads[0]}
        handler = Handler.PROPERTY
    if handler == Handler.PROPERTY and estate.property_service == PropertyService.NONE:
        return Handler.COMMUNITY, None, "无物业小区，转社区办理", holders(ESTATE_HANDLER_ROLES[Handler.COMMUNITY], estate)
    users = holders(ESTATE_HANDLER_ROLES[handler], estate)
    if not users and handler != Handler.COMMUNITY:
        return Handler.COMMUNITY, None, "小区无办理人账号，转社区办理", holders(ESTATE_HANDLER_ROLES[Handler.COMMUNITY], estate)
    return handler, None, "", users


def request_submit(actor, data: Intake) -> Request:
    """File a request from any channel; it is routed at once to its first handler."""
    if data.category not in Category.values:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category")
    description = clean_text(data.description, DESCRIPTION_MAX, DESCRIPTION_REQUIRED)
    _check_contact(data)
    checked = check_photos(data.photos)
    estate, building, unit = _intake_place(actor, data)
    _intake_channel(actor, data, estate, unit)
    now = _now()
    route = route_for(estate.community_id, data.category)
    handler, handler_user, why, told = _first_handler(estate, building, route)
    on_behalf = data.channel not in (Channel.WEB, Channel.OPEN311, Channel.DEVICE)
    contact_name, contact_phone = data.contact_name.strip(), data.contact_phone.strip()
    if actor is not None and not on_behalf and not contact_name:
        contact_name = actor.get_full_name() or actor.get_username()
    with _files_removed_on_failure() as written, transaction.atomic():
        req = Request.objects.create(
            subdistrict_id=estate.community.subdistrict_id, community_id=estate.community_id, estate=estate,
            building=building, unit=unit, place_text=data.place_text.strip(), lat=data.lat, long=data.long,
            category=data.category, description=description, emergency=data.emergency, channel=data.channel,
            requester=None if on_behalf or actor is None else actor, entered_by=actor if on_behalf else None,
            contact_name=contact_name, contact_phone=contact_phone, anonymous=data.anonymous,
            tier=route.tier, handler=handler, handler_user_id=handler_user, level=Level.ESTATE,
            created_at=now, updated_at=now, **deadlines_for(route, now, emergency=data.emergency).fields())
        _save_photos(req, checked, PhotoStage.REPORT, actor, written)
        Event.objects.bulk_create([
            Event(request=req, kind=EventKind.SUBMITTED, actor=actor, level=req.level, at=now,
                  note=Channel(data.channel).label),
            Event(request=req, kind=EventKind.ROUTED, level=req.level, at=now,
                  note=f"{Handler(handler).label}{'：' + why if why else ''}")])
        _audit(actor, "request.submit", req, **({"via": data.via} if data.via else {}))
        notify(told, title=f"新诉求：{Category(req.category).label}{'（紧急）' if req.emergency else ''}",
               body=f"{estate.name} · 请于 {_local(req.respond_by)} 前响应", link=_link(req))
    return req


def _local(when) -> str:
    return clock.local(when).strftime("%Y-%m-%d %H:%M")


def _link(req) -> str:
    return f"/requests/{req.pk}/"


def _tell_requester(req, title, body="") -> None:
    if req.requester_id:
        notify([req.requester_id], title=title, body=body, link=_link(req))


# --- handling ------------------------------------------------------------------------------------------
def request_respond(actor, *, request_id: int, note: str = "") -> Request:
    """The handler takes the request (受理)."""
    note = clean_text(note, NOTE_MAX)
    with transaction.atomic():
        req = _locked(actor, request_id)
        if not may_handle(actor, req):
            raise PermissionDenied(NOT_HANDLER)
        if req.status != Status.NEW:
            raise WrongState(NOT_NEW)
        before = snapshot(req, AUDIT_FIELDS)
        req.status, req.responded_at, req.updated_at = Status.IN_PROGRESS, _now(), _now()
        if req.level == Level.ESTATE and req.handler != Handler.BUILDING_HEAD:
            req.handler_user = actor
        req.save()
        _event(req, EventKind.RESPONDED, actor, note)
        _audit(actor, "request.respond", req, before)
        _tell_requester(req, f"您的诉求已受理：{Category(req.category).label}", note)
    return req


def request_resolve(actor, *, request_id: int, note: str, photos: list[Upload] | None = None) -> Request:
    """The handler marks the problem solved; the requester has 7 days to confirm or reopen."""
    note = clean_text(note, NOTE_MAX, NOTE_REQUIRED)
    checked = check_photos(photos or [])
    with _files_removed_on_failure() as written, transaction.atomic():
        req = _locked(actor, request_id)
        if not may_handle(actor, req):
            raise PermissionDenied(NOT_HANDLER)
        if req.status not in OPEN_STATUSES:
            raise WrongState(NOT_OPEN)
        before = snapshot(req, AUDIT_FIELDS)
        now = _now()
        req.status, req.resolved_at, req.resolved_by, req.resolution_note, req.updated_at = (
            Status.RESOLVED, now, actor, note, now)
        req.responded_at = req.responded_at or now
        if req.first_resolved_at is None:
            req.first_resolved_at = now
            req.resolved_on_time = now <= req.resolve_by
        req.save()
        _save_photos(req, checked, PhotoStage.RESOLUTION, actor, written)
        _event(req, EventKind.RESOLVED, actor, note)
        _audit(actor, "request.resolve", req, before)
        days = settings.GONGZHI_REQUEST_CONFIRM_DAYS
        _tell_requester(req, f"您的诉求已办结，请确认：{Category(req.category).label}",
                        f"{note}\n请在 {days} 天内确认并评价，逾期自动关闭。")
    return req


def request_call_up(actor, *, request_id: int, reason: str, department_ids: list[int] | None = None) -> Request:
    """呼叫: send the request one level up, with a reason."""
    reason = clean_text(reason, 500, REASON_REQUIRED, REASON_REQUIRED)
    with transaction.atomic():
        req = _locked(actor, request_id)
        if not may_call_up(actor, req):
            raise PermissionDenied(NOT_HANDLER)
        if req.status not in OPEN_STATUSES:
            raise WrongState(NOT_OPEN)
        if req.level >= Level.CADRE:
            raise WrongState(TOP_LEVEL)
        if not _escalate(actor, req, reason=reason, automatic=False, department_ids=department_ids):
            raise WrongState(NOT_OPEN)
    return req


class _AlreadyMoved(Exception):
    """Another worker moved the request first."""


def _escalate(actor, req: Request, *, reason: str, automatic: bool, department_ids=None) -> bool:
    """Move a locked request one level up. Returns False when another worker already did (the
    compare-and-set on the level and the one-row-per-level constraint make the job idempotent)."""
    before = snapshot(req, AUDIT_FIELDS)
    now = _now()
    new_level = req.level + 1
    route = route_for(req.community_id, req.category)
    deadlines = deadlines_for(route, now, emergency=req.emergency, escalated=True)
    try:
        with transaction.atomic():  # the level moves and its one Escalation row is written, or neither
            if not Request.objects.filter(pk=req.pk, level=req.level, status__in=OPEN_STATUSES).update(
                    level=new_level, handler=LEVEL_HANDLER[new_level], handler_user=None, status=Status.NEW,
                    **deadlines.fields(), updated_at=now):
                raise _AlreadyMoved
            Escalation.objects.create(request=req, from_level=req.level, to_level=new_level, automatic=automatic,
                                      reason=reason, by=actor, at=now)
    except (_AlreadyMoved, IntegrityError):
        return False
    req.refresh_from_db()
    _event(req, EventKind.AUTO_ESCALATED if automatic else EventKind.ESCALATED, actor,
           f"{Level(new_level - 1).label} → {Level(new_level).label}：{reason}")
    if new_level == Level.DEPARTMENT:
        wanted = department_ids or []
        if not wanted and not req.summonses.exists():
            wanted = list(_default_departments(req).values_list("pk", flat=True))
        if wanted:
            _summon(actor, req, wanted, skip_existing=True)
    _audit(actor, "request.auto_escalate" if automatic else "request.escalate", req, before, reason=reason)
    notify(level_users(req), title=f"诉求上报至{Level(new_level).label}：{Category(req.category).label}",
           body=f"{req.estate.name} · {reason}", link=_link(req))
    _tell_requester(req, f"您的诉求已上报至{Level(new_level).label}", reason)
    return True


def departments_for(req):
    """The departments (成员单位) a request's subdistrict can summon: its district's and its own."""
    from gongzhi.bodies.models import Organisation, OrgKind

    community = req.estate.community
    return Organisation.objects.filter(Q(district_id=community.subdistrict.district_id)
                                       | Q(subdistrict_id=community.subdistrict_id),
                                       kind=OrgKind.DEPARTMENT, active=True)


def _default_departments(req):
    duties = DEFAULT_DEPARTMENTS.get(req.category, ())
    matching = [d.pk for d in departments_for(req) if set(d.responsibilities or []) & set(duties)]
    return departments_for(req).filter(pk__in=matching)


def request_summon(actor, *, request_id: int, department_ids: list[int]) -> list[Summons]:
    """吹哨: the subdistrict names the departments that must report (报到) by the deadline."""
    with transaction.atomic():
        req = _locked(actor, request_id)
        scope = scope_for(actor)
        if not (scope.is_root or scope.holds(Role.SUBDISTRICT_OFFICER, req.estate)
                or scope.holds(Role.ADMINISTRATOR, req.estate)):
            raise PermissionDenied(NOT_SUBDISTRICT)
        if req.status not in OPEN_STATUSES:
            raise WrongState(NOT_OPEN)
        if req.level < Level.SUBDISTRICT:
            raise WrongState(NOT_AT_SUBDISTRICT)
        if not department_ids:
            raise InvalidInput(DEPARTMENTS_REQUIRED, field="department_ids")
        return _summon(actor, req, department_ids)


def _summon(actor, req, department_ids, *, skip_existing=False) -> list[Summons]:
    ids = sorted(set(department_ids))
    departments = list(departments_for(req).filter(pk__in=ids))
    if len(departments) != len(ids):
        raise InvalidInput(UNKNOWN_DEPARTMENT, field="department_ids")
    existing = set(req.summonses.values_list("department_id", flat=True))
    fresh = [d for d in departments if d.pk not in existing]
    if not fresh:
        if skip_existing:
            return []
        raise WrongState(ALREADY_SUMMONED)
    now = _now()
    report_by = clock.deadline(now, summons_report_term()).at
    rows = [Summons.objects.create(request=req, department=d, summoned_by=actor if actor and actor.pk else None,
                                   summoned_at=now, report_by=report_by) for d in fresh]
    names = "、".join(d.name for d in fresh)
    _event(req, EventKind.SUMMONED, actor, f"{names}，请于 {_local(report_by)} 前报到")
    for row in rows:
        audit_record(actor, "request.summon", row, after={"request": req.pk, "department": row.department_id,
                                                          "report_by": report_by.isoformat()})
    notify(department_officers([d.pk for d in fresh]), title=f"吹哨报到：{req.estate.name}{Category(req.category).label}",
           body=f"请于 {_local(report_by)} 前报到", link=_link(req))
    return rows


def _locked_summons(actor, summons_id) -> Summons:
    from gongzhi.requests.selectors import request_list

    row = Summons.objects.filter(pk=summons_id, request__in=request_list(fetched_by=actor)).first()
    if row is None:
        raise NotFound()
    row = Summons.objects.select_for_update().select_related("request__estate", "department").get(pk=row.pk)
    scope = scope_for(actor)
    if not (scope.is_root or row.department_id in user_departments(actor)):
        raise PermissionDenied(NOT_DEPARTMENT)
    return row


def summons_report(actor, *, summons_id: int, note: str = "") -> Summons:
    """报到: the summoned department acknowledges."""
    note = clean_text(note, NOTE_MAX)
    with transaction.atomic():
        row = _locked_summons(actor, summons_id)
        if row.reported_at is not None:
            raise WrongState(ALREADY_REPORTED)
        row.reported_at, row.reported_by = _now(), actor
        row.save(update_fields=["reported_at", "reported_by"])
        late = "（逾期）" if row.reported_at > row.report_by else ""
        _event(row.request, EventKind.REPORTED, actor, f"{row.department.name}已报到{late} {note}".strip())
        audit_record(actor, "request.report", row, after={"reported_at": row.reported_at.isoformat(), "note": note})
        notify(holders({Role.SUBDISTRICT_OFFICER}, row.request.estate),
               title=f"{row.department.name}已报到：{Category(row.request.category).label}", link=_link(row.request))
    return row


def summons_act(actor, *, summons_id: int, note: str) -> Summons:
    """The department records what it did."""
    note = clean_text(note, NOTE_MAX, NOTE_REQUIRED)
    with transaction.atomic():
        row = _locked_summons(actor, summons_id)
        if row.reported_at is None:
            raise WrongState(NOT_REPORTED)
        row.acted_at, row.action_note = _now(), note
        row.save(update_fields=["acted_at", "action_note"])
        _event(row.request, EventKind.ACTED, actor, f"{row.department.name}：{note}")
        audit_record(actor, "request.act", row, after={"acted_at": row.acted_at.isoformat(), "note": note})
        notify(holders({Role.SUBDISTRICT_OFFICER}, row.request.estate),
               title=f"{row.department.name}已处置：{Category(row.request.category).label}", body=note,
               link=_link(row.request))
    return row


# --- closing the loop ------------------------------------------------------------------------------------
def _requester_check(actor, req):
    if req.requester_id != actor.pk:
        raise PermissionDenied(NOT_REQUESTER)
    if req.status != Status.RESOLVED:
        raise WrongState(NOT_RESOLVED)
    days = settings.GONGZHI_REQUEST_CONFIRM_DAYS
    if _now() >= req.resolved_at + datetime.timedelta(days=days):
        raise WrongState(CONFIRM_WINDOW_OVER.format(days=days))


def check_rating(satisfaction) -> int:
    """A satisfaction rating: a whole number 1 to 5 (a tick box's True is not one)."""
    if not isinstance(satisfaction, int) or isinstance(satisfaction, bool) or not 1 <= satisfaction <= 5:
        raise InvalidInput(RATING_RANGE, field="satisfaction")
    return satisfaction


def request_confirm(actor, *, request_id: int, satisfaction: int, comment: str = "") -> Request:
    """The requester confirms the fix and rates it 1–5."""
    check_rating(satisfaction)
    comment = clean_text(comment, 500, None, COMMENT_TOO_LONG)
    with transaction.atomic():
        req = _locked(actor, request_id)
        _requester_check(actor, req)
        before = snapshot(req, AUDIT_FIELDS)
        now = _now()
        req.status, req.closed_at, req.satisfaction, req.satisfaction_comment, req.updated_at = (
            Status.CLOSED, now, satisfaction, comment, now)
        req.save()
        _event(req, EventKind.CONFIRMED, actor, f"满意度 {satisfaction}/5 {comment}".strip())
        _audit(actor, "request.confirm", req, before)
        notify([req.resolved_by_id], title=f"诉求已确认，满意度 {satisfaction}/5", body=comment, link=_link(req))
    return req


def request_reopen(actor, *, request_id: int, reason: str) -> Request:
    """Not fixed: back to the last handler, and it counts against them."""
    reason = clean_text(reason, 500, REOPEN_REASON, COMMENT_TOO_LONG)
    with transaction.atomic():
        req = _locked(actor, request_id)
        _requester_check(actor, req)
        before = snapshot(req, AUDIT_FIELDS)
        now = _now()
        last = req.resolved_by_id
        route = route_for(req.community_id, req.category)
        req.status, req.resolved_at, req.updated_at = Status.IN_PROGRESS, None, now
        req.reopen_count += 1
        resolve = deadlines_for(route, now, emergency=req.emergency).resolve
        req.resolve_by, req.resolve_unit = resolve.at, resolve.term.unit
        req.deadline_estimated = req.deadline_estimated or resolve.estimated
        if req.level == Level.ESTATE and last:
            req.handler_user_id = last
        req.save()
        _event(req, EventKind.REOPENED, actor, reason, against_id=last)
        _audit(actor, "request.reopen", req, before, reason=reason)
        notify({last} | level_users(req), title=f"诉求被重新提交：{Category(req.category).label}", body=reason,
               link=_link(req))
    return req


# --- the deadline job ------------------------------------------------------------------------------------
@dataclass
class SweepResult:
    escalated: int = 0
    auto_closed: int = 0
    orders_returned: int = 0
    summons_overdue: int = 0

    def __str__(self):
        return (f"escalated={self.escalated} auto_closed={self.auto_closed} "
                f"orders_returned={self.orders_returned} summons_overdue={self.summons_overdue}")


def overdue_requests(now):
    """What the deadline job escalates: overdue below the top level."""
    return Request.objects.overdue(now).filter(level__lt=Level.CADRE)


def sweep(now=None, batch: int = 500) -> SweepResult:
    """Escalate requests past their deadline, close resolved ones nobody confirmed in time, return
    orders nobody accepted, flag departments that did not report. Safe to run twice or from two
    workers at once: each change is a compare-and-set under a row lock, and levels are unique."""
    from gongzhi.requests.orders import return_unaccepted

    now = now or _now()
    result = SweepResult()
    for pk in list(overdue_requests(now).order_by("pk").values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            req = _lock_if(overdue_requests(now), pk)
            if req is None:
                continue
            why = "超过响应时限未响应" if req.status == Status.NEW and req.respond_by < now else "超过办结时限未办结"
            if _escalate(None, req, reason=why, automatic=True):
                result.escalated += 1
    confirm_by = now - datetime.timedelta(days=settings.GONGZHI_REQUEST_CONFIRM_DAYS)
    unconfirmed = Request.objects.filter(status=Status.RESOLVED, resolved_at__lte=confirm_by)
    for pk in list(unconfirmed.order_by("pk").values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            req = _lock_if(unconfirmed, pk)
            if req is None:
                continue
            before = snapshot(req, AUDIT_FIELDS)
            if not Request.objects.filter(pk=pk, status=Status.RESOLVED).update(
                    status=Status.CLOSED, closed_at=now, auto_closed=True, updated_at=now):
                continue
            req.refresh_from_db()
            _event(req, EventKind.AUTO_CLOSED, None, f"{settings.GONGZHI_REQUEST_CONFIRM_DAYS} 天内未确认")
            _audit(None, "request.auto_close", req, before)
            _tell_requester(req, "您的诉求已自动关闭", "办结后 7 天内未确认")
            notify([req.resolved_by_id], title=f"诉求超期未确认，已自动关闭：{Category(req.category).label}",
                   link=_link(req))
            result.auto_closed += 1
    result.orders_returned = return_unaccepted(now, batch)
    result.summons_overdue = _flag_late_departments(now, batch)
    return result


def _lock_if(queryset, pk):
    qs = queryset.filter(pk=pk).select_related("estate__community__subdistrict")
    if transaction.get_connection().features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return qs.first()


def _flag_late_departments(now, batch) -> int:
    late = Summons.objects.filter(reported_at__isnull=True, report_by__lt=now, overdue_notified=False)
    count = 0
    for row in late.select_related("request__estate__community__subdistrict", "department")[:batch]:
        with transaction.atomic():
            if not Summons.objects.filter(pk=row.pk, overdue_notified=False).update(overdue_notified=True):
                continue
            audit_record(None, "request.summons_overdue", row, after={"department": row.department_id})
            notify(holders({Role.SUBDISTRICT_OFFICER}, row.request.estate) | department_officers([row.department_id]),
                   title=f"{row.department.name}未按时报到：{Category(row.request.category).label}",
                   link=_link(row.request))
            count += 1
    return count


# --- routing table -----------------------------------------------------------------------------------------
def route_set(actor, *, community_id: int, category: str, handler: str, tier: str, response_amount: int,
              resolve_amount: int, response_unit: str = Unit.HOURS, resolve_unit: str = Unit.WORKING_DAYS) -> Route:
    """A community overrides the shipped routing row for one category; each limit has its unit."""
    from gongzhi.places.models import Community

    scope = scope_for(actor)
    community = get_in_scope(scope.communities(), pk=community_id) if not scope.is_root else (
        Community.objects.filter(pk=community_id).first())
    if community is None:
        raise NotFound()
    if not (scope.is_root or scope.communities({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
            .filter(pk=community.pk).exists()):
        raise PermissionDenied(NOT_ROUTER)
    if category not in Category.values:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category")
    if handler not in FIRST_HANDLERS:
        raise InvalidInput(UNKNOWN_HANDLER, field="handler")
    if tier not in Tier.values:
        raise InvalidInput(UNKNOWN_TIER, field="tier")
    for name, amount, unit in (("response", response_amount, response_unit), ("resolve", resolve_amount, resolve_unit)):
        _check_term(name, amount, unit)
    with transaction.atomic():
        row = Route.objects.select_for_update().filter(community=community, category=category).first()
        before = snapshot(row) if row else None
        row = row or Route(community=community, category=category)
        row.handler, row.tier = handler, tier
        row.response_amount, row.response_unit = response_amount, response_unit
        row.resolve_amount, row.resolve_unit = resolve_amount, resolve_unit
        row.save()
        audit_record(actor, "request.route_set", row, before=before, after=snapshot(row))
    return row


UNIT_EN = {Unit.HOURS: "hours", Unit.DAYS: "days", Unit.WORKING_DAYS: "working days"}


def _check_term(name: str, amount, unit) -> None:
    if unit not in Unit.values:
        raise InvalidInput(UNKNOWN_UNIT, field=f"{name}_unit")
    limit = UNIT_LIMITS[unit]
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= limit:
        raise InvalidInput(TERM_RANGE.format(limit=f"{limit:,}", unit=Unit(unit).label, unit_en=UNIT_EN[unit]),
                           field=f"{name}_amount")


def open311_key_issue(actor, *, jurisdiction: str, name: str, raw: str):
    """An Open311 client's key for a subdistrict (administrators or the CLI)."""
    from gongzhi.places.models import Subdistrict
    from gongzhi.requests.models import Open311Key

    if actor is not None and not scope_for(actor).has_any({Role.ADMINISTRATOR}):
        raise PermissionDenied()
    subdistrict = Subdistrict.objects.filter(code=jurisdiction).exclude(code="").first()
    if subdistrict is None:
        raise NotFound(f"未知的街道代码：{jurisdiction} / Unknown jurisdiction")
    name = clean_text(name, 100, "请填写使用方名称 / Name the client")
    with transaction.atomic():
        key = Open311Key.objects.create(name=name, key_hash=Open311Key.hash(raw), subdistrict=subdistrict)
        audit_record(actor, "open311.key_issue", key, after={"name": name, "subdistrict": subdistrict.pk})
    return key
