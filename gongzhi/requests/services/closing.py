"""Closing the loop: the requester confirms and rates the fix within the window, or reopens it;
a resolved request nobody confirmed in time closes itself (the deadline job)."""

import datetime

from django.conf import settings
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.audit import snapshot
from gongzhi.core.errors import PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.text import check_rating, clean_text
from gongzhi.requests.choices import AuditAction, EventKind, Level, Status
from gongzhi.requests.models import Request
from gongzhi.requests.routing import deadlines_for, route_for
from gongzhi.requests.rules import may_confirm
from gongzhi.requests.selectors import level_users
from gongzhi.requests.services.common import AUDIT_FIELDS, audit, event, link, locked, tell_requester

NOT_REQUESTER = "只有诉求人可以确认或重新提交 / Only the requester can confirm or reopen"
NOT_RESOLVED = "该诉求尚未办结，不能确认或重新提交 / The request is not resolved yet"
CONFIRM_WINDOW_OVER = "已超过 {days} 天确认期限，诉求已自动关闭 / The {days}-day confirmation window is over"
COMMENT_TOO_LONG = "评价最多 500 字 / The comment is at most 500 characters"
REOPEN_REASON = "请说明问题为何没有解决 / Say why the problem is not solved"


def _requester_check(actor, req):
    if not may_confirm(actor, req):
        raise PermissionDenied(NOT_REQUESTER)
    if req.status != Status.RESOLVED:
        raise WrongState(NOT_RESOLVED)
    days = settings.GONGZHI_REQUEST_CONFIRM_DAYS
    if clock.now() >= req.resolved_at + datetime.timedelta(days=days):
        raise WrongState(CONFIRM_WINDOW_OVER.format(days=days))


def request_confirm(actor, *, request_id: int, satisfaction: int, comment: str = "") -> Request:
    """The requester confirms the fix and rates it 1–5."""
    check_rating(satisfaction)
    comment = clean_text(comment, 500, None, COMMENT_TOO_LONG)
    with transaction.atomic():
        req = locked(actor, request_id)
        _requester_check(actor, req)
        before = snapshot(req, AUDIT_FIELDS)
        now = clock.now()
        req.status, req.closed_at, req.satisfaction, req.satisfaction_comment, req.updated_at = (
            Status.CLOSED, now, satisfaction, comment, now)
        req.save()
        event(req, EventKind.CONFIRMED, actor, f"满意度 {satisfaction}/5 {comment}".strip())
        audit(actor, AuditAction.REQUEST_CONFIRM, req, before)
        notify([req.resolved_by_id], title=f"{req.headline} 已确认，满意度 {satisfaction}/5", body=comment, link=link(req))
    return req


def request_reopen(actor, *, request_id: int, reason: str) -> Request:
    """Not fixed: back to the last handler, and it counts against them."""
    reason = clean_text(reason, 500, REOPEN_REASON, COMMENT_TOO_LONG)
    with transaction.atomic():
        req = locked(actor, request_id)
        _requester_check(actor, req)
        before = snapshot(req, AUDIT_FIELDS)
        now = clock.now()
        last = req.resolved_by_id
        route = route_for(req.community_id, req.category)
        req.status, req.resolved_at, req.updated_at = Status.IN_PROGRESS, None, now
        req.reopen_count += 1
        resolve = deadlines_for(route, now, emergency=req.emergency).resolve
        req.resolve_by, req.resolve_unit = resolve.at, resolve.term.unit
        req.deadline_estimated = req.deadline_estimated or resolve.estimated
        if req.level == Level.ESTATE and last:
            req.handler_user_id = last
        req.save()
        event(req, EventKind.REOPENED, actor, reason, against_id=last)
        audit(actor, AuditAction.REQUEST_REOPEN, req, before, reason=reason)
        notify({last} | level_users(req), title=f"{req.headline} 被重新提交", body=reason,
               link=link(req))
    return req


def request_close_unconfirmed(req: Request, now) -> bool:
    """Close a locked resolved request nobody confirmed within the window (the deadline job, in a
    transaction); False when it was confirmed or reopened meanwhile."""
    before = snapshot(req, AUDIT_FIELDS)
    if not Request.objects.filter(pk=req.pk, status=Status.RESOLVED).update(
            status=Status.CLOSED, closed_at=now, auto_closed=True, updated_at=now):
        return False
    req.refresh_from_db()
    event(req, EventKind.AUTO_CLOSED, None, f"{settings.GONGZHI_REQUEST_CONFIRM_DAYS} 天内未确认")
    audit(None, AuditAction.REQUEST_AUTO_CLOSE, req, before)
    tell_requester(req, f"{req.headline} 已自动关闭",
                   f"办结后 {settings.GONGZHI_REQUEST_CONFIRM_DAYS} 天内未确认")
    notify([req.resolved_by_id], title=f"{req.headline} 超期未确认，已自动关闭", link=link(req))
    return True
