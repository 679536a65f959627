"""/api/v1 twins of community life's pages: spaces and bookings, activities with sign-up, check-in,
attendance and the report, volunteer teams and hours."""

import datetime
import decimal
from typing import Annotated

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator, StrictBool

from gongzhi.core import clock
from gongzhi.core.api_schema import ERRORS, BodyId, FileIn, Id, IsoDate, Pagination, Text, uploads
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.money import yuan
from gongzhi.meetings.selectors import matter_get
from gongzhi.services import rules, selectors, services
from gongzhi.services.choices import ActivityKind, Approver, Panel, PledgeKind, ProjectKind
from gongzhi.services.services.activities import RUN_ONLY, checkin_code
from gongzhi.services.services.projects import MILESTONE_PHOTOS_MAX

router = Router(tags=["community life"])
YEARS = range(2000, 2101)
OUT_OF_RANGE = "日期须在 2000 至 2100 年之间 / A date is between the years 2000 and 2100"


def _in_range(value):
    if value.year not in YEARS:
        raise ValueError(OUT_OF_RANGE)
    return value


When = Annotated[datetime.datetime, AfterValidator(_in_range)]  # an instant people plan for
Day = Annotated[IsoDate, AfterValidator(_in_range)]
# A local time of day, written 08:00 (JSON Schema's "time" format would ask for a time zone).
WallClock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["08:00"])]


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


class SpaceOut(Schema):
    id: int
    estate_id: Id
    name: str
    area_m2: int
    capacity: int
    opens: WallClock
    closes: WallClock
    max_hours: int
    rules: str
    needs_approval: bool
    approver: str
    active: bool

    @staticmethod
    def resolve_opens(obj):
        return obj.opens.strftime("%H:%M")

    @staticmethod
    def resolve_closes(obj):
        return obj.closes.strftime("%H:%M")


class SpaceIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    name: Text = Field(..., min_length=1, max_length=60)
    capacity: int = Field(..., ge=1, le=10_000)
    opens: WallClock
    closes: WallClock
    area_m2: int = Field(0, ge=0, le=100_000)
    max_hours: int = Field(4, ge=1, le=24)
    rules_text: Text = Field("", max_length=2000)
    needs_approval: StrictBool = False
    approver: Approver = Approver.COMMITTEE


class BookingOut(Schema):
    id: int
    space_id: Id
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: str
    mine: bool
    purpose: str | None

    @staticmethod
    def resolve_mine(obj, context):
        return obj.booked_by_id == context["request"].user.pk

    @staticmethod
    def resolve_purpose(obj, context):
        return obj.purpose if selectors.booker_shown(context["request"].user, obj) else None


class BookingIn(Schema):
    model_config = {"extra": "forbid"}
    starts_at: When
    ends_at: When
    purpose: Text = Field(..., min_length=1, max_length=200)
    organisation_id: BodyId | None = None


class DecideIn(Schema):
    model_config = {"extra": "forbid"}
    approve: StrictBool


class ActivityOut(Schema):
    id: int
    estate_id: Id
    title: str
    kind: str
    space_id: Id | None
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    signed_up: int
    attended: int
    report: str
    pairing_id: Id | None
    photo_count: int

    @staticmethod
    def resolve_photo_count(obj):
        return obj.photos.count()

    @staticmethod
    def resolve_signed_up(obj):
        return getattr(obj, "signed", None) or selectors.attendance(obj).signed_up

    @staticmethod
    def resolve_attended(obj):
        return getattr(obj, "attended", None) or selectors.attendance(obj).attended


class ActivityIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    title: Text = Field(..., min_length=1, max_length=100)
    kind: ActivityKind
    starts_at: When
    ends_at: When
    capacity: int = Field(..., ge=1, le=10_000)
    space_id: BodyId | None = None
    place: Text = Field("", max_length=100)
    description: Text = Field("", max_length=2000)
    partner_ids: list[BodyId] = Field(default_factory=list, max_length=20)
    pairing_id: BodyId | None = None


