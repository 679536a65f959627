"""Intake: a request filed from any channel (the web, a call, a visit, a patrol, a building head,
Open311, a device) is checked and routed at once to its first handler."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.files import Upload
from gongzhi.core.notifications import notify
from gongzhi.core.roles import Role
from gongzhi.core.scoping import holders, scope_for
from gongzhi.core.text import clean_text, is_ascii_digits
from gongzhi.places.models import Building, Estate, PropertyService, Unit
from gongzhi.requests.choices import AuditAction, Category, Channel, EventKind, Handler, Level, PhotoStage
from gongzhi.requests.models import Event, Request
from gongzhi.requests.routing import deadlines_for, route_for
from gongzhi.requests.rules import ESTATE_HANDLER_ROLES, may_intake, may_report_for_any_unit
from gongzhi.requests.services.common import DESCRIPTION_TOO_LONG, UNKNOWN_CATEGORY, audit, link, local
from gongzhi.requests.services.photos import check_photos, files_removed_on_failure, save_photos

DESCRIPTION_REQUIRED = "请描述遇到的问题 / Describe the problem"
ESTATE_NOT_FOUND = "未找到该小区，或您不能为该小区反映诉求 / No such estate, or not one you may report for"
PLACE_MISMATCH = "楼栋或房屋不属于所选小区 / The building or unit is not in the chosen estate"
UNIT_NOT_YOURS = "只能为自己的房屋反映户内问题 / You can only report a problem inside your own home"
CHANNEL_NOT_ALLOWED = "您不能登记该来源的诉求 / You cannot enter requests from this channel"
CONTACT_REQUIRED = "代为登记时请填写诉求人姓名或电话 / Give the requester's name or phone when entering for them"
PHONE_INVALID = "联系电话格式不正确 / The phone number is not valid"
COORDINATES_INVALID = "坐标不正确（纬度 -90～90，经度 -180～180）/ Coordinates out of range"
MEDIA_URL_INVALID = "图片链接须为 http 或 https 网址，最多 500 字符 / media_url must be an http(s) address of at most 500 characters"

MEDIA_URL_MAX = 500

DESCRIPTION_MAX = 2000


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
    media_url: str = ""  # a link to a photo held elsewhere (Open311)
    via: str = ""  # who entered it when no user did (an Open311 client, a device), for the audit trail


def _intake_place(actor, data: Intake):
    """The estate, building and unit (fetched together), checked against what the actor may
    report for."""
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
    if data.channel == Channel.WEB:
        if unit is not None and not scope_for(actor).units().filter(pk=unit.pk).exists() \
                and not may_report_for_any_unit(actor, estate):
            raise PermissionDenied(UNIT_NOT_YOURS, field="unit_id")
        return
    if not may_intake(actor, estate, data.channel):
        raise PermissionDenied(CHANNEL_NOT_ALLOWED, field="channel")
    if data.channel in (Channel.PHONE, Channel.VISIT) and not (data.contact_name.strip() or data.contact_phone.strip()):
        raise InvalidInput(CONTACT_REQUIRED, field="contact_name")


def _check_contact(data: Intake) -> None:
    for text in (data.contact_name, data.contact_phone, data.place_text):
        clean_text(text, 200, None, DESCRIPTION_TOO_LONG)
    phone = data.contact_phone.strip()
    if phone and (not is_ascii_digits(phone.replace("-", "")) or not 5 <= len(phone) <= 20):
        raise InvalidInput(PHONE_INVALID, field="contact_phone")
    if (data.lat is None) != (data.long is None) or (
            data.lat is not None and not (-90 <= float(data.lat) <= 90 and -180 <= float(data.long) <= 180)):
        raise InvalidInput(COORDINATES_INVALID, field="lat")
    if len(data.contact_name) > 100 or len(data.place_text) > 200:
        raise InvalidInput(DESCRIPTION_TOO_LONG.format(n=100), field="contact_name")
    _check_media_url(data.media_url)


def _check_media_url(url: str) -> None:
    if not url:
        return
    try:
        if url != url.strip() or clean_text(url, MEDIA_URL_MAX) != url:
            raise ValidationError(MEDIA_URL_INVALID)
        URLValidator(schemes=["http", "https"])(url)
    except (InvalidInput, ValidationError) as exc:  # control characters, too long, not an http(s) address
        raise InvalidInput(MEDIA_URL_INVALID, field="media_url") from exc


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
    description = clean_text(data.description, DESCRIPTION_MAX, DESCRIPTION_REQUIRED, DESCRIPTION_TOO_LONG)
    _check_contact(data)
    checked = check_photos(data.photos)
    estate, building, unit = _intake_place(actor, data)
    _intake_channel(actor, data, estate, unit)
    now = clock.now()
    route = route_for(estate.community_id, data.category)
    handler, handler_user, why, told = _first_handler(estate, building, route)
    on_behalf = data.channel not in (Channel.WEB, Channel.OPEN311, Channel.DEVICE)
    contact_name, contact_phone = data.contact_name.strip(), data.contact_phone.strip()
    if actor is not None and not on_behalf and not contact_name:
        contact_name = actor.get_full_name() or actor.get_username()
    with files_removed_on_failure() as written, transaction.atomic():
        req = Request.objects.create(
            subdistrict_id=estate.community.subdistrict_id, community_id=estate.community_id, estate=estate,
            building=building, unit=unit, place_text=data.place_text.strip(), lat=data.lat, long=data.long,
            media_url=data.media_url,
            category=data.category, description=description, emergency=data.emergency, channel=data.channel,
            requester=None if on_behalf or actor is None else actor, entered_by=actor if on_behalf else None,
            contact_name=contact_name, contact_phone=contact_phone, anonymous=data.anonymous,
            tier=route.tier, handler=handler, handler_user_id=handler_user, level=Level.ESTATE,
            created_at=now, updated_at=now, **deadlines_for(route, now, emergency=data.emergency).fields())
        save_photos(req, checked, PhotoStage.REPORT, actor, written)
        Event.objects.bulk_create([
            Event(request=req, kind=EventKind.SUBMITTED, actor=actor, level=req.level, at=now,
                  note=Channel(data.channel).label),
            Event(request=req, kind=EventKind.ROUTED, level=req.level, at=now,
                  note=f"{Handler(handler).label}{'：' + why if why else ''}")])
        audit(actor, AuditAction.REQUEST_SUBMIT, req, **({"via": data.via} if data.via else {}))
        notify(told, title=f"新诉求{'（紧急）' if req.emergency else ''}：{req.headline}",
               body=f"{estate.name} · 请于 {local(req.respond_by)} 前响应", link=link(req))
    return req
