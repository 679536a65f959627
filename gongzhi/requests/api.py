"""Residents' requests and 三单制 orders over HTTP (/api/v1/requests…, /api/v1/orders…). The
requester's contact is masked as on the pages; the metrics carry no personal data."""

import base64
import binascii
import datetime
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool

from gongzhi.core import clock
from gongzhi.core.api_schema import ERRORS, BodyId, Id, IsoDate, KeysetPagination, Pagination, Text
from gongzhi.core.clock import terms
from gongzhi.core.errors import InvalidInput
from gongzhi.core.files import Upload
from gongzhi.core.masking import redact
from gongzhi.core.paging import MappedPage
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.requests import selectors, services
from gongzhi.requests.choices import Category, Channel, DeviceEventKind, DeviceKind
from gongzhi.requests.models import Request
from gongzhi.requests.routing import routing_table
from gongzhi.requests.services.devices import QUIET_MAX, QUIET_MIN, REPORTED_KINDS, SIGNATURE_HEADER

router = Router(tags=["requests"])

PHOTO_NOT_BASE64 = "照片须为 base64 编码 / A photo must be base64-encoded"


class PhotoIn(Schema):
    model_config = {"extra": "forbid"}
    name: Text = Field(..., max_length=100)
    # The service names the photo size limit; this only bounds the string (the route's body limit comes first).
    data_base64: str = Field(..., max_length=(settings.GONGZHI_REQUEST_PHOTO_MAX_BYTES + 2**20) * 4 // 3)


class RequestIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    category: Literal[tuple(Category.values)]  # type: ignore[valid-type]
    description: Text = Field(..., min_length=1, max_length=2000)
    building_id: BodyId | None = None
    unit_id: BodyId | None = None
    place_text: Text = Field("", max_length=200)
    lat: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    long: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    emergency: StrictBool = False
    anonymous: StrictBool = False
    channel: Literal[tuple(c for c in Channel.values if c != Channel.OPEN311)] = Channel.WEB  # type: ignore[valid-type]
    contact_name: Text = Field("", max_length=100)
    contact_phone: Text = Field("", max_length=20)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=services.PHOTOS_MAX)
    media_url: Text = Field("", max_length=500, description="照片或视频的 http(s) 链接 / a link to a photo or video")


class EventOut(Schema):
    kind: str
    at: datetime.datetime
    level: int
    note: str


class RequestOut(Schema):
    id: int
    number: str
    estate_id: int
    building_id: int | None
    unit_id: int | None
    category: str
    description: str
    emergency: bool
    channel: str
    status: str
    tier: str
    level: int
    handler: str
    created_at: datetime.datetime
    respond_by: datetime.datetime
    respond_unit: Literal["hours", "days", "working_days"]
    resolve_by: datetime.datetime
    resolve_unit: Literal["hours", "days", "working_days"]
    deadline_estimated: bool
    deadline_warning: str
    resolved_at: datetime.datetime | None
    resolution_note: str
    closed_at: datetime.datetime | None
    satisfaction: int | None
    reopen_count: int
    media_url: str
    requester_name: str | None
    requester_phone: str | None


class RequestDetailOut(RequestOut):
    timeline: list[EventOut]
    summonses: list[dict]


def _out(user, req: Request) -> dict:
    who = selectors.requester_for(user, req)
    shown = selectors.text_shown(user, req)
    return {**{f: redact(getattr(req, f), shown) if f in ("description", "resolution_note") else getattr(req, f) for f in (
        "id", "number", "estate_id", "building_id", "unit_id", "category", "description", "emergency", "channel",
        "status", "tier", "level", "handler", "created_at", "respond_by", "respond_unit", "resolve_by",
        "resolve_unit", "deadline_estimated", "resolved_at", "resolution_note", "closed_at", "satisfaction",
        "reopen_count", "media_url")},
        "deadline_warning": req.deadline_warning,
        "requester_name": who.name if who else None, "requester_phone": who.phone if who else None}