class SignupOut(Schema):
    activity_id: Id
    status: str
    checked_in_at: datetime.datetime | None
    waiting_position: int | None

    @staticmethod
    def resolve_waiting_position(obj):
        return services.activities.waiting_position(obj) if obj.status == "waiting" else None


class CheckinIn(Schema):
    model_config = {"extra": "forbid"}
    code: str = Field(..., min_length=1, max_length=200)


class CodeOut(Schema):
    code: str
    valid_minutes: int


class UsersIn(Schema):
    model_config = {"extra": "forbid"}
    user_ids: list[BodyId] = Field(..., min_length=1, max_length=500)


class HoursIn(UsersIn):
    minutes: int | None = Field(None, ge=1, le=24 * 60)


class ActivityReportIn(Schema):
    model_config = {"extra": "forbid"}
    report: Text = Field(..., min_length=1, max_length=2000)
    publish: StrictBool = False
    photos: list[FileIn] = Field(default_factory=list, max_length=6)


class VolunteerTeamOut(Schema):
    id: int
    estate_id: Id | None
    community_id: Id
    name: str
    services: str


class VolunteerTeamIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId | None = None
    community_id: BodyId | None = None
    name: Text = Field(..., min_length=1, max_length=60)
    services: Text = Field("", max_length=200)


class JoinIn(Schema):
    model_config = {"extra": "forbid"}
    user_id: BodyId | None = None
    skills: Text = Field("", max_length=100)


class TeamMemberOut(Schema):
    team_id: Id
    user_id: Id
    skills: str


class HoursOut(Schema):
    id: int
    activity_id: Id | None
    order_id: Id | None
    user_id: Id
    minutes: int
    confirmed_at: datetime.datetime | None


class OrderHoursIn(Schema):
    model_config = {"extra": "forbid"}
    minutes: int | None = Field(None, ge=1, le=8 * 60)


@router.get("/spaces", response={200: list[SpaceOut], **ERRORS}, operation_id="space_list")
@paginate(Pagination)
def space_list(request, estate_id: Id | None = None):
    return selectors.space_list(fetched_by=request.user, estate_id=estate_id)


@router.post("/spaces", response={201: SpaceOut, **ERRORS}, operation_id="space_create")
def space_create(request, payload: SpaceIn):
    data = payload.dict() | {"opens": _time(payload.opens), "closes": _time(payload.closes)}
    return Status(201, services.space_create(request.user, **data))


@router.get("/spaces/{space_id}/bookings", response={200: list[BookingOut], **ERRORS}, operation_id="booking_list")
def booking_list(request, space_id: Id, start: Day | None = None):
    """The week from `start` (this week by default): the slots held, whose and why only for those who may see."""
    space = selectors.space_get(fetched_by=request.user, space_id=space_id)
    first = start or selectors.week_start(clock.today())
    return list(selectors.booking_list(fetched_by=request.user, space_id=space.pk, start=first,
                                       end=first + datetime.timedelta(days=6), holding_only=True))


@router.post("/spaces/{space_id}/bookings", response={201: BookingOut, **ERRORS}, operation_id="booking_create")
def booking_create(request, space_id: Id, payload: BookingIn):
    """Book a slot; overlapping a held one is refused (409)."""
    return Status(201, services.booking_create(request.user, space_id=space_id, **payload.dict()))


@router.post("/bookings/{booking_id}/decide", response={200: BookingOut, **ERRORS}, operation_id="booking_decide")
def booking_decide(request, booking_id: Id, payload: DecideIn):
    return services.booking_decide(request.user, booking_id=booking_id, approve=payload.approve)


@router.post("/bookings/{booking_id}/cancel", response={200: BookingOut, **ERRORS}, operation_id="booking_cancel")
def booking_cancel(request, booking_id: Id):
    return services.booking_cancel(request.user, booking_id=booking_id)


