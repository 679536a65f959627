"""/api/v1 for grid work: the same services and selectors as the pages. The special-population
register answers 404 to anyone but the assigned visitor, the grid worker and the community's staff,
and each person it shows is an audited read."""

import datetime

from ninja import Field, Query, Router, Schema, Status

from gongzhi.core import clock
from gongzhi.core.api_schema import ERRORS, BodyId, FileIn, Id, IsoDate, Text, uploads
from gongzhi.core.errors import NotFound
from gongzhi.grid import selectors, services
from gongzhi.grid.choices import AdoptedBy, Patroller, RuleKind, SpecialGroup, VisitHow
from gongzhi.places.selectors import estate_get
from gongzhi.requests.choices import Category

router = Router(tags=["grid"])


# --- 两巡 -------------------------------------------------------------------------------------------------
class PatrolCheckpointOut(Schema):
    id: int
    position: int
    name: str
    building_id: int | None


class PatrolPlanOut(Schema):
    id: int
    estate_id: int
    title: str
    patroller: Patroller
    assignee_id: int | None
    every_days: int
    starts_on: datetime.date
    active: bool
    checkpoints: list[PatrolCheckpointOut]

    @staticmethod
    def resolve_checkpoints(obj):
        return list(obj.checkpoints.order_by("position", "pk"))


class PatrolPlanIn(Schema):
    model_config = {"extra": "forbid"}
    title: Text = Field(..., min_length=1, max_length=60)
    patroller: Patroller
    every_days: int = Field(..., ge=1, le=31, strict=True)
    starts_on: IsoDate | None = None
    assignee_id: BodyId | None = None
    checkpoints: list[Text] = Field(default_factory=list, max_length=100)


class PatrolCheckpointIn(Schema):
    model_config = {"extra": "forbid"}
    name: Text = Field("", max_length=60)
    building_id: BodyId | None = None


class PatrolMarkOut(Schema):
    id: int
    patrol_id: int
    checkpoint_id: int
    how: str
    marked_at: datetime.datetime


class PatrolMarkIn(Schema):
    model_config = {"extra": "forbid"}
    checkpoint_id: BodyId


class PatrolFindingOut(Schema):
    id: int
    patrol_id: int
    checkpoint_id: int | None
    note: str
    photos: int
    request_id: int | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_photos(obj):
        return obj.photos.count()


class PatrolOut(Schema):
    id: int
    plan_id: int
    estate_id: int
    patroller_id: int
    period_start: datetime.date
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    marked: list[int]
    findings: list[PatrolFindingOut]

    @staticmethod
    def resolve_marked(obj):
        return list(obj.marks.values_list("checkpoint_id", flat=True))

    @staticmethod
    def resolve_findings(obj):
        return list(obj.findings.all())


class PatrolFindingIn(Schema):
    model_config = {"extra": "forbid"}
    note: Text = Field(..., min_length=1, max_length=1000)
    checkpoint_id: BodyId | None = None
    photos: list[FileIn] = Field(default_factory=list, max_length=services.PHOTOS_MAX)


class FindingRaiseIn(Schema):
    model_config = {"extra": "forbid"}
    category: Category
    emergency: bool = Field(False, strict=True)


class RaisedRequestOut(Schema):
    request_id: int


class MissedPatrolOut(Schema):
    id: int
    plan_id: int
    estate_id: int
    period_start: datetime.date
    period_end: datetime.date


@router.get("/estates/{estate_id}/patrol-plans", response={200: list[PatrolPlanOut], **ERRORS}, operation_id="patrol_plan_list")
def patrol_plan_list(request, estate_id: Id):
    estate = selectors.patrol_estate(fetched_by=request.user, estate_id=estate_id)
    return selectors.plan_list(estate=estate)


@router.post("/estates/{estate_id}/patrol-plans", response={201: PatrolPlanOut, **ERRORS}, operation_id="patrol_plan_create")
def patrol_plan_create(request, estate_id: Id, payload: PatrolPlanIn):
    return Status(201, services.patrol_plan_create(request.user, estate_id=estate_id, **payload.dict()))


@router.get("/patrol-plans/{patrol_plan_id}", response={200: PatrolPlanOut, **ERRORS}, operation_id="patrol_plan_get")
def patrol_plan_get(request, patrol_plan_id: Id):
    return selectors.plan_get(fetched_by=request.user, patrol_plan_id=patrol_plan_id)


@router.post("/patrol-plans/{patrol_plan_id}/stop", response={200: PatrolPlanOut, **ERRORS}, operation_id="patrol_plan_stop")
def patrol_plan_stop(request, patrol_plan_id: Id):
    return services.patrol_plan_stop(request.user, patrol_plan_id=patrol_plan_id)


