import io
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import resolve, reverse
from django.utils import translation

from gongzhi.core.errors import GongzhiError
from gongzhi.core.models import PASSWORD_CHANGE_DUE


class GongzhiErrorMiddleware:
    """Turns a domain error raised by a service or selector into a clear page, Chinese first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, GongzhiError):
            return render(request, "error.html", {"error": exception}, status=exception.status)
        return None


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose English with the switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone set to
    English would see English first; here the product's language is zh-hans first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


QUERY_REPEATED = "查询参数“{name}”只能给一次 / The query parameter {name} may be given only once"


class OneValuePerApiQueryParameter:
    """The API declares no list-valued query parameter, so `?major=true&major=x` is refused (422)
    instead of silently taking the last value."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            for name, values in request.GET.lists():
                if len(values) > 1:
                    detail = QUERY_REPEATED.format(name=name[:40])
                    return JsonResponse({"detail": detail, "code": "invalid", "field": name[:40]}, status=422)
        return self.get_response(request)


BODY_TOO_LARGE = ("请求内容超过 {mb} MB 的上限（照片等文件经 base64 编码后约大三分之一）；请压缩照片、分次上传，"
                  "或改用网页上传 / The request body exceeds the limit of {mb} MB (base64 makes a file about a third "
                  "larger); compress the photo, send fewer files at once, or upload through the web page")


class ApiBodyTooLarge:
    """An /api/ request whose body is over its limit gets a JSON 413 naming the limit, not Django's bare
    HTML "Bad Request (400)": files travel in JSON as base64 (core.api_schema.FileIn), a third larger.
    The limit is DATA_UPLOAD_MAX_MEMORY_SIZE, or a route's own in GONGZHI_API_LARGE_BODIES (path
    pattern: bytes; the routes that take phone photos).

    A JSON body announced too large by Content-Length is refused before anything reads it; a body
    found too large while being read (no Content-Length, or a multipart form's fields) raises
    RequestDataTooBig in the view, which becomes the same answer here. A route with its own limit has
    its body read here (at most Content-Length bytes), since request.body would hold it to Django's."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _limit(request) -> tuple[int | None, bool]:
        """The body limit of this request's route, and whether it is the route's own."""
        for pattern, limit in getattr(settings, "GONGZHI_API_LARGE_BODIES", {}).items():
            if re.match(pattern, request.path):
                return limit, True
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE, False

    @staticmethod
    def _answer(limit):
        mb = f"{(limit or 0) / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
        return JsonResponse({"detail": BODY_TOO_LARGE.format(mb=mb), "code": "too_large", "field": None},
                            status=413, json_dumps_params={"ensure_ascii": False})

    def __call__(self, request):
        if request.path.startswith("/api/") and not request.content_type.startswith("multipart/"):
            limit, own = self._limit(request)
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if limit is not None and length > limit:
                return self._answer(limit)
            if own:  # read as HttpRequest.body would, without its DATA_UPLOAD_MAX_MEMORY_SIZE check
                request._body = request.read()
                request._stream = io.BytesIO(request._body)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig) and request.path.startswith("/api/"):
            return self._answer(self._limit(request)[0])
        return None


class PasswordChangeFirst:
    """A user who logged in with a one-time password from community staff sees the change-password page
    before anything else: every other page redirects there (logging out, static files, the language and
    large-font switches excepted; the API answers 401 to such a session, core.api_auth). The memo is in the session
    (core.models.PASSWORD_CHANGE_DUE), so other users' requests cost nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(PASSWORD_CHANGE_DUE) and request.user.is_authenticated:
            change = reverse("core:password_change")
            exempt = (change, reverse("core:logout"), reverse("portal:toggle_large_font"))
            if request.path not in exempt and not request.path.startswith(
                    (settings.STATIC_URL, "/api/", "/i18n/")):
                return redirect(change)
        return self.get_response(request)


class MachineRoutes:
    """Routes that machines post to (settings.GONGZHI_MACHINE_ROUTES, exact paths: the devices' signed
    events, hundreds a second) skip what only a person's browser needs — the session, the language cookie,
    CSRF (they send no cookie; their own signature authenticates each body), the logged-in user, messages,
    the one-time-password redirect, htmx, frame options — and the URL resolver (each path is resolved once):
    they go straight to their view through the API's body limit (ApiBodyTooLarge). Placed after the request
    log, SecurityMiddleware and the Content-Security-Policy, which they keep. They answer in the product's
    language (Chinese first), whatever a browser chose before on this worker."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = frozenset(getattr(settings, "GONGZHI_MACHINE_ROUTES", ()))
        self.limited = ApiBodyTooLarge(self._view)
        self.matches: dict = {}

    def __call__(self, request):
        if request.path_info not in self.paths:
            return self.get_response(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        try:
            response = self.limited(request)
        except RequestDataTooBig as exc:
            response = self.limited.process_exception(request, exc)
            if response is None:
                raise
        response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
        return response

    def _view(self, request):
        match = self.matches.get(request.path_info)
        if match is None:
            match = self.matches[request.path_info] = resolve(request.path_info)
        request.resolver_match = match
        return match.func(request, *match.args, **match.kwargs)