def _detail(user, req: Request) -> dict:
    summonses = [{"id": s.pk, "department_id": s.department_id, "department": s.department.name,
                  "report_by": s.report_by, "reported_at": s.reported_at, "acted_at": s.acted_at,
                  "action_note": s.action_note} for s in req.summonses.select_related("department")]
    out = _out(user, req)
    shown = selectors.text_shown(user, req)
    timeline = [{"kind": e.kind, "at": e.at, "level": e.level, "note": redact(e.note, shown)} for e in req.events.all()]
    for row in summonses:
        row["action_note"] = redact(row["action_note"], shown)
    return {**out, "timeline": timeline, "summonses": summonses}


def _photos(items: list[PhotoIn]) -> list[Upload]:
    uploads = []
    for item in items:
        try:
            uploads.append(Upload(item.name, base64.b64decode(item.data_base64, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(PHOTO_NOT_BASE64, field="photos") from exc
    return uploads


@router.get("/requests", response={200: list[RequestOut], **ERRORS}, operation_id="request_list")
@paginate(KeysetPagination)
def request_list(request: HttpRequest, status: Literal["", "open", "new", "in_progress", "resolved", "closed"] = "",
                 estate_id: Id | None = None, category: Literal[tuple(["", *Category.values])] = "",  # type: ignore[valid-type]
                 overdue: bool = False, mine: bool = False):
    """The requests the user may read, newest first; `count` is exact, or the database's estimate for a
    list of more than 10,000 (then `count_estimated` is true). `next` is the cursor of the page after this
    one: `?after=<next>` reads it as cheaply as the first, where a deep `offset` reads every row before it."""
    qs = selectors.requests_listed(fetched_by=request.user, status=status, estate_id=estate_id, category=category,
                                   overdue=overdue, mine=mine)
    user = request.user
    return MappedPage(qs, lambda page: [_out(user, r) for r in page])


@router.post("/requests", response={201: RequestOut, **ERRORS}, operation_id="request_submit")
def request_create(request: HttpRequest, payload: RequestIn):
    """File a request (routed at once). Staff entering a call, visit or patrol set `channel` and the
    requester's contact; photos are base64 (JPEG/PNG/WebP/HEIC, at most 6, each up to
    GONGZHI_REQUEST_PHOTO_MAX_BYTES; the body up to GONGZHI_API_LARGE_BODIES), stored as JPEGs of at most
    2048 px without EXIF."""
    data = payload.dict()
    data["photos"] = _photos(payload.photos)
    req = services.request_submit(request.user, services.Intake(**data))
    return Status(201, _out(request.user, req))


@router.get("/requests/metrics", response={200: dict, **ERRORS}, operation_id="request_metrics")
def request_metrics(request: HttpRequest, place: Literal["estate", "community", "subdistrict"], place_id: Id,
                    start: IsoDate | None = None, end: IsoDate | None = None):
    """Received, resolved, rates, average time, escalations by level, categories, year-over-year.
    Without a period: the last complete month (local)."""
    last_month = clock.last_complete(clock.PeriodKind.MONTH)
    return selectors.metrics(fetched_by=request.user, place=place, place_id=place_id, start=start or last_month.start,
                             end=end or last_month.end).as_dict()


@router.get("/requests/{request_id}", response={200: RequestDetailOut, **ERRORS}, operation_id="request_get")
def request_get(request: HttpRequest, request_id: Id):
    return _detail(request.user, selectors.request_get(fetched_by=request.user, request_id=request_id))


class NoteIn(Schema):
    model_config = {"extra": "forbid"}
    note: Text = Field("", max_length=2000)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=services.PHOTOS_MAX)


class EscalateReasonIn(Schema):
    model_config = {"extra": "forbid"}
    reason: Text = Field(..., max_length=500)
    department_ids: list[BodyId] = Field(default_factory=list, max_length=50)


class SummonIn(Schema):
    model_config = {"extra": "forbid"}
    department_ids: list[BodyId] = Field(..., max_length=50)


class RequestConfirmIn(Schema):
    model_config = {"extra": "forbid"}
    satisfaction: int = Field(..., strict=True, ge=1, le=5)
    comment: Text = Field("", max_length=500)


def _done(request, req):
    return _detail(request.user, selectors.request_get(fetched_by=request.user, request_id=req.pk))


@router.post("/requests/{request_id}/respond", response={200: RequestDetailOut, **ERRORS}, operation_id="request_respond")
def request_respond(request: HttpRequest, request_id: Id, payload: NoteIn):
    """The handler takes it (受理)."""
    return _done(request, services.request_respond(request.user, request_id=request_id, note=payload.note))


@router.post("/requests/{request_id}/resolve", response={200: RequestDetailOut, **ERRORS}, operation_id="request_resolve")
def request_resolve(request: HttpRequest, request_id: Id, payload: NoteIn):
    """The handler marks it solved, with a note and photos."""
    return _done(request, services.request_resolve(request.user, request_id=request_id, note=payload.note,
                                                   photos=_photos(payload.photos)))


@router.post("/requests/{request_id}/call-up", response={200: RequestDetailOut, **ERRORS}, operation_id="request_call_up")
def request_call_up(request: HttpRequest, request_id: Id, payload: EscalateReasonIn):
    """呼叫: one level up, with a reason (to district departments: name them, or the category's defaults)."""
    return _done(request, services.request_call_up(request.user, request_id=request_id, reason=payload.reason,
                                                   department_ids=payload.department_ids))


@router.post("/requests/{request_id}/summon", response={200: RequestDetailOut, **ERRORS}, operation_id="request_summon")
def request_summon(request: HttpRequest, request_id: Id, payload: SummonIn):
    """吹哨 (subdistrict officers): the named departments must report by the deadline."""
    services.request_summon(request.user, request_id=request_id, department_ids=payload.department_ids)
    return _detail(request.user, selectors.request_get(fetched_by=request.user, request_id=request_id))


@router.post("/requests/{request_id}/confirm", response={200: RequestDetailOut, **ERRORS}, operation_id="request_confirm")
def request_confirm(request: HttpRequest, request_id: Id, payload: RequestConfirmIn):
    """The requester confirms within 7 days and rates 1–5."""
    return _done(request, services.request_confirm(request.user, request_id=request_id,
                                                   satisfaction=payload.satisfaction, comment=payload.comment))


@router.post("/requests/{request_id}/reopen", response={200: RequestDetailOut, **ERRORS}, operation_id="request_reopen")
def request_reopen(request: HttpRequest, request_id: Id, payload: EscalateReasonIn):
    """Not solved: back to the last handler."""
    return _done(request, services.request_reopen(request.user, request_id=request_id, reason=payload.reason))


class SummonsNoteIn(Schema):
    model_config = {"extra": "forbid"}
    note: Text = Field("", max_length=2000)


@router.post("/summonses/{summons_id}/report", response={200: dict, **ERRORS}, operation_id="summons_report")
def summons_report(request: HttpRequest, summons_id: Id, payload: SummonsNoteIn):
    """报到: the summoned department acknowledges."""
    row = services.summons_report(request.user, summons_id=summons_id, note=payload.note)
    return {"id": row.pk, "reported_at": row.reported_at.isoformat()}


@router.post("/summonses/{summons_id}/act", response={200: dict, **ERRORS}, operation_id="summons_act")
def summons_act(request: HttpRequest, summons_id: Id, payload: SummonsNoteIn):
    """The department records what it did."""
    row = services.summons_act(request.user, summons_id=summons_id, note=payload.note)
    return {"id": row.pk, "acted_at": row.acted_at.isoformat()}


class RouteTermOut(Schema):
    amount: int
    unit: Literal["hours", "days", "working_days"]
    text: str


class RouteOut(Schema):
    category: str
    handler: str
    tier: str
    response: RouteTermOut
    resolve: RouteTermOut
    own: bool


class ShippedTermOut(RouteTermOut):
    key: str
    label: str
    unit_label: str


class RoutingOut(Schema):
    routes: list[RouteOut]
    terms: list[ShippedTermOut]


class RouteIn(Schema):
    model_config = {"extra": "forbid"}
    category: Literal[tuple(Category.values)]  # type: ignore[valid-type]
    handler: Literal["property", "council", "building_head", "community"]
    tier: Literal["minor", "major"]
    response_amount: int = Field(..., strict=True, ge=1, le=2160)
    response_unit: Literal["hours", "days", "working_days"] = "hours"
    resolve_amount: int = Field(..., strict=True, ge=1, le=2160)
    resolve_unit: Literal["hours", "days", "working_days"] = "working_days"


def _term(term) -> dict:
    return {"amount": term.amount, "unit": term.unit, "text": str(term)}


def _route_out(row, own: bool) -> dict:
    return {"category": row.category, "handler": row.handler, "tier": row.tier, "response": _term(row.response),
            "resolve": _term(row.resolve), "own": own}


@router.get("/requests/routing/{community_id}", response={200: RoutingOut, **ERRORS}, operation_id="routing_get")
def routing_get(request: HttpRequest, community_id: Id):
    """The routing table in force for a community (its own rows and the shipped defaults), and every
    other shipped time limit with its unit (hours, calendar days or working days)."""
    community = get_in_scope(scope_for(request.user).communities(), pk=community_id)
    return {"routes": [_route_out(row, own) for row, own in routing_table(community.pk)], "terms": terms()}


@router.post("/requests/routing/{community_id}", response={200: RouteOut, **ERRORS}, operation_id="route_set")
def routing_set(request: HttpRequest, community_id: Id, payload: RouteIn):
    """Override one category's routing for the community."""
    row = services.route_set(request.user, community_id=community_id, **payload.dict())
    return _route_out(row.row(), True)


# --- 三单制 ------------------------------------------------------------------------------------------------
class OrderIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    kind: Literal["service", "micro_wish"]
    title: Text = Field(..., min_length=1, max_length=200)
    description: Text = Field("", max_length=2000)
    building_id: BodyId | None = None


class OrderOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    estate_id: int
    status: str
    created_at: datetime.datetime
    dispatched_at: datetime.datetime | None
    accept_by: datetime.datetime | None
    accepted_by_id: int | None
    accepted_at: datetime.datetime | None
    done_at: datetime.datetime | None
    done_note: str
    returned_count: int
    satisfaction: int | None

    # numbers typed into the order's text, masked as this viewer may read them (selectors.order_text_shown)
    @staticmethod
    def resolve_description(obj, context):
        return redact(obj.description, selectors.order_text_shown(context["request"].user, obj))

    @staticmethod
    def resolve_done_note(obj, context):
        return redact(obj.done_note, selectors.order_text_shown(context["request"].user, obj))


class DispatchIn(Schema):
    model_config = {"extra": "forbid"}
    helper_ids: list[BodyId] = Field(..., max_length=50)
    accept_hours: int | None = Field(None, strict=True, ge=1, le=720)


class CompleteIn(Schema):
    model_config = {"extra": "forbid"}
    note: Text = Field(..., max_length=2000)


class RateIn(Schema):
    model_config = {"extra": "forbid"}
    satisfaction: int = Field(..., strict=True, ge=1, le=5)


@router.get("/orders", response={200: list[OrderOut], **ERRORS}, tags=["orders"], operation_id="order_list")
@paginate(Pagination)
def order_list(request: HttpRequest, status: Literal["", "open", "ordered", "dispatched", "accepted", "done",
                                                   "cancelled"] = "",
               sort: Literal["new", "oldest", "deadline"] = "new"):
    """The orders the user may see, as the list page filters and sorts them."""
    return selectors.orders_filtered(fetched_by=request.user, status=status, sort=sort)


@router.post("/orders", response={201: OrderOut, **ERRORS}, tags=["orders"], operation_id="order_place")
def order_place(request: HttpRequest, payload: OrderIn):
    """点单: a service or a micro-wish."""
    return Status(201, services.order_place(request.user, **payload.dict()))


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS}, tags=["orders"], operation_id="order_get")
def order_get(request: HttpRequest, order_id: Id):
    return get_in_scope(selectors.order_list_for(request.user), pk=order_id)


