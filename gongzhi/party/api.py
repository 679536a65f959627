"""/api/v1 for party work: the same services and selectors as the pages."""

import datetime

from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from gongzhi.core import clock
from gongzhi.core.api_schema import ERRORS, BodyId, Id, IsoDate, Text
from gongzhi.core.errors import NotFound
from gongzhi.notices import documents
from gongzhi.notices import selectors as notices_selectors
from gongzhi.party import rules, selectors, services
from gongzhi.party.choices import BoardContact, ClaimStatus, PointsKind, PostKind, RegistrationStatus, TeamRole
from gongzhi.party.models import BoardListing
from gongzhi.requests.choices import Category

router = Router(tags=["party"])


class PointsEntryOut(Schema):
    id: int
    on: datetime.date
    kind: str
    kind_label: str
    points: int
    source_type: str
    source_id: int | None
    source: str
    rule: str
    reason: str

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_source(obj):
        return obj.source_label


class MemberPointsOut(Schema):
    person_id: int
    name: str
    balance: int
    entries: list[PointsEntryOut]


class AdjustIn(Schema):
    model_config = {"extra": "forbid"}
    points: int = Field(..., ge=-services.MAX_MANUAL_POINTS, le=services.MAX_MANUAL_POINTS, strict=True,
                        description="加分为正，扣分为负 / positive to award, negative to deduct")
    reason: Text = Field(..., min_length=1, max_length=500)


class RankOut(Schema):
    rank: int
    person_id: int
    name: str
    points: int


class RuleOut(Schema):
    kind: str
    label: str
    points: int
    monthly_cap: int | None
    default: bool


class RuleIn(Schema):
    model_config = {"extra": "forbid"}
    kind: PointsKind
    points: int = Field(..., ge=0, le=services.MAX_RULE_POINTS, strict=True)
    monthly_cap: int | None = Field(None, ge=0, le=services.MAX_MONTHLY_CAP, strict=True)


def _member_points(member) -> dict:
    return {"person_id": member.person_id, "name": member.person.name, "balance": selectors.balance(member),
            "entries": selectors.history(member)}


@router.get("/party/points", response={200: MemberPointsOut, **ERRORS}, operation_id="points_mine")
def points_mine(request):
    """The logged-in party member's points and where each came from (404 for anyone who is no member)."""
    member = selectors.member_of(request.user)
    if member is None:
        raise NotFound()
    return _member_points(member)


@router.get("/party/people/{person_id}/points", response={200: MemberPointsOut, **ERRORS},
            operation_id="member_points_get")
def member_points_get(request, person_id: Id):
    return _member_points(selectors.member_get(fetched_by=request.user, person_id=person_id))


@router.post("/party/people/{person_id}/points", response={201: PointsEntryOut, **ERRORS}, operation_id="points_adjust")
def points_adjust(request, person_id: Id, payload: AdjustIn):
    """The community awards (points > 0) or deducts (< 0) by hand, with a reason; never below zero."""
    return Status(201, services.points_adjust(request.user, person_id=person_id, **payload.dict()))


@router.get("/communities/{community_id}/party/ranking", response={200: list[RankOut], **ERRORS},
            operation_id="points_ranking")
def points_ranking(request, community_id: Id, year: int | None = Query(None, ge=2000, le=2100)):
    community = selectors.community_for_readers(fetched_by=request.user, community_id=community_id)
    ranked = selectors.ranking(community=community, year=year or clock.today().year)
    return [{"rank": r.rank, "person_id": r.member.person_id, "name": r.member.person.name, "points": r.points}
            for r in ranked]


@router.get("/communities/{community_id}/party/rules", response={200: list[RuleOut], **ERRORS},
            operation_id="points_rule_list")
def points_rule_list(request, community_id: Id):
    community = selectors.community_for_readers(fetched_by=request.user, community_id=community_id)
    return [r.__dict__ for r in selectors.rules_of(community.pk)]


@router.post("/communities/{community_id}/party/rules", response={200: RuleOut, **ERRORS},
             operation_id="points_rule_set")
def points_rule_set(request, community_id: Id, payload: RuleIn):
    rule = services.points_rule_set(request.user, community_id=community_id, **payload.dict())
    return selectors.rule_for(rule.community_id, rule.kind).__dict__


