from django.http import JsonResponse
from django.shortcuts import render

from gongzhi.core.errors import GongzhiError


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