@router.post("/orders/{order_id}/dispatch", response={200: OrderOut, **ERRORS}, tags=["orders"], operation_id="order_dispatch")
def order_dispatch(request: HttpRequest, order_id: Id, payload: DispatchIn):
    """派单 to party members, building heads or grid workers of the estate."""
    return services.order_dispatch(request.user, order_id=order_id, **payload.dict())


@router.post("/orders/{order_id}/accept", response={200: OrderOut, **ERRORS}, tags=["orders"], operation_id="order_accept")
def order_accept(request: HttpRequest, order_id: Id):
    """接单: the first of the people it was dispatched to wins; the others get 409."""
    return services.order_accept(request.user, order_id=order_id)


@router.post("/orders/{order_id}/complete", response={200: OrderOut, **ERRORS}, tags=["orders"], operation_id="order_complete")
def order_complete(request: HttpRequest, order_id: Id, payload: CompleteIn):
    return services.order_complete(request.user, order_id=order_id, note=payload.note)


@router.post("/orders/{order_id}/rate", response={200: OrderOut, **ERRORS}, tags=["orders"], operation_id="order_rate")
def order_rate(request: HttpRequest, order_id: Id, payload: RateIn):
    return services.order_rate(request.user, order_id=order_id, satisfaction=payload.satisfaction)



