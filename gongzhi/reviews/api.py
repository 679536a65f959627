"""/api/v1 twins of the pages of holding service to account: evaluations (answers, offline groups, the
result), interviews and rectification items, and the 红黑榜 with its due process."""

import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from gongzhi.core import clock
from gongzhi.core.api_schema import ERRORS, BodyId, FileIn, Id, IsoDate, Text, uploads
from gongzhi.core.errors import InvalidInput, NotFound
from gongzhi.core.figures import place_get
from gongzhi.reviews import rules, selectors, services
from gongzhi.reviews.choices import EntryKind, EvaluationKind, GroupKind, InterviewReason, MediationKind, Scale

router = Router(tags=["reviews"])


class EvaluationItemIn(Schema):
    model_config = {"extra": "forbid"}
    name: Text = Field(..., min_length=1, max_length=40)
    weight: int = Field(..., ge=1, le=100, strict=True)


class EvaluationItemOut(Schema):
    id: int
    name: str
    weight: int


class EvaluationIn(Schema):
    model_config = {"extra": "forbid"}
    company_id: BodyId
    title: Text = Field(..., min_length=1, max_length=100)
    period_start: IsoDate
    period_end: IsoDate
    closes_at: datetime.datetime
    items: list[EvaluationItemIn] = Field(..., min_length=1, max_length=services.MAX_ITEMS)
    kind: EvaluationKind = EvaluationKind.ORDINARY
    scale: Scale = Scale.LEVELS
    owners_weight: int = Field(60, ge=0, le=100, strict=True)
    survey_weight: int | None = Field(None, ge=0, le=100, strict=True)
    requests_weight: int | None = Field(None, ge=0, le=100, strict=True)
    fee_weight: int | None = Field(None, ge=0, le=100, strict=True)
    threshold: Decimal = Field(Decimal(60), ge=0, le=100, max_digits=4, decimal_places=1)


class EvaluationOut(Schema):
    id: int
    estate_id: int
    company_id: int
    company: str
    kind: str
    scale: str
    title: str
    period_start: datetime.date
    period_end: datetime.date
    closes_at: datetime.datetime
    owners_weight: int
    survey_weight: int
    requests_weight: int
    fee_weight: int
    threshold: Decimal
    status: str
    score: Decimal | None
    result: dict
    notice_id: int | None
    items: list[EvaluationItemOut]

    @staticmethod
    def resolve_company(obj):
        return obj.company.name

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class EvaluationResponseIn(Schema):
    model_config = {"extra": "forbid"}
    unit_id: BodyId
    scores: dict[str, int] = Field(..., description="评议项目 id → 1–5（好差评：非常满意 5 … 非常不满意 1）")
    comment: Text = Field("", max_length=2000)


class EvaluationResponseOut(Schema):
    id: int
    evaluation_id: int
    unit_id: int
    answered_at: datetime.datetime


class OfflineGroupIn(Schema):
    model_config = {"extra": "forbid"}
    name: Text = Field(..., min_length=1, max_length=60)
    kind: GroupKind
    weight: int = Field(..., ge=1, le=100, strict=True)
    forms: int = Field(..., ge=1, le=100_000, strict=True)
    scores: dict[str, Decimal] = Field(..., description="评议项目 id → 平均分 1.0–5.0")


class OfflineGroupOut(Schema):
    id: int
    evaluation_id: int
    name: str
    kind: str
    weight: int
    forms: int
    scores: dict


class EvaluationCoverageOut(Schema):
    households: int
    answered: int
    coverage: str
    buildings: list[dict]


class InterviewCommitmentIn(Schema):
    model_config = {"extra": "forbid"}
    text: Text = Field(..., min_length=1, max_length=500)
    working_days: int = Field(..., ge=1, le=60, strict=True)


class InterviewIn(Schema):
    model_config = {"extra": "forbid"}
    reason: InterviewReason
    held_on: IsoDate
    minutes: Text = Field(..., min_length=1, max_length=10_000)
    commitments: list[InterviewCommitmentIn] = Field(..., min_length=1, max_length=services.MAX_COMMITMENTS)
    evaluation_id: BodyId | None = None
    company_id: BodyId | None = None


