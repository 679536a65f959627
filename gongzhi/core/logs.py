"""Structured logs: one JSON object per line (python-json-logger), every line carrying the request id of
the request it was written in, and one access line per request.

The request id is the X-Request-ID header nginx sets ($request_id, 32 hex digits) when it is well formed
(8–128 letters, digits and . _ : -), otherwise a new one; it goes back to the client in the response's
X-Request-ID, so a resident's "it failed" can be found in the logs of whichever app server answered.
The access line (logger gongzhi.access) has the method, the path without its query string's secrets,
the status, the milliseconds, the user id and the request id.

Retention (settings.GONGZHI_LOG_RETENTION_DAYS, docs/deploy.md): the app's and access logs are files
rotated daily by logrotate and pruned by `gongzhi logs_prune`; the audit trail is rows in the database and
is never deleted by the app.
"""

import contextvars
import datetime
import logging
import re
import time
import uuid
from urllib.parse import parse_qsl, urlencode

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from gongzhi.core import clock

REQUEST_ID_HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# Query parameters whose values never reach a log (tokens in links, one-time codes, keys).
SECRET_PARAMETERS = re.compile(r"token|key|code|pass|secret|sig|auth|session|otp|ticket", re.IGNORECASE)
access_log = logging.getLogger("gongzhi.access")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The proxy's id when it is well formed, else a new one (a client cannot put anything else in a log)."""
    if header and WELL_FORMED.fullmatch(header):
        return header
    return uuid.uuid4().hex


def loggable_path(request) -> str:
    """The path, and the query string with the values of secret-looking parameters starred."""
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return request.path
    pairs = [(k, "***" if SECRET_PARAMETERS.search(k) else v) for k, v in parse_qsl(query, keep_blank_values=True)]
    return f"{request.path}?{urlencode(pairs, safe='*')}"


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (handlers' filter, so third-party loggers get it too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request writes its line for a 4xx/5xx after the middleware has returned: it names the request
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _request_id.get()
        return True


class JsonFormatter(_JsonFormatter):
    """{"time", "level", "logger", "message", "request_id", …extra fields}; times in local ISO 8601."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        written = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)  # the real time, never a test's
        log_data["time"] = clock.local(written).isoformat(timespec="milliseconds")
        log_data.setdefault("request_id", getattr(record, "request_id", "-"))


class RequestLogMiddleware:
    """Outermost middleware: sets the request id for everything the request logs, returns it in the
    response, and writes the access line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        token = _request_id.set(rid)
        request.request_id = rid
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = rid
            if access_log.isEnabledFor(logging.INFO):
                ms = round((time.perf_counter() - started) * 1000, 1)
                user = getattr(request, "user", None)
                user_id = user.pk if user is not None and user.is_authenticated else None
                path = loggable_path(request)
                access_log.info("%s %s %s", request.method, path, response.status_code, extra={
                    "method": request.method, "path": path, "status": response.status_code, "ms": ms,
                    "user_id": user_id, "ip": request.META.get("REMOTE_ADDR", ""), "request_id": rid})
            return response
        finally:
            _request_id.reset(token)
