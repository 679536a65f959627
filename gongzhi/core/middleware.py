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