class RectificationReportOut(Schema):
    id: int
    text: str
    reported_at: datetime.datetime
    passed: bool | None
    check_note: str
    checked_at: datetime.datetime | None
    photos: int

    @staticmethod
    def resolve_photos(obj):
        return obj.photos.count()


class RectificationOut(Schema):
    id: int
    number: int
    commitment: str
    working_days: int
    due_at: datetime.datetime
    status: str
    sent_back: int
    reports: list[RectificationReportOut]

    @staticmethod
    def resolve_reports(obj):
        return list(obj.reports.all())


class InterviewOut(Schema):
    id: int
    estate_id: int
    company_id: int
    company: str
    reason: str
    evaluation_id: int | None
    complaints: int
    held_on: datetime.date
    minutes: str
    status: str
    vote_id: int | None
    replacement_company_id: int | None
    replacement_start: datetime.date | None
    replacement_contract_id: int | None
    outcome_note: str
    items: list[RectificationOut]

    @staticmethod
    def resolve_company(obj):
        return obj.company.name

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class RectificationReportIn(Schema):
    model_config = {"extra": "forbid"}
    text: Text = Field(..., min_length=1, max_length=2000)
    photos: list[FileIn] = Field([], max_length=6)


class RectificationCheckIn(Schema):
    model_config = {"extra": "forbid"}
    passed: StrictBool
    note: Text = Field("", max_length=2000)


class ReplacementIn(Schema):
    model_config = {"extra": "forbid"}
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    company_id: BodyId = Field(..., description="拟选聘的物业服务企业（组织类别：物业服务企业）")
    start: IsoDate = Field(..., description="新合同开始日期（投票截止之后）")
    description: Text = Field("", max_length=2000)


class ListEntryIn(Schema):
    model_config = {"extra": "forbid"}
    unit_id: BodyId
    kind: EntryKind
    article: Text = Field(..., min_length=1, max_length=300)
    evidence: Text = Field(..., min_length=1, max_length=2000)


class ListEntryOut(Schema):
    id: int
    estate_id: int
    unit_id: int
    unit: str
    kind: str
    article: str
    evidence: str
    recorded_role: str
    objection_until: datetime.date
    status: str
    objection: str
    review_note: str
    listed_from: datetime.date | None
    listed_until: datetime.date | None

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code


class HonourListRowOut(Schema):
    id: int
    kind: str
    place: str
    article: str
    listed_from: datetime.date
    listed_until: datetime.date

    @staticmethod
    def resolve_place(obj):
        return obj.shown


class ListEntryObjectionIn(Schema):
    model_config = {"extra": "forbid"}
    text: Text = Field(..., min_length=1, max_length=2000)


class ListEntryReviewIn(Schema):
    model_config = {"extra": "forbid"}
    upheld: StrictBool
    note: Text = Field("", max_length=2000)


# --- evaluations --------------------------------------------------------------------------------------
@router.get("/estates/{estate_id}/evaluations", response={200: list[EvaluationOut], **ERRORS},
            operation_id="evaluation_list")
def evaluation_list(request, estate_id: Id):
    return list(selectors.evaluation_list(fetched_by=request.user, estate_id=estate_id)[:200])


@router.post("/estates/{estate_id}/evaluations", response={201: EvaluationOut, **ERRORS},
             operation_id="evaluation_create")
def evaluation_create(request, estate_id: Id, payload: EvaluationIn):
    data = payload.dict()
    data["items"] = [dict(i) for i in data["items"]]
    data["closes_at"] = clock.aware(data["closes_at"])
    return Status(201, services.evaluation_create(request.user, estate_id=estate_id, **data))


@router.get("/evaluations/{evaluation_id}", response={200: EvaluationOut, **ERRORS}, operation_id="evaluation_get")
def evaluation_get(request, evaluation_id: Id):
    return selectors.evaluation_get(fetched_by=request.user, evaluation_id=evaluation_id)


@router.get("/evaluations/{evaluation_id}/coverage", response={200: EvaluationCoverageOut, **ERRORS},
            operation_id="evaluation_coverage")
def evaluation_coverage(request, evaluation_id: Id):
    return selectors.coverage(selectors.evaluation_get(fetched_by=request.user, evaluation_id=evaluation_id))


@router.post("/evaluations/{evaluation_id}/responses", response={201: EvaluationResponseOut, **ERRORS},
             operation_id="response_submit")
