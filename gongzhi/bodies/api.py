import datetime
import decimal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.bodies import selectors, services
from gongzhi.bodies.choices import OrgKind, Responsibility, ServiceScope
from gongzhi.core.api_schema import ERRORS, BodyId, Id, IsoDate, Pagination, Text
from gongzhi.core.money import yuan
from gongzhi.places.selectors import community_get, estate_get

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    estate_id: Id | None
    community_id: Id | None
    parent_id: Id | None
    active: bool
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
    estates_served: list[int] = Field(default_factory=list, description="平台服务的小区 / estates a platform serves")

    @staticmethod
    def resolve_members(obj):
        return [
            {"person_id": m.person_id, "name": m.person.name, "role": m.role,
             "term_start": m.term_start, "term_end": m.term_end}
            for m in selectors.ordered_members(obj)
        ]


class SeatIn(Schema):
    model_config = {"extra": "forbid"}
    members: list[tuple[BodyId, str]] = Field(..., max_length=50)
    term_start: IsoDate
    term_end: IsoDate


class OrganisationIn(Schema):
    model_config = {"extra": "forbid"}
    kind: OrgKind
    name: Text = Field(..., min_length=1, max_length=120)
    estate_id: BodyId | None = None
    community_id: BodyId | None = None
    parent_id: BodyId | None = None
    responsibilities: list[Responsibility] = Field(default_factory=list, max_length=8)
    credit_code: str = Field("", max_length=18, pattern=r"^[0-9A-Z]*$")


class ServeIn(Schema):
    model_config = {"extra": "forbid"}
    estate_ids: list[BodyId] = Field(..., min_length=1, max_length=services.MAX_SERVED)


class TermEndIn(Schema):
    model_config = {"extra": "forbid"}
    on: IsoDate


class PastMemberOut(Schema):
    person_id: Id
    name: str
    role: str
    term_start: datetime.date | None
    term_end: datetime.date | None

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class ContractOut(Schema):
    id: int
    estate_id: Id
    company_id: Id
    company: str
    start: datetime.date | None
    end: datetime.date | None
    services: list[str]
    fee_yuan_per_m2: str | None
    fee_note: str
    origin: str
    predecessor_id: Id | None
    running: bool

    @staticmethod
    def resolve_company(obj):
        return obj.company.name

    @staticmethod
    def resolve_fee_yuan_per_m2(obj):
        return yuan(obj.fee_fen_per_m2) if obj.fee_fen_per_m2 else None

    @staticmethod
    def resolve_running(obj):
        return selectors.contract_running(obj)




class ContractTermsIn(Schema):
    model_config = {"extra": "forbid"}
    end: IsoDate | None = None
    services: list[ServiceScope] = Field(default_factory=list, max_length=10)
    fee: decimal.Decimal | None = Field(None, gt=0, le=50, decimal_places=2,
                                        description="收费标准 元/m²/月 (≤ 50) / fee standard, yuan per m² per month")
    fee_note: Text = Field("", max_length=200)


class ContractIn(ContractTermsIn):
    estate_id: BodyId
    company_id: BodyId
    start: IsoDate


class RenewIn(Schema):
    model_config = {"extra": "forbid"}
    end: IsoDate | None = None
    services: list[ServiceScope] | None = Field(None, max_length=10)
    fee: decimal.Decimal | None = Field(None, gt=0, le=50, decimal_places=2)
    fee_note: Text | None = Field(None, max_length=200)


class ReplaceIn(ContractTermsIn):
    company_id: BodyId
    start: IsoDate


class AgreementIn(Schema):
    model_config = {"extra": "forbid"}
    party_organisation_id: BodyId
    partner_id: BodyId
    signed_on: IsoDate
    expires_on: IsoDate | None = None
    content: Text = Field("", max_length=2000)


class AgreementOut(Schema):
    id: int
    party_organisation_id: Id
    party_organisation: str
    partner_id: Id
    partner: str
    signed_on: datetime.date
    expires_on: datetime.date | None
    content: str

    @staticmethod
    def resolve_party_organisation(obj):
        return obj.party_organisation.name

    @staticmethod
    def resolve_partner(obj):
        return obj.partner.name


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


@router.get("", response={200: list[OrganisationOut], **ERRORS}, operation_id="organisation_list")
def organisations(request, kind: Text = "", estate_id: Id | None = None):
    return list(selectors.organisation_list(fetched_by=request.user, kind=kind or None, estate_id=estate_id))


@router.post("", response={201: OrganisationDetailOut, **ERRORS}, operation_id="organisation_create")
def organisation_create(request, payload: OrganisationIn):
    """Set up a body at an estate or community; a party organisation names its parent in the tree."""
    org = services.organisation_create(request.user, **payload.dict())
    return Status(201, selectors.organisation_get(fetched_by=request.user, organisation_id=org.pk))


@router.get("/contracts", response={200: list[ContractOut], **ERRORS}, operation_id="service_contract_list",
            tags=["contracts"])
