import datetime
from typing import Literal

from django.contrib.auth import authenticate
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core import clock, selectors, services
from gongzhi.core.api_schema import ERRORS, BodyId, ErrorOut, Id, IsoDate, Pagination, Text
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import CalendarDay
from gongzhi.core.paging import MappedPage
from gongzhi.core.roles import AUDIT_ROLES, Role
from gongzhi.core.scoping import scope_for

router = Router()


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[str]


class SignatureOut(Schema):
    role: str
    decision: str
    signer: str | None
    signed_at: datetime.datetime | None
    comment: str

    @staticmethod
    def resolve_signer(obj):
        return obj.signer.get_username() if obj.signer_id else None


class ApprovalOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    estate_id: Id
    status: str
    created_by: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    signatures: list[SignatureOut]

    @staticmethod
    def resolve_created_by(obj):
        return obj.created_by.get_username()

    @staticmethod
    def resolve_signatures(obj):
        return list(obj.signatures.all())


class ApprovalIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    title: Text = Field(min_length=1, max_length=200, pattern=r"\S")
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    body: Text = Field("", max_length=5000)


class DecisionIn(Schema):
    model_config = {"extra": "forbid"}
    role: Role | None = None
    comment: Text = Field("", max_length=500)


class ChangeOut(Schema):
    field: str
    label: str
    before: str
    after: str

    @staticmethod
    def resolve_field(obj):
        return obj.key


class AuditOut(Schema):
    id: int
    at: datetime.datetime
    at_local: str
    actor_name: str
    actor_display: str
    actor_roles: list[str]
    actor_roles_label: str
    actor_roles_recorded: bool
    action: str
    action_label: str
    subject_type: str
    subject_type_label: str
    subject_id: str
    subject_repr: str
    estate_id: Id | None
    place_name: str
    before: dict | None
    after: dict | None
    changes: list[ChangeOut]

    @staticmethod
    def resolve_actor_roles(obj):
        return obj.roles

    @staticmethod
    def resolve_actor_roles_label(obj):
        return obj.roles_label

    @staticmethod
    def resolve_actor_roles_recorded(obj):
        return obj.roles_recorded


@router.get("/me", response={200: MeOut, **ERRORS}, tags=["auth"], operation_id="me")
def me(request):
    scope = scope_for(request.user)
    return {"id": request.user.pk, "username": request.user.get_username(),
            "name": request.user.get_full_name(), "roles": sorted(scope.roles)}


@router.get("/approvals", response={200: list[ApprovalOut], **ERRORS}, tags=["approvals"], operation_id="approvals")
@paginate(Pagination)
def approvals(request, status: Text = "", estate_id: Id | None = None, awaiting: bool = False):
    if awaiting:
        return selectors.approvals_awaiting(fetched_by=request.user)
    return selectors.approval_list(fetched_by=request.user, status=status or None, estate_id=estate_id)


@router.get("/approvals/{approval_id}", response={200: ApprovalOut, **ERRORS}, tags=["approvals"], operation_id="approval")
def approval(request, approval_id: Id):
    return selectors.approval_get(fetched_by=request.user, approval_id=approval_id)


@router.post("/approvals", response={201: ApprovalOut, **ERRORS}, tags=["approvals"], operation_id="approval_create")
def approval_create(request, payload: ApprovalIn):
    created = services.approval_create(request.user, **payload.dict())
    return Status(201, selectors.approval_get(fetched_by=request.user, approval_id=created.pk))


@router.post(
    "/approvals/{approval_id}/sign",
    response={200: ApprovalOut, **ERRORS}, tags=["approvals"], operation_id="approval_sign",
)
def approval_sign(request, approval_id: Id, payload: DecisionIn):
    services.approval_sign(request.user, approval_id=approval_id, **payload.dict())
    return selectors.approval_get(fetched_by=request.user, approval_id=approval_id)


@router.post(
    "/approvals/{approval_id}/reject",
    response={200: ApprovalOut, **ERRORS}, tags=["approvals"], operation_id="approval_reject",
)
def approval_reject(request, approval_id: Id, payload: DecisionIn):
    services.approval_reject(request.user, approval_id=approval_id, **payload.dict())
    return selectors.approval_get(fetched_by=request.user, approval_id=approval_id)