# --- 双报到 -----------------------------------------------------------------------------------------------------
class MemberRowOut(Schema):
    """A row about one party member (a registration, a 中心户, a claim): who, by the member's person."""

    person_id: int
    name: str

    @staticmethod
    def resolve_person_id(obj):
        return obj.member.person_id

    @staticmethod
    def resolve_name(obj):
        return obj.member.person.name


class RegistrationOut(MemberRowOut):
    id: int
    estate_id: int
    estate: str
    community_id: int
    work_organisation_id: int | None
    work_unit: str
    status: str
    submitted_at: datetime.datetime
    decided_at: datetime.datetime | None
    note: str

    @staticmethod
    def resolve_estate(obj):
        return obj.estate.name

    @staticmethod
    def resolve_work_unit(obj):
        return obj.unit_name


class RegistrationIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    work_organisation_id: BodyId | None = None
    work_unit: Text = Field("", max_length=100)


class PartyDecisionIn(Schema):
    model_config = {"extra": "forbid"}
    note: Text = Field("", max_length=500)


@router.get("/party/registrations", response={200: list[RegistrationOut], **ERRORS}, operation_id="registration_mine")
def registration_mine(request):
    member = selectors.member_of(request.user)
    if member is None:
        raise NotFound()
    return selectors.registrations_of(member)


@router.post("/party/registrations", response={201: RegistrationOut, **ERRORS}, operation_id="registration_submit")
def registration_submit(request, payload: RegistrationIn):
    """双报到: the logged-in in-service member registers where they live, naming their work unit."""
    return Status(201, services.registration_submit(request.user, **payload.dict()))


@router.get("/communities/{community_id}/party/registrations", response={200: list[RegistrationOut], **ERRORS},
            operation_id="registration_list")
def registration_list(request, community_id: Id, status: RegistrationStatus | None = None):
    community = selectors.community_for_readers(fetched_by=request.user, community_id=community_id)
    return list(selectors.registration_list(community=community, status=status or "")[:500])


@router.post("/party/registrations/{registration_id}/confirm", response={200: RegistrationOut, **ERRORS},
             operation_id="registration_confirm")
def registration_confirm(request, registration_id: Id, payload: PartyDecisionIn):
    return services.registration_decide(request.user, registration_id=registration_id, confirm=True, note=payload.note)


@router.post("/party/registrations/{registration_id}/decline", response={200: RegistrationOut, **ERRORS},
             operation_id="registration_decline")
def registration_decline(request, registration_id: Id, payload: PartyDecisionIn):
    return services.registration_decide(request.user, registration_id=registration_id, confirm=False,
                                        note=payload.note)


# --- the chain to the household -----------------------------------------------------------------------------------------
class ChainCoverageOut(Schema):
    buildings: int
    with_group: int
    households: int
    covered: int
    group_rate: float | None
    household_rate: float | None


class GroupOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    building_id: int
    building: str

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.name

    @staticmethod
    def resolve_building(obj):
        return obj.building.code


class CentralOut(MemberRowOut):
    id: int
    unit_id: int
    unit: str
    covered: list[str]
    since: datetime.date

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code

    @staticmethod
    def resolve_covered(obj):
        return [h.unit.code for h in obj.covered.all()]


class ChainOut(Schema):
    estate_id: int
    coverage: ChainCoverageOut
    groups: list[GroupOut]
    centrals: list[CentralOut]


class GroupBuildingIn(Schema):
    model_config = {"extra": "forbid"}
    organisation_id: BodyId
    building_id: BodyId


class CentralIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    person_id: BodyId
    unit_id: BodyId
    covered_unit_ids: list[BodyId] = Field(..., min_length=1, max_length=services.MAX_COVERED)


class VisitIn(Schema):
    model_config = {"extra": "forbid"}
    unit_id: BodyId
    on: IsoDate
    note: Text = Field(..., min_length=1, max_length=500)


class VisitOut(Schema):
    id: int
    unit_id: int
    on: datetime.date
    note: str