@router.get("/activities", response={200: list[ActivityOut], **ERRORS}, operation_id="activity_list")
@paginate(Pagination)
def activity_list(request, estate_id: Id | None = None, upcoming: bool = False):
    return selectors.activity_list(fetched_by=request.user, estate_id=estate_id, upcoming=upcoming)


@router.post("/activities", response={201: ActivityOut, **ERRORS}, operation_id="activity_create")
def activity_create(request, payload: ActivityIn):
    activity = services.activity_create(request.user, **payload.dict())
    return Status(201, selectors.activity_get(fetched_by=request.user, activity_id=activity.pk))


@router.get("/activities/{activity_id}", response={200: ActivityOut, **ERRORS}, operation_id="activity_get")
def activity_get(request, activity_id: Id):
    return selectors.activity_get(fetched_by=request.user, activity_id=activity_id)


@router.get("/activities/{activity_id}/checkin-code", response={200: CodeOut, **ERRORS},
            operation_id="activity_checkin_code")
def activity_checkin_code(request, activity_id: Id):
    """The code the organiser's QR carries (the organiser only), valid for a few minutes."""
    activity = selectors.activity_get(fetched_by=request.user, activity_id=activity_id)
    if not rules.may_run_activity(request.user, activity):
        raise PermissionDenied(RUN_ONLY)
    return {"code": checkin_code(activity), "valid_minutes": services.activities.CHECKIN_CODE_MINUTES}


@router.post("/activities/{activity_id}/signup", response={201: SignupOut, **ERRORS}, operation_id="activity_signup")
def activity_signup(request, activity_id: Id):
    """A place, or the waiting list when the activity is full."""
    return Status(201, services.activity_signup(request.user, activity_id=activity_id))


@router.post("/activities/{activity_id}/signup/cancel", response={200: SignupOut, **ERRORS},
             operation_id="signup_cancel")
def signup_cancel(request, activity_id: Id):
    return services.signup_cancel(request.user, activity_id=activity_id)


@router.post("/activities/{activity_id}/checkin", response={200: SignupOut, **ERRORS}, operation_id="activity_checkin")
def activity_checkin(request, activity_id: Id, payload: CheckinIn):
    return services.activity_checkin(request.user, activity_id=activity_id, code=payload.code)


@router.post("/activities/{activity_id}/attendance", response={200: list[SignupOut], **ERRORS},
             operation_id="attendance_mark")
def attendance_mark(request, activity_id: Id, payload: UsersIn):
    return services.attendance_mark(request.user, activity_id=activity_id, user_ids=payload.user_ids)


@router.post("/activities/{activity_id}/report", response={200: ActivityOut, **ERRORS}, operation_id="activity_report")
def activity_report(request, activity_id: Id, payload: ActivityReportIn):
    """The report after the activity; photos in base64 (JPEG/PNG/WebP/HEIC, at most PHOTOS_MAX for the
    activity in all), stored as JPEGs without EXIF; published in the estate's log if wanted."""
    data = payload.dict() | {"photos": uploads(payload.photos, field="photos")}
    services.activity_report(request.user, activity_id=activity_id, **data)
    return selectors.activity_get(fetched_by=request.user, activity_id=activity_id)


@router.post("/activities/{activity_id}/volunteer-hours", response={201: list[HoursOut], **ERRORS},
             operation_id="volunteer_hours_confirm")
def volunteer_hours_confirm(request, activity_id: Id, payload: HoursIn):
    return Status(201, services.volunteer_hours_confirm(request.user, activity_id=activity_id, **payload.dict()))


@router.get("/volunteer-teams", response={200: list[VolunteerTeamOut], **ERRORS}, operation_id="volunteer_team_list")
@paginate(Pagination)
def volunteer_team_list(request, estate_id: Id | None = None):
    return selectors.team_list(fetched_by=request.user, estate_id=estate_id)


