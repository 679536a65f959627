import datetime
import re
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BeforeValidator

from gongzhi.core.api_schema import ERRORS, BodyId, EstimatedPagination, Id, IsoDate, Pagination, Text
from gongzhi.core.errors import InvalidInput
from gongzhi.core.paging import MappedPage
from gongzhi.core.roles import Role
from gongzhi.people import selectors, services
from gongzhi.places.selectors import unit_list

router = Router(tags=["people"])


def _iso_text(value):
    # A query parameter arrives as text, and pydantic would read "0" as 1970-01-01.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("日期须写作 YYYY-MM-DD / a date is written YYYY-MM-DD")
    return value


QueryDate = Annotated[IsoDate, BeforeValidator(_iso_text)]


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


@router.get("/persons", response={200: list[PersonOut], **ERRORS}, operation_id="person_list")
@paginate(EstimatedPagination)
def persons(request, estate_id: Id | None = None, q: Text = ""):
    """The people the user may see, by name; `count` is the database's estimate above 10,000 people (then
    `count_estimated` is true)."""
    qs = selectors.person_list(fetched_by=request.user, estate_id=estate_id, query=q)
    return MappedPage(qs, lambda page: selectors.persons_out(fetched_by=request.user, persons=page), estimate=True)


@router.get("/persons/{person_id}", response={200: PersonDetailOut, **ERRORS}, operation_id="person_get")
def person(request, person_id: Id):
    found = selectors.person_get(fetched_by=request.user, person_id=person_id)
    out = selectors.persons_out(fetched_by=request.user, persons=[found])[0]
    units = unit_list(fetched_by=request.user).filter(ownerships__person=found, ownerships__until__isnull=True)
    out["units"] = [{"id": u.pk, "estate": u.estate.name, "code": u.code} for u in units]
    return out


@router.get("/roles", response={200: list[AssignmentOut], **ERRORS}, tags=["roles"], operation_id="role_list")
def roles(request):
    return list(selectors.role_assignment_list(fetched_by=request.user))


@router.post("/roles", response={201: AssignmentOut, **ERRORS}, tags=["roles"], operation_id="role_assign")
def role_assign(request, payload: AssignmentIn):
    return Status(201, services.role_assign(request.user, **payload.dict()))


@router.post(
    "/roles/{assignment_id}/revoke", response={200: AssignmentOut, **ERRORS},
    tags=["roles"], operation_id="role_revoke",
)
def role_revoke(request, assignment_id: Id):
    return services.role_revoke(request.user, assignment_id=assignment_id)


class OwnershipOut(Schema):
    id: int
    unit_id: Id
    person_id: Id
    name: str
    since: datetime.date | None
    until: datetime.date | None

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class NewOwnerFields(Schema):
    model_config = {"extra": "forbid"}
    person_id: BodyId | None = Field(None, description="已登记人员 / a registered person")
    name: Text = Field("", max_length=100, description="或新登记的姓名 / or a new person's name")
    phone: Text = Field("", max_length=20, pattern=r"^[0-9 +-]*$")


class TransferIn(NewOwnerFields):
    on: IsoDate


class OwnershipStartIn(NewOwnerFields):
    unit_id: BodyId
    since: IsoDate


class OwnershipEndIn(Schema):
    model_config = {"extra": "forbid"}
    until: IsoDate


@router.get("/units/{unit_id}/ownerships", response={200: list[OwnershipOut], **ERRORS},
            tags=["ownership"], operation_id="ownership_history")
@paginate(Pagination)
def ownership_history(request, unit_id: Id):
    """Every title the unit has had, the current ones first."""
    return selectors.ownership_history(fetched_by=request.user, unit_id=unit_id)[1]


@router.get("/units/{unit_id}/owners", response={200: list[OwnershipOut], **ERRORS},
            tags=["ownership"], operation_id="owners_on")
@paginate(Pagination)
def owners_on(request, unit_id: Id, on: str = Query(..., pattern=r"^\d{4}-\d{2}-\d{2}$")):
    """Who owned the unit on a day, written YYYY-MM-DD (on a transfer day: the new owner)."""
    try:
        day = datetime.date.fromisoformat(on)
    except ValueError:
        raise InvalidInput("日期须写作 YYYY-MM-DD / a date is written YYYY-MM-DD", field="on") from None
    return selectors.owners_on(fetched_by=request.user, unit_id=unit_id, day=day)


@router.post("/units/{unit_id}/transfer", response={201: OwnershipOut, **ERRORS},
             tags=["ownership"], operation_id="ownership_transfer")
def ownership_transfer(request, unit_id: Id, payload: TransferIn):
    """过户: the current owners' titles end the day before `on`, the new owner's starts on `on`."""
    return Status(201, services.ownership_transfer(request.user, unit_id=unit_id, **payload.dict()))


@router.post("/ownerships", response={201: OwnershipOut, **ERRORS}, tags=["ownership"],
             operation_id="ownership_start")
def ownership_start(request, payload: OwnershipStartIn):
    """A co-owner's title starts beside the current owners."""
    return Status(201, services.ownership_start(request.user, **payload.dict()))


@router.post("/ownerships/{ownership_id}/end", response={200: OwnershipOut, **ERRORS}, tags=["ownership"],
             operation_id="ownership_end")
def ownership_end(request, ownership_id: Id, payload: OwnershipEndIn):
    """End one title on its last day; ending it twice answers 409."""
    return services.ownership_end(request.user, ownership_id=ownership_id, until=payload.until)


class OpenedAccountOut(Schema):
    person_id: int
    username: str = Field(description="登录名：业主的手机号码")
    initial_password: str = Field(description="初始密码，只在这一次回答中给出")

    @staticmethod
    def resolve_person_id(obj):
        return obj.person.pk


@router.post("/ownerships/{ownership_id}/account", response={201: OpenedAccountOut, **ERRORS},
             tags=["ownership"], operation_id="account_open")
def account_open(request, ownership_id: Id):
    """Open a login for the owner of a current title: their mobile number is the login name; the first
    password is in this answer only."""
    return Status(201, services.account_open(request.user, ownership_id=ownership_id))