@router.get("/estates/{estate_id}/party/chain", response={200: ChainOut, **ERRORS}, operation_id="party_chain_get")
def party_chain_get(request, estate_id: Id):
    """An estate's building groups, 中心户 and coverage (the community's readers only)."""
    estate = selectors.chain_estate(fetched_by=request.user, estate_id=estate_id)
    chain = selectors.estate_chain(estate)
    cov = chain["coverage"]
    return {"estate_id": estate.pk, "groups": chain["groups"], "centrals": chain["centrals"], "coverage": {
        "buildings": cov.buildings, "with_group": cov.with_group, "households": cov.households,
        "covered": cov.covered, "group_rate": cov.group_rate, "household_rate": cov.household_rate}}


@router.post("/party/group-buildings", response={201: GroupOut, **ERRORS}, operation_id="group_building_set")
def group_building_set(request, payload: GroupBuildingIn):
    return Status(201, services.group_building_set(request.user, **payload.dict()))


@router.post("/party/central-households", response={201: CentralOut, **ERRORS},
             operation_id="central_household_designate")
def central_household_designate(request, payload: CentralIn):
    return Status(201, services.central_household_designate(request.user, **payload.dict()))


@router.post("/party/central-households/{central_id}/visits", response={201: VisitOut, **ERRORS},
             operation_id="household_visit_record")
def household_visit_record(request, central_id: Id, payload: VisitIn):
    """A 中心户's visit to one of its households (the member or the community); it earns visit points."""
    return Status(201, services.household_visit_record(request.user, central_id=central_id, **payload.dict()))


# --- 亮身份 boards ------------------------------------------------------------------------------------------------
class BoardListingOut(Schema):
    on_board: bool
    contact: BoardContact
    office_phone: str
    has_photo: bool

    @staticmethod
    def resolve_has_photo(obj):
        return bool(obj.photo)


class BoardListingIn(Schema):
    model_config = {"extra": "forbid"}
    on_board: bool = Field(..., strict=True)
    contact: BoardContact
    office_phone: Text = Field("", max_length=20)
    remove_photo: bool = Field(False, strict=True)


class BoardLineOut(Schema):
    name: str
    building: str
    posts: list[str]
    contact: str
    photo_url: str | None

    @staticmethod
    def resolve_photo_url(obj):
        return reverse("party:board_photo", args=[obj.photo]) if obj.photo else None


class PublicationOut(Schema):
    notice_id: int
    estate_id: int
    building_id: int | None
    published_at: datetime.datetime
    log_index: int
    print_url: str
    verify_url: str


class BoardOut(Schema):
    estate_id: int
    building_id: int | None
    members: list[BoardLineOut]
    published: list[PublicationOut]


class BoardPublishIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    building_id: BodyId | None = None


def _publication(request, publication) -> dict:
    leaf = notices_selectors.leaf_of("notice", publication.notice_id)
    return {"notice_id": publication.notice_id, "estate_id": publication.estate_id,
            "building_id": publication.building_id, "published_at": publication.published_at,
            "log_index": leaf.index, "print_url": reverse("party:board_print", args=[publication.notice_id]),
            "verify_url": documents.verify_url(request, leaf)}


@router.get("/party/board-listing", response={200: BoardListingOut, **ERRORS}, operation_id="board_listing_get")
def board_listing_get(request):
    """The logged-in member's own choice for the public 亮身份 board (404 for anyone who is no member)."""
    member = selectors.member_of(request.user)
    if member is None:
        raise NotFound()
    return selectors.board_listing_of(member) or BoardListing(member=member)  # not chosen yet: not on the board


@router.put("/party/board-listing", response={200: BoardListingOut, **ERRORS}, operation_id="board_listing_set")
def board_listing_set(request, payload: BoardListingIn):
    """Whether the member appears on the public board and which contact it shows (the photo: on the page)."""
    return services.board_listing_set(request.user, **payload.dict())


@router.get("/party/board", auth=None, response={200: BoardOut, **ERRORS}, operation_id="board_get")
def board_get(request, estate_id: Id, building_id: Id | None = None):
    """The public 亮身份 board of an estate or one of its buildings (no login): only what each member
    chose to show, and the published versions with their printed board and verification link."""
    estate, building = selectors.board_place(estate_id=estate_id, building_id=building_id)
    return {"estate_id": estate.pk, "building_id": building.pk if building else None,
            "members": selectors.board(estate, building),
            "published": [_publication(request, p) for p in selectors.board_publications(estate, building)[:5]]}


