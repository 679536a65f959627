"""Handling at the current level: the handler takes the request (受理) and resolves it."""

from django.conf import settings
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.audit import snapshot
from gongzhi.core.errors import PermissionDenied, WrongState
from gongzhi.core.files import Upload
from gongzhi.core.text import clean_text
from gongzhi.requests.choices import OPEN_STATUSES, AuditAction, EventKind, Handler, Level, PhotoStage, Status
from gongzhi.requests.models import Request
from gongzhi.requests.rules import may_handle
from gongzhi.requests.services.common import (
    AUDIT_FIELDS,
    DESCRIPTION_TOO_LONG,
    NOT_HANDLER,
    NOT_OPEN,
    NOTE_MAX,
    NOTE_REQUIRED,
    audit,
    event,
    locked,
    tell_requester,
)
from gongzhi.requests.services.photos import check_photos, files_removed_on_failure, save_photos

NOT_NEW = "该诉求已响应 / This request has already been answered"


def request_respond(actor, *, request_id: int, note: str = "") -> Request:
    """The handler takes the request (受理)."""
    note = clean_text(note, NOTE_MAX, None, DESCRIPTION_TOO_LONG)
    with transaction.atomic():
        req = locked(actor, request_id)
        if not may_handle(actor, req):
            raise PermissionDenied(NOT_HANDLER)
        if req.status != Status.NEW:
            raise WrongState(NOT_NEW)
        before = snapshot(req, AUDIT_FIELDS)
        now = clock.now()
        req.status, req.responded_at, req.updated_at = Status.IN_PROGRESS, now, now
        if req.level == Level.ESTATE and req.handler != Handler.BUILDING_HEAD:
            req.handler_user = actor
        req.save()
        event(req, EventKind.RESPONDED, actor, note)
        audit(actor, AuditAction.REQUEST_RESPOND, req, before)
        tell_requester(req, f"{req.headline} 已受理", note)
    return req


def request_resolve(actor, *, request_id: int, note: str, photos: list[Upload] | None = None) -> Request:
    """The handler marks the problem solved; the requester has 7 days to confirm or reopen."""
    note = clean_text(note, NOTE_MAX, NOTE_REQUIRED, DESCRIPTION_TOO_LONG)
    checked = check_photos(photos or [])
    with files_removed_on_failure() as written, transaction.atomic():
        req = locked(actor, request_id)
        if not may_handle(actor, req):
            raise PermissionDenied(NOT_HANDLER)
        if req.status not in OPEN_STATUSES:
            raise WrongState(NOT_OPEN)
        before = snapshot(req, AUDIT_FIELDS)
        now = clock.now()
        req.status, req.resolved_at, req.resolved_by, req.resolution_note, req.updated_at = (
            Status.RESOLVED, now, actor, note, now)
        req.responded_at = req.responded_at or now
        if req.first_resolved_at is None:
            req.first_resolved_at = now
            req.resolved_on_time = now <= req.resolve_by
        req.save()
        save_photos(req, checked, PhotoStage.RESOLUTION, actor, written)
        event(req, EventKind.RESOLVED, actor, note)
        audit(actor, AuditAction.REQUEST_RESOLVE, req, before)
        days = settings.GONGZHI_REQUEST_CONFIRM_DAYS
        tell_requester(req, f"{req.headline} 已办结，请确认是否解决",
                       f"{note}\n请在 {days} 天内确认并评价，逾期自动关闭。")
    return req