@paginate(Pagination)
def contracts(request, estate_id: Id):
    """An estate's service contracts with their history (renewals and replacements), latest first."""
    return selectors.service_contract_list(fetched_by=request.user, estate_id=estate_id)


@router.post("/contracts", response={201: ContractOut, **ERRORS}, operation_id="service_contract_create",
             tags=["contracts"])
def contract_create(request, payload: ContractIn):
    """Record a property-service or community-service-company contract (no overlap with a running one)."""
    return Status(201, services.service_contract_create(request.user, **payload.dict()))


@router.post("/contracts/{contract_id}/renew", response={201: ContractOut, **ERRORS},
             operation_id="service_contract_renew", tags=["contracts"])
def contract_renew(request, contract_id: Id, payload: RenewIn):
    """续签: the same company from the day after the contract ends."""
    return Status(201, services.service_contract_renew(request.user, contract_id=contract_id, **payload.dict()))


@router.post("/contracts/{contract_id}/replace", response={201: ContractOut, **ERRORS},
             operation_id="service_contract_replace", tags=["contracts"])
def contract_replace(request, contract_id: Id, payload: ReplaceIn):
    """更换: another company from `start`; the old contract ends the day before and stays as history."""
    return Status(201, services.service_contract_replace(request.user, contract_id=contract_id, **payload.dict()))


@router.get("/agreements", response={200: list[AgreementOut], **ERRORS}, operation_id="agreement_list",
            tags=["agreements"])
@paginate(Pagination)
def agreements(request, community_id: Id):
    """党建共建协议 of a community's party organisations."""
    community_get(fetched_by=request.user, community_id=community_id)
    return selectors.agreement_list(fetched_by=request.user, community_id=community_id)


@router.post("/agreements", response={201: AgreementOut, **ERRORS}, operation_id="agreement_sign",
             tags=["agreements"])
def agreement_sign(request, payload: AgreementIn):
    return Status(201, services.agreement_sign(request.user, **payload.dict()))


@router.get("/coverage", response={200: list[CoverageOut], **ERRORS}, operation_id="autonomy_coverage")
def coverage(request, by: str = "community"):
    return selectors.autonomy_coverage(fetched_by=request.user, by="subdistrict" if by == "subdistrict" else "community")


@router.get("/estates/{estate_id}/autonomy", response={200: AutonomyOut, **ERRORS}, operation_id="estate_autonomy")
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


def _detail(user, organisation_id):
    org = selectors.organisation_get(fetched_by=user, organisation_id=organisation_id)
    org.estates_served = selectors.estates_served(fetched_by=user, organisation=org)
    return org


@router.get("/{organisation_id}", response={200: OrganisationDetailOut, **ERRORS}, operation_id="organisation_get")
def organisation(request, organisation_id: Id):
    return _detail(request.user, organisation_id)


@router.post("/{organisation_id}/estates-served", response={200: OrganisationDetailOut, **ERRORS},
             operation_id="platform_serve")
def platform_serve(request, organisation_id: Id, payload: ServeIn):
    """The estates a platform (局长驻点工作室, 两代表一委员工作室, 新时代文明实践中心, 政法干警进网格, 三社联动)
    serves: estates of its own community; replaces the list."""
    selectors.organisation_get(fetched_by=request.user, organisation_id=organisation_id)
    services.platform_serve(request.user, organisation_id=organisation_id, estate_ids=payload.estate_ids)
    return _detail(request.user, organisation_id)


@router.post(
    "/{organisation_id}/seat",
    response={200: OrganisationDetailOut, **ERRORS}, operation_id="committee_seat",
)
def seat(request, organisation_id: Id, payload: SeatIn):
    """Seat a body's members for a new term (owners' committee rules are checked)."""
    selectors.organisation_get(fetched_by=request.user, organisation_id=organisation_id)
    services.committee_seat(request.user, organisation_id=organisation_id, **payload.dict())
    return selectors.organisation_get(fetched_by=request.user, organisation_id=organisation_id)


@router.post("/{organisation_id}/term/end", response={200: OrganisationDetailOut, **ERRORS},
             operation_id="organisation_term_end")
def term_end(request, organisation_id: Id, payload: TermEndIn):
    """End the current term on its last day; the roster stays as history. Twice: 409."""
    selectors.organisation_get(fetched_by=request.user, organisation_id=organisation_id)
    services.organisation_term_end(request.user, organisation_id=organisation_id, on=payload.on)
    return selectors.organisation_get(fetched_by=request.user, organisation_id=organisation_id)


@router.get("/{organisation_id}/terms", response={200: list[PastMemberOut], **ERRORS}, operation_id="membership_history")
@paginate(Pagination)
def terms(request, organisation_id: Id):
    """Members of the organisation's past terms, latest first."""
    org = selectors.organisation_get(fetched_by=request.user, organisation_id=organisation_id)
    return selectors.membership_history(organisation=org)
