"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Service codes are the routing categories; `jurisdiction_id` is a subdistrict's code. Reading is
public, as the specification intends, and carries no personal data (no requester, no unit; phone
and ID numbers typed into a description or a note are masked by core.masking.redact, and an
anonymous request's description is not published at all). Posting needs an API key (Open311Key).
Errors use the specification's error list with the matching HTTP status.

A report may carry only `address_string` or `lat`/`long`: it is placed in the estate its address
names (names and aliases, within the jurisdiction; the building from "3号楼"/"3栋"/"3幢") or the
nearest estate within GONGZHI_OPEN311_RADIUS_M; `attribute[estate]` is needed only when that is
ambiguous or finds nothing. `media_url` is kept as a link. What changed is readable as
`servicerequestupdates` (the mySociety open311-adapter extension), for a 12345 system to poll.
"""

import datetime
import functools
import json
import pathlib
import re
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import Q
from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from gongzhi.core import clock
from gongzhi.core.errors import GongzhiError
from gongzhi.core.masking import redact
from gongzhi.core.text import ascii_int
from gongzhi.places.models import Estate, Subdistrict
from gongzhi.requests import selectors
from gongzhi.requests import services as request_services
from gongzhi.requests.choices import OPEN_STATUSES, Category, Channel, EventKind, Handler, Tier
from gongzhi.requests.models import Event, Open311Key, Request
from gongzhi.requests.routing import DEFAULT_ROUTES

SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
GROUPS = {Tier.MINOR: "小事易事", Tier.MAJOR: "大事难事"}

NO_SUCH_BUILDING = "该小区没有 {code} 号楼 / No such building in this estate"
DATE_OUT_OF_RANGE = "{name} 须在 1970 年至 9998 年之间 / {name} must be between the years 1970 and 9998"
IDS_NOT_NUMBERS = "service_request_id 须为数字 / service_request_id must be numbers"
NOT_A_NUMBER = "{name} 须为数字 / {name} must be a number"
OUT_OF_RANGE = "{name} 须为 -{limit} 至 {limit} 的数字 / {name} must be a number from -{limit} to {limit}"
BODY_TOO_LARGE = "提交内容过大 / The request body is too large"
TOO_MANY_FIELDS = "提交的字段过多 / Too many fields"
# The OpenAPI 3 document of these endpoints, served at /open311/v2/openapi.json and checked against the
# URLs and fuzzed by tests/requests/test_open311_fuzz.py.
OPENAPI = pathlib.Path(__file__).with_name("open311.openapi.json")
# The earliest and latest moments a date filter may name: a year 1 or 9999 moment shifted to UTC falls
# outside what Python's datetime holds (OverflowError), and no request was made before 1970.
EARLIEST, LATEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC), datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


# --- output ------------------------------------------------------------------------------------------------
# Characters XML 1.0 cannot carry, even escaped: an error that quotes its input ("未知的 service_code：\x01")
# would otherwise be a document no client can parse. Shown as U+FFFD.
NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value) -> str:
    return NOT_IN_XML.sub("\ufffd", str(value))


def _xml_value(parent, key, value):
    child = ET.SubElement(parent, key)
    if isinstance(value, list):
        item_tag = {"values": "value", "attributes": "attribute", "endpoints": "endpoint", "formats": "format"}[key]
        for item in value:
            if isinstance(item, dict):
                _xml_dict(ET.SubElement(child, item_tag), item)
            else:
                ET.SubElement(child, item_tag).text = _xml_text(item)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = _xml_text(value)


def _xml_dict(element, data: dict):
    for key, value in data.items():
        _xml_value(element, key, value)


def _respond(fmt: str, payload, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(payload, ensure_ascii=False)
    else:
        top = ET.Element(root)
        for entry in (payload if item else [payload]):
            _xml_dict(ET.SubElement(top, item) if item else top, entry)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="unicode")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt if fmt in CONTENT_TYPES else "json", [{"code": status, "description": description}],
                    root="errors", item="error", status=status)


NUL_IN_PARAMETER = "参数中含有 NUL 字符 / A parameter holds a NUL character"


# Posted fields looked up in the database before any check of their own; the others (description, address,
# media_url …) are refused by the views with their own message.
LOOKED_UP = ("jurisdiction_id", "api_key")


def _no_nul(request) -> None:
    """No parameter that reaches a query may hold NUL: PostgreSQL cannot compare it, so it would come back
    as a 500 (the Open311 fuzz found it in jurisdiction_id)."""
    params = list(request.GET.lists())
    if request.method == "POST":
        params += [(key, values if key in LOOKED_UP else []) for key, values in request.POST.lists()]
    for key, values in params:
        if "\x00" in key or any("\x00" in v for v in values):
            raise Open311Error(400, NUL_IN_PARAMETER)


def endpoint(view):
    """Run an Open311 view: our errors and domain errors become the specification's error list."""
    def wrapped(request, *args, fmt="json", **kwargs):
        try:
            _no_nul(request)
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc.status, exc.description)
        except GongzhiError as exc:
            return _error(fmt, exc.status if exc.status != 409 else 400, exc.message)
        # reading request.POST: Django's limits (DATA_UPLOAD_MAX_*) answer in the error list, not in HTML
        except RequestDataTooBig:
            return _error(fmt, 413, BODY_TOO_LARGE)
        except (TooManyFieldsSent, TooManyFilesSent):
            return _error(fmt, 400, TOO_MANY_FIELDS)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


