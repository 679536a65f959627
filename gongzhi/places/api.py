import decimal

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from gongzhi.places import selectors

router = Router(tags=["places"])


class SubdistrictOut(Schema):
    id: int
    name: str
    district: str
    community_count: int
    estate_count: int

    @staticmethod
    def resolve_district(obj):
        return obj.district.name


class CommunityOut(Schema):
    id: int
    name: str
    subdistrict_id: int


class EstateOut(Schema):
    id: int
    name: str
    community_id: int
    address: str
    household_count: int
    size_class: str
    property_service: str


class BuildingOut(Schema):
    id: int
    code: str
    floors: int | None
    unit_count: int


class UnitOut(Schema):
    id: int
    estate_id: int
    building_id: int
    entrance: str | None
    code: str
    area: decimal.Decimal
    kind: str

    @staticmethod
    def resolve_entrance(obj):
        return obj.entrance.code if obj.entrance_id else None


@router.get("/subdistricts", response=list[SubdistrictOut])
def subdistricts(request):
    return list(selectors.subdistrict_list(fetched_by=request.user))


@router.get("/communities", response=list[CommunityOut])
def communities(request):
    return list(selectors.community_list(fetched_by=request.user))


@router.get("/estates", response=list[EstateOut])
@paginate(LimitOffsetPagination)
def estates(request, community_id: int | None = None, q: str = ""):
    return selectors.estate_list(fetched_by=request.user, community_id=community_id, query=q)


@router.get("/estates/{estate_id}", response=EstateOut)
def estate(request, estate_id: int):
    return selectors.estate_get(fetched_by=request.user, estate_id=estate_id)


@router.get("/estates/{estate_id}/buildings", response=list[BuildingOut])
def estate_buildings(request, estate_id: int):
    estate = selectors.estate_get(fetched_by=request.user, estate_id=estate_id)
    return list(selectors.estate_buildings(estate=estate))


@router.get("/units", response=list[UnitOut])
@paginate(LimitOffsetPagination)
def units(request, estate_id: int | None = None, building_id: int | None = None):
    return selectors.unit_list(fetched_by=request.user, estate_id=estate_id, building_id=building_id)


@router.get("/units/{unit_id}", response=UnitOut)
def unit(request, unit_id: int):
    return selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