@router.post("/volunteer-teams", response={201: VolunteerTeamOut, **ERRORS}, operation_id="volunteer_team_create")
def volunteer_team_create(request, payload: VolunteerTeamIn):
    return Status(201, services.volunteer_team_create(request.user, **payload.dict()))


@router.post("/volunteer-teams/{team_id}/members", response={201: TeamMemberOut, **ERRORS},
             operation_id="volunteer_join")
def volunteer_join(request, team_id: Id, payload: JoinIn):
    return Status(201, services.volunteer_join(request.user, team_id=team_id, **payload.dict()))


@router.get("/volunteer-hours/mine", response={200: list[HoursOut], **ERRORS}, operation_id="volunteer_hours_mine")
def volunteer_hours_mine(request):
    """The caller's own hours, activity by activity and order by order: the confirmed, then those waiting."""
    _teams, confirmed, _minutes, waiting = selectors.my_record(request.user)
    return confirmed + waiting


@router.get("/volunteer-hours/to-confirm", response={200: list[HoursOut], **ERRORS},
            operation_id="volunteer_hours_to_confirm")
def volunteer_hours_to_confirm(request):
    """Orders' hours waiting for the caller's confirmation (as dispatcher or the estate's organiser)."""
    return selectors.hours_to_confirm(request.user)


@router.post("/volunteer-hours/{volunteer_hours_id}/confirm", response={200: HoursOut, **ERRORS},
             operation_id="order_hours_confirm")
def order_hours_confirm(request, volunteer_hours_id: Id, payload: OrderHoursIn):
    """Confirm the hours a completed order claimed, as claimed or corrected (once)."""
    return services.order_hours_confirm(request.user, hours_id=volunteer_hours_id, minutes=payload.minutes)


# --- 红色物业项目 ---------------------------------------------------------------------------------------
class ProjectOut(Schema):
    id: int
    estate_id: Id
    title: str
    kind: str
    budget: str
    building_id: Id | None
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    pledged: str
    received: str
    person_days: float

    @staticmethod
    def resolve_budget(obj):
        return yuan(obj.budget)

    @staticmethod
    def resolve_pledged(obj):
        return yuan(selectors.project_money(obj).pledged)

    @staticmethod
    def resolve_received(obj):
        return yuan(selectors.project_money(obj).received)

    @staticmethod
    def resolve_person_days(obj):
        return selectors.project_money(obj).person_days


class ProjectIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    title: Text = Field(..., min_length=1, max_length=100)
    kind: ProjectKind
    budget: decimal.Decimal = Field(..., gt=0, le=100_000_000, decimal_places=2)
    needs: Text = Field("", max_length=2000)
    building_id: BodyId | None = None


class PledgeIn(Schema):
    model_config = {"extra": "forbid"}
    kind: PledgeKind
    unit_id: BodyId | None = None
    amount: decimal.Decimal | None = Field(None, gt=0, le=100_000_000, decimal_places=2)
    person_days: decimal.Decimal | None = Field(None, gt=0, le=365, decimal_places=1)
    skill: Text = Field("", max_length=60)


class PledgeOut(Schema):
    id: int
    project_id: Id
    kind: str
    unit_id: Id | None
    amount: str
    person_days: float
    skill: str

    @staticmethod
    def resolve_amount(obj):
        return yuan(obj.amount)


class PaymentIn(Schema):
    model_config = {"extra": "forbid"}
    amount: decimal.Decimal = Field(..., gt=0, le=100_000_000, decimal_places=2)
    date: Day


class PledgePaymentOut(Schema):
    id: int
    pledge_id: Id
    transaction_id: Id
    amount: str

    @staticmethod
    def resolve_amount(obj):
        return yuan(obj.amount)


class MilestoneIn(Schema):
    model_config = {"extra": "forbid"}
    title: Text = Field(..., min_length=1, max_length=100)
    progress: int = Field(..., ge=0, le=100)
    photos: list[FileIn] = Field(default_factory=list, max_length=MILESTONE_PHOTOS_MAX)


