"""Writes of places: creating nodes of the tree and changing an estate's facts."""

from django.db import transaction

from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.rules import may_administer
from gongzhi.core.scoping import scope_for
from gongzhi.places.choices import AuditAction
from gongzhi.places.models import Community, District, Estate, Grid, PropertyService, Subdistrict

PLACE_NEEDS_NAME = "请填写名称 / A name is required"
PLACE_EXISTS = "同级已有同名地点：{name} / A sibling already has the name {name}"
PLACE_NEEDS_ADMIN = "只有上级地点的管理员可以新建 / Only an administrator of the parent place can create it"

# kind -> (model, parent field, parent model)
_TREE = {
    "district": (District, None, None),
    "subdistrict": (Subdistrict, "district", District),
    "community": (Community, "subdistrict", Subdistrict),
    "grid": (Grid, "community", Community),
    "estate": (Estate, "community", Community),
}


@transaction.atomic
def place_create(actor, *, kind: str, name: str, parent_id: int | None = None, **attrs):
    """Create a district, subdistrict, community, grid or estate under its parent."""
    if kind not in _TREE:
        raise InvalidInput(f"未知的地点类别：{kind} / Unknown place kind: {kind}")
    model, parent_field, parent_model = _TREE[kind]
    name = (name or "").strip()
    if not name:
        raise InvalidInput(PLACE_NEEDS_NAME, field="name")
    parent = None
    if parent_model is not None:
        parent = parent_model.objects.filter(pk=parent_id).first()
        if parent is None:
            raise NotFound()
    if actor is not None:
        scope_ids = parent.scope_ids() if parent is not None else (None, None)
        if kind == "estate":
            scope_ids = (None, parent.pk)
        if not may_administer(actor, *scope_ids):
            raise PermissionDenied(PLACE_NEEDS_ADMIN)
    lookup = {"name": name, **({parent_field: parent} if parent_field else {})}
    if model.objects.filter(**lookup).exists():
        raise InvalidInput(PLACE_EXISTS.format(name=name), field="name")
    place = model(**lookup, **attrs)
    place.full_clean()
    place.save()
    audit_record(actor, AuditAction(f"{kind}.create"), place, after=snapshot(place))
    return place


@transaction.atomic
def estate_update(
    actor, *, estate_id: int, household_count: int | None = None, property_service: str | None = None,
    grid_id: int | None = None, address: str | None = None,
) -> Estate:
    estate = Estate.objects.select_for_update().filter(pk=estate_id).first()
    if estate is None:
        raise NotFound()
    if actor is not None and not may_administer(actor, *estate.scope_ids()):
        if estate.pk not in scope_for(actor).estate_ids():
            raise NotFound()
        raise PermissionDenied()
    before = snapshot(estate)
    if household_count is not None:
        if household_count < 0:
            raise InvalidInput("户数不能为负 / Household count cannot be negative", field="household_count")
        estate.household_count = household_count
    if property_service is not None:
        if property_service not in PropertyService.values:
            raise InvalidInput(f"未知的物业服务状态：{property_service} / Unknown status", field="property_service")
        estate.property_service = property_service
    if grid_id is not None:
        estate.grid = Grid.objects.filter(pk=grid_id, community_id=estate.community_id).first()
        if estate.grid is None:
            raise InvalidInput("网格不属于该小区所在社区 / The grid is not in this estate's community", field="grid_id")
    if address is not None:
        estate.address = address
    estate.save()
    audit_record(actor, AuditAction.ESTATE_UPDATE, estate, before=before, after=snapshot(estate))
    return estate
