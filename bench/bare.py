"""The WSGI application the HTTP benchmark serves: the whole project, plus one bare view that only
inserts one row (the baseline the request API is compared with). Not part of the product."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.http import JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from gongzhi.core.models import Notification  # noqa: E402


@csrf_exempt
def bare(request):
    """No authentication, no validation: one row through the ORM, as a plain Django view would."""
    Notification.objects.create(user_id=BENCH_USER, title="bare", body=request.body.decode()[:500])
    return JsonResponse({"ok": True}, status=201)


BENCH_USER = int(os.environ.get("BENCH_USER", "1"))
urlpatterns = [path("bench/bare/", bare), path("", include("gongzhi.urls"))]
settings.ROOT_URLCONF = __name__


# A floor for comparison: the same token authentication and JSON parsing as /api/v1, then the same
# one-row insert — what any authenticated API write costs before it does any work of its own.
from ninja import NinjaAPI, Schema  # noqa: E402

from gongzhi.api import TokenAuth  # noqa: E402

floor_api = NinjaAPI(urls_namespace="bench-floor", auth=TokenAuth(), docs_url=None, openapi_url=None)


class FloorIn(Schema):
    estate_id: int
    category: str
    description: str
    building_id: int | None = None


@floor_api.post("/insert", response={201: dict})
def floor(request, payload: FloorIn):
    Notification.objects.create(user_id=request.user.pk, title="floor", body=payload.description)
    return 201, {"ok": True}


urlpatterns.insert(0, path("bench/floor/", floor_api.urls))