class MilestoneOut(Schema):
    id: int
    project_id: Id
    title: str
    progress: int
    photo_count: int

    @staticmethod
    def resolve_photo_count(obj):
        return obj.photos.count()


class ConsultIn(Schema):
    model_config = {"extra": "forbid"}
    body: Text = Field(..., min_length=1, max_length=2000)
    closes_on: Day


class ProjectConsultationOut(Schema):
    consultation_id: Id | None
    open: bool
    households: int
    answered: int
    agree: int
    disagree: int
    conditional: int


class DisputeIn(Schema):
    model_config = {"extra": "forbid"}
    text: Text = Field(..., min_length=1, max_length=2000)


class SettleIn(Schema):
    model_config = {"extra": "forbid"}
    resolution: Text = Field(..., min_length=1, max_length=2000)


class DisputeOut(Schema):
    id: int
    project_id: Id
    settled_at: datetime.datetime | None


class ProjectCloseIn(Schema):
    model_config = {"extra": "forbid"}
    final_account: Text = Field(..., min_length=1, max_length=2000)


@router.get("/projects", response={200: list[ProjectOut], **ERRORS}, operation_id="project_list")
@paginate(Pagination)
def project_list(request, estate_id: Id | None = None):
    return selectors.project_list(fetched_by=request.user, estate_id=estate_id)


@router.get("/projects/{project_id}", response={200: ProjectOut, **ERRORS}, operation_id="project_get")
def project_get(request, project_id: Id):
    return selectors.project_get(fetched_by=request.user, project_id=project_id)


@router.post("/projects", response={201: ProjectOut, **ERRORS}, operation_id="project_open")
def project_open(request, payload: ProjectIn):
    """红色物业项目 (the community party organisation); a lift project shares its budget by floor."""
    return Status(201, services.project_open(request.user, **payload.dict()))


@router.post("/projects/{project_id}/pledges", response={201: PledgeOut, **ERRORS}, operation_id="pledge_create")
def pledge_create(request, project_id: Id, payload: PledgeIn):
    return Status(201, services.pledge_create(request.user, project_id=project_id, **payload.dict()))


@router.post("/pledges/{pledge_id}/payments", response={201: PledgePaymentOut, **ERRORS},
             operation_id="pledge_payment_record")
def pledge_payment_record(request, pledge_id: Id, payload: PaymentIn):
    """Money received for a pledge, posted into the estate's journal as common income."""
    return Status(201, services.pledge_payment_record(request.user, pledge_id=pledge_id, **payload.dict()))


@router.post("/projects/{project_id}/milestones", response={201: MilestoneOut, **ERRORS},
             operation_id="milestone_record")
def milestone_record(request, project_id: Id, payload: MilestoneIn):
    data = payload.dict() | {"photos": uploads(payload.photos, field="photos")}
    return Status(201, services.milestone_record(request.user, project_id=project_id, **data))


def _consultation(project) -> dict:
    found = selectors.project_consultation(project)
    if found is None:
        return {"consultation_id": None, "open": False, "households": 0, "answered": 0, "agree": 0, "disagree": 0,
                "conditional": 0}
    s = found["summary"]
    return {"consultation_id": found["consultation"].pk, "open": found["open"], "households": s["households"],
            "answered": s["answered"], "agree": s["agree"], "disagree": s["disagree"], "conditional": s["conditional"]}


@router.get("/projects/{project_id}/consultation", response={200: ProjectConsultationOut, **ERRORS},
            operation_id="project_consultation_get")
def project_consultation_get(request, project_id: Id):
    """The owners' opinions on the project so far (or as frozen when the consultation closed)."""
    return _consultation(selectors.project_get(fetched_by=request.user, project_id=project_id))