@router.get("/audit", response={200: list[AuditOut], **ERRORS}, tags=["audit"], operation_id="audit")
@paginate(Pagination)
def audit(request, action: Text = "", actor: Text = "", person: Text = "", subject_type: Text = "",
          subject_id: Text = "", estate_id: Id | None = None, since: IsoDate | None = None,
          until: IsoDate | None = None):
    """The audit trail (the page /audit/'s twin and filters): `person` a fragment of the actor's name,
    `actor` their login name, `since`/`until` local dates, both included."""
    if not scope_for(request.user).has_any(AUDIT_ROLES):
        raise PermissionDenied()
    entries = selectors.audit_list(
        fetched_by=request.user, action=action, actor=actor, person=person, subject_type=subject_type,
        subject_id=subject_id, estate_id=estate_id, since=since, until=until,
    )
    return MappedPage(entries, lambda page: selectors.audit_out(fetched_by=request.user, entries=page))


# --- the working-day calendar -----------------------------------------------------------------
class CalendarDayOut(Schema):
    day: datetime.date
    kind: Literal["workday", "holiday"]
    name: str


class CalendarYearOut(Schema):
    year: int
    known: bool
    source: Literal["chinesecalendar", "administrators", "weekends_only"]
    days: list[CalendarDayOut]


class CalendarDayIn(Schema):
    model_config = {"extra": "forbid"}
    day: IsoDate
    kind: Literal["workday", "holiday"]
    name: Text = Field("", max_length=50)


class CalendarImportIn(Schema):
    model_config = {"extra": "forbid"}
    csv: str = Field(..., min_length=1, max_length=1_000_000, description="date,kind,name lines")


class TermOut(Schema):
    key: str
    label: str
    amount: int
    unit: Literal["hours", "days", "working_days"]
    unit_label: str
    text: str


@router.get("/calendar/terms", response={200: list[TermOut], **ERRORS}, operation_id="calendar_terms")
def calendar_terms(request):
    """Every shipped time limit besides the routing table, each with its unit."""
    return clock.terms()


@router.get("/calendar/years/{year}", response={200: CalendarYearOut, **ERRORS}, operation_id="calendar_year")
def calendar_year(request, year: int = Path(..., ge=2000, le=2100)):
    """Whether a year's holidays are known, and the days administrators entered for it."""
    source = "chinesecalendar" if clock.library_knows(year) else (
        "administrators" if clock.covered(year) else "weekends_only")
    return {"year": year, "known": source != "weekends_only", "source": source,
            "days": list(CalendarDay.objects.filter(day__year=year))}


@router.post("/calendar/days", response={200: dict, **ERRORS}, operation_id="calendar_day_set")
def calendar_day_set(request, payload: CalendarDayIn):
    """Enter or correct one day (administrators). Deadlines already set keep their dates."""
    written = services.calendar_day_set(request.user, day=payload.day, kind=payload.kind, name=payload.name)
    return {"written": written}


@router.post("/calendar/import", response={200: dict, **ERRORS}, operation_id="calendar_import")
def calendar_import(request, payload: CalendarImportIn):
    """Import days as CSV text (date,kind,name); one bad row refuses the whole file."""
    rows = services.calendar_parse(payload.csv.encode())
    return {"read": len(rows), "written": services.calendar_import(request.user, rows=rows)}


@router.delete("/calendar/days/{day}", response={200: dict, **ERRORS}, operation_id="calendar_day_delete")
def calendar_day_delete(request, day: IsoDate):
    services.calendar_day_delete(request.user, day=day)
    return {"deleted": day.isoformat()}


# --- API tokens and logins -----------------------------------------------------------------------
class ApiTokenOut(Schema):
    """A token as its owner sees it later: never the key, nor its hash."""

    id: int
    name: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime | None


class UnlockOut(Schema):
    user_id: int
    failures_cleared: int


@router.get("/auth/tokens", response={200: list[ApiTokenOut], **ERRORS}, tags=["auth"], operation_id="api_tokens")
def api_tokens(request):
    """The caller's own API tokens (name, created, last used, expiry)."""
    return list(selectors.api_tokens(fetched_by=request.user))


@router.delete(
    "/auth/tokens/{token_id}", response={200: dict, **ERRORS}, tags=["auth"], operation_id="api_token_revoke",
)
def api_token_revoke(request, token_id: Id):
    """Revoke a token: one's own, or (administrators) one of a user in reach; any other answers 404."""
    services.api_token_revoke(request.user, token_id=token_id)
    return {"revoked": token_id}


@router.get(
    "/accounts/{user_id}/tokens", response={200: list[ApiTokenOut], **ERRORS}, tags=["auth"],
    operation_id="account_tokens",
)
def account_tokens(request, user_id: Id):
    """A user's API tokens (administrators of that user; anyone for themselves)."""
    return list(selectors.api_tokens(fetched_by=request.user, user_id=user_id))