@router.post("/party/boards", response={201: PublicationOut, **ERRORS}, operation_id="board_publish")
def board_publish(request, payload: BoardPublishIn):
    """Publish the board through the notices log (the estate's party branch secretary or the community)."""
    return Status(201, _publication(request, services.board_publish(request.user, **payload.dict())))


# --- 设岗定责 -----------------------------------------------------------------------------------------------------
class ClaimOut(MemberRowOut):
    id: int
    post_id: int
    status: ClaimStatus
    claimed_at: datetime.datetime
    decided_at: datetime.datetime | None
    note: str


class PostOut(Schema):
    id: int
    estate_id: int
    building_id: int | None
    kind: PostKind
    title: str
    duties: str
    claim: ClaimOut | None = None

    @staticmethod
    def resolve_claim(obj):
        return getattr(obj, "open_claim", None)


class PostIn(Schema):
    model_config = {"extra": "forbid"}
    kind: PostKind
    title: Text = Field("", max_length=60)
    duties: Text = Field(..., min_length=1, max_length=500)
    building_id: BodyId | None = None


class MyPostsOut(Schema):
    free: list[PostOut]
    claims: list[ClaimOut]


class DutyIn(Schema):
    model_config = {"extra": "forbid"}
    on: IsoDate
    note: Text = Field(..., min_length=1, max_length=500)


class DutyOut(Schema):
    id: int
    claim_id: int
    on: datetime.date
    note: str
    points: int


@router.get("/estates/{estate_id}/party/posts", response={200: list[PostOut], **ERRORS}, operation_id="post_list")
def post_list(request, estate_id: Id):
    """An estate's posts and who holds or claims each (the community's readers only)."""
    return selectors.estate_posts(selectors.chain_estate(fetched_by=request.user, estate_id=estate_id))


@router.post("/estates/{estate_id}/party/posts", response={201: PostOut, **ERRORS}, operation_id="post_create")
def post_create(request, estate_id: Id, payload: PostIn):
    return Status(201, services.post_create(request.user, estate_id=estate_id, **payload.dict()))


@router.get("/party/posts", response={200: MyPostsOut, **ERRORS}, operation_id="post_mine")
def post_mine(request):
    """The logged-in member's claims and the free posts where they live (404 for anyone who is no member)."""
    member = selectors.member_of(request.user)
    if member is None:
        raise NotFound()
    return selectors.member_posts(member)


@router.post("/party/posts/{post_id}/claim", response={201: ClaimOut, **ERRORS}, operation_id="post_claim")
def post_claim(request, post_id: Id):
    return Status(201, services.post_claim(request.user, post_id=post_id))


@router.post("/party/post-claims/{claim_id}/confirm", response={200: ClaimOut, **ERRORS},
             operation_id="post_claim_confirm")
def post_claim_confirm(request, claim_id: Id, payload: PartyDecisionIn):
    return services.post_claim_decide(request.user, claim_id=claim_id, confirm=True, note=payload.note)


@router.post("/party/post-claims/{claim_id}/decline", response={200: ClaimOut, **ERRORS},
             operation_id="post_claim_decline")
def post_claim_decline(request, claim_id: Id, payload: PartyDecisionIn):
    return services.post_claim_decide(request.user, claim_id=claim_id, confirm=False, note=payload.note)


@router.post("/party/post-claims/{claim_id}/duties", response={201: DutyOut, **ERRORS},
             operation_id="post_duty_record")
def post_duty_record(request, claim_id: Id, payload: DutyIn):
    """A duty of a held post done (its member or the community); it earns post-duty points."""
    duty = services.post_duty_record(request.user, claim_id=claim_id, **payload.dict())
    entry = selectors.duty_points(duty)
    return Status(201, {"id": duty.pk, "claim_id": duty.claim_id, "on": duty.on, "note": duty.note,
                        "points": entry.points if entry else 0})


# --- 包保 cadres ---------------------------------------------------------------------------------------------------
class AssignIn(Schema):
    model_config = {"extra": "forbid"}
    user_id: BodyId
    estate_id: BodyId
    start: IsoDate
    end: IsoDate | None = None


