import decimal

from ninja import Router, Schema
from ninja.pagination import paginate

from gongzhi.core.api_schema import ERRORS, Id, Pagination, Text
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
    subdistrict_id: Id


class EstateOut(Schema):
    id: int
    name: str
    community_id: Id
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
    estate_id: Id
    building_id: Id
    entrance: str | None
    code: str
    area: decimal.Decimal
    kind: str

    @staticmethod
    def resolve_entrance(obj):
        return obj.entrance.code if obj.entrance_id else None


@router.get("/subdistricts", response={200: list[SubdistrictOut], **ERRORS})
def subdistricts(request):
    return list(selectors.subdistrict_list(fetched_by=request.user))


@router.get("/communities", response={200: list[CommunityOut], **ERRORS})
def communities(request):
    return list(selectors.community_list(fetched_by=request.user))


@router.get("/estates", response={200: list[EstateOut], **ERRORS})
@paginate(Pagination)
def estates(request, community_id: Id | None = None, q: Text = ""):
    return selectors.estate_list(fetched_by=request.user, community_id=community_id, query=q)


@router.get("/estates/{estate_id}", response={200: EstateOut, **ERRORS})
def estate(request, estate_id: Id):
    return selectors.estate_get(fetched_by=request.user, estate_id=estate_id)


@router.get("/estates/{estate_id}/buildings", response={200: list[BuildingOut], **ERRORS})
def estate_buildings(request, estate_id: Id):
    estate = selectors.estate_get(fetched_by=request.user, estate_id=estate_id)
    return list(selectors.estate_buildings(estate=estate))


@router.get("/units", response={200: list[UnitOut], **ERRORS})
@paginate(Pagination)
def units(request, estate_id: Id | None = None, building_id: Id | None = None):
    return selectors.unit_list(fetched_by=request.user, estate_id=estate_id, building_id=building_id)


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def unit(request, unit_id: Id):
    return selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