@router.post(
    "/accounts/{user_id}/unlock", response={200: UnlockOut, **ERRORS}, tags=["auth"], operation_id="account_unlock",
)
def account_unlock(request, user_id: Id):
    """Lift a login lockout now (administrators), after checking who asks for it."""
    cleared = services.account_unlock(request.user, user_id=user_id)
    return {"user_id": user_id, "failures_cleared": cleared}


# --- logging in by mobile; forgotten passwords -------------------------------------------------------
WRONG_PASSWORD = "用户名或密码不正确 / Wrong username or password"


class SmsCodeIn(Schema):
    model_config = {"extra": "forbid"}
    mobile: str = Field(..., max_length=20)


class SmsCodeOut(Schema):
    detail: str


class SmsTokenIn(Schema):
    model_config = {"extra": "forbid"}
    mobile: str = Field(..., max_length=20)
    code: str = Field(..., max_length=6)
    name: Text = Field("", max_length=64)


class SmsTokenOut(Schema):
    token: str


class PasswordChangeIn(Schema):
    model_config = {"extra": "forbid"}
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=128)
    new_password: str = Field(..., max_length=128)


class PasswordResetOut(Schema):
    """Shown once: the one-time password is kept only as a hash and never shown again."""

    user_id: int
    username: str
    one_time_password: str
    tokens_revoked: int


@router.post("/auth/sms-code", auth=None, response={202: SmsCodeOut, **ERRORS, 429: ErrorOut}, tags=["auth"],
             operation_id="sms_code_send")
def sms_code_send(request, payload: SmsCodeIn):
    """Send a login code to a mobile. The answer is the same whether the mobile has an account or not; at
    most one code a minute per mobile, a few an hour per mobile and per address (429 beyond)."""
    sent = services.sms_code_send(None, mobile=payload.mobile, address=services.login_address(request))
    return Status(202, {"detail": sent})


@router.post("/auth/sms-token", auth=None, response={201: SmsTokenOut, **ERRORS, 429: ErrorOut}, tags=["auth"],
             operation_id="sms_token_create")
def sms_token_create(request, payload: SmsTokenIn):
    """Exchange a mobile and the code just sent to it for an API token (shown once). A wrong code answers
    401 and counts like a wrong password; a locked account or address answers 429."""
    user = services.sms_login(None, mobile=payload.mobile, code=payload.code,
                              address=services.login_address(request))
    return Status(201, {"token": services.api_token_create(user, name=payload.name)})


@router.post("/auth/password", auth=None, response={200: dict, **ERRORS, 429: ErrorOut}, tags=["auth"],
             operation_id="account_password_change")
def account_password_change(request, payload: PasswordChangeIn):
    """Set one's own password with the current one (after a reset by staff, the one-time password: no token
    is issued until it is changed). The old password's tokens end."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        return Status(401, {"detail": WRONG_PASSWORD, "code": "unauthorized"})
    services.account_password_change(user, old_password=payload.password, new_password=payload.new_password)
    return {"changed": True}


@router.post(
    "/accounts/{user_id}/password-reset", response={201: PasswordResetOut, **ERRORS}, tags=["auth"],
    operation_id="account_password_reset",
)
def account_password_reset(request, user_id: Id):
    """Give a login that forgot its password a one-time password (community staff, the secretary or an
    administrator reaching its person): to be changed at the next login; its API tokens end."""
    return Status(201, services.account_password_reset(request.user, user_id=user_id))


# --- deliveries over SMS / WeChat ----------------------------------------------------------------------
class NotificationDeliveryOut(Schema):
    id: int
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    last_error: str
    notification_id: int
    title: str
    user_id: int


def _delivery_out(d) -> dict:
    return {"id": d.pk, "channel": d.channel, "status": d.status, "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at, "delivered_at": d.delivered_at, "last_error": d.last_error,
            "notification_id": d.notification_id, "title": d.notification.title, "user_id": d.notification.user_id}


@router.get("/deliveries", response={200: list[NotificationDeliveryOut], **ERRORS}, tags=["notifications"],
            operation_id="delivery_list")
@paginate(Pagination)
def delivery_list(request, status: Literal["failed", "open", "sent", "pending", "sending"] = "failed"):
    """SMS and WeChat deliveries to the people in the administrator's reach: failed by default."""
    return MappedPage(selectors.deliveries(fetched_by=request.user, status=status),
                      lambda page: [_delivery_out(d) for d in page])


@router.post("/deliveries/{delivery_id}/retry", response={200: NotificationDeliveryOut, **ERRORS}, tags=["notifications"],
             operation_id="delivery_retry")
def delivery_retry(request, delivery_id: Id):
    """Send a delivery that has not got out again now (administrators)."""
    return _delivery_out(services.delivery_retry(request.user, delivery_id=delivery_id))