# --- smart-estate devices ----------------------------------------------------------------------------------
DeviceKindIn = Literal[tuple(DeviceKind.values)]  # type: ignore[valid-type]
ReportedKindIn = Literal[tuple(REPORTED_KINDS)]  # type: ignore[valid-type]


class DeviceIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    name: Text = Field(..., min_length=1, max_length=100)
    kind: DeviceKindIn
    location: Text = Field(..., min_length=1, max_length=200)
    event_kinds: list[ReportedKindIn] = Field(..., min_length=1, max_length=10)
    building_id: BodyId | None = None
    quiet_minutes: int = Field(60, strict=True, ge=QUIET_MIN, le=QUIET_MAX)


class DeviceUpdateIn(Schema):
    model_config = {"extra": "forbid"}
    name: Text | None = Field(None, min_length=1, max_length=100)
    location: Text | None = Field(None, min_length=1, max_length=200)
    building_id: BodyId | None = None
    clear_building: StrictBool = False
    event_kinds: list[ReportedKindIn] | None = Field(None, min_length=1, max_length=10)
    quiet_minutes: int | None = Field(None, strict=True, ge=QUIET_MIN, le=QUIET_MAX)
    active: StrictBool | None = None


class DeviceOut(Schema):
    id: int
    uid: str
    name: str
    kind: str
    estate_id: int
    building_id: int | None
    location: str
    event_kinds: list[str]
    quiet_minutes: int
    active: bool
    status: Literal["online", "quiet", "retired"]
    last_seen_at: datetime.datetime | None
    quiet_alerted_at: datetime.datetime | None
    created_at: datetime.datetime