def response_submit(request, evaluation_id: Id, payload: EvaluationResponseIn):
    return Status(201, services.response_submit(request.user, evaluation_id=evaluation_id, **payload.dict()))


@router.get("/evaluations/{evaluation_id}/groups", response={200: list[OfflineGroupOut], **ERRORS},
            operation_id="offline_group_list")
def offline_group_list(request, evaluation_id: Id):
    evaluation = selectors.evaluation_get(fetched_by=request.user, evaluation_id=evaluation_id)
    if not rules.may_read_details(request.user, evaluation.estate):
        raise NotFound()
    return selectors.groups_of(evaluation)


@router.post("/evaluations/{evaluation_id}/groups", response={201: OfflineGroupOut, **ERRORS}, operation_id="offline_enter")
def offline_enter(request, evaluation_id: Id, payload: OfflineGroupIn):
    data = payload.dict()
    data["scores"] = {k: str(v) for k, v in data["scores"].items()}
    return Status(201, services.offline_enter(request.user, evaluation_id=evaluation_id, **data))


@router.post("/evaluations/{evaluation_id}/publish", response={200: EvaluationOut, **ERRORS},
             operation_id="evaluation_publish")
def evaluation_publish(request, evaluation_id: Id):
    return services.evaluation_publish(request.user, evaluation_id=evaluation_id)


@router.get("/companies/{organisation_id}/evaluations", response={200: list[EvaluationOut], **ERRORS},
            operation_id="company_trend")
def company_trend(request, organisation_id: Id):
    """The company's published results across the estates and years in the viewer's sight, oldest first."""
    return selectors.company_trend(fetched_by=request.user, company_id=organisation_id)


# --- interviews and rectification ---------------------------------------------------------------------
@router.get("/estates/{estate_id}/interviews", response={200: list[InterviewOut], **ERRORS},
            operation_id="interview_list")
def interview_list(request, estate_id: Id):
    return list(selectors.interview_list(fetched_by=request.user, estate_id=estate_id)[:200])


@router.post("/estates/{estate_id}/interviews", response={201: InterviewOut, **ERRORS}, operation_id="interview_open")
def interview_open(request, estate_id: Id, payload: InterviewIn):
    data = payload.dict()
    data["commitments"] = [dict(c) for c in data["commitments"]]
    return Status(201, services.interview_open(request.user, estate_id=estate_id, **data))


@router.get("/interviews/{interview_id}", response={200: InterviewOut, **ERRORS}, operation_id="interview_get")
def interview_get(request, interview_id: Id):
    return selectors.interview_get(fetched_by=request.user, interview_id=interview_id)


@router.post("/rectifications/{rectification_id}/report", response={201: RectificationReportOut, **ERRORS},
             operation_id="rectification_report")
def rectification_report(request, rectification_id: Id, payload: RectificationReportIn):
    return Status(201, services.rectification_report(request.user, item_id=rectification_id, text=payload.text,
                                                     photos=uploads(payload.photos, field="photos")))


@router.post("/rectifications/{rectification_id}/check", response={200: RectificationOut, **ERRORS},
             operation_id="rectification_check")
def rectification_check(request, rectification_id: Id, payload: RectificationCheckIn):
    return services.rectification_check(request.user, item_id=rectification_id, **payload.dict())


@router.post("/interviews/{interview_id}/replacement", response={200: InterviewOut, **ERRORS},
             operation_id="replacement_propose")
def replacement_propose(request, interview_id: Id, payload: ReplacementIn):
    return services.replacement_propose(request.user, interview_id=interview_id,
                                        opens_at=clock.aware(payload.opens_at), closes_at=clock.aware(payload.closes_at),
                                        company_id=payload.company_id, start=payload.start,
                                        description=payload.description)


# --- 红黑榜 -------------------------------------------------------------------------------------------
@router.get("/estates/{estate_id}/honour-list", response={200: list[HonourListRowOut], **ERRORS}, operation_id="honour_list_get")
def honour_list_get(request, estate_id: Id):
    """Today's board: reviewed entries within their listing period, named by building and entrance."""
    return selectors.board(fetched_by=request.user, estate_id=estate_id)


@router.get("/estates/{estate_id}/list-entries", response={200: list[ListEntryOut], **ERRORS},
            operation_id="entry_list")
