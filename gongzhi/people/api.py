import datetime
from typing import Literal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api_schema import ERRORS, BodyId, Id, IsoDate, Pagination, Text
from gongzhi.core.paging import MappedPage
from gongzhi.core.roles import Role
from gongzhi.people import selectors, services
from gongzhi.places.selectors import unit_list

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    name: str
    kind: str
    phone: str
    id_number: str


class PersonDetailOut(PersonOut):
    units: list[dict]


class AssignmentOut(Schema):
    id: int
    user_id: Id
    username: str
    role: str
    anchor_field: str
    anchor_id: Id
    anchor: str
    valid_from: datetime.date
    valid_until: datetime.date | None

    @staticmethod
    def resolve_username(obj):
        return obj.user.get_username()

    @staticmethod
    def resolve_anchor_id(obj):
        return getattr(obj, f"{obj.anchor_field}_id")

    @staticmethod
    def resolve_anchor(obj):
        return str(obj.anchor)


class AssignmentIn(Schema):
    model_config = {"extra": "forbid"}
    user_id: BodyId
    role: Role
    anchor_field: Literal["district", "subdistrict", "community", "grid", "estate", "building", "unit"]
    anchor_id: BodyId
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None


@router.get("/persons", response={200: list[PersonOut], **ERRORS})
@paginate(Pagination)
def persons(request, estate_id: Id | None = None, q: Text = ""):
    qs = selectors.person_list(fetched_by=request.user, estate_id=estate_id, query=q)
    return MappedPage(qs, lambda page: selectors.persons_out(fetched_by=request.user, persons=page))


@router.get("/persons/{person_id}", response={200: PersonDetailOut, **ERRORS})
def person(request, person_id: Id):
    found = selectors.person_get(fetched_by=request.user, person_id=person_id)
    out = selectors.persons_out(fetched_by=request.user, persons=[found])[0]
    units = unit_list(fetched_by=request.user).filter(ownerships__person=found, ownerships__until__isnull=True)
    out["units"] = [{"id": u.pk, "estate": u.estate.name, "code": u.code} for u in units]
    return out


@router.get("/roles", response={200: list[AssignmentOut], **ERRORS}, tags=["roles"])
def roles(request):
    return list(selectors.role_assignment_list(fetched_by=request.user))


@router.post("/roles", response={201: AssignmentOut, **ERRORS}, tags=["roles"])
def role_assign(request, payload: AssignmentIn):
    return Status(201, services.role_assign(request.user, **payload.dict()))


@router.post(
    "/roles/{assignment_id}/revoke", response={200: AssignmentOut, **ERRORS},
    tags=["roles"],
)
def role_revoke(request, assignment_id: Id):
    return services.role_revoke(request.user, assignment_id=assignment_id)