class DeviceSecretOut(DeviceOut):
    secret: str = Field(..., description="设备密钥，只显示这一次 / the device's secret, shown this once")
    signature_header: str


class DeviceIncidentOut(Schema):
    request_id: int
    number: str
    kind: str
    count: int
    first_at: datetime.datetime
    last_at: datetime.datetime
    request_status: str


class DeviceEventOut(Schema):
    event_id: str
    kind: str
    at: datetime.datetime
    received_at: datetime.datetime
    request_id: int | None


class DeviceDetailOut(DeviceOut):
    incidents: list[DeviceIncidentOut]
    events: list[DeviceEventOut]


class DeviceEventAcceptedOut(Schema):
    event_id: str
    kind: str
    request_id: int | None = Field(..., description="所并入或新建的诉求；心跳为空 / the request it filed or joined")
    count: int = Field(..., description="该诉求已合并的事件数 / events merged into that request so far")
    created: bool


def _device_out(device) -> dict:
    return {f: getattr(device, f) for f in (
        "id", "uid", "name", "kind", "estate_id", "building_id", "location", "event_kinds", "quiet_minutes", "active",
        "status", "last_seen_at", "quiet_alerted_at", "created_at")}


def _device_detail(device) -> dict:
    incidents = [{"request_id": i.request_id, "number": i.request.number, "kind": i.kind, "count": i.count,
                  "first_at": i.first_at, "last_at": i.last_at, "request_status": i.request.status}
                 for i in selectors.device_incidents(device)]
    events = [{"event_id": e.event_id, "kind": e.kind, "at": e.at, "received_at": e.received_at,
               "request_id": e.incident.request_id if e.incident_id else None}
              for e in selectors.device_recent_events(device)]
    return {**_device_out(device), "incidents": incidents, "events": events}


