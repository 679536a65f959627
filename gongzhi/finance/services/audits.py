"""三审 and 乱必追责问责: each period's statement signed off by the residents' committee, the bank and
an audit firm (each may record findings); findings and alerts open accountability cases."""

import datetime

from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.finance.choices import AuditAction, AuditParty, CaseStatus
from gongzhi.finance.models import AccountabilityCase, AuditPeriod, AuditSignoff
from gongzhi.finance.rules import BOOKKEEPERS, CASE_OPENERS
from gongzhi.finance.selectors import statement
from gongzhi.finance.services.journal import PERIOD_BACKWARDS

ALREADY_SIGNED = "该方已签署 / This party has already signed"
ALREADY_OPEN = "该期间已开始审计 / This period is already being audited"
CASE_CLOSED = "该问责事项已办结 / This case is closed"
UNKNOWN_PARTY = "未知的审计方 / Unknown party"
SIGNER_REQUIRED = "请填写签字人 / Give the signer's name"
CASE_DETAILS_REQUIRED = "请写明问题和责任人 / Give the problem and the responsible person"
OUTCOME_REQUIRED = "请填写处理结果 / Give the outcome"


@transaction.atomic
def audit_open(actor, *, estate_id: int, start: datetime.date, end: datetime.date) -> AuditPeriod:
    estate = estate_for(actor, estate_id, roles=BOOKKEEPERS)
    if end < start:
        raise InvalidInput(PERIOD_BACKWARDS, field="end")
    frozen = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in statement(estate, start, end).items()}
    try:
        with transaction.atomic():
            period = AuditPeriod.objects.create(estate=estate, start=start, end=end, statement=frozen, opened_by=actor)
    except IntegrityError:
        raise WrongState(ALREADY_OPEN) from None
    audit_record(actor, AuditAction.AUDIT_OPEN, period, after={"start": start.isoformat(), "end": end.isoformat()})
    return period


@transaction.atomic
def audit_sign(actor, *, period_id: int, party: str, signer_name: str, findings: str = "") -> AuditPeriod:
    """Record one party's sign-off (the bank's and the audit firm's are recorded by community staff,
    with the name of who signed for them)."""
    period = object_for(actor, AuditPeriod.objects.select_for_update(), period_id, roles=BOOKKEEPERS)
    if party not in AuditParty.values:
        raise InvalidInput(UNKNOWN_PARTY, field="party")
    if not (signer_name or "").strip():
        raise InvalidInput(SIGNER_REQUIRED, field="signer_name")
    try:
        with transaction.atomic():
            AuditSignoff.objects.create(period=period, party=party, signer_name=signer_name.strip()[:100],
                                        findings=(findings or "").strip(), recorded_by=actor)
    except IntegrityError:
        raise WrongState(ALREADY_SIGNED) from None
    if period.signoffs.count() == len(AuditParty.values):
        period.completed_at = clock.now()
        period.save(update_fields=["completed_at"])
    audit_record(actor, AuditAction.AUDIT_SIGN, period, after={"party": party, "findings": bool(findings)})
    return period


@transaction.atomic
def case_open(actor, *, estate_id: int, source: str, description: str, responsible: str,
              deadline: datetime.date) -> AccountabilityCase:
    estate = estate_for(actor, estate_id, roles=CASE_OPENERS)
    if not (description or "").strip() or not (responsible or "").strip():
        raise InvalidInput(CASE_DETAILS_REQUIRED, field="description")
    case = AccountabilityCase.objects.create(estate=estate, source=(source or "")[:200], description=description.strip(),
                                             responsible=responsible.strip()[:100], deadline=deadline, opened_by=actor)
    audit_record(actor, AuditAction.CASE_OPEN, case, after=snapshot(case))
    return case


@transaction.atomic
def case_close(actor, *, case_id: int, outcome: str) -> AccountabilityCase:
    case = object_for(actor, AccountabilityCase.objects.select_for_update(), case_id, roles=CASE_OPENERS)
    if case.status == CaseStatus.CLOSED:
        raise WrongState(CASE_CLOSED)
    if not (outcome or "").strip():
        raise InvalidInput(OUTCOME_REQUIRED, field="outcome")
    case.outcome, case.status, case.closed_at = outcome.strip(), CaseStatus.CLOSED, clock.now()
    case.save(update_fields=["outcome", "status", "closed_at"])
    audit_record(actor, AuditAction.CASE_CLOSE, case, after={"outcome": case.outcome})
    return case