def entry_list(request, estate_id: Id):
    return list(selectors.entries_for_staff(fetched_by=request.user, estate_id=estate_id)[:500])


@router.get("/list-entries/mine", response={200: list[ListEntryOut], **ERRORS}, operation_id="entry_mine")
def entry_mine(request):
    return list(selectors.my_entries(request.user)[:100])


@router.post("/list-entries", response={201: ListEntryOut, **ERRORS}, operation_id="entry_record")
def entry_record(request, payload: ListEntryIn):
    return Status(201, services.entry_record(request.user, **payload.dict()))


@router.get("/list-entries/{list_entry_id}", response={200: ListEntryOut, **ERRORS}, operation_id="entry_get")
def entry_get(request, list_entry_id: Id):
    return selectors.entry_get(fetched_by=request.user, entry_id=list_entry_id)


@router.post("/list-entries/{list_entry_id}/objection", response={200: ListEntryOut, **ERRORS}, operation_id="entry_object")
def entry_object(request, list_entry_id: Id, payload: ListEntryObjectionIn):
    return services.entry_object(request.user, entry_id=list_entry_id, text=payload.text)


@router.post("/list-entries/{list_entry_id}/review", response={200: ListEntryOut, **ERRORS}, operation_id="entry_review")
def entry_review(request, list_entry_id: Id, payload: ListEntryReviewIn):
    return services.entry_review(request.user, entry_id=list_entry_id, **payload.dict())


# --- 奖优惩劣 -----------------------------------------------------------------------------------------
class RankRowOut(Schema):
    rank: int
    company_id: int
    company: str
    estates: list[str]
    results: int
    mean: str
    verdict: str


class RankingIn(Schema):
    model_config = {"extra": "forbid"}
    place: Text = Field(..., max_length=40, description="community:<id> 或 subdistrict:<id>")
    year: int = Field(..., ge=2000, le=2100, strict=True)
    kind: EvaluationKind = EvaluationKind.ORDINARY


class RankingOut(Schema):
    id: int
    level: str
    year: int
    kind: str
    rows: list[RankRowOut]
    notices: list[int]


@router.get("/rankings", response={200: list[RankRowOut], **ERRORS}, operation_id="ranking_get")
def ranking_get(request, place: str = Query(..., max_length=40), year: int = Query(..., ge=2000, le=2100),
                kind: EvaluationKind = EvaluationKind.ORDINARY):
    """The year's ranking (live) in a community or subdistrict the viewer reads (staff)."""
    return selectors.ranking(place_get(request.user, place, rules.REVIEW_STAFF_ROLES), year, kind)


@router.post("/rankings", response={201: RankingOut, **ERRORS}, operation_id="ranking_publish")
def ranking_publish(request, payload: RankingIn):
    return Status(201, services.ranking_publish(request.user, **payload.dict()))


class ConflictRowOut(Schema):
    rank: int
    name: str
    received: int
    resolved: int
    rate: str | None
    resolved_before: int


class ConflictsOut(Schema):
    quarter: str
    grids: list[ConflictRowOut]
    estates: list[ConflictRowOut]


class ConflictsIn(Schema):
    model_config = {"extra": "forbid"}
    place: Text = Field(..., max_length=40, description="community:<id> 或 subdistrict:<id>")
    quarter: Text = Field(..., max_length=10, examples=["2026-Q3"])


class ConflictsPublishedOut(Schema):
    notices: list[int]


@router.get("/conflicts", response={200: ConflictsOut, **ERRORS}, operation_id="conflicts_get")
def conflicts_get(request, place: str = Query(..., max_length=40), quarter: str = Query(..., max_length=10)):
    """每季度化解矛盾问题评比 for a community or subdistrict the viewer reads (staff)."""
    found = place_get(request.user, place, rules.REVIEW_STAFF_ROLES)
    try:
        period = clock.parse_period(quarter)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="quarter") from None
    if period.kind != clock.PeriodKind.QUARTER:
        raise InvalidInput(str(clock.BAD_PERIOD_CODE), field="quarter")
    result = selectors.conflicts(found, period)
    return {"quarter": period.code, "grids": result["grids"], "estates": result["estates"]}