@router.post("/patrol-plans/{patrol_plan_id}/checkpoints", response={201: PatrolCheckpointOut, **ERRORS},
             operation_id="checkpoint_add")
def checkpoint_add(request, patrol_plan_id: Id, payload: PatrolCheckpointIn):
    return Status(201, services.checkpoint_add(request.user, patrol_plan_id=patrol_plan_id, **payload.dict()))


@router.post("/patrol-plans/{patrol_plan_id}/patrols", response={201: PatrolOut, **ERRORS}, operation_id="patrol_start")
def patrol_start(request, patrol_plan_id: Id):
    """Start walking the plan (a patrol already open for this person is returned)."""
    return Status(201, services.patrol_start(request.user, patrol_plan_id=patrol_plan_id))


@router.get("/patrols/{patrol_id}", response={200: PatrolOut, **ERRORS}, operation_id="patrol_get")
def patrol_get(request, patrol_id: Id):
    return selectors.patrol_get(fetched_by=request.user, patrol_id=patrol_id)


@router.post("/patrols/{patrol_id}/marks", response={200: PatrolMarkOut, **ERRORS}, operation_id="patrol_mark")
def patrol_mark(request, patrol_id: Id, payload: PatrolMarkIn):
    """Mark a checkpoint by tap; marked twice it counts once (the first mark is returned)."""
    return services.patrol_mark(request.user, patrol_id=patrol_id, checkpoint_id=payload.checkpoint_id)


@router.post("/patrol-checkpoints/{checkpoint_id}/scan", response={200: PatrolMarkOut, **ERRORS},
             operation_id="checkpoint_scan")
def checkpoint_scan(request, checkpoint_id: Id):
    """What the checkpoint's QR code does: mark it in the scanner's patrol (started if none is open)."""
    return services.checkpoint_scan(request.user, checkpoint_id=checkpoint_id)


@router.post("/patrols/{patrol_id}/finish", response={200: PatrolOut, **ERRORS}, operation_id="patrol_finish")
def patrol_finish(request, patrol_id: Id):
    return services.patrol_finish(request.user, patrol_id=patrol_id)


@router.post("/patrols/{patrol_id}/findings", response={201: PatrolFindingOut, **ERRORS}, operation_id="finding_record")
def finding_record(request, patrol_id: Id, payload: PatrolFindingIn):
    data = payload.dict()
    photos = uploads(payload.photos, field="photos")
    data.pop("photos")
    return Status(201, services.finding_record(request.user, patrol_id=patrol_id, photos=photos, **data))


@router.post("/findings/{finding_id}/request", response={201: RaisedRequestOut, **ERRORS}, operation_id="finding_raise")
def finding_raise(request, finding_id: Id, payload: FindingRaiseIn):
    """The finding becomes a request through the intake (channel 巡查), once."""
    req = services.finding_raise(request.user, finding_id=finding_id, **payload.dict())
    return Status(201, {"request_id": req.pk})


@router.get("/missed-patrols", response={200: list[MissedPatrolOut], **ERRORS}, operation_id="missed_patrol_list")
def missed_patrol_list(request):
    """Missed patrols of the last 30 days the user walks or oversees."""
    return list(selectors.missed_for(request.user)[:200])


# --- 两访 -------------------------------------------------------------------------------------------------
class VisitDueOut(Schema):
    last_met: datetime.date | None
    due_on: datetime.date
    overdue_days: int


class SpecialPersonOut(Schema):
    id: int
    estate_id: int
    person_id: int
    name: str
    unit_id: int | None
    unit: str
    group: SpecialGroup
    visitor_id: int
    note: str
    since: datetime.date
    active: bool
    due: VisitDueOut

    @staticmethod
    def resolve_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code if obj.unit_id else ""


class SpecialPersonIn(Schema):
    model_config = {"extra": "forbid"}
    person_id: BodyId
    group: SpecialGroup
    visitor_id: BodyId
    unit_id: BodyId | None = None
    note: Text = Field("", max_length=500)
    since: IsoDate | None = None


class GridVisitOut(Schema):
    id: int
    estate_id: int
    special_person_id: int | None
    unit_id: int | None
    visitor_id: int
    on: datetime.date
    how: VisitHow
    needs: str
    note: str
    request_id: int | None
    order_id: int | None

    @staticmethod
    def resolve_special_person_id(obj):
        return obj.special_id


class GridVisitIn(Schema):
    model_config = {"extra": "forbid"}
    how: VisitHow
    on: IsoDate | None = None
    needs: Text = Field("", max_length=1000)
    note: Text = Field("", max_length=500)


class HomeVisitIn(GridVisitIn):
    unit_id: BodyId


