"""Escalation: the handler calls the next level (呼叫), by hand or — when a deadline passes — by the
deadline job; on reaching the district departments the category's departments are summoned."""

from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.audit import snapshot
from gongzhi.core.errors import PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.text import clean_text
from gongzhi.requests.choices import LEVEL_HANDLER, OPEN_STATUSES, AuditAction, EventKind, Level, Status
from gongzhi.requests.models import Escalation, Request
from gongzhi.requests.routing import deadlines_for, route_for
from gongzhi.requests.rules import may_escalate
from gongzhi.requests.selectors import level_users
from gongzhi.requests.services.common import (
    AUDIT_FIELDS,
    NOT_HANDLER,
    NOT_OPEN,
    audit,
    event,
    link,
    locked,
    tell_requester,
)
from gongzhi.requests.services.summons import default_departments, summons_send

REASON_REQUIRED = "请填写上报原因 / Give a reason for calling the next level"
TOP_LEVEL = "已到最高层级（包保干部），无法继续上报 / Already at the top level (the responsible cadre)"


def request_call_up(actor, *, request_id: int, reason: str, department_ids: list[int] | None = None) -> Request:
    """呼叫: send the request one level up, with a reason."""
    reason = clean_text(reason, 500, REASON_REQUIRED, REASON_REQUIRED)
    with transaction.atomic():
        req = locked(actor, request_id)
        if not may_escalate(actor, req):
            raise PermissionDenied(NOT_HANDLER)
        if req.status not in OPEN_STATUSES:
            raise WrongState(NOT_OPEN)
        if req.level >= Level.CADRE:
            raise WrongState(TOP_LEVEL)
        if not request_move_up(actor, req, reason=reason, automatic=False, department_ids=department_ids):
            raise WrongState(NOT_OPEN)
    return req


class _AlreadyMoved(Exception):
    """Another worker moved the request first."""


def request_move_up(actor, req: Request, *, reason: str, automatic: bool, department_ids=None) -> bool:
    """Move a locked request one level up. Returns False when another worker already did (the
    compare-and-set on the level and the one-row-per-level constraint make the job idempotent)."""
    before = snapshot(req, AUDIT_FIELDS)
    now = clock.now()
    new_level = req.level + 1
    route = route_for(req.community_id, req.category)
    deadlines = deadlines_for(route, now, emergency=req.emergency, escalated=True)
    try:
        with transaction.atomic():  # the level moves and its one Escalation row is written, or neither
            if not Request.objects.filter(pk=req.pk, level=req.level, status__in=OPEN_STATUSES).update(
                    level=new_level, handler=LEVEL_HANDLER[new_level], handler_user=None, status=Status.NEW,
                    **deadlines.fields(), updated_at=now):
                raise _AlreadyMoved
            Escalation.objects.create(request=req, from_level=req.level, to_level=new_level, automatic=automatic,
                                      reason=reason, by=actor, at=now)
    except (_AlreadyMoved, IntegrityError):
        return False
    req.refresh_from_db()
    event(req, EventKind.AUTO_ESCALATED if automatic else EventKind.ESCALATED, actor,
          f"{Level(new_level - 1).label} → {Level(new_level).label}：{reason}")
    if new_level == Level.DEPARTMENT:
        wanted = department_ids or []
        if not wanted and not req.summonses.exists():
            wanted = list(default_departments(req).values_list("pk", flat=True))
        if wanted:
            summons_send(actor, req, wanted, skip_existing=True)
    audit(actor, AuditAction.REQUEST_AUTO_ESCALATE if automatic else AuditAction.REQUEST_ESCALATE, req, before,
          reason=reason)
    notify(level_users(req), title=f"{req.headline} 上报至{Level(new_level).label}",
           body=f"{req.estate.name} · {reason}", link=link(req))
    tell_requester(req, f"{req.headline} 已上报至{Level(new_level).label}", reason)
    return True