@router.post("/projects/{project_id}/consultation", response={201: ProjectConsultationOut, **ERRORS},
             operation_id="project_consult")
def project_consult(request, project_id: Id, payload: ConsultIn):
    """Ask the owners (the votes app's consultation) of the project's building, or of the whole estate."""
    return Status(201, _consultation(services.project_consult(request.user, project_id=project_id, **payload.dict())))


@router.post("/projects/{project_id}/disputes", response={201: DisputeOut, **ERRORS}, operation_id="dispute_raise")
def dispute_raise(request, project_id: Id, payload: DisputeIn):
    return Status(201, services.dispute_raise(request.user, project_id=project_id, text=payload.text))


@router.post("/disputes/{dispute_id}/settle", response={200: DisputeOut, **ERRORS}, operation_id="dispute_settle")
def dispute_settle(request, dispute_id: Id, payload: SettleIn):
    return services.dispute_settle(request.user, dispute_id=dispute_id, resolution=payload.resolution)


@router.post("/projects/{project_id}/close", response={200: ProjectOut, **ERRORS}, operation_id="project_close")
def project_close(request, project_id: Id, payload: ProjectCloseIn):
    return services.project_close(request.user, project_id=project_id, final_account=payload.final_account)


# --- 挂点结对 (五进小区) ----------------------------------------------------------------------------------
class PairingOut(Schema):
    id: int
    estate_id: Id
    partner_id: Id
    partner: str
    agreement_id: Id | None
    starts_on: datetime.date
    ends_on: datetime.date | None
    duties: str
    services: list[str]
    delivered: int
    reach: int

    @staticmethod
    def resolve_partner(obj):
        return obj.partner.name

    @staticmethod
    def resolve_delivered(obj):
        return getattr(obj, "delivered", 0)

    @staticmethod
    def resolve_reach(obj):
        return getattr(obj, "reach", 0)


class PairingIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    partner_id: BodyId
    starts_on: Day
    ends_on: Day | None = None
    duties: Text = Field(..., min_length=1, max_length=2000)
    services: list[ActivityKind] = Field(..., min_length=1, max_length=20)
    agreement_id: BodyId | None = None


class PairingEndIn(Schema):
    model_config = {"extra": "forbid"}
    ends_on: Day


class PairingServiceOut(Schema):
    activity_id: Id
    title: str
    kind: str
    starts_at: datetime.datetime
    attended: int

    @staticmethod
    def resolve_activity_id(obj):
        return obj.pk


@router.get("/pairings", response={200: list[PairingOut], **ERRORS}, operation_id="pairing_list")
@paginate(Pagination)
def pairing_list(request, estate_id: Id | None = None):
    return selectors.pairing_list(fetched_by=request.user, estate_id=estate_id)


@router.get("/pairings/{pairing_id}", response={200: PairingOut, **ERRORS}, operation_id="pairing_get")
def pairing_get(request, pairing_id: Id):
    return selectors.pairing_get(fetched_by=request.user, pairing_id=pairing_id)


@router.get("/pairings/{pairing_id}/services", response={200: list[PairingServiceOut], **ERRORS},
            operation_id="pairing_services")
def pairing_services(request, pairing_id: Id):
    """The activities the paired unit brought, each with its attendance (person-times)."""
    pairing = selectors.pairing_get(fetched_by=request.user, pairing_id=pairing_id)
    return list(selectors.pairing_services(pairing)[:500])


@router.post("/pairings", response={201: PairingOut, **ERRORS}, operation_id="pairing_create")
def pairing_create(request, payload: PairingIn):
    """挂点结对: a partner unit or department paired with an estate (the community), published."""
    data = payload.dict() | {"services": [str(k) for k in payload.services]}
    pairing = services.pairing_create(request.user, **data)
    return Status(201, selectors.pairing_get(fetched_by=request.user, pairing_id=pairing.pk))