class CadreAssignmentOut(Schema):
    id: int
    user_id: int
    estate_id: int
    start: datetime.date
    end: datetime.date | None
    warning: str | None = None

    @staticmethod
    def resolve_user_id(obj):
        return obj.cadre_id


class CadreTeamIn(Schema):
    model_config = {"extra": "forbid"}
    person_id: BodyId
    role: TeamRole


class CadreTeamOut(Schema):
    id: int
    person_id: int
    name: str
    role: TeamRole

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class FieldVisitIn(Schema):
    model_config = {"extra": "forbid"}
    on: IsoDate
    findings: Text = Field(..., min_length=1, max_length=1000)


class FieldVisitOut(Schema):
    id: int
    estate_id: int
    on: datetime.date
    findings: str
    request_id: int | None


class RaiseIn(Schema):
    model_config = {"extra": "forbid"}
    category: Category


class OpenRequestOut(Schema):
    id: int
    category: str
    status: str
    age_days: int


class CadreEstateOut(Schema):
    assignment: CadreAssignmentOut
    current: bool
    open_requests: list[OpenRequestOut]
    team: list[CadreTeamOut]
    visits_this_month: list[FieldVisitOut]


class CadreOut(Schema):
    user_id: int
    name: str
    visits_this_month: int
    raised_this_month: int
    estates: list[CadreEstateOut]


@router.get("/party/cadres/{user_id}", response={200: CadreOut, **ERRORS}, operation_id="cadre_get")
def cadre_get(request, user_id: Id):
    """A 包保 cadre's estates with open requests and their age, the team and this month's visits (the
    cadre themself, the subdistrict and administrators over those estates)."""
    cadre = selectors.cadre_get(fetched_by=request.user, user_id=user_id)
    page = selectors.cadre_page(fetched_by=request.user, cadre=cadre)
    return {"user_id": cadre.pk, "name": cadre.get_full_name() or cadre.username,
            "visits_this_month": page["visits_this_month"], "raised_this_month": page["raised_this_month"],
            "estates": [{"assignment": e.assignment, "current": e.current, "team": e.team,
                         "visits_this_month": e.visits_this_month,
                         "open_requests": [{"id": r.pk, "category": r.category, "status": r.status, "age_days": age}
                                           for r, age in e.open_requests]} for e in page["estates"]]}


@router.post("/party/cadre-assignments", response={201: CadreAssignmentOut, **ERRORS}, operation_id="cadre_assign")
def cadre_assign(request, payload: AssignIn):
    """包保: assign a cadre to an estate (the subdistrict); above the configured number, `warning` says so."""
    assignment, warning = services.cadre_assign(request.user, **payload.dict())
    assignment.warning = warning
    return Status(201, assignment)


@router.post("/party/cadre-assignments/{assignment_id}/team", response={201: CadreTeamOut, **ERRORS},
             operation_id="cadre_team_add")
def cadre_team_add(request, assignment_id: Id, payload: CadreTeamIn):
    return Status(201, services.cadre_team_add(request.user, assignment_id=assignment_id, **payload.dict()))


@router.post("/party/cadre-assignments/{assignment_id}/visits", response={201: FieldVisitOut, **ERRORS},
             operation_id="field_visit_record")
def field_visit_record(request, assignment_id: Id, payload: FieldVisitIn):
    return Status(201, services.field_visit_record(request.user, assignment_id=assignment_id, **payload.dict()))


@router.post("/party/field-visits/{visit_id}/request", response={201: FieldVisitOut, **ERRORS},
             operation_id="field_visit_raise")
def field_visit_raise(request, visit_id: Id, payload: RaiseIn):
    """A visit's finding becomes a request through the requests intake (once)."""
    services.field_visit_raise(request.user, visit_id=visit_id, category=payload.category)
    return Status(201, selectors.field_visit(visit_id))


# --- 组织关系 -------------------------------------------------------------------------------------------------------
class OrgRelationOut(MemberRowOut):
    id: int
    organisation_id: int
    organisation: str
    start: datetime.date
    came_from: str
    end: datetime.date | None
    went_to: str

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.name


class OrgRosterOut(Schema):
    organisation_id: int
    on: datetime.date
    members: list[OrgRelationOut]
    history: list[OrgRelationOut]
    coverage: ChainCoverageOut


