"""三审 and 乱必追责问责: each period's statement signed off by the residents' committee, the bank and
an audit firm (each may record findings); findings and alerts open accountability cases."""

import datetime

from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.finance.models import AccountabilityCase, AuditParty, AuditPeriod, AuditSignoff, CaseStatus
from gongzhi.finance.selectors import statement
from gongzhi.finance.services import BOOKKEEPERS, _estate

CASE_OPENERS = (Role.DISCIPLINE_SUPERVISOR, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR)
ALREADY_SIGNED = "该方已签署 / This party has already signed"
ALREADY_OPEN = "该期间已开始审计 / This period is already being audited"
CASE_CLOSED = "该问责事项已办结 / This case is closed"


@transaction.atomic
def audit_open(actor, *, estate_id: int, start: datetime.date, end: datetime.date) -> AuditPeriod:
    estate = _estate(actor, estate_id, BOOKKEEPERS)
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期 / The period ends before it starts", field="end")
    frozen = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in statement(estate, start, end).items()}
    try:
        with transaction.atomic():
            period = AuditPeriod.objects.create(estate=estate, start=start, end=end, statement=frozen, opened_by=actor)
    except IntegrityError:
        raise WrongState(ALREADY_OPEN) from None
    audit_record(actor, "audit.open", period, after={"start": start.isoformat(), "end": end.isoformat()})
    return period


@transaction.atomic
def audit_sign(actor, *, period_id: int, party: str, signer_name: str, findings: str = "") -> AuditPeriod:
    """Record one party's sign-off (the bank's and the audit firm's are recorded by community staff,
    with the name of who signed for them)."""
    scope = scope_for(actor)
    period = get_in_scope(AuditPeriod.objects.select_for_update().filter(estate__in=scope.estates()), pk=period_id)
    _estate(actor, period.estate_id, BOOKKEEPERS)
    if party not in AuditParty.values:
        raise InvalidInput("未知的审计方 / Unknown party", field="party")
    if not (signer_name or "").strip():
        raise InvalidInput("请填写签字人 / Give the signer's name", field="signer_name")
    try:
        with transaction.atomic():
            AuditSignoff.objects.create(period=period, party=party, signer_name=signer_name.strip()[:100],
                                        findings=(findings or "").strip(), recorded_by=actor)
    except IntegrityError:
        raise WrongState(ALREADY_SIGNED) from None
    if period.signoffs.count() == len(AuditParty.values):
        period.completed_at = clock.now()
        period.save(update_fields=["completed_at"])
    audit_record(actor, "audit.sign", period, after={"party": party, "findings": bool(findings)})
    return period


@transaction.atomic
def case_open(actor, *, estate_id: int, source: str, description: str, responsible: str,
              deadline: datetime.date) -> AccountabilityCase:
    estate = _estate(actor, estate_id, CASE_OPENERS)
    if not (description or "").strip() or not (responsible or "").strip():
        raise InvalidInput("请写明问题和责任人 / Give the problem and the responsible person", field="description")
    case = AccountabilityCase.objects.create(estate=estate, source=(source or "")[:200], description=description.strip(),
                                             responsible=responsible.strip()[:100], deadline=deadline, opened_by=actor)
    audit_record(actor, "case.open", case, after=snapshot(case))
    return case


@transaction.atomic
def case_close(actor, *, case_id: int, outcome: str) -> AccountabilityCase:
    scope = scope_for(actor)
    case = get_in_scope(AccountabilityCase.objects.select_for_update().filter(estate__in=scope.estates()), pk=case_id)
    if not (scope.is_root or any(scope.holds(r, case.estate) for r in CASE_OPENERS)):
        raise PermissionDenied()
    if case.status == CaseStatus.CLOSED:
        raise WrongState(CASE_CLOSED)
    if not (outcome or "").strip():
        raise InvalidInput("请填写处理结果 / Give the outcome", field="outcome")
    case.outcome, case.status, case.closed_at = outcome.strip(), CaseStatus.CLOSED, clock.now()
    case.save(update_fields=["outcome", "status", "closed_at"])
    audit_record(actor, "case.close", case, after={"outcome": case.outcome})
    return case
