"""The versioned JSON API, /api/v1/. Each app contributes a router; one handler turns domain
errors into clear JSON answers (Chinese first)."""


from django.contrib.auth import authenticate
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gongzhi.bodies.api import router as bodies_router
from gongzhi.core.api import router as core_router
from gongzhi.core.api_auth import SessionAuth, TokenAuth
from gongzhi.core.api_schema import ERRORS, ErrorOut
from gongzhi.core.errors import GongzhiError
from gongzhi.core.services import api_token_create
from gongzhi.dashboard.api import router as dashboard_router
from gongzhi.finance.api import router as finance_router
from gongzhi.grid.api import router as grid_router
from gongzhi.meetings.api import router as meetings_router
from gongzhi.notices.api import router as notices_router
from gongzhi.party.api import router as party_router
from gongzhi.people.api import router as people_router
from gongzhi.places.api import router as places_router
from gongzhi.requests.api import router as requests_router
from gongzhi.reviews.api import router as reviews_router
from gongzhi.services.api import router as services_router
from gongzhi.votes.api import router as votes_router

api = NinjaAPI(
    title="共治 Gongzhi API",
    version="1",
    description="党建引领红色物业治理平台接口 / Party-led residential property governance API",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-v1",
)


@api.exception_handler(GongzhiError)
def domain_error(request, exc: GongzhiError):
    return api.create_response(
        request, {"detail": exc.message, "code": exc.code, "field": exc.field}, status=exc.status
    )



INVALID_INPUT = "输入内容不合法 / Invalid input"
LOG_IN_FIRST = "请先登录或提供令牌 / Log in or give a token"

@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return api.create_response(
        request,
        {"detail": INVALID_INPUT, "code": "invalid", "errors": exc.errors},
        status=422,
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": str(exc), "code": "invalid"}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(
        request, {"detail": LOG_IN_FIRST, "code": "unauthorized"}, status=401
    )


class TokenIn(Schema):
    model_config = {"extra": "forbid"}
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str


@api.post("/auth/token", auth=None, response={201: TokenOut, **ERRORS, 429: ErrorOut}, tags=["auth"],
          operation_id="token_create")
def token_create(request, payload: TokenIn):
    """Exchange a username and password for an API token (shown once)."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        return Status(401, {"detail": "用户名或密码不正确 / Wrong username or password", "code": "unauthorized"})
    raw = api_token_create(user, name=payload.name)
    return Status(201, {"token": raw})


api.add_router("/places", places_router)
api.add_router("/people", people_router)
api.add_router("/organisations", bodies_router)
api.add_router("/", core_router)
api.add_router("/", notices_router)
api.add_router("/", votes_router)
api.add_router("/", requests_router)
api.add_router("/", party_router)
api.add_router("/", meetings_router)
api.add_router("/", finance_router)
api.add_router("/", dashboard_router)
api.add_router("/", services_router)
api.add_router("/", grid_router)
api.add_router("/", reviews_router)