@router.post("/conflicts", response={201: ConflictsPublishedOut, **ERRORS}, operation_id="conflicts_publish")
def conflicts_publish(request, payload: ConflictsIn):
    return Status(201, {"notices": services.conflicts_publish(request.user, **payload.dict())})


# --- 九不准 -------------------------------------------------------------------------------------------
class ConductRulesIn(Schema):
    model_config = {"extra": "forbid"}
    items: list[Text] = Field(..., min_length=1, max_length=services.MAX_CONDUCT_ITEMS)


class ConductRulesOut(Schema):
    id: int
    estate_id: int
    version: int
    items: list[str]
    adopted_at: datetime.datetime


class BreachIn(Schema):
    model_config = {"extra": "forbid"}
    member_id: BodyId
    item: int = Field(..., ge=1, le=services.MAX_CONDUCT_ITEMS, strict=True)
    evidence: Text = Field(..., min_length=1, max_length=2000)


class ConductCaseOut(Schema):
    id: int
    estate_id: int
    rules_version: int
    item: int
    member_id: int
    member: str
    status: str
    interviewed_on: datetime.date | None
    finding: str
    rule_label: str
    rule_version_id: int | None
    basis: str = Field(..., description="依据：《…》第N版")
    accountability_case_id: int | None
    removal_vote_id: int | None

    @staticmethod
    def resolve_basis(obj):
        return selectors.case_basis(obj)

    @staticmethod
    def resolve_rules_version(obj):
        return obj.rules.version

    @staticmethod
    def resolve_member(obj):
        return obj.member.name


class ConductInterviewIn(Schema):
    model_config = {"extra": "forbid"}
    held_on: IsoDate
    notes: Text = Field(..., min_length=1, max_length=2000)


class ConductFindingIn(Schema):
    model_config = {"extra": "forbid"}
    confirmed: StrictBool
    finding: Text = Field(..., min_length=1, max_length=2000)


@router.get("/estates/{estate_id}/conduct-rules", response={200: list[ConductRulesOut], **ERRORS},
            operation_id="conduct_rules_list")
def conduct_rules_list(request, estate_id: Id):
    """The estate's 九不准 versions, newest first."""
    estate = selectors.evaluation_estate(fetched_by=request.user, estate_id=estate_id)
    return selectors.rules_history(estate)


@router.post("/estates/{estate_id}/conduct-rules", response={201: ConductRulesOut, **ERRORS},
             operation_id="conduct_rules_adopt")
def conduct_rules_adopt(request, estate_id: Id, payload: ConductRulesIn):
    return Status(201, services.conduct_rules_adopt(request.user, estate_id=estate_id, items=payload.items))


@router.get("/estates/{estate_id}/conduct-cases", response={200: list[ConductCaseOut], **ERRORS},
            operation_id="conduct_case_list")
def conduct_case_list(request, estate_id: Id):
    return list(selectors.cases_for(fetched_by=request.user, estate_id=estate_id)[:200])


@router.post("/estates/{estate_id}/conduct-cases", response={201: ConductCaseOut, **ERRORS}, operation_id="breach_report")
def breach_report(request, estate_id: Id, payload: BreachIn):
    return Status(201, services.breach_report(request.user, estate_id=estate_id, **payload.dict()))


@router.get("/conduct-cases/{conduct_case_id}", response={200: ConductCaseOut, **ERRORS}, operation_id="conduct_case_get")
def conduct_case_get(request, conduct_case_id: Id):
    return selectors.case_get(fetched_by=request.user, case_id=conduct_case_id)


@router.post("/conduct-cases/{conduct_case_id}/interview", response={200: ConductCaseOut, **ERRORS},
             operation_id="breach_interview")
def breach_interview(request, conduct_case_id: Id, payload: ConductInterviewIn):
    return services.breach_interview(request.user, case_id=conduct_case_id, **payload.dict())


@router.post("/conduct-cases/{conduct_case_id}/finding", response={200: ConductCaseOut, **ERRORS}, operation_id="breach_find")
def breach_find(request, conduct_case_id: Id, payload: ConductFindingIn):
    return services.breach_find(request.user, case_id=conduct_case_id, **payload.dict())


class BreachCaseIn(Schema):
    model_config = {"extra": "forbid"}
    deadline: IsoDate
    description: Text = Field("", max_length=2000)


