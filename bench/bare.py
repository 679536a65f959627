"""The WSGI application the HTTP benchmark serves: the whole project, plus one bare view that only
inserts one row (the baseline the request API is compared with). Not part of the product."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


@csrf_exempt
def bare(request):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_bare (at, body) VALUES (now(), %s)", [request.body.decode()[:500]])
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [path("bench/bare/", bare), path("", include("gongzhi.urls"))]
settings.ROOT_URLCONF = __name__