def _w3(when) -> str | None:
    return clock.local(when).isoformat(timespec="seconds") if when else None


# --- jurisdiction and keys -----------------------------------------------------------------------------------
def _jurisdiction(params) -> Subdistrict:
    code = (params.get("jurisdiction_id") or "").strip()
    coded = Subdistrict.objects.exclude(code="")
    if not code:
        if coded.count() == 1:
            return coded.get()
        raise Open311Error(400, "jurisdiction_id 必填 / jurisdiction_id is required")
    found = coded.filter(code=code).first()
    if found is None:
        raise Open311Error(404, f"未知的 jurisdiction_id：{code} / Unknown jurisdiction_id")
    return found


def _key(params, jurisdiction) -> Open311Key:
    raw = (params.get("api_key") or "").strip()
    key = Open311Key.objects.filter(key_hash=Open311Key.hash(raw), active=True).first() if raw else None
    if key is None or key.subdistrict_id != jurisdiction.pk:
        raise Open311Error(403, "api_key 无效，无法提交诉求 / Invalid api_key received -- can't proceed with create_request")
    return key


def _allow(request, *methods):
    if request.method not in methods:
        raise Open311Error(405, f"不支持 {request.method} 方法 / Method not allowed")


# --- services ---------------------------------------------------------------------------------------------
def _service(code: str) -> dict:
    route = DEFAULT_ROUTES[code]
    limit = f"{route.resolve}内办结"
    return {"service_code": code, "service_name": str(Category(code).label),
            "description": f"{Category(code).label}：首办{Handler(route.handler).label}，{limit}",
            "metadata": True, "type": "realtime", "keywords": code.replace("_", ", "), "group": GROUPS[route.tier]}


@endpoint
def discovery(request, fmt):
    _allow(request, "GET")
    base = request.build_absolute_uri("/open311/v2/")
    payload = {"changeset": "2026-11-22T00:00:00+08:00", "contact": "所在街道办事处 / the subdistrict office",
               "key_service": "向街道申请 api_key / ask the subdistrict office for an api_key",
               "endpoints": [{"specification": SPEC, "url": base, "changeset": "2026-11-22T00:00:00+08:00",
                              "type": "production", "formats": ["application/json", "text/xml"]}]}
    return _respond(fmt, payload, root="discovery", item=None)


@functools.cache
def _openapi() -> bytes:
    return OPENAPI.read_bytes()


@endpoint
def openapi(request, fmt):
    """This API's OpenAPI 3 document."""
    _allow(request, "GET")
    return HttpResponse(_openapi(), content_type=CONTENT_TYPES["json"])


@endpoint
def services(request, fmt):
    _allow(request, "GET")
    _jurisdiction(request.GET)
    return _respond(fmt, [_service(code) for code in Category.values], root="services", item="service")