class VisitFrequencyIn(Schema):
    model_config = {"extra": "forbid"}
    group: SpecialGroup
    every_days: int = Field(..., ge=1, le=365, strict=True)


class VisitFrequencyOut(Schema):
    group: SpecialGroup
    label: str
    every_days: int


class VisitRaiseIn(Schema):
    model_config = {"extra": "forbid"}
    category: Category


class VisitOrderIn(Schema):
    model_config = {"extra": "forbid"}
    title: Text = Field("", max_length=200)


class VisitOrderedOut(Schema):
    order_id: int


@router.get("/estates/{estate_id}/special-people", response={200: list[SpecialPersonOut], **ERRORS},
            operation_id="special_person_list")
def special_person_list(request, estate_id: Id):
    """The estate's register (404 to anyone but its grid worker and the community's staff); audited."""
    estate = selectors.register_estate(fetched_by=request.user, estate_id=estate_id)
    return selectors.register_list(fetched_by=request.user, estate=estate)


@router.post("/estates/{estate_id}/special-people", response={201: SpecialPersonOut, **ERRORS},
             operation_id="special_person_add")
def special_person_add(request, estate_id: Id, payload: SpecialPersonIn):
    special = services.special_person_add(request.user, estate_id=estate_id, **payload.dict())
    return Status(201, selectors.special_get(fetched_by=request.user, special_person_id=special.pk))


@router.get("/special-people/mine", response={200: list[SpecialPersonOut], **ERRORS}, operation_id="special_person_mine")
def special_person_mine(request):
    """The people assigned to me to visit, most overdue first; audited."""
    return selectors.my_specials(request.user)


@router.get("/special-people/{special_person_id}", response={200: SpecialPersonOut, **ERRORS},
            operation_id="special_person_get")
def special_person_get(request, special_person_id: Id):
    return selectors.special_get(fetched_by=request.user, special_person_id=special_person_id)


@router.post("/special-people/{special_person_id}/end", response={200: SpecialPersonOut, **ERRORS},
             operation_id="special_person_end")
def special_person_end(request, special_person_id: Id):
    services.special_person_end(request.user, special_person_id=special_person_id)
    return selectors.special_get(fetched_by=request.user, special_person_id=special_person_id)


@router.get("/special-people/{special_person_id}/visits", response={200: list[GridVisitOut], **ERRORS},
            operation_id="special_visit_list")
def special_visit_list(request, special_person_id: Id):
    special = selectors.special_get(fetched_by=request.user, special_person_id=special_person_id)
    return selectors.visits_of(special)


@router.post("/special-people/{special_person_id}/visits", response={201: GridVisitOut, **ERRORS},
             operation_id="visit_record")
def visit_record(request, special_person_id: Id, payload: GridVisitIn):
    return Status(201, services.visit_record(request.user, special_person_id=special_person_id, **payload.dict()))


@router.post("/estates/{estate_id}/household-visits", response={201: GridVisitOut, **ERRORS},
             operation_id="home_visit_record")
def home_visit_record(request, estate_id: Id, payload: HomeVisitIn):
    return Status(201, services.home_visit_record(request.user, estate_id=estate_id, **payload.dict()))


@router.get("/visits/{visit_id}", response={200: GridVisitOut, **ERRORS}, operation_id="visit_get")
def visit_get(request, visit_id: Id):
    return selectors.visit_get(fetched_by=request.user, visit_id=visit_id)


@router.post("/visits/{visit_id}/request", response={201: RaisedRequestOut, **ERRORS}, operation_id="visit_raise")
def visit_raise(request, visit_id: Id, payload: VisitRaiseIn):
    req = services.visit_raise(request.user, visit_id=visit_id, category=payload.category)
    return Status(201, {"request_id": req.pk})


@router.post("/visits/{visit_id}/order", response={201: VisitOrderedOut, **ERRORS}, operation_id="visit_order")
def visit_order(request, visit_id: Id, payload: VisitOrderIn):
    order = services.visit_order(request.user, visit_id=visit_id, title=payload.title)
    return Status(201, {"order_id": order.pk})


@router.get("/communities/{community_id}/visit-frequencies", response={200: list[VisitFrequencyOut], **ERRORS},
            operation_id="visit_frequency_list")
def visit_frequency_list(request, community_id: Id):
    community = selectors.community_for_frequencies(fetched_by=request.user, community_id=community_id)
    return selectors.frequency_rows(community.pk)


@router.post("/communities/{community_id}/visit-frequencies", response={200: VisitFrequencyOut, **ERRORS},
             operation_id="visit_frequency_set")
def visit_frequency_set(request, community_id: Id, payload: VisitFrequencyIn):
    row = services.visit_frequency_set(request.user, community_id=community_id, **payload.dict())
    return {"group": row.group, "label": str(row.get_group_display()), "every_days": row.every_days}


