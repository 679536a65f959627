"""The WSGI application the HTTP benchmark serves: the whole project, plus one bare view that only
inserts one row (the baseline the request API is compared with) and three reference points that show
where an API write's time goes. Not part of the product."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.db import connection, transaction  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from ninja import NinjaAPI, Schema  # noqa: E402

from gongzhi.api import TokenAuth  # noqa: E402
from gongzhi.core import clock  # noqa: E402
from gongzhi.core.audit import audit_record  # noqa: E402
from gongzhi.core.models import ApiToken, Notification  # noqa: E402
from gongzhi.places.models import Estate  # noqa: E402
from gongzhi.requests.models import Event, Request  # noqa: E402

BENCH_USER = int(os.environ.get("BENCH_USER", "1"))


@csrf_exempt
def bare(request):
    """No authentication, no validation: one row through the ORM, as a plain Django view would."""
    Notification.objects.create(user_id=BENCH_USER, title="bare", body=request.body.decode()[:500])
    return JsonResponse({"ok": True}, status=201)


reference = NinjaAPI(urls_namespace="bench-reference", auth=TokenAuth(), docs_url=None, openapi_url=None)


class BodyIn(Schema):
    estate_id: int
    category: str
    description: str
    building_id: int | None = None


@reference.post("/floor", response={201: dict})
def floor(request, payload: BodyIn):
    """The API's token authentication and JSON parsing, then the bare view's one insert: what any
    authenticated API write costs before it does any work of its own."""
    Notification.objects.create(user_id=request.user.pk, title="floor", body=payload.description)
    return 201, {"ok": True}


_PLACE: dict = {}


def _place(estate_id: int) -> dict:
    """The estate's community and subdistrict, looked up once per worker: the references read nothing
    per request."""
    if not _PLACE:
        estate = Estate.objects.select_related("community").get(pk=estate_id)
        _PLACE.update(community_id=estate.community_id, subdistrict_id=estate.community.subdistrict_id)
    return _PLACE


@reference.post("/orm-writes", response={201: dict})
def orm_writes(request, payload: BodyIn):
    """Authentication, then only the rows a submission must write — the request, its two timeline
    events, the audit row, one inbox message — through the ORM in one transaction. Nothing read,
    checked or routed: no submission written through the ORM can be faster than this."""
    now = clock.now()
    with transaction.atomic():
        req = Request.objects.create(estate_id=payload.estate_id, building_id=payload.building_id,
                                     category=payload.category, description=payload.description,
                                     requester=request.user, created_at=now, updated_at=now, respond_by=now,
                                     resolve_by=now, tier="minor", handler="property", **_place(payload.estate_id))
        Event.objects.bulk_create([Event(request=req, kind="submitted", level=1, at=now),
                                   Event(request=req, kind="routed", level=1, at=now)])
        audit_record(request.user, "request.submit", req, after={"status": req.status})
        Notification.objects.create(user_id=request.user.pk, title="orm-writes", body=payload.description)
    return 201, {"ok": True}


# The same five rows in one PostgreSQL statement (data-modifying CTEs), autocommit.
SQL_WRITES = """
WITH r AS (
  INSERT INTO requests_request (subdistrict_id, community_id, estate_id, building_id, place_text, category,
    description, emergency, channel, contact_name, contact_phone, anonymous, status, tier, level, handler,
    created_at, updated_at, respond_by, resolve_by, resolution_note, auto_closed, satisfaction_comment,
    reopen_count, token, requester_id)
  VALUES (%(subdistrict_id)s, %(community_id)s, %(estate)s, %(building)s, '', %(category)s, %(description)s,
    false, 'web', '', '', false, 'new', 'minor', 1, 'property', now(), now(), now(), now(), '', false, '', 0,
    gen_random_uuid(), %(user)s)
  RETURNING id),
e AS (INSERT INTO requests_event (request_id, kind, at, level, note)
      SELECT r.id, k, now(), 1, '' FROM r, (VALUES ('submitted'), ('routed')) AS kinds(k)),
a AS (INSERT INTO core_auditentry (at, actor_id, actor_name, action, subject_type, subject_id, subject_repr,
        estate_id, community_id, after)
      SELECT now(), %(user)s, 'bench', 'request.submit', 'requests.request', r.id::text, '', %(estate)s,
        %(community_id)s, '{}'::jsonb FROM r)
INSERT INTO core_notification (user_id, title, body, link, created_at)
SELECT %(user)s, 'sql-writes', %(description)s, '', now() FROM r
"""


class SqlTokenAuth(TokenAuth):
    """The token checked with a plain SELECT of the user's id (no user object built)."""

    def authenticate(self, request, token):
        with connection.cursor() as cursor:
            cursor.execute("SELECT t.user_id FROM core_apitoken t JOIN auth_user u ON u.id = t.user_id "
                           "WHERE t.key_hash = %s AND u.is_active", [ApiToken.hash(token)])
            row = cursor.fetchone()
        return row and row[0]


@reference.post("/sql-writes", response={201: dict}, auth=SqlTokenAuth())
def sql_writes(request, payload: BodyIn):
    """No ORM at all: the token by hand, then the five rows in one statement. Still nothing read,
    checked or routed."""
    with connection.cursor() as cursor:
        cursor.execute(SQL_WRITES, {"user": request.auth, "estate": payload.estate_id,
                                    "building": payload.building_id, "category": payload.category,
                                    "description": payload.description, **_place(payload.estate_id)})
    return 201, {"ok": True}


urlpatterns = [path("bench/bare/", bare), path("bench/ref/", reference.urls), path("", include("gongzhi.urls"))]
settings.ROOT_URLCONF = __name__