class TransferInIn(Schema):
    model_config = {"extra": "forbid"}
    person_id: BodyId
    on: IsoDate
    came_from: Text = Field("", max_length=120)


class TransferOutIn(Schema):
    model_config = {"extra": "forbid"}
    on: IsoDate
    to_organisation_id: BodyId | None = None
    went_to: Text = Field("", max_length=120)


@router.get("/organisations/{organisation_id}/party/members", response={200: OrgRosterOut, **ERRORS},
            operation_id="org_relation_list")
def org_relation_list(request, organisation_id: Id, on: IsoDate | None = None):
    """Who belonged to the party organisation on a day (today by default), and its transfers in and out."""
    organisation = selectors.relations_organisation(fetched_by=request.user, organisation_id=organisation_id)
    day = on or clock.today()
    return {"organisation_id": organisation.pk, "on": day, "members": selectors.members_on(organisation, day),
            "history": selectors.relation_history(organisation),
            "coverage": selectors.organisation_coverage(organisation)}


@router.post("/organisations/{organisation_id}/party/members", response={201: OrgRelationOut, **ERRORS},
             operation_id="org_relation_transfer_in")
def org_relation_transfer_in(request, organisation_id: Id, payload: TransferInIn):
    """组织关系转入: the member belongs to the organisation from the day given."""
    return Status(201, services.org_relation_transfer_in(request.user, organisation_id=organisation_id,
                                                         **payload.dict()))


@router.post("/party/org-relations/{relation_id}/transfer-out", response={200: OrgRelationOut, **ERRORS},
             operation_id="org_relation_transfer_out")
def org_relation_transfer_out(request, relation_id: Id, payload: TransferOutIn):
    """组织关系转出: the membership ends on the day; to a party organisation on record it opens there."""
    return services.org_relation_transfer_out(request.user, relation_id=relation_id, **payload.dict())


# --- 双报到单位 ---------------------------------------------------------------------------------------------------
class UnitRegistrationOut(Schema):
    id: int
    community_id: int
    partner_id: int | None
    name: str
    services: str
    status: str
    submitted_at: datetime.datetime
    decided_at: datetime.datetime | None
    contact: str | None = None
    note: str | None = None


class UnitRegistrationIn(Schema):
    model_config = {"extra": "forbid"}
    partner_id: BodyId | None = None
    unit_name: Text = Field("", max_length=100)
    services: Text = Field(..., min_length=1, max_length=500)
    contact: Text = Field("", max_length=100)


def _unit_out(registration, *, keeper: bool) -> dict:
    out = {"id": registration.pk, "community_id": registration.community_id, "partner_id": registration.partner_id,
           "name": registration.name, "services": registration.services, "status": registration.status,
           "submitted_at": registration.submitted_at, "decided_at": registration.decided_at}
    if keeper:  # the contact and the community's note: the community's staff only
        out.update(contact=registration.contact, note=registration.note)
    return out


@router.get("/communities/{community_id}/party/units", response={200: list[UnitRegistrationOut], **ERRORS},
            operation_id="unit_registration_list")
def unit_registration_list(request, community_id: Id):
    """The units registered at the community: the confirmed ones; for its staff, all with their contact."""
    community = selectors.unit_community(fetched_by=request.user, community_id=community_id)
    keeper = rules.may_confirm_unit(request.user, community.pk)
    return [_unit_out(r, keeper=keeper) for r in selectors.unit_registrations(community=community,
                                                                              everything=keeper)[:500]]


@router.post("/communities/{community_id}/party/units", response={201: UnitRegistrationOut, **ERRORS},
             operation_id="unit_registration_submit")
def unit_registration_submit(request, community_id: Id, payload: UnitRegistrationIn):
    """双报到单位: a unit registers at the community with the services it offers; the community confirms."""
    registration = services.unit_registration_submit(request.user, community_id=community_id, **payload.dict())
    return Status(201, _unit_out(registration, keeper=True))


@router.post("/party/unit-registrations/{registration_id}/confirm", response={200: UnitRegistrationOut, **ERRORS},
             operation_id="unit_registration_confirm")
