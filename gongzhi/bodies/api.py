import datetime

from ninja import Router, Schema

from gongzhi.bodies import selectors, services
from gongzhi.core.api_schema import ERRORS, BodyId, Id, IsoDate, Text
from gongzhi.places.selectors import estate_get

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    estate_id: Id | None
    community_id: Id | None
    term_start: datetime.date | None
    term_end: datetime.date | None
    responsibilities: list[str]


class MemberOut(Schema):
    person_id: Id
    name: str
    role: str
    term_start: datetime.date | None
    term_end: datetime.date | None


class OrganisationDetailOut(OrganisationOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj):
        return [
            {"person_id": m.person_id, "name": m.person.name, "role": m.role,
             "term_start": m.term_start, "term_end": m.term_end}
            for m in selectors.ordered_members(obj)
        ]


class SeatIn(Schema):
    model_config = {"extra": "forbid"}
    members: list[tuple[BodyId, str]]
    term_start: IsoDate
    term_end: IsoDate


class AutonomyOut(Schema):
    estate_id: Id
    size_class: str
    expected_kind: str
    bodies: list[str]
    matches: bool
    chair: str | None
    branch_secretary: str | None
    one_shoulder: bool
    cross_appointed: list[str]
    committee_size: int
    party_members: int
    party_share: float


class CoverageOut(Schema):
    name: str
    estates: int
    covered: int
    matching: int
    percent: float


@router.get("", response={200: list[OrganisationOut], **ERRORS})
def organisations(request, kind: Text = "", estate_id: Id | None = None):
    return list(selectors.organisation_list(fetched_by=request.user, kind=kind or None, estate_id=estate_id))


@router.get("/coverage", response={200: list[CoverageOut], **ERRORS})
def coverage(request, by: str = "community"):
    return selectors.autonomy_coverage(fetched_by=request.user, by="subdistrict" if by == "subdistrict" else "community")


@router.get("/estates/{estate_id}/autonomy", response={200: AutonomyOut, **ERRORS})
def estate_autonomy(request, estate_id: Id):
    estate = estate_get(fetched_by=request.user, estate_id=estate_id)
    item = selectors.estate_autonomy([estate])[0]
    lead = selectors.estate_leadership(fetched_by=request.user, estate_id=estate.pk)
    return {
        "estate_id": estate.pk, "size_class": estate.size_class, "expected_kind": item.expected_kind,
        "bodies": [b.name for b in item.bodies], "matches": item.matches,
        "chair": lead.chair.name if lead.chair else None,
        "branch_secretary": lead.branch_secretary.name if lead.branch_secretary else None,
        "one_shoulder": lead.one_shoulder, "cross_appointed": [p.name for p in lead.cross_appointed],
        "committee_size": lead.committee_size, "party_members": lead.party_members, "party_share": lead.party_share,
    }


@router.get("/{organisation_id}", response={200: OrganisationDetailOut, **ERRORS})
def organisation(request, organisation_id: Id):
    return selectors.organisation_get(fetched_by=request.user, organisation_id=organisation_id)


@router.post(
    "/{organisation_id}/seat",
    response={200: OrganisationDetailOut, **ERRORS},
)
def seat(request, organisation_id: Id, payload: SeatIn):
    """Seat a body's members for a new term (owners' committee rules are checked)."""
    selectors.organisation_get(fetched_by=request.user, organisation_id=organisation_id)
    services.committee_seat(request.user, organisation_id=organisation_id, **payload.dict())
    return selectors.organisation_get(fetched_by=request.user, organisation_id=organisation_id)
