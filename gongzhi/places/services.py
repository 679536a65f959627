"""Writes of places: creating nodes of the tree and changing an estate's facts."""

import decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.scoping import scope_for
from gongzhi.core.text import clean_text
from gongzhi.places import rules
from gongzhi.places.choices import AuditAction
from gongzhi.places.models import Community, District, Estate, Grid, PropertyService, Subdistrict

PLACE_NEEDS_NAME = "请填写名称 / A name is required"
PLACE_NAME_TOO_LONG = "名称最多 {n} 字 / A name is at most {n} characters"
PLACE_EXISTS = "同级已有同名地点：{name} / A sibling already has the name {name}"
PLACE_NEEDS_ADMIN = "只有上级地点的管理员可以新建 / Only an administrator of the parent place can create it"
PLACE_KIND_UNKNOWN = "未知的地点类别：{kind} / Unknown place kind: {kind}"
CODE_TAKEN = "代码{code}已被其他街道使用 / The code {code} is already used by another subdistrict"
PLACE_CODE_BAD = "代码只能用小写字母、数字和连字符，最多32位 / A code is lower-case letters, digits and hyphens, up to 32"
ESTATE_NEEDS_KEEPER = (
    "只有社区工作人员、社区书记、街道干部或管理员可以修改小区信息 / "
    "Only community staff, the community secretary, subdistrict officers or administrators can edit an estate"
)
GRID_ELSEWHERE = "网格不属于该小区所在社区 / The grid is not in this estate's community"
HOUSEHOLDS_RANGE = "户数须在 0 至 100000 之间 / The household count is 0 to 100,000"
ALIAS_TOO_MANY = "别名最多 {n} 个 / At most {n} aliases"
ALIAS_TOO_LONG = "每个别名最多 {n} 字 / An alias is at most {n} characters"
POSITION_BOTH = "经度和纬度须同时填写或同时留空 / Give both latitude and longitude, or neither"
LATITUDE_RANGE = "纬度须在 -90 至 90 之间，最多6位小数 / Latitude is -90 to 90, at most 6 decimals"
LONGITUDE_RANGE = "经度须在 -180 至 180 之间，最多6位小数 / Longitude is -180 to 180, at most 6 decimals"
MAX_NAME = 64
MAX_ALIASES = 20
MAX_HOUSEHOLDS = 100_000

# kind -> (model, parent field, parent model)
_TREE = {
    "district": (District, None, None),
    "subdistrict": (Subdistrict, "district", District),
    "community": (Community, "subdistrict", Subdistrict),
    "grid": (Grid, "community", Community),
    "estate": (Estate, "community", Community),
}
PLACE_KINDS = tuple(_TREE)


def _visible_parent(actor, kind: str, parent_model, parent_id):
    """The parent place, or NotFound when missing or out of the actor's sight."""
    parent = parent_model.objects.filter(pk=parent_id).first() if parent_id is not None else None
    if parent is None:
        raise NotFound()
    if actor is None or scope_for(actor).is_root:
        return parent
    scope = scope_for(actor)
    seen = {District: lambda: any(a.district_id == parent.pk for a in scope.assignments)
                      or scope.subdistricts().filter(district=parent).exists(),
            Subdistrict: lambda: scope.subdistricts().filter(pk=parent.pk).exists()
                         or scope.communities().filter(subdistrict=parent).exists(),
            Community: lambda: scope.estates().filter(community=parent).exists()
                       or scope.communities().filter(pk=parent.pk).exists()}[parent_model]
    if not seen():
        raise NotFound()
    return parent


@transaction.atomic
def place_create(actor, *, kind: str, name: str, parent_id: int | None = None, **attrs):
    """Create a district, subdistrict, community, grid or estate under its parent."""
    if kind not in _TREE:
        raise InvalidInput(PLACE_KIND_UNKNOWN.format(kind=str(kind)[:20]), field="kind")
    model, parent_field, parent_model = _TREE[kind]
    name = clean_text(name, MAX_NAME, PLACE_NEEDS_NAME, PLACE_NAME_TOO_LONG, field="name")
    parent = None
    if parent_model is not None:
        parent = _visible_parent(actor, kind, parent_model, parent_id)
    if not rules.may_create_place(actor, kind, parent):
        raise PermissionDenied(PLACE_NEEDS_ADMIN)
    lookup = {"name": name, **({parent_field: parent} if parent_field else {})}
    if model.objects.filter(**lookup).exists():
        raise InvalidInput(PLACE_EXISTS.format(name=name), field="name")
    code = attrs.get("code")
    if kind == "subdistrict" and code and Subdistrict.objects.filter(code=code).exists():
        raise InvalidInput(CODE_TAKEN.format(code=str(code)[:32]), field="code")
    place = model(**lookup, **attrs)
    try:
        place.full_clean()
    except ValidationError as exc:
        field = next(iter(exc.message_dict), None)
        message = PLACE_CODE_BAD if field == "code" else "; ".join(exc.messages)
        raise InvalidInput(message, field=field) from None
    place.save()
    audit_record(actor, AuditAction(f"{kind}.create"), place, after=snapshot(place))
    return place