@router.post("/pairings/{pairing_id}/end", response={200: PairingOut, **ERRORS}, operation_id="pairing_end")
def pairing_end(request, pairing_id: Id, payload: PairingEndIn):
    services.pairing_end(request.user, pairing_id=pairing_id, ends_on=payload.ends_on)
    return selectors.pairing_get(fetched_by=request.user, pairing_id=pairing_id)


# --- advisers -------------------------------------------------------------------------------------------
class AdviserOut(Schema):
    id: int
    estate_id: Id
    user_id: Id
    name: str
    panel: str
    profession: str
    active: bool

    @staticmethod
    def resolve_name(obj):
        return obj.user.first_name or obj.user.get_username()


class AdviserIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    user_id: BodyId
    panel: Panel
    profession: Text = Field("", max_length=60)


class AskIn(Schema):
    model_config = {"extra": "forbid"}
    question: Text = Field(..., min_length=1, max_length=2000)
    panel: Panel | None = None


class OpinionIn(Schema):
    model_config = {"extra": "forbid"}
    text: Text = Field(..., min_length=1, max_length=2000)


class OpinionOut(Schema):
    adviser_id: Id
    name: str
    panel: str
    text: str
    written_at: datetime.datetime | None

    @staticmethod
    def resolve_name(obj):
        return obj.adviser.user.first_name or obj.adviser.user.get_username()

    @staticmethod
    def resolve_panel(obj):
        return obj.adviser.panel


class AdviceOut(Schema):
    id: int
    matter_id: Id
    step_key: str
    step_label: str
    question: str
    asked_at: datetime.datetime
    opinions: list[OpinionOut]

    @staticmethod
    def resolve_opinions(obj):
        return getattr(obj, "answers", None) or list(obj.opinions.select_related("adviser__user").order_by("pk"))


@router.get("/advisers", response={200: list[AdviserOut], **ERRORS}, operation_id="adviser_list")
@paginate(Pagination)
def adviser_list(request, estate_id: Id | None = None):
    return selectors.adviser_list(fetched_by=request.user, estate_id=estate_id)


@router.post("/advisers", response={201: AdviserOut, **ERRORS}, operation_id="adviser_add")
def adviser_add(request, payload: AdviserIn):
    """Appoint a resident to the estate's 顾问组 (with a profession) or 智囊团."""
    return Status(201, services.adviser_add(request.user, **payload.dict() | {"panel": str(payload.panel)}))


@router.post("/advisers/{adviser_id}/remove", response={200: AdviserOut, **ERRORS}, operation_id="adviser_remove")
def adviser_remove(request, adviser_id: Id):
    return services.adviser_remove(request.user, adviser_id=adviser_id)


@router.get("/matters/{matter_id}/advice", response={200: list[AdviceOut], **ERRORS}, operation_id="advice_list")
def advice_list(request, matter_id: Id):
    """The advisers' opinions on a matter, by the step they were asked at."""
    matter = matter_get(fetched_by=request.user, matter_id=matter_id)
    return selectors.advice_for_matter(fetched_by=request.user, matter=matter)


@router.post("/matters/{matter_id}/advice", response={201: AdviceOut, **ERRORS}, operation_id="advice_ask")
def advice_ask(request, matter_id: Id, payload: AskIn):
    """Ask the estate's advisers (each in their inbox) at the matter's current step."""
    panel = str(payload.panel) if payload.panel else None
    return Status(201, services.advice_ask(request.user, matter_id=matter_id, question=payload.question, panel=panel))


@router.post("/advice/{advice_request_id}/opinion", response={200: AdviceOut, **ERRORS}, operation_id="advice_give")
def advice_give(request, advice_request_id: Id, payload: OpinionIn):
    """The adviser's written opinion (once, while the matter stands at the step asked about)."""
    services.advice_give(request.user, advice_request_id=advice_request_id, text=payload.text)
    return selectors.advice_request_get(fetched_by=request.user, advice_request_id=advice_request_id)
