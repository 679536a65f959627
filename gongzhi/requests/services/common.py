"""What the request services share: the request row locked for a change, its timeline and audit
rows, and the messages that go out after the change commits."""

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import get_in_scope
from gongzhi.requests.models import Event, Request
from gongzhi.requests.selectors import request_list

UNKNOWN_CATEGORY = "未知的诉求类别 / Unknown category"
# Also the message of every other too-long text of a request (notes, contact, place).
DESCRIPTION_TOO_LONG = "问题描述最多 {n} 字 / The description is at most {n} characters"
NOT_HANDLER = "该诉求不由您办理 / This request is not assigned to you"
NOT_OPEN = "该诉求不在办理中 / This request is not open"
NOTE_REQUIRED = "请填写办理情况 / Write what was done"
NOTE_MAX = 2000

# Audit rows carry the workflow, not the requester's contact details.
AUDIT_FIELDS = ["estate", "building", "unit", "category", "emergency", "channel", "anonymous", "status", "tier",
                "level", "handler", "handler_user", "respond_by", "resolve_by", "resolved_at", "closed_at",
                "satisfaction", "reopen_count"]


def audit(actor, action, req, before=None, **extra):
    audit_record(actor, action, req, before=before, after={**snapshot(req, AUDIT_FIELDS), **extra})


def event(req, kind, actor=None, note="", against_id=None):
    return Event.objects.create(request=req, kind=kind, actor=actor if actor is not None and actor.pk else None,
                                level=req.level, note=note, against_user_id=against_id, at=clock.now())


def locked(actor, request_id) -> Request:
    """The request the actor may see, locked for update; 404 when hidden or missing."""
    visible = get_in_scope(request_list(fetched_by=actor), pk=request_id)
    return Request.objects.select_for_update(of=("self",)).select_related("estate__community__subdistrict").get(pk=visible.pk)


def local(when) -> str:
    return clock.local(when).strftime("%Y-%m-%d %H:%M")


def link(req) -> str:
    return f"/requests/{req.pk}/"


def tell_requester(req, title, body="") -> None:
    if req.requester_id:
        notify([req.requester_id], title=title, body=body, link=link(req))