def unit_registration_confirm(request, registration_id: Id, payload: PartyDecisionIn):
    registration = services.unit_registration_decide(request.user, registration_id=registration_id, confirm=True,
                                                      note=payload.note)
    return _unit_out(registration, keeper=True)


@router.post("/party/unit-registrations/{registration_id}/decline", response={200: UnitRegistrationOut, **ERRORS},
             operation_id="unit_registration_decline")
def unit_registration_decline(request, registration_id: Id, payload: PartyDecisionIn):
    registration = services.unit_registration_decide(request.user, registration_id=registration_id, confirm=False,
                                                      note=payload.note)
    return _unit_out(registration, keeper=True)


# --- 申报服务项目 ---------------------------------------------------------------------------------------------------
class ServiceProjectOut(MemberRowOut):
    id: int
    estate_id: int
    title: str
    description: str
    active: bool


class ServiceProjectIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    title: Text = Field(..., min_length=1, max_length=60)
    description: Text = Field(..., min_length=1, max_length=500)


class ServiceOrderOut(Schema):
    id: int
    project_id: int
    title: str
    estate_id: int
    note: str
    status: str
    ordered_at: datetime.datetime
    accepted_at: datetime.datetime | None
    done_at: datetime.datetime | None
    answer: str
    points: int | None = None

    @staticmethod
    def resolve_title(obj):
        return obj.project.title

    @staticmethod
    def resolve_points(obj):
        entry = selectors.service_order_points(obj)
        return entry.points if entry else None


class MyServicesOut(Schema):
    projects: list[ServiceProjectOut]
    orders: list[ServiceOrderOut]


class ServiceOrderIn(Schema):
    model_config = {"extra": "forbid"}
    note: Text = Field(..., min_length=1, max_length=500)


@router.get("/estates/{estate_id}/party/services", response={200: list[ServiceProjectOut], **ERRORS},
            operation_id="service_project_list")
def service_project_list(request, estate_id: Id):
    """The services the estate's members offer (each by the member's own declaration), for its residents."""
    return selectors.estate_projects(selectors.services_estate(fetched_by=request.user, estate_id=estate_id))


@router.get("/party/services", response={200: MyServicesOut, **ERRORS}, operation_id="service_project_mine")
def service_project_mine(request):
    member = selectors.member_of(request.user)
    if member is None:
        raise NotFound()
    found = selectors.member_services(member)
    return {"projects": found["projects"], "orders": found["open_orders"] + found["closed_orders"]}


@router.post("/party/services", response={201: ServiceProjectOut, **ERRORS}, operation_id="service_project_declare")
def service_project_declare(request, payload: ServiceProjectIn):
    """申报服务项目: the logged-in member offers a service to the residents of an estate where they live."""
    return Status(201, services.service_project_declare(request.user, **payload.dict()))


@router.post("/party/services/{project_id}/withdraw", response={200: ServiceProjectOut, **ERRORS},
             operation_id="service_project_withdraw")
def service_project_withdraw(request, project_id: Id):
    return services.service_project_withdraw(request.user, project_id=project_id)


@router.post("/party/services/{project_id}/orders", response={201: ServiceOrderOut, **ERRORS},
             operation_id="service_order_place")
def service_order_place(request, project_id: Id, payload: ServiceOrderIn):
    """A resident of the estate orders a member's service."""
    return Status(201, services.service_order_place(request.user, project_id=project_id, note=payload.note))


@router.post("/party/service-orders/{order_id}/accept", response={200: ServiceOrderOut, **ERRORS},
             operation_id="service_order_accept")
def service_order_accept(request, order_id: Id):
    return services.service_order_answer(request.user, order_id=order_id, accept=True)


@router.post("/party/service-orders/{order_id}/decline", response={200: ServiceOrderOut, **ERRORS},
             operation_id="service_order_decline")
def service_order_decline(request, order_id: Id, payload: PartyDecisionIn):
    return services.service_order_answer(request.user, order_id=order_id, accept=False, note=payload.note)


@router.post("/party/service-orders/{order_id}/complete", response={200: ServiceOrderOut, **ERRORS},
             operation_id="service_order_complete")
def service_order_complete(request, order_id: Id, payload: ServiceOrderIn):
    """The member completes the order; it earns them the order points once."""
    return services.service_order_complete(request.user, order_id=order_id, note=payload.note)
