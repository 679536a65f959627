"""三审 and 乱必追责问责: each period's statement signed off by the residents' committee, the bank and
an audit firm (each may record findings); findings and alerts open accountability cases."""

import datetime

from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.text import ANY_LENGTH, clean_text
from gongzhi.finance import rules
from gongzhi.finance.choices import AuditAction, AuditParty, CaseStatus
from gongzhi.finance.models import AccountabilityCase, AuditPeriod, AuditSignoff
from gongzhi.finance.rules import BOOKKEEPERS, CASE_OPENERS
from gongzhi.finance.selectors import statement
from gongzhi.finance.services.expenses import check_attachment
from gongzhi.finance.services.journal import PERIOD_BACKWARDS

ALREADY_SIGNED = "该方已签署 / This party has already signed"
ALREADY_OPEN = "该期间已开始审计 / This period is already being audited"
CASE_CLOSED = "该问责事项已办结 / This case is closed"
UNKNOWN_PARTY = "未知的审计方 / Unknown party"
SIGNER_REQUIRED = "请填写签字人 / Give the signer's name"
CASE_DETAILS_REQUIRED = "请写明问题和责任人 / Give the problem and the responsible person"
OUTCOME_REQUIRED = "请填写处理结果 / Give the outcome"
AUDIT_COMPLETE = "该期三审已完成 / This period's 三审 is already complete"
NOT_PARTY_SIGNER = {
    AuditParty.RESIDENTS_COMMITTEE: "居委会一方须由社区工作人员或社区书记签署 / The residents' committee signs through "
                                    "the community's staff or secretary",
    AuditParty.BANK: "银行一方须由银行经办人员签署，或由社区记账人员登记银行确认 / The bank signs through a bank officer, "
                     "or a bookkeeper records the bank's confirmation",
    AuditParty.AUDIT_FIRM: "审计机构一方须由审计人员签署 / The audit firm signs through an auditor",
}
ONE_PARTY_EACH = ("您已代表另一方签署本期三审，同一人不能签署两方 / You have already signed another party of this "
                  "period: one person never signs for two bodies")
BANK_SIGNER_REQUIRED = "登记银行确认时请填写银行签字人 / Name who signed for the bank"
BANK_REFERENCE_REQUIRED = "登记银行确认时请填写确认编号 / Give the bank confirmation's reference"
BANK_STATEMENT_REQUIRED = "登记银行确认时须附银行对账单 / Attach the bank statement to the bank's confirmation"
AUDIT_REPORT_REQUIRED = "审计机构签署须附审计报告 / The audit firm's sign-off needs the audit report attached"


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


def _name(user) -> str:
    return (user.get_full_name() or user.get_username())[:100]


@transaction.atomic
def audit_sign(actor, *, period_id: int, party: str, signer_name: str = "", findings: str = "", reference: str = "",
               document=None) -> AuditPeriod:
    """One party's sign-off, each by its own body, never two by one person:
    - the residents' committee (居委会): signed by the community's staff or secretary;
    - the bank: signed by a bank officer, or recorded by a bookkeeper as the bank's confirmation, naming
      who signed for the bank, with the confirmation's reference and the bank statement attached;
    - the audit firm: signed by an auditor, with the audit report attached.
    Completed when all three have signed."""
    visible = object_for(actor, AuditPeriod.objects.select_related("estate"), period_id,
                         roles=rules.AUDIT_SIGNERS_ANY)
    period = AuditPeriod.objects.select_for_update(of=("self",)).select_related("estate").get(pk=visible.pk)
    if party not in AuditParty.values:
        raise InvalidInput(UNKNOWN_PARTY, field="party")
    if period.completed_at is not None:
        raise WrongState(AUDIT_COMPLETE)
    if period.signoffs.filter(party=party).exists():
        raise WrongState(ALREADY_SIGNED)
    if not rules.may_sign_audit_party(actor, period.estate, party):
        raise PermissionDenied(NOT_PARTY_SIGNER[party])
    if actor is not None and period.signoffs.filter(recorded_by=actor).exists():
        raise WrongState(ONE_PARTY_EACH)  # like signing an approval twice: they signed, for another body
    findings = clean_text(findings, 5000, field="findings")
    reference = clean_text(reference, 64, field="reference")
    typed_name = clean_text(signer_name, 100, field="signer_name")
    on_behalf = party == AuditParty.BANK and not rules.signs_for_bank(actor, period.estate)
    if on_behalf:  # a bookkeeper records the bank's confirmation: its evidence, all of it
        if not typed_name:
            raise InvalidInput(BANK_SIGNER_REQUIRED, field="signer_name")
        if not reference:
            raise InvalidInput(BANK_REFERENCE_REQUIRED, field="reference")
        if document is None:
            raise InvalidInput(BANK_STATEMENT_REQUIRED, field="document")
    if party == AuditParty.AUDIT_FIRM and document is None:
        raise InvalidInput(AUDIT_REPORT_REQUIRED, field="document")
    name = typed_name if on_behalf else (_name(actor) if actor is not None else typed_name)
    if not name:
        raise InvalidInput(SIGNER_REQUIRED, field="signer_name")
    signoff = AuditSignoff(period=period, party=party, signer_name=name, findings=findings, reference=reference,
                           recorded_by=actor)
    if document is not None:
        check_attachment(document, field="document")
        signoff.document.save(document.name, document, save=False)
    try:
        with transaction.atomic():
            signoff.save()
    except IntegrityError:
        raise WrongState(ALREADY_SIGNED) from None
    if period.signoffs.count() == len(AuditParty.values):
        period.completed_at = clock.now()
        period.save(update_fields=["completed_at"])
    audit_record(actor, AuditAction.AUDIT_SIGN, period,
                 after={"party": party, "signer": name, "on_behalf": on_behalf, "reference": reference,
                        "document": bool(document), "findings": bool(findings)})
    return period


@transaction.atomic
def case_open(actor, *, estate_id: int, source: str, description: str, responsible: str,
              deadline: datetime.date) -> AccountabilityCase:
    estate = estate_for(actor, estate_id, roles=CASE_OPENERS)
    description = clean_text(description, ANY_LENGTH, CASE_DETAILS_REQUIRED, field="description")
    responsible = clean_text(responsible, ANY_LENGTH, CASE_DETAILS_REQUIRED, field="responsible")
    source = clean_text(source, ANY_LENGTH, field="source")
    case = AccountabilityCase.objects.create(estate=estate, source=source[:200], description=description,
                                             responsible=responsible[:100], deadline=deadline, opened_by=actor)
    audit_record(actor, AuditAction.CASE_OPEN, case, after=snapshot(case))
    return case


@transaction.atomic
def case_close(actor, *, case_id: int, outcome: str) -> AccountabilityCase:
    case = object_for(actor, AccountabilityCase.objects.select_for_update(), case_id, roles=CASE_OPENERS)
    if case.status == CaseStatus.CLOSED:
        raise WrongState(CASE_CLOSED)
    outcome = clean_text(outcome, ANY_LENGTH, OUTCOME_REQUIRED, field="outcome")
    case.outcome, case.status, case.closed_at = outcome, CaseStatus.CLOSED, clock.now()
    case.save(update_fields=["outcome", "status", "closed_at"])
    audit_record(actor, AuditAction.CASE_CLOSE, case, after={"outcome": case.outcome})
    return case