def _attributes(jurisdiction) -> list[dict]:
    estates = Estate.objects.filter(community__subdistrict=jurisdiction).order_by("name")
    return [
        {"variable": True, "code": "estate", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "address_string 或 lat/long 能确定小区时可不填 / "
                                 "may be left out when address_string or lat/long place the report",
         "order": 1, "description": "所在小区 / Estate",
         "values": [{"key": e.pk, "name": e.name} for e in estates]},
        {"variable": True, "code": "building", "datatype": "string", "required": False,
         "datatype_description": "楼栋号，如 3；不填时读 address_string 中的“3号楼”/“3栋”/“3幢” / "
                                 "building number; else read from address_string", "order": 2, "description": "楼栋 / Building"},
        {"variable": True, "code": "emergency", "datatype": "singlevaluelist", "required": False,
         "datatype_description": None, "order": 3, "description": "是否危及人身财产安全 / Threat to life or property",
         "values": [{"key": "no", "name": "否 / No"}, {"key": "yes", "name": "是 / Yes"}]},
    ]


@endpoint
def service_definition(request, code, fmt):
    _allow(request, "GET")
    jurisdiction = _jurisdiction(request.GET)
    if code not in Category.values:
        raise Open311Error(404, f"未知的 service_code：{code} / Unknown service_code")
    return _respond(fmt, {"service_code": code, "attributes": _attributes(jurisdiction)},
                    root="service_definition", item=None)


# --- requests ----------------------------------------------------------------------------------------------
def _request_out(req: Request) -> dict:
    closed = req.status not in OPEN_STATUSES
    place = req.estate.name + (f" {req.building.code}号楼" if req.building_id else "")
    return {
        "service_request_id": str(req.pk), "status": "closed" if closed else "open",
        "status_notes": redact(req.resolution_note) if closed else f"{req.get_level_display()}办理中",
        "service_name": str(Category(req.category).label), "service_code": req.category,
        # an anonymous requester's own words are never published, not even masked
        "description": None if req.anonymous else redact(req.description), "agency_responsible": str(Handler(req.handler).label),
        "service_notice": None, "requested_datetime": _w3(req.created_at), "updated_datetime": _w3(req.updated_at),
        "expected_datetime": None if closed else _w3(req.resolve_by), "address": place,
        "address_id": str(req.estate_id), "zipcode": None,
        "lat": float(req.lat) if req.lat is not None else None,
        "long": float(req.long) if req.long is not None else None, "media_url": req.media_url or None,
    }


def _list(values: str) -> list[str]:
    return [v.strip() for v in (values or "").split(",") if v.strip()]


def _date(value, name):
    if not value:
        return None
    parsed = None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        pass
    if parsed is None:
        raise Open311Error(400, f"{name} 须为 W3C 日期时间，如 2026-11-01T00:00:00+08:00 / {name} must be a W3C datetime")
    try:
        moment = clock.aware(parsed)
        in_range = EARLIEST <= moment.astimezone(datetime.UTC) < LATEST
    except (OverflowError, ValueError):
        in_range = False
    if not in_range:
        raise Open311Error(400, DATE_OUT_OF_RANGE.format(name=name))
    return moment


@endpoint
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    _allow(request, "GET")
    params = request.GET
    jurisdiction = _jurisdiction(params)
    qs = Request.objects.filter(subdistrict=jurisdiction).select_related("estate", "building")
    ids = _list(params.get("service_request_id"))
    if ids:
        numbers = [ascii_int(i) for i in ids]
        if None in numbers:
            raise Open311Error(400, IDS_NOT_NUMBERS)
        qs = qs.filter(pk__in=numbers)
    else:
        codes = _list(params.get("service_code"))
        unknown = [c for c in codes if c not in Category.values]
        if unknown:
            raise Open311Error(400, f"未知的 service_code：{','.join(unknown)} / Unknown service_code")
        if codes:
            qs = qs.filter(category__in=codes)
        start, end = _date(params.get("start_date"), "start_date"), _date(params.get("end_date"), "end_date")
        if start and end and end < start:
            raise Open311Error(400, "end_date 早于 start_date / end_date is before start_date")
        if start is None and end is None:
            start = clock.now() - datetime.timedelta(days=DEFAULT_DAYS)
        if start:
            qs = qs.filter(created_at__gte=start)
        if end:
            qs = qs.filter(created_at__lte=end)
        statuses = _list(params.get("status"))
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, "status 只能是 open 或 closed / status is open or closed")
        if statuses and set(statuses) != {"open", "closed"}:
            opened = Q(status__in=OPEN_STATUSES)
            qs = qs.filter(opened if statuses[0] == "open" else ~opened)
    rows = [_request_out(r) for r in qs.order_by("-created_at", "-pk")[:MAX_RESULTS]]
    return _respond(fmt, rows, root="service_requests", item="request")