def _coordinate(value, limit: int, message: str, field: str):
    try:
        number = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        raise InvalidInput(message, field=field) from None
    # compared, not abs(): abs() of 1e999999999999999999 overflows the decimal context
    if not number.is_finite() or not -limit <= number <= limit or number != number.quantize(decimal.Decimal("0.000001")):
        raise InvalidInput(message, field=field)
    return number


def clean_aliases(aliases) -> list[str]:
    cleaned: list[str] = []
    for alias in aliases:
        alias = clean_text(alias, MAX_NAME, None, ALIAS_TOO_LONG, field="aliases")
        if alias and alias not in cleaned:
            cleaned.append(alias)
    if len(cleaned) > MAX_ALIASES:
        raise InvalidInput(ALIAS_TOO_MANY.format(n=MAX_ALIASES), field="aliases")
    return cleaned


_UNSET = object()


@transaction.atomic
def estate_update(
    actor, *, estate_id: int, household_count: int | None = None, property_service: str | None = None,
    grid_id: int | None = None, address: str | None = None, name: str | None = None,
    aliases: list[str] | None = None, latitude=_UNSET, longitude=_UNSET,
) -> Estate:
    """Change an estate's facts; only what is given changes. latitude and longitude go together
    (None for both clears the position)."""
    estate = Estate.objects.select_for_update(of=("self",)).select_related("community__subdistrict").filter(pk=estate_id).first()
    if estate is None:
        raise NotFound()
    if actor is not None and not rules.may_keep_estate(actor, estate):
        if estate.pk not in scope_for(actor).estate_ids():
            raise NotFound()
        raise PermissionDenied(ESTATE_NEEDS_KEEPER)
    before = snapshot(estate)
    if household_count is not None:
        if isinstance(household_count, bool) or not 0 <= household_count <= MAX_HOUSEHOLDS:
            raise InvalidInput(HOUSEHOLDS_RANGE, field="household_count")
        estate.household_count = household_count
    if property_service is not None:
        if property_service not in PropertyService.values:
            raise InvalidInput(f"未知的物业服务状态：{property_service[:40]} / Unknown status", field="property_service")
        estate.property_service = property_service
    if grid_id is not None:
        estate.grid = Grid.objects.filter(pk=grid_id, community_id=estate.community_id).first()
        if estate.grid is None:
            raise InvalidInput(GRID_ELSEWHERE, field="grid_id")
    if address is not None:
        estate.address = clean_text(address, 200, field="address")
    if name is not None:
        name = clean_text(name, MAX_NAME, PLACE_NEEDS_NAME, PLACE_NAME_TOO_LONG, field="name")
        if Estate.objects.filter(community_id=estate.community_id, name=name).exclude(pk=estate.pk).exists():
            raise InvalidInput(PLACE_EXISTS.format(name=name), field="name")
        estate.name = name
    if aliases is not None:
        estate.aliases = clean_aliases(aliases)
    if latitude is not _UNSET or longitude is not _UNSET:
        lat = None if latitude is _UNSET else latitude
        lng = None if longitude is _UNSET else longitude
        if (lat in (None, "")) != (lng in (None, "")):
            raise InvalidInput(POSITION_BOTH, field="latitude")
        if lat in (None, ""):
            estate.latitude = estate.longitude = None
        else:
            estate.latitude = _coordinate(lat, 90, LATITUDE_RANGE, "latitude")
            estate.longitude = _coordinate(lng, 180, LONGITUDE_RANGE, "longitude")
    estate.save()
    audit_record(actor, AuditAction.ESTATE_UPDATE, estate, before=before, after=snapshot(estate))
    return estate
