"""吹哨报到: the subdistrict summons departments (成员单位), each must report (报到) by a deadline
and then record what it did; the deadline job flags those that did not report."""

from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import holders
from gongzhi.core.text import clean_text
from gongzhi.requests.choices import OPEN_STATUSES, AuditAction, EventKind, Level
from gongzhi.requests.models import Summons
from gongzhi.requests.routing import DEFAULT_DEPARTMENTS, summons_report_term
from gongzhi.requests.rules import SUBDISTRICT_ROLES, may_answer_summons, may_summon
from gongzhi.requests.selectors import department_officers, departments_for, request_list
from gongzhi.requests.services.common import (
    DESCRIPTION_TOO_LONG,
    NOT_OPEN,
    NOTE_MAX,
    NOTE_REQUIRED,
    event,
    link,
    local,
    locked,
)

NOT_AT_SUBDISTRICT = "只有上报到街道的诉求才能吹哨 / Only a request at the subdistrict can summon departments"
NOT_SUBDISTRICT = "只有街道干部可以吹哨 / Only subdistrict officers can summon departments"
DEPARTMENTS_REQUIRED = "请选择要报到的部门 / Choose the departments that must report"
UNKNOWN_DEPARTMENT = "未知的部门 / Unknown department"
ALREADY_SUMMONED = "所选部门均已吹哨 / These departments have already been summoned"
NOT_DEPARTMENT = "只有被吹哨部门的干部可以报到 / Only an officer of the summoned department can report"
ALREADY_REPORTED = "该部门已报到 / The department has already reported"
NOT_REPORTED = "请先报到再填写处置情况 / Report first, then record the action"


def default_departments(req):
    """The departments the category summons when nobody named any (by their responsibilities)."""
    duties = DEFAULT_DEPARTMENTS.get(req.category, ())
    matching = [d.pk for d in departments_for(req) if set(d.responsibilities or []) & set(duties)]
    return departments_for(req).filter(pk__in=matching)


def request_summon(actor, *, request_id: int, department_ids: list[int]) -> list[Summons]:
    """吹哨: the subdistrict names the departments that must report (报到) by the deadline."""
    with transaction.atomic():
        req = locked(actor, request_id)
        if not may_summon(actor, req):
            raise PermissionDenied(NOT_SUBDISTRICT)
        if req.status not in OPEN_STATUSES:
            raise WrongState(NOT_OPEN)
        if req.level < Level.SUBDISTRICT:
            raise WrongState(NOT_AT_SUBDISTRICT)
        if not department_ids:
            raise InvalidInput(DEPARTMENTS_REQUIRED, field="department_ids")
        return summons_send(actor, req, department_ids)


def summons_send(actor, req, department_ids, *, skip_existing=False) -> list[Summons]:
    """Summon these departments for a locked request (by hand, or on reaching the departments)."""
    ids = sorted(set(department_ids))
    departments = list(departments_for(req).filter(pk__in=ids))
    if len(departments) != len(ids):
        raise InvalidInput(UNKNOWN_DEPARTMENT, field="department_ids")
    existing = set(req.summonses.values_list("department_id", flat=True))
    fresh = [d for d in departments if d.pk not in existing]
    if not fresh:
        if skip_existing:
            return []
        raise WrongState(ALREADY_SUMMONED)
    now = clock.now()
    report_by = clock.deadline(now, summons_report_term()).at
    rows = [Summons.objects.create(request=req, department=d, summoned_by=actor if actor and actor.pk else None,
                                   summoned_at=now, report_by=report_by) for d in fresh]
    names = "、".join(d.name for d in fresh)
    event(req, EventKind.SUMMONED, actor, f"{names}，请于 {local(report_by)} 前报到")
    for row in rows:
        audit_record(actor, AuditAction.REQUEST_SUMMON, row, after={
            "request": req.pk, "department": row.department_id, "report_by": report_by.isoformat()})
    notify(department_officers([d.pk for d in fresh]), title=f"吹哨报到：{req.estate.name} {req.headline}",
           body=f"请于 {local(report_by)} 前报到", link=link(req))
    return rows


def _locked_summons(actor, summons_id) -> Summons:
    row = Summons.objects.filter(pk=summons_id, request__in=request_list(fetched_by=actor)).first()
    if row is None:
        raise NotFound()
    row = Summons.objects.select_for_update(of=("self",)).select_related("request__estate", "department").get(pk=row.pk)
    if not may_answer_summons(actor, row):
        raise PermissionDenied(NOT_DEPARTMENT)
    return row


def summons_report(actor, *, summons_id: int, note: str = "") -> Summons:
    """报到: the summoned department acknowledges."""
    note = clean_text(note, NOTE_MAX, None, DESCRIPTION_TOO_LONG)
    with transaction.atomic():
        row = _locked_summons(actor, summons_id)
        if row.reported_at is not None:
            raise WrongState(ALREADY_REPORTED)
        row.reported_at, row.reported_by = clock.now(), actor
        row.save(update_fields=["reported_at", "reported_by"])
        late = "（逾期）" if row.reported_at > row.report_by else ""
        event(row.request, EventKind.REPORTED, actor, f"{row.department.name}已报到{late} {note}".strip())
        audit_record(actor, AuditAction.REQUEST_REPORT, row, after={"reported_at": row.reported_at.isoformat(),
                                                                    "note": note})
        notify(holders(SUBDISTRICT_ROLES, row.request.estate),
               title=f"{row.department.name}已报到：{row.request.headline}", link=link(row.request))
    return row


def summons_act(actor, *, summons_id: int, note: str) -> Summons:
    """The department records what it did."""
    note = clean_text(note, NOTE_MAX, NOTE_REQUIRED, DESCRIPTION_TOO_LONG)
    with transaction.atomic():
        row = _locked_summons(actor, summons_id)
        if row.reported_at is None:
            raise WrongState(NOT_REPORTED)
        row.acted_at, row.action_note = clock.now(), note
        row.save(update_fields=["acted_at", "action_note"])
        event(row.request, EventKind.ACTED, actor, f"{row.department.name}：{note}")
        audit_record(actor, AuditAction.REQUEST_ACT, row, after={"acted_at": row.acted_at.isoformat(), "note": note})
        notify(holders(SUBDISTRICT_ROLES, row.request.estate),
               title=f"{row.department.name}已处置：{row.request.headline}", body=note,
               link=link(row.request))
    return row


def flag_late(row: Summons) -> bool:
    """A department past its reporting deadline is flagged once (the deadline job, in a transaction);
    False when another run flagged it first."""
    if not Summons.objects.filter(pk=row.pk, overdue_notified=False).update(overdue_notified=True):
        return False
    audit_record(None, AuditAction.REQUEST_SUMMONS_OVERDUE, row, after={"department": row.department_id})
    notify(holders(SUBDISTRICT_ROLES, row.request.estate) | department_officers([row.department_id]),
           title=f"{row.department.name}未按时报到：{row.request.headline}", link=link(row.request))
    return True