EVENT_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False, "required": ["device_id", "event_id", "kind", "time"],
        "properties": {
            "device_id": {"type": "string", "maxLength": 32, "description": "设备编号 / the device's uid"},
            "event_id": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$",
                         "description": "设备生成的唯一编号，重复即拒收 / unique per device; a repeat is refused"},
            "kind": {"type": "string", "enum": list(DeviceEventKind.values)},
            "time": {"type": "string", "format": "date-time",
                     "description": "带时区，距服务器时间不超过 5 分钟 / with its offset, within 5 minutes of now"},
            "detail": {"type": "string", "maxLength": 200},
            "image_base64": {"type": "string", "description": "可选图片，解码后不超过 1 MB / optional, at most 1 MB"},
        }}}},
}


@router.post("/devices/events", auth=None, response={201: DeviceEventAcceptedOut, **ERRORS}, tags=["devices"],
             operation_id="device_event_receive", openapi_extra={"requestBody": EVENT_BODY, "parameters": [
                 {"name": SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"},
                  "description": "sha256=<HMAC-SHA256(设备密钥, 原始请求体) 的十六进制 / hex of HMAC-SHA256(secret, raw body)>"}]})
def device_event_receive(request: HttpRequest):
    """A device's event, signed with its secret (no login). Repeats of one kind within the merge window
    join the open request they started; 防溺水 is an emergency for the property staff and grid workers."""
    got = services.device_event_receive(request.body, request.headers.get(SIGNATURE_HEADER))
    return Status(201, {"event_id": got.event.event_id, "kind": got.event.kind,
                        "request_id": got.request_id, "count": got.count,
                        "created": got.created})


@router.get("/devices", response={200: list[DeviceOut], **ERRORS}, tags=["devices"], operation_id="device_list")
@paginate(Pagination)
def device_list(request: HttpRequest, estate_id: Id | None = None,
                status: Literal["", "online", "quiet", "retired"] = ""):
    """The devices of the estates where the user is staff (物业, 社区, 网格员, 街道)."""
    return MappedPage(selectors.device_list(fetched_by=request.user, estate_id=estate_id, status=status),
                      lambda page: [_device_out(d) for d in page])


@router.post("/devices", response={201: DeviceSecretOut, **ERRORS}, tags=["devices"], operation_id="device_register")
def device_register(request: HttpRequest, payload: DeviceIn):
    """Register a device; the answer carries its secret, shown this once."""
    device, secret = services.device_register(request.user, **payload.dict())
    return Status(201, {**_device_out(device), "secret": secret, "signature_header": SIGNATURE_HEADER})


@router.get("/devices/{device_id}", response={200: DeviceDetailOut, **ERRORS}, tags=["devices"],
            operation_id="device_get")
def device_get(request: HttpRequest, device_id: Id):
    """A device, the requests its events filed (with how many were merged) and its latest events."""
    return _device_detail(selectors.device_get(fetched_by=request.user, device_id=device_id))


@router.post("/devices/{device_id}", response={200: DeviceOut, **ERRORS}, tags=["devices"],
             operation_id="device_update")
def device_update(request: HttpRequest, device_id: Id, payload: DeviceUpdateIn):
    """Change a device (absent fields stay); `active: false` retires it and its events are refused."""
    return _device_out(services.device_update(request.user, device_id=device_id, **payload.dict()))


@router.post("/devices/{device_id}/secret", response={200: DeviceSecretOut, **ERRORS}, tags=["devices"],
             operation_id="device_secret_reset")
def device_secret_reset(request: HttpRequest, device_id: Id):
    """A new secret (the old one stops working at once), shown this once."""
    device, secret = services.device_secret_reset(request.user, device_id=device_id)
    return {**_device_out(device), "secret": secret, "signature_header": SIGNATURE_HEADER}