def _decimal(value, name, limit=180):
    """A coordinate within ±limit, to six decimals: "NaN", "Infinity" and "1e999999999999999999" (which
    overflows any arithmetic on it) are refused, as is anything beyond the limit."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation as exc:
        raise Open311Error(400, NOT_A_NUMBER.format(name=name)) from exc
    # compared, not abs(): abs() of 1e999999999999999999 overflows the decimal context
    if not number.is_finite() or not -limit <= number <= limit:
        raise Open311Error(400, OUT_OF_RANGE.format(name=name, limit=limit))
    try:
        return number.quantize(Decimal("0.000001"))
    except ArithmeticError as exc:
        raise Open311Error(400, OUT_OF_RANGE.format(name=name, limit=limit)) from exc


ESTATE_UNKNOWN = "attribute[estate] 须为本街道的小区编号 / attribute[estate] must be an estate of this jurisdiction"
LOCATION_REQUIRED = ("需要位置：address_string、lat/long 或 attribute[estate] / "
                     "A location is required: address_string, lat/long or attribute[estate]")
ESTATE_AMBIGUOUS = ("地址匹配到多个小区：{names}；请用 attribute[estate] 指明 / "
                    "The address matches several estates: {names}; name one in attribute[estate]")
ESTATE_UNPLACED = ("未能根据地址或坐标确定本街道的小区，请用 attribute[estate] 指明 / "
                   "No estate of this jurisdiction matches the address or position; name one in attribute[estate]")
LAT_LONG_TOGETHER = "lat 与 long 须同时提供 / Give lat and long together"
ADDRESS_TOO_LONG = "address_string 最多 200 字 / address_string is at most 200 characters"


def _placed(params, jurisdiction, lat, long):
    """The estate and building of a new report: attribute[estate] (or address_id) when given;
    otherwise where address_string or lat/long put it."""
    address = params.get("address_string") or ""
    estate_id = (params.get("attribute[estate]") or params.get("address_id") or "").strip()
    if estate_id:
        number = ascii_int(estate_id)
        estate = Estate.objects.filter(pk=number, community__subdistrict=jurisdiction).first() \
            if number is not None else None
        if estate is None:
            raise Open311Error(400, ESTATE_UNKNOWN)
        return estate, selectors.building_in_address(address)
    if not address.strip() and lat is None:
        raise Open311Error(400, LOCATION_REQUIRED)
    place = selectors.open311_place(jurisdiction, address=address, lat=lat, long=long,
                                    radius_m=settings.GONGZHI_OPEN311_RADIUS_M)
    if place.estate is None:
        if len(place.matched) > 1:
            raise Open311Error(400, ESTATE_AMBIGUOUS.format(names="、".join(place.matched)))
        raise Open311Error(400, ESTATE_UNPLACED)
    return place.estate, place.building_code


def _create(request, fmt):
    params = request.POST
    jurisdiction = _jurisdiction(params)
    key = _key(params, jurisdiction)
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code 必填 / service_code is required")
    if code not in Category.values:
        raise Open311Error(400, f"未知的 service_code：{code} / Unknown service_code")
    lat, long = _decimal(params.get("lat"), "lat", 90), _decimal(params.get("long"), "long")
    if (lat is None) != (long is None):
        raise Open311Error(400, LAT_LONG_TOGETHER)
    if lat is not None and abs(lat) > 90:
        raise Open311Error(400, "lat 须为 -90 至 90 的数字 / lat must be a number from -90 to 90")
    if len(params.get("address_string") or "") > 200:
        raise Open311Error(400, ADDRESS_TOO_LONG)
    estate, parsed_building = _placed(params, jurisdiction, lat, long)
    building_code = (params.get("attribute[building]") or "").strip()
    if building_code:
        building = estate.buildings.filter(code=building_code).first()
        if building is None:
            raise Open311Error(400, NO_SUCH_BUILDING.format(code=building_code))
    else:  # a building named in the address that the estate does not have: the address stays in place_text
        building = estate.buildings.filter(code=parsed_building).first() if parsed_building else None
    name = f"{params.get('last_name', '')}{params.get('first_name', '')}".strip()
    data = request_services.Intake(
        estate_id=estate.pk, category=code, description=params.get("description") or "",
        building_id=building.pk if building else None, place_text=params.get("address_string") or "",
        lat=lat, long=long, emergency=params.get("attribute[emergency]") == "yes", channel=Channel.OPEN311,
        contact_name=name[:100], contact_phone=(params.get("phone") or "").strip()[:20],
        media_url=params.get("media_url") or "", via=f"open311:{key.name}")
    req = request_services.request_submit(None, data)
    notice = f"已受理，将于 {clock.local(req.resolve_by):%Y-%m-%d %H:%M} 前办结"
    return _respond(fmt, [{"service_request_id": str(req.pk), "token": str(req.token), "service_notice": notice,
                           "account_id": None}], root="service_requests", item="request", status=201)


@endpoint
def request_one(request, request_id, fmt):
    _allow(request, "GET")
    jurisdiction = _jurisdiction(request.GET)
    req = None
    number = ascii_int(request_id)
    if number is not None:
        req = Request.objects.filter(pk=number, subdistrict=jurisdiction).select_related(
            "estate", "building").first()
    if req is None:
        raise Open311Error(404, f"未找到诉求 {request_id} / Service request not found")
    return _respond(fmt, [_request_out(req)], root="service_requests", item="request")


@endpoint
def token(request, token, fmt):
    _allow(request, "GET")
    jurisdiction = _jurisdiction(request.GET)
    try:
        value = uuid.UUID(token)
    except ValueError:
        value = None
    req = Request.objects.filter(token=value, subdistrict=jurisdiction).first() if value else None
    if req is None:
        raise Open311Error(404, f"未找到凭证 {token} / Token not found")
    return _respond(fmt, [{"service_request_id": str(req.pk), "token": str(req.token)}],
                    root="service_requests", item="request")


# --- updates (the mySociety open311-adapter extension: GET servicerequestupdates) ---------------------------
# Each step on a request's timeline is one update; its status in the extension's words.
UPDATE_STATUS = {
    EventKind.SUBMITTED: "open", EventKind.ROUTED: "open", EventKind.RESPONDED: "in_progress",
    EventKind.ESCALATED: "internal_referral", EventKind.AUTO_ESCALATED: "internal_referral",
    EventKind.SUMMONED: "internal_referral", EventKind.REPORTED: "in_progress", EventKind.ACTED: "in_progress",
    EventKind.RESOLVED: "fixed", EventKind.REOPENED: "open", EventKind.CONFIRMED: "closed",
    EventKind.AUTO_CLOSED: "closed",
}
UPDATES_DEFAULT_HOURS = 24


def _update_out(event: Event) -> dict:
    req = event.request
    by_requester = event.actor_id is not None and event.actor_id == req.requester_id
    note = "" if req.anonymous and by_requester else redact(event.note)
    return {
        "update_id": str(event.pk), "service_request_id": str(event.request_id),
        "status": UPDATE_STATUS.get(event.kind, "open"), "external_status_code": event.kind,
        "updated_datetime": _w3(event.at),
        "description": f"{EventKind(event.kind).label}{'：' + note if note else ''}",
        "media_url": (event.request.media_url or "") if event.kind == EventKind.SUBMITTED else "",
    }


@endpoint
def updates(request, fmt):
    """What changed on this jurisdiction's requests between start_date and end_date (both included;
    without them, the last 24 hours), oldest first, at most 1000: poll again from the last
    updated_datetime. No personal data: notes are masked as in requests."""
    _allow(request, "GET")
    params = request.GET
    jurisdiction = _jurisdiction(params)
    start, end = _date(params.get("start_date"), "start_date"), _date(params.get("end_date"), "end_date")
    if start and end and end < start:
        raise Open311Error(400, "end_date 早于 start_date / end_date is before start_date")
    if start is None:
        start = (end or clock.now()) - datetime.timedelta(hours=UPDATES_DEFAULT_HOURS)
    events = Event.objects.filter(request__subdistrict=jurisdiction, at__gte=start)
    if end:
        events = events.filter(at__lte=end)
    rows = [_update_out(e) for e in events.select_related("request").order_by("at", "pk")[:MAX_RESULTS]]
    return _respond(fmt, rows, root="service_requests_updates", item="request_update")


@endpoint
def unknown(request, fmt="json"):
    raise Open311Error(404, "没有该接口 / No such endpoint")

