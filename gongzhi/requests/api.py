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
from gongzhi.core.api_schema import ERRORS, BodyId, Id, IsoDate, Pagination, Text
from gongzhi.core.clock import terms
from gongzhi.core.errors import InvalidInput
from gongzhi.core.files import Upload
from gongzhi.core.masking import redact
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.requests import selectors, services
from gongzhi.requests.choices import Category, Channel
from gongzhi.requests.models import Request
from gongzhi.requests.routing import routing_table

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
@paginate(Pagination)
def request_list(request: HttpRequest, status: Literal["", "open", "new", "in_progress", "resolved", "closed"] = "",
                 estate_id: Id | None = None, category: Literal[tuple(["", *Category.values])] = "",  # type: ignore[valid-type]
                 overdue: bool = False, mine: bool = False):
    qs = selectors.requests_filtered(fetched_by=request.user, status=status, estate_id=estate_id, category=category,
                                     overdue=overdue, mine=mine)
    return [_out(request.user, r) for r in qs[:1000]]


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


class ReasonIn(Schema):
    model_config = {"extra": "forbid"}
    reason: Text = Field(..., max_length=500)
    department_ids: list[BodyId] = Field(default_factory=list, max_length=50)


class SummonIn(Schema):
    model_config = {"extra": "forbid"}
    department_ids: list[BodyId] = Field(..., max_length=50)


class ConfirmIn(Schema):
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
def request_call_up(request: HttpRequest, request_id: Id, payload: ReasonIn):
    """呼叫: one level up, with a reason (to district departments: name them, or the category's defaults)."""
    return _done(request, services.request_call_up(request.user, request_id=request_id, reason=payload.reason,
                                                   department_ids=payload.department_ids))


@router.post("/requests/{request_id}/summon", response={200: RequestDetailOut, **ERRORS}, operation_id="request_summon")
def request_summon(request: HttpRequest, request_id: Id, payload: SummonIn):
    """吹哨 (subdistrict officers): the named departments must report by the deadline."""
    services.request_summon(request.user, request_id=request_id, department_ids=payload.department_ids)
    return _detail(request.user, selectors.request_get(fetched_by=request.user, request_id=request_id))


@router.post("/requests/{request_id}/confirm", response={200: RequestDetailOut, **ERRORS}, operation_id="request_confirm")
def request_confirm(request: HttpRequest, request_id: Id, payload: ConfirmIn):
    """The requester confirms within 7 days and rates 1–5."""
    return _done(request, services.request_confirm(request.user, request_id=request_id,
                                                   satisfaction=payload.satisfaction, comment=payload.comment))


@router.post("/requests/{request_id}/reopen", response={200: RequestDetailOut, **ERRORS}, operation_id="request_reopen")
def request_reopen(request: HttpRequest, request_id: Id, payload: ReasonIn):
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


class TermOut(Schema):
    amount: int
    unit: Literal["hours", "days", "working_days"]
    text: str


class RouteOut(Schema):
    category: str
    handler: str
    tier: str
    response: TermOut
    resolve: TermOut
    own: bool


class ShippedTermOut(TermOut):
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
def order_list(request: HttpRequest):
    return list(selectors.order_list_for(request.user).order_by("-created_at")[:1000])


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

