import decimal
from typing import Literal

from django.conf import settings
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from gongzhi.core.api_schema import ERRORS, BodyId, EstimatedPagination, Id, Pagination, Text
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.paging import MappedPage
from gongzhi.places import ledger, rules, selectors, services
from gongzhi.places.choices import PropertyService

router = Router(tags=["places"])


class DistrictOut(Schema):
    id: int
    name: str


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


class GridOut(Schema):
    id: int
    name: str
    community_id: Id


class EstateOut(Schema):
    id: int
    name: str
    community_id: Id
    grid_id: Id | None
    address: str
    household_count: int
    size_class: str
    property_service: str
    aliases: list[str]
    latitude: decimal.Decimal | None
    longitude: decimal.Decimal | None


class PlaceOut(Schema):
    id: int
    kind: str
    name: str
    parent_id: Id | None


class PlaceIn(Schema):
    model_config = {"extra": "forbid"}
    kind: Literal["district", "subdistrict", "community", "grid", "estate"]
    name: Text = Field(..., min_length=1, max_length=64)
    parent_id: BodyId | None = None
    code: str = Field("", max_length=32, pattern=r"^[a-z0-9-]*$", description="街道的 Open311 jurisdiction_id")


class EstateUpdateIn(Schema):
    model_config = {"extra": "forbid"}
    name: Text | None = Field(None, min_length=1, max_length=64)
    household_count: int | None = Field(None, ge=0, le=100_000, strict=True)
    property_service: PropertyService | None = None
    grid_id: BodyId | None = None
    address: Text | None = Field(None, max_length=200)
    aliases: list[Text] | None = Field(None, max_length=20)
    latitude: decimal.Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: decimal.Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


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


_PARENT = {"district": None, "subdistrict": "district_id", "community": "subdistrict_id", "grid": "community_id",
           "estate": "community_id"}


@router.get("/districts", response={200: list[DistrictOut], **ERRORS}, operation_id="district_list")
@paginate(Pagination)
def districts(request):
    return selectors.district_list(fetched_by=request.user)


@router.get("/subdistricts", response={200: list[SubdistrictOut], **ERRORS}, operation_id="subdistrict_list")
def subdistricts(request):
    return list(selectors.subdistrict_list(fetched_by=request.user))


@router.get("/communities", response={200: list[CommunityOut], **ERRORS}, operation_id="community_list")
def communities(request):
    return list(selectors.community_list(fetched_by=request.user))


@router.get("/grids", response={200: list[GridOut], **ERRORS}, operation_id="grid_list")
@paginate(Pagination)
def grids(request, community_id: Id | None = None):
    return selectors.grid_list(fetched_by=request.user, community_id=community_id)


@router.post("/places", response={201: PlaceOut, **ERRORS}, operation_id="place_create")
def place_create(request, payload: PlaceIn):
    """Open a district, subdistrict, community, grid or estate under its parent (the parent's keepers)."""
    data = payload.dict()
    code = data.pop("code")
    attrs = {"code": code} if data["kind"] == "subdistrict" and code else {}
    place = services.place_create(request.user, **data, **attrs)
    parent = _PARENT[data["kind"]]
    return Status(201, {"id": place.pk, "kind": data["kind"], "name": place.name,
                        "parent_id": getattr(place, parent) if parent else None})


@router.get("/estates", response={200: list[EstateOut], **ERRORS}, operation_id="estate_list")
@paginate(Pagination)
def estates(request, community_id: Id | None = None, q: Text = ""):
    return selectors.estate_list(fetched_by=request.user, community_id=community_id, query=q)


@router.get("/estates/{estate_id}", response={200: EstateOut, **ERRORS}, operation_id="estate_get")
def estate(request, estate_id: Id):
    return selectors.estate_get(fetched_by=request.user, estate_id=estate_id)


@router.patch("/estates/{estate_id}", response={200: EstateOut, **ERRORS}, operation_id="estate_update")
def estate_update(request, estate_id: Id, payload: EstateUpdateIn):
    """Change an estate's facts: name, households, grid, address, aliases, gate position (both or neither)."""
    data = payload.dict(exclude_unset=True)
    services.estate_update(request.user, estate_id=estate_id, **data)
    return selectors.estate_get(fetched_by=request.user, estate_id=estate_id)


@router.get("/estates/{estate_id}/buildings", response={200: list[BuildingOut], **ERRORS},
            operation_id="estate_buildings")
def estate_buildings(request, estate_id: Id):
    estate = selectors.estate_get(fetched_by=request.user, estate_id=estate_id)
    return list(selectors.estate_buildings(estate=estate))


@router.get("/units", response={200: list[UnitOut], **ERRORS}, operation_id="unit_list")
@paginate(EstimatedPagination)
def units(request, estate_id: Id | None = None, building_id: Id | None = None):
    """A district's units are millions: their total is the planner's estimate (`count_estimated`), not a count."""
    qs = selectors.unit_list(fetched_by=request.user, estate_id=estate_id, building_id=building_id)
    return MappedPage(qs, list, estimate=True)


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, operation_id="unit_get")
def unit(request, unit_id: Id):
    return selectors.unit_get(fetched_by=request.user, unit_id=unit_id)


class LedgerImportedOut(Schema):
    estates: int
    buildings: int
    units: int
    persons: int


@router.post("/ledger", response={201: LedgerImportedOut, **ERRORS}, operation_id="ledger_import")
def ledger_import(request, file: File[UploadedFile], community_id: Form[Id | None] = None):  # form text: "12"
    """Import a ledger (台账, Excel or CSV) as a multipart upload: estates, buildings, units and owners.
    One bad row refuses the whole file, and the error lists every row at fault."""
    if not rules.may_import_ledger(request.user):
        raise PermissionDenied()
    community_name = ""
    if community_id is not None:
        community_name = selectors.community_get(fetched_by=request.user, community_id=community_id).name
    table = ledger.read_table(file.read(settings.GONGZHI_IMPORT_MAX_BYTES + 1), file.name or "ledger.xlsx")
    rows = ledger.parse_rows(table, community_name=community_name)
    result = ledger.ledger_import(request.user, rows=rows)
    return Status(201, {"estates": result.estates, "buildings": result.buildings, "units": result.units,
                        "persons": result.persons})