# --- the rules library ----------------------------------------------------------------------------------------
class RuleVersionOut(Schema):
    id: int
    number: int
    text: str
    change_note: str
    proposed_at: datetime.datetime
    adopted_by: str
    vote_id: int | None
    matter_id: int | None
    in_force_from: datetime.date | None
    notice_id: int | None


class RuleDocumentOut(Schema):
    id: int
    kind: RuleKind
    title: str
    estate_id: int | None
    community_id: int
    in_force: RuleVersionOut | None = None


class RuleDocumentDetailOut(RuleDocumentOut):
    versions: list[RuleVersionOut]


class RuleDocumentIn(Schema):
    model_config = {"extra": "forbid"}
    kind: RuleKind
    title: Text = Field(..., min_length=1, max_length=100)
    text: Text = Field(..., min_length=1, max_length=services.RULE_TEXT_MAX)
    change_note: Text = Field("", max_length=500)
    estate_id: BodyId | None = None
    community_id: BodyId | None = None


class RuleVersionIn(Schema):
    model_config = {"extra": "forbid"}
    text: Text = Field(..., min_length=1, max_length=services.RULE_TEXT_MAX)
    change_note: Text = Field(..., min_length=1, max_length=500)


class RuleAdoptIn(Schema):
    model_config = {"extra": "forbid"}
    adopted_by: AdoptedBy
    in_force_from: IsoDate | None = None
    vote_id: BodyId | None = None
    matter_id: BodyId | None = None


class RuleDiffLineOut(Schema):
    sign: str
    line: str


class RuleOnQuery(Schema):
    on: IsoDate | None = None


class RuleDiffQuery(Schema):
    from_number: int = Field(..., ge=1, le=32767)
    to_number: int = Field(..., ge=1, le=32767)


@router.get("/estates/{estate_id}/rules", response={200: list[RuleDocumentOut], **ERRORS}, operation_id="rule_document_list")
def rule_document_list(request, estate_id: Id):
    """The estate's rules and its community's, each with the version in force today."""
    estate = estate_get(fetched_by=request.user, estate_id=estate_id)
    return selectors.rules_of_estate(fetched_by=request.user, estate=estate)


@router.post("/rules", response={201: RuleDocumentDetailOut, **ERRORS}, operation_id="rule_document_create")
def rule_document_create(request, payload: RuleDocumentIn):
    document = services.rule_document_create(request.user, **payload.dict())
    return Status(201, _detail(document, clock.today()))


def _detail(document, on):
    return {"id": document.pk, "kind": document.kind, "title": document.title, "estate_id": document.estate_id,
            "community_id": document.community_id, "in_force": selectors.version_in_force(document, on),
            "versions": selectors.rule_versions(document)}


@router.get("/rules/{rule_document_id}", response={200: RuleDocumentDetailOut, **ERRORS}, operation_id="rule_document_get")
def rule_document_get(request, rule_document_id: Id, query: Query[RuleOnQuery]):
    """The rule with its versions and the one in force on `on` (default today)."""
    document = selectors.rule_document_get(fetched_by=request.user, rule_document_id=rule_document_id)
    return _detail(document, query.on or clock.today())


@router.get("/rules/{rule_document_id}/diff", response={200: list[RuleDiffLineOut], **ERRORS}, operation_id="rule_diff")
def rule_diff(request, rule_document_id: Id, query: Query[RuleDiffQuery]):
    document = selectors.rule_document_get(fetched_by=request.user, rule_document_id=rule_document_id)
    by_number = {v.number: v for v in selectors.rule_versions(document)}
    if query.from_number not in by_number or query.to_number not in by_number:
        raise NotFound()
    return [{"sign": sign, "line": line} for sign, line in
            selectors.rule_diff(by_number[query.from_number], by_number[query.to_number])]


@router.post("/rules/{rule_document_id}/versions", response={201: RuleVersionOut, **ERRORS},
             operation_id="rule_version_propose")
def rule_version_propose(request, rule_document_id: Id, payload: RuleVersionIn):
    return Status(201, services.rule_version_propose(request.user, rule_document_id=rule_document_id,
                                                     **payload.dict()))


@router.post("/rule-versions/{rule_version_id}/adopt", response={200: RuleVersionOut, **ERRORS},
             operation_id="rule_version_adopt")
def rule_version_adopt(request, rule_version_id: Id, payload: RuleAdoptIn):
    """Adopted by the owners' vote that passed it, a meeting's matter or the community; published in the log."""
    return services.rule_version_adopt(request.user, rule_version_id=rule_version_id, **payload.dict())
