"""For load balancers and monitoring, without a login: /healthz answers while the process is up;
/readyz says whether this server can do its work — the database answers, every migration is applied,
the file storage can be read and written, the task queue's table can be read (with the database backend;
the demo's immediate backend has no queue to reach). Each check is named with "ok" or "fail" and no detail, so
the public answer leaks nothing; the detail goes to the server's log."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)
PROBE = ".readyz-probe"


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations() -> bool:
    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def _storage() -> bool:
    name = default_storage.save(PROBE, ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as stream:
            return stream.read() == b"ok"
    finally:
        default_storage.delete(name)


def _queue() -> bool:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(task_backends["default"], DatabaseBackend):
        list(DBTaskResult.objects.order_by().values_list("pk", flat=True)[:1])
    return True


CHECKS = {"database": _database, "migrations": _migrations, "storage": _storage, "queue": _queue}


@never_cache
@require_GET
def readyz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = "ok" if check() else "fail"
        except Exception:  # any failure means not ready; the log has why
            log.exception("readiness check %s failed", name)
            results[name] = "fail"
    ready = all(v == "ok" for v in results.values())
    return JsonResponse({"status": "ok" if ready else "fail", "checks": results}, status=200 if ready else 503)