class RemovalIn(Schema):
    model_config = {"extra": "forbid"}
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    description: Text = Field("", max_length=2000)


@router.post("/conduct-cases/{conduct_case_id}/accountability", response={200: ConductCaseOut, **ERRORS},
             operation_id="breach_case_open")
def breach_case_open(request, conduct_case_id: Id, payload: BreachCaseIn):
    """A confirmed breach opens an accountability case (source 九不准, the member responsible)."""
    return services.breach_case_open(request.user, case_id=conduct_case_id, **payload.dict())


@router.post("/conduct-cases/{conduct_case_id}/removal", response={200: ConductCaseOut, **ERRORS},
             operation_id="breach_removal_propose")
def breach_removal_propose(request, conduct_case_id: Id, payload: RemovalIn):
    """A confirmed breach drafts an owners' vote (art. 278 item 3) to remove the member."""
    return services.breach_removal_propose(request.user, case_id=conduct_case_id,
                                           opens_at=clock.aware(payload.opens_at),
                                           closes_at=clock.aware(payload.closes_at), description=payload.description)


# --- 奖优惩劣 attached to the contract ---------------------------------------------------------------
class RenewalIn(Schema):
    model_config = {"extra": "forbid"}
    ranking_id: BodyId
    renew: StrictBool
    reason: Text = Field("", max_length=2000)
    end: IsoDate | None = Field(None, description="续签合同的结束日期")


class RenewalOut(Schema):
    id: int
    estate_id: int
    contract_id: int
    company: str
    ranking_id: int
    rank: int
    renewed: bool
    new_contract_id: int | None
    reason: str
    decided_at: datetime.datetime

    @staticmethod
    def resolve_company(obj):
        return obj.contract.company.name


@router.get("/estates/{estate_id}/renewal-decisions", response={200: list[RenewalOut], **ERRORS},
            operation_id="renewal_list")
def renewal_list(request, estate_id: Id):
    """The estate's renewal decisions taken on published rankings (staff and the committee)."""
    estate = selectors.evaluation_estate(fetched_by=request.user, estate_id=estate_id)
    if not rules.may_read_details(request.user, estate):
        raise NotFound()
    return selectors.renewal_decisions(estate)


@router.post("/estates/{estate_id}/renewal-decisions", response={201: RenewalOut, **ERRORS},
             operation_id="renewal_decide")
def renewal_decide(request, estate_id: Id, payload: RenewalIn):
    """据排名续聘/不续聘: renew the running contract, or record that it is not renewed, on a ranking."""
    return Status(201, services.renewal_decide(request.user, estate_id=estate_id, **payload.dict()))


# --- mediated disputes ------------------------------------------------------------------------------
class MediationIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    kind: MediationKind
    summary: Text = Field(..., min_length=1, max_length=2000)
    mediator: Text = Field(..., min_length=1, max_length=60, description="调解人或调解组织，如“老党员调解室”")
    received_on: IsoDate


class MediationCloseIn(Schema):
    model_config = {"extra": "forbid"}
    settled: StrictBool = Field(..., description="已化解 true / 未化解 false")
    outcome: Text = Field(..., min_length=1, max_length=2000)


class MediationOut(Schema):
    id: int
    estate_id: int
    kind: str
    kind_label: str
    summary: str
    mediator: str
    received_on: datetime.date
    status: str
    outcome: str
    closed_on: datetime.date | None

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()


@router.get("/estates/{estate_id}/mediations", response={200: list[MediationOut], **ERRORS},
            operation_id="mediation_list")
def mediation_list(request, estate_id: Id):
    """The estate's mediated disputes (staff), counted in the quarterly conflict comparison."""
    return selectors.mediations_for(fetched_by=request.user, estate_id=estate_id)


@router.post("/mediations", response={201: MediationOut, **ERRORS}, operation_id="mediation_record")
def mediation_record(request, payload: MediationIn):
    return Status(201, services.mediation_record(request.user, **payload.dict()))


@router.post("/mediations/{mediation_id}/close", response={200: MediationOut, **ERRORS},
             operation_id="mediation_close")
def mediation_close(request, mediation_id: Id, payload: MediationCloseIn):
    return services.mediation_close(request.user, mediation_id=mediation_id, **payload.dict())
