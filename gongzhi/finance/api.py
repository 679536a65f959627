"""业账社管 over HTTP: the same services as the money pages, with the same rules.

Amounts go in as 元 written out ("1234.50": no "1e9", at most two decimals, at most 1亿元 — the
services refuse anything else) and come out as integer fen (`*_fen`). Attachments (an expense's
quotes, a seal use's scan, the bank's statement or the audit report of a 三审 sign-off) are base64
in the JSON body; a bank statement to import is a multipart upload.

Beside each `*_fen` integer an answer carries the same sum as the pages show it (`*_yuan`: "1,234.50"),
and beside each ledger code its Chinese name (`account_name`, the chart: GET /ledger-accounts)."""

import base64
import binascii
import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import StrictBool

from gongzhi.core import clock
from gongzhi.core.api_schema import ERRORS, BodyId, Id, IsoDate, Pagination, Text
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.money import yuan
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.finance import printing, rules, selectors
from gongzhi.finance.choices import (
    AuditParty,
    EmergencyReason,
    ExpenseCategory,
    ExpenseStatus,
    FundStatus,
    HandoverStatus,
    IncomeCategory,
    PaymentMethod,
    ReviewLevel,
    SealKind,
    SealUseStatus,
    account_name,
    chart_of_accounts,
)
from gongzhi.finance.models import (
    AccountabilityCase,
    AuditPeriod,
    BankLine,
    Expense,
    FeeBill,
    FeePayment,
    FeeRate,
    FundApplication,
    Seal,
    SealUse,
    Transaction,
)
from gongzhi.finance.services import alerts as alert_svc
from gongzhi.finance.services import audits, expenses, fees, fund, journal, reconciliation, seals
from gongzhi.places.choices import UnitKind

router = Router(tags=["finance"])

NOT_BASE64 = "附件须为 base64 编码 / An attachment must be base64-encoded"
FILE_TOO_LARGE = "文件过大（最多 {mb} MB）/ The file is too large (at most {mb} MB)"
FILE_EMPTY = "文件为空 / The file is empty"
BANK_FILE_MAX_BYTES = 10 * 1024 * 1024
AMOUNT = Field(..., min_length=1, max_length=32, description="元，如 \"1234.50\"（至多两位小数，不超过 1 亿元）/ yuan")


# --- shared pieces -----------------------------------------------------------------------------------
class AttachmentIn(Schema):
    model_config = {"extra": "forbid"}
    name: Text = Field(..., min_length=1, max_length=100, pattern=r"\S")
    data_base64: str = Field(..., min_length=1, max_length=14 * 1024 * 1024)


def _file(item: AttachmentIn | None, field: str) -> ContentFile | None:
    """The attachment as a file the services take, or None; bad base64 or an oversized file is refused."""
    if item is None:
        return None
    try:
        data = base64.b64decode(item.data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(NOT_BASE64, field=field) from exc
    limit = settings.GONGZHI_NOTICE_ATTACHMENT_MAX_BYTES
    if len(data) > limit:
        raise InvalidInput(FILE_TOO_LARGE.format(mb=limit // (1024 * 1024)), field=field)
    if not data:
        raise InvalidInput(FILE_EMPTY, field=field)
    return ContentFile(data, name=item.name.strip())


def _money_estates(user):
    return scope_for(user).estates(rules.MONEY_READERS)


def _estate(user, estate_id: int):
    """An estate whose books the user may read (404 when missing or out of sight)."""
    return selectors.estate_for_money(fetched_by=user, estate_id=estate_id)


# --- the journal and statements ----------------------------------------------------------------------
YUAN = Field(..., description="元，千分位、两位小数，与页面相同，如 \"1,234.50\" / yuan as the pages show it")


class LedgerAccountOut(Schema):
    code: str
    name: str


@router.get("/ledger-accounts", response={200: list[LedgerAccountOut], **ERRORS}, operation_id="ledger_account_list")
def ledger_account_list(request: HttpRequest):
    """The chart of accounts: every ledger code the books use and its Chinese name."""
    return [{"code": code, "name": name} for code, name in chart_of_accounts()]


class JournalLineOut(Schema):
    account: str
    account_name: str
    debit_fen: int
    credit_fen: int
    debit_yuan: str = YUAN
    credit_yuan: str = YUAN


class TransactionOut(Schema):
    id: int
    estate_id: int
    date: datetime.date
    memo: str
    counterparty: str
    reverses_id: int | None
    reversed: bool
    posted_at: datetime.datetime
    entries: list[JournalLineOut]


def _tx_out(tx: Transaction) -> dict:
    return {"id": tx.pk, "estate_id": tx.estate_id, "date": tx.date, "memo": tx.memo,
            "counterparty": tx.counterparty, "reverses_id": tx.reverses_id,
            "reversed": Transaction.objects.filter(reverses=tx).exists(), "posted_at": tx.posted_at,
            "entries": [{"account": e.account.code, "account_name": e.account.name, "debit_fen": e.debit,
                         "credit_fen": e.credit, "debit_yuan": yuan(e.debit), "credit_yuan": yuan(e.credit)}
                        for e in tx.entries.select_related("account")]}


class StatementOut(Schema):
    estate_id: int
    start: datetime.date
    end: datetime.date
    opening_fen: int
    income_fen: dict[str, int]
    spending_fen: dict[str, int]
    total_income_fen: int
    total_spending_fen: int
    closing_fen: int
    balance_fen: int
    opening_yuan: str = YUAN
    total_income_yuan: str = YUAN
    total_spending_yuan: str = YUAN
    closing_yuan: str = YUAN
    balance_yuan: str = YUAN
    account_names: dict[str, str] = Field(..., description="income_fen、spending_fen 各类别的科目名称 / each category's account name")


class IncomeIn(Schema):
    model_config = {"extra": "forbid"}
    category: Literal[tuple(IncomeCategory.values)]  # type: ignore[valid-type]
    amount: str = AMOUNT
    date: IsoDate | None = Field(None, description="不填为今天 / today when omitted")
    memo: Text = Field(..., min_length=1, max_length=200, pattern=r"\S")
    payer: Text = Field("", max_length=200)


class ReverseIn(Schema):
    model_config = {"extra": "forbid"}
    memo: Text = Field("", max_length=150)


class PeriodIn(Schema):
    model_config = {"extra": "forbid"}
    start: IsoDate
    end: IsoDate


class PublishedOut(Schema):
    notice_id: int
    title: str


@router.get("/estates/{estate_id}/journal", response={200: list[TransactionOut], **ERRORS},
            operation_id="journal_list")
@paginate(Pagination)
def journal_list(request: HttpRequest, estate_id: Id):
    """The estate's journal, newest first (its staff above it: committee, community, supervisors)."""
    estate = _estate(request.user, estate_id)
    return [_tx_out(t) for t in Transaction.objects.filter(estate=estate).order_by("-date", "-id")[:1000]]


@router.get("/estates/{estate_id}/statement", response={200: StatementOut, **ERRORS}, operation_id="statement_get")
def statement_get(request: HttpRequest, estate_id: Id, start: IsoDate, end: IsoDate):
    """Income and spending by category for [start, end], with the opening and closing balances."""
    estate = _estate(request.user, estate_id)
    if end < start:
        raise InvalidInput(journal.PERIOD_BACKWARDS, field="end")
    s = selectors.statement(estate, start, end)
    return {"estate_id": estate.pk, "start": start, "end": end, "opening_fen": s["opening"],
            "income_fen": s["income"], "spending_fen": s["spending"], "total_income_fen": s["total_income"],
            "total_spending_fen": s["total_spending"], "closing_fen": s["closing"],
            "balance_fen": selectors.balance(estate), **{f"{k}_yuan": yuan(s[k]) for k in (
                "opening", "total_income", "total_spending", "closing")},
            "balance_yuan": yuan(selectors.balance(estate)),
            "account_names": {**{c: account_name(f"income:{c}") for c in s["income"]},
                              **{c: account_name(f"expense:{c}") for c in s["spending"]}}}


@router.post("/estates/{estate_id}/income", response={201: TransactionOut, **ERRORS}, operation_id="income_record")
def income_record(request: HttpRequest, estate_id: Id, payload: IncomeIn):
    """收必进账入库: record common income straight into the common account (bookkeepers)."""
    tx = journal.income_record(request.user, estate_id=estate_id, category=payload.category, amount=payload.amount,
                               date=payload.date or clock.today(), memo=payload.memo, payer=payload.payer)
    return Status(201, _tx_out(tx))


@router.post("/transactions/{transaction_id}/reverse", response={201: TransactionOut, **ERRORS},
             operation_id="transaction_reverse")
def transaction_reverse(request: HttpRequest, transaction_id: Id, payload: ReverseIn):
    """A correction: the mirror transaction (a transaction is reversed once; nothing posted is edited)."""
    tx = journal.transaction_reverse(request.user, transaction_id=transaction_id, memo=payload.memo)
    return Status(201, _tx_out(tx))


@router.post("/estates/{estate_id}/statements", response={201: PublishedOut, **ERRORS},
             operation_id="statement_publish")
def statement_publish(request: HttpRequest, estate_id: Id, payload: PeriodIn):
    """审必公开公示: publish the period's statement as a notice to the estate."""
    notice = journal.statement_publish(request.user, estate_id=estate_id, start=payload.start, end=payload.end)
    return Status(201, {"notice_id": notice.pk, "title": notice.title})


# --- the bank: import and reconciliation -------------------------------------------------------------
class ImportedOut(Schema):
    rows_added: int


class BankLineOut(Schema):
    id: int
    estate_id: int
    date: datetime.date
    amount_fen: int = Field(..., description="正数为存入，负数为支出 / positive: deposit")
    counterparty: str
    memo: str
    transaction_id: int | None


class SuggestionOut(Schema):
    line_id: int
    transaction_id: int
    days_apart: int


class PairIn(Schema):
    model_config = {"extra": "forbid"}
    line_id: BodyId
    transaction_id: BodyId


class ConfirmIn(Schema):
    model_config = {"extra": "forbid"}
    pairs: list[PairIn] = Field(..., min_length=1, max_length=5000)


class ConfirmedOut(Schema):
    confirmed: int


def _line_out(b: BankLine) -> dict:
    return {"id": b.pk, "estate_id": b.estate_id, "date": b.date, "amount_fen": b.amount,
            "counterparty": b.counterparty, "memo": b.memo, "transaction_id": b.transaction_id}


@router.post("/estates/{estate_id}/bank-lines", response={201: ImportedOut, **ERRORS}, operation_id="bank_lines_import")
def bank_lines_import(request: HttpRequest, estate_id: Id, file: File[UploadedFile]):
    """Import the common account's statement (CSV or Excel with 交易日期、收入金额、支出金额 columns) as a
    multipart upload; a line already imported is skipped, and one bad row refuses the whole file."""
    if file.size is not None and file.size > BANK_FILE_MAX_BYTES:
        raise InvalidInput(FILE_TOO_LARGE.format(mb=BANK_FILE_MAX_BYTES // (1024 * 1024)), field="file")
    data = file.read(BANK_FILE_MAX_BYTES + 1)
    if len(data) > BANK_FILE_MAX_BYTES:
        raise InvalidInput(FILE_TOO_LARGE.format(mb=BANK_FILE_MAX_BYTES // (1024 * 1024)), field="file")
    added = reconciliation.bank_lines_import(request.user, estate_id=estate_id, data=data,
                                       filename=(file.name or "statement.csv")[:100])
    return Status(201, {"rows_added": added})


@router.get("/estates/{estate_id}/bank-lines", response={200: list[BankLineOut], **ERRORS},
            operation_id="bank_line_list")
@paginate(Pagination)
def bank_line_list(request: HttpRequest, estate_id: Id, unmatched: bool = False):
    estate = _estate(request.user, estate_id)
    lines = BankLine.objects.filter(estate=estate)
    if unmatched:
        lines = lines.filter(transaction__isnull=True)
    return [_line_out(b) for b in lines.order_by("-date", "-id")[:1000]]


@router.get("/estates/{estate_id}/bank-lines/suggestions", response={200: list[SuggestionOut], **ERRORS},
            operation_id="reconciliation_suggest")
def reconciliation_suggest(request: HttpRequest, estate_id: Id):
    """Proposed pairs of unmatched bank lines and journal transactions (same amount, nearest date)."""
    estate = _estate(request.user, estate_id)
    return [{"line_id": s.line_id, "transaction_id": s.transaction_id, "days_apart": s.days_apart}
            for s in selectors.suggest(estate)[:1000]]


@router.post("/bank-lines/confirm", response={200: ConfirmedOut, **ERRORS}, operation_id="reconciliation_confirm")
def reconciliation_confirm(request: HttpRequest, payload: ConfirmIn):
    """Confirm matches (bank line, transaction): all or none."""
    pairs = [(p.line_id, p.transaction_id) for p in payload.pairs]
    return {"confirmed": reconciliation.reconciliation_confirm(request.user, pairs=pairs)}


# --- expenses ----------------------------------------------------------------------------------------
class ExpenseIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    amount: str = AMOUNT
    purpose: Text = Field(..., min_length=1, max_length=200, pattern=r"\S")
    payee: Text = Field(..., min_length=1, max_length=200, pattern=r"\S")
    category: Literal[tuple(ExpenseCategory.values)]  # type: ignore[valid-type]
    quotes: Text = Field("", max_length=2000)
    matter_id: BodyId | None = Field(None, description="大额必填其一 / a large expense names its matter or vote")
    vote_id: BodyId | None = None
    attachment: AttachmentIn | None = Field(None, description="报价单、发票、合同（PDF、图片、Office）")


class ExpenseOut(Schema):
    id: int
    estate_id: int
    amount_fen: int
    amount_yuan: str = YUAN
    purpose: str
    payee: str
    category: str
    quotes: str
    status: str
    split_suspect: bool
    approval_id: int
    matter_id: int | None
    vote_id: int | None
    transaction_id: int | None
    has_attachment: bool
    created_at: datetime.datetime


class PayIn(Schema):
    model_config = {"extra": "forbid"}
    date: IsoDate | None = Field(None, description="不填为今天 / today when omitted")


def _expense_out(e: Expense) -> dict:
    return {"id": e.pk, "estate_id": e.estate_id, "amount_fen": e.amount, "amount_yuan": e.amount_yuan,
            "purpose": e.purpose, "payee": e.payee,
            "category": e.category, "quotes": e.quotes, "status": e.status, "split_suspect": e.split_suspect,
            "approval_id": e.approval_id, "matter_id": e.matter_id, "vote_id": e.vote_id,
            "transaction_id": e.transaction_id, "has_attachment": bool(e.attachment), "created_at": e.created_at}


@router.get("/expenses", response={200: list[ExpenseOut], **ERRORS}, operation_id="expense_list")
@paginate(Pagination)
def expense_list(request: HttpRequest, estate_id: Id | None = None,
                 status: Literal[tuple(["", *ExpenseStatus.values])] = ""):  # type: ignore[valid-type]
    rows = Expense.objects.filter(estate__in=_money_estates(request.user))
    if estate_id is not None:
        rows = rows.filter(estate_id=estate_id)
    if status:
        rows = rows.filter(status=status)
    return [_expense_out(e) for e in rows[:1000]]


@router.get("/expenses/{expense_id}", response={200: ExpenseOut, **ERRORS}, operation_id="expense_get")
def expense_get(request: HttpRequest, expense_id: Id):
    return _expense_out(get_in_scope(Expense.objects.filter(estate__in=_money_estates(request.user)), pk=expense_id))


@router.post("/expenses", response={201: ExpenseOut, **ERRORS}, operation_id="expense_request")
def expense_request(request: HttpRequest, payload: ExpenseIn):
    """Ask for an expense of common income: it goes to its approval (committee, property company,
    community; the discipline supervisor too above the large line, which also needs the resolution).
    The requester never signs their own request."""
    data = payload.dict()
    data["attachment"] = _file(payload.attachment, "attachment")
    return Status(201, _expense_out(expenses.expense_request(request.user, **data)))


@router.post("/expenses/{expense_id}/pay", response={200: ExpenseOut, **ERRORS}, operation_id="expense_pay")
def expense_pay(request: HttpRequest, expense_id: Id, payload: PayIn):
    """Record the payment of an approved expense (once)."""
    return _expense_out(expenses.expense_pay(request.user, expense_id=expense_id, date=payload.date))


# --- seal uses (the register and handovers are below, with the seals) ---------------------------------
class SealUseIn(Schema):
    model_config = {"extra": "forbid"}
    seal_id: BodyId
    document: Text = Field(..., min_length=1, max_length=200, pattern=r"\S")
    purpose: Text = Field(..., min_length=1, max_length=200, pattern=r"\S")
    both: StrictBool = Field(False, description="双章：同时申请该小区的两枚印章 / both seals")
    matter_id: BodyId | None = Field(None, description="三重一大议题自动双章 / a major matter takes both seals")


class SealReturnIn(Schema):
    model_config = {"extra": "forbid"}
    scan: AttachmentIn | None = Field(None, description="用印文件扫描件 / the stamped document's scan")


class SealUseOut(Schema):
    id: int
    seal_id: int
    seal_kind: str
    estate_id: int
    document: str
    purpose: str
    status: Literal[tuple(SealUseStatus.values)]  # type: ignore[valid-type]
    approval_id: int
    pair_id: int | None
    requested_at: datetime.datetime
    released_at: datetime.datetime | None
    returned_at: datetime.datetime | None
    has_scan: bool
    rule_version_id: int | None = Field(None, description="依据的印章管理制度版本 / the seal rules' version followed")
    rule_label: str = Field("", description="依据：《…》第N版（施行日期） / the rule followed, as shown")
    rule_url: str = Field("", description="规则版本页面 / the rule version's page")


def _use_out(u: SealUse) -> dict:
    return {"id": u.pk, "seal_id": u.seal_id, "seal_kind": u.seal.kind, "estate_id": u.seal.estate_id,
            "document": u.document, "purpose": u.purpose, "status": u.status, "approval_id": u.approval_id,
            "pair_id": u.pair_id, "requested_at": u.requested_at, "released_at": u.released_at,
            "returned_at": u.returned_at, "has_scan": bool(u.scan), "rule_version_id": u.rule_version_id,
            "rule_label": u.rule_label, "rule_url": u.rule_url}


def _uses(user):
    return SealUse.objects.filter(seal__estate__in=_money_estates(user)).select_related("seal")


@router.get("/seal-uses", response={200: list[SealUseOut], **ERRORS}, operation_id="seal_use_list")
@paginate(Pagination)
def seal_use_list(request: HttpRequest, estate_id: Id | None = None):
    rows = _uses(request.user)
    if estate_id is not None:
        rows = rows.filter(seal__estate_id=estate_id)
    return [_use_out(u) for u in rows[:1000]]


@router.get("/seal-uses/{use_id}", response={200: SealUseOut, **ERRORS}, operation_id="seal_use_get")
def seal_use_get(request: HttpRequest, use_id: Id):
    return _use_out(get_in_scope(_uses(request.user), pk=use_id))


@router.post("/seal-uses", response={201: list[SealUseOut], **ERRORS}, operation_id="seal_use_request")
def seal_use_request(request: HttpRequest, payload: SealUseIn):
    """Ask to use a seal: one approval per seal (both seals for a major matter). The requester never
    signs their own request."""
    uses = seals.seal_use_request(request.user, **payload.dict())
    return Status(201, [_use_out(SealUse.objects.select_related("seal").get(pk=u.pk)) for u in uses])


@router.post("/seal-uses/{use_id}/release", response={200: SealUseOut, **ERRORS}, operation_id="seal_release")
def seal_release(request: HttpRequest, use_id: Id):
    """The custodian hands the seal out against a fully signed seal-use approval."""
    use = seals.seal_release(request.user, use_id=use_id)
    return _use_out(SealUse.objects.select_related("seal").get(pk=use.pk))


@router.post("/seal-uses/{use_id}/return", response={200: SealUseOut, **ERRORS}, operation_id="seal_return")
def seal_return(request: HttpRequest, use_id: Id, payload: SealReturnIn):
    """The custodian takes the seal back, with the stamped document's scan."""
    scan = _file(payload.scan, "scan")
    if scan is not None:
        expenses.check_attachment(scan, field="scan")
    use = seals.seal_return(request.user, use_id=use_id, scan=scan)
    return _use_out(SealUse.objects.select_related("seal").get(pk=use.pk))


# --- 三审 and accountability -------------------------------------------------------------------------
class SignoffOut(Schema):
    party: str
    signer_name: str
    findings: str
    reference: str
    has_document: bool
    signed_at: datetime.datetime


class AuditPeriodOut(Schema):
    id: int
    estate_id: int
    start: datetime.date
    end: datetime.date
    statement: dict
    opened_at: datetime.datetime
    completed_at: datetime.datetime | None
    signoffs: list[SignoffOut]


class AuditSignIn(Schema):
    model_config = {"extra": "forbid"}
    party: Literal[tuple(AuditParty.values)]  # type: ignore[valid-type]
    signer_name: Text = Field("", max_length=100, description=(
        "社区工作人员记录银行确认时，填写银行签字人 / the bank's signer, when a bookkeeper records its confirmation"))
    reference: Text = Field("", max_length=64, description="银行确认编号或审计报告编号 / confirmation or report number")
    findings: Text = Field("", max_length=5000)
    document: AttachmentIn | None = Field(None, description="银行对账单或审计报告 / the bank statement or audit report")


class CaseIn(Schema):
    model_config = {"extra": "forbid"}
    source: Text = Field("", max_length=200)
    description: Text = Field(..., min_length=1, max_length=5000, pattern=r"\S")
    responsible: Text = Field(..., min_length=1, max_length=100, pattern=r"\S")
    deadline: IsoDate


class CaseCloseIn(Schema):
    model_config = {"extra": "forbid"}
    outcome: Text = Field(..., min_length=1, max_length=5000, pattern=r"\S")


class CaseOut(Schema):
    id: int
    estate_id: int
    source: str
    description: str
    responsible: str
    deadline: datetime.date
    outcome: str
    status: str
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None


def _period_out(p: AuditPeriod) -> dict:
    return {"id": p.pk, "estate_id": p.estate_id, "start": p.start, "end": p.end, "statement": p.statement,
            "opened_at": p.opened_at, "completed_at": p.completed_at,
            "signoffs": [{"party": s.party, "signer_name": s.signer_name, "findings": s.findings,
                          "reference": s.reference, "has_document": bool(s.document), "signed_at": s.signed_at}
                         for s in p.signoffs.order_by("signed_at", "id")]}


def _case_out(c: AccountabilityCase) -> dict:
    return {f: getattr(c, f) for f in CaseOut.model_fields}


@router.get("/estates/{estate_id}/audits", response={200: list[AuditPeriodOut], **ERRORS}, operation_id="audit_list")
@paginate(Pagination)
def audit_list(request: HttpRequest, estate_id: Id):
    estate = _estate(request.user, estate_id)
    return [_period_out(p) for p in AuditPeriod.objects.filter(estate=estate)[:1000]]


@router.post("/estates/{estate_id}/audits", response={201: AuditPeriodOut, **ERRORS}, operation_id="audit_open")
def audit_open(request: HttpRequest, estate_id: Id, payload: PeriodIn):
    """Open the period's 三审: the statement is frozen as it stands."""
    return Status(201, _period_out(audits.audit_open(request.user, estate_id=estate_id, **payload.dict())))


@router.post("/audits/{period_id}/sign", response={200: AuditPeriodOut, **ERRORS}, operation_id="audit_sign")
def audit_sign(request: HttpRequest, period_id: Id, payload: AuditSignIn):
    """One party's sign-off, each by its own body: the residents' committee by community staff; the bank
    by a bank officer, or recorded by a bookkeeper with the confirmation's reference and the statement
    attached; the audit firm by an auditor with the report attached. Nobody signs two parties."""
    data = payload.dict()
    data["document"] = _file(payload.document, "document")
    return _period_out(audits.audit_sign(request.user, period_id=period_id, **data))


@router.get("/estates/{estate_id}/cases", response={200: list[CaseOut], **ERRORS}, operation_id="case_list")
@paginate(Pagination)
def case_list(request: HttpRequest, estate_id: Id):
    estate = _estate(request.user, estate_id)
    return [_case_out(c) for c in AccountabilityCase.objects.filter(estate=estate)[:1000]]


@router.post("/estates/{estate_id}/cases", response={201: CaseOut, **ERRORS}, operation_id="case_open")
def case_open(request: HttpRequest, estate_id: Id, payload: CaseIn):
    """乱必追责问责: open a case with its responsible person and deadline (supervisors)."""
    return Status(201, _case_out(audits.case_open(request.user, estate_id=estate_id, **payload.dict())))


@router.post("/cases/{case_id}/close", response={200: CaseOut, **ERRORS}, operation_id="case_close")
def case_close(request: HttpRequest, case_id: Id, payload: CaseCloseIn):
    return _case_out(audits.case_close(request.user, case_id=case_id, outcome=payload.outcome))


# --- seals register, fees, fund ----------------------------------------------------------------------
# The seals' custody (register, handover with both parties signing, the community's register), fee rates,
# bills, payments with their numbered receipts and reversals, and the maintenance fund.
class SealOut(Schema):
    id: int
    estate_id: int
    kind: str
    custodian_id: int
    custodian_name: str
    custodian_since: datetime.datetime
    kept_by_community: bool
    out_with_use_id: int | None
    out_document: str | None
    out_requested_by: str | None
    out_since: datetime.datetime | None
    open_handover_id: int | None


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _seal_out(s: Seal) -> dict:
    use = s.out_with
    handovers = getattr(s, "open_handovers", None)
    if handovers is None:
        handovers = list(s.handovers.filter(status=HandoverStatus.PENDING))
    return {"id": s.pk, "estate_id": s.estate_id, "kind": s.kind, "custodian_id": s.custodian_id,
            "custodian_name": _name(s.custodian), "custodian_since": s.custodian_since,
            "kept_by_community": s.kept_by_community, "out_with_use_id": s.out_with_id,
            "out_document": use.document if use else None, "out_requested_by": _name(use.requested_by) if use else None,
            "out_since": use.released_at if use else None, "open_handover_id": handovers[0].pk if handovers else None}


class SealIn(Schema):
    model_config = {"extra": "forbid"}
    kind: Literal[tuple(SealKind.values)]  # type: ignore[valid-type]
    custodian_id: BodyId
    kept_by_community: StrictBool = Field(True, description="存放于社区代管箱 / kept in the community's box")


class HandoverIn(Schema):
    model_config = {"extra": "forbid"}
    receiver_id: BodyId
    kept_by_community: StrictBool | None = Field(None, description="不填则保持不变 / unchanged when omitted")
    note: Text = Field("", max_length=200)


class HandoverOut(Schema):
    id: int
    seal_id: int
    giver_id: int
    receiver_id: int
    kept_by_community: bool
    note: str
    status: str
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None


@router.get("/estates/{estate_id}/seals", response={200: list[SealOut], **ERRORS}, operation_id="seal_list")
@paginate(Pagination)
def seal_list(request: HttpRequest, estate_id: Id):
    estate = _estate(request.user, estate_id)
    return [_seal_out(s) for s in Seal.objects.filter(estate=estate).select_related(
        "custodian", "out_with__requested_by").order_by("kind")]


@router.post("/estates/{estate_id}/seals", response={201: SealOut, **ERRORS}, operation_id="seal_register")
def seal_register(request: HttpRequest, estate_id: Id, payload: SealIn):
    """Register a seal with its custodian (community staff for a seal in the community's 代管箱)."""
    return Status(201, _seal_out(seals.seal_register(request.user, estate_id=estate_id, **payload.dict())))


@router.post("/seals/{seal_id}/handovers", response={201: HandoverOut, **ERRORS}, operation_id="seal_handover_request")
def seal_handover_request(request: HttpRequest, seal_id: Id, payload: HandoverIn):
    """The custodian hands the seal over; custody passes only when the receiver confirms (409 while out)."""
    return Status(201, seals.seal_handover_request(request.user, seal_id=seal_id, **payload.dict()))


@router.post("/seal-handovers/{handover_id}/confirm", response={200: HandoverOut, **ERRORS},
             operation_id="seal_handover_confirm")
def seal_handover_confirm(request: HttpRequest, handover_id: Id):
    """The receiver's own confirmation: nobody else can give it."""
    return seals.seal_handover_confirm(request.user, handover_id=handover_id)


@router.post("/seal-handovers/{handover_id}/cancel", response={200: HandoverOut, **ERRORS},
             operation_id="seal_handover_cancel")
def seal_handover_cancel(request: HttpRequest, handover_id: Id):
    """The giver withdraws, or the receiver declines."""
    return seals.seal_handover_cancel(request.user, handover_id=handover_id)


class RegisterSealOut(SealOut):
    estate_name: str


@router.get("/communities/{community_id}/seals", response={200: list[RegisterSealOut], **ERRORS},
            operation_id="community_seal_register")
@paginate(Pagination)
def community_seal_register(request: HttpRequest, community_id: Id):
    """Every seal in custody in the community's estates, its custodian, and who has it out now, since when."""
    community = selectors.community_for_register(fetched_by=request.user, community_id=community_id)
    return [{**_seal_out(s), "estate_name": s.estate.name} for s in selectors.seal_register(community)]


# Fee rates, bills, payments.
RATE = Field(..., min_length=1, max_length=16, pattern=r"^\d+(\.\d{1,4})?$",
             description="元/平方米/月，如 \"1.20\"（大于 0，不超过 100，至多四位小数）/ yuan per m² per month")


class FeeRateIn(Schema):
    model_config = {"extra": "forbid"}
    unit_kind: Literal[tuple(UnitKind.values)]  # type: ignore[valid-type]
    rate: str = RATE
    effective_from: IsoDate = Field(..., description="某月 1 日 / the first day of a month")


class FeeRateOut(Schema):
    id: int
    estate_id: int
    unit_kind: str
    rate: str
    effective_from: datetime.date
    in_force: bool


@router.get("/estates/{estate_id}/fee-rates", response={200: list[FeeRateOut], **ERRORS}, operation_id="fee_rate_list")
@paginate(Pagination)
def fee_rate_list(request: HttpRequest, estate_id: Id):
    estate = _estate(request.user, estate_id)
    now = {r.pk for r in selectors.rates_on(estate, clock.today()).values()}
    return [{"id": r.pk, "estate_id": r.estate_id, "unit_kind": r.unit_kind, "rate": f"{r.rate.normalize():f}",
             "effective_from": r.effective_from, "in_force": r.pk in now}
            for r in FeeRate.objects.filter(estate=estate).order_by("unit_kind", "-effective_from")]


@router.post("/estates/{estate_id}/fee-rates", response={201: FeeRateOut, **ERRORS}, operation_id="fee_rate_set")
def fee_rate_set(request: HttpRequest, estate_id: Id, payload: FeeRateIn):
    """A rate for one kind of unit from the first of a month on (months already billed keep theirs)."""
    r = fees.fee_rate_set(request.user, estate_id=estate_id, **payload.dict())
    return Status(201, {"id": r.pk, "estate_id": r.estate_id, "unit_kind": r.unit_kind, "rate": f"{r.rate.normalize():f}",
                        "effective_from": r.effective_from, "in_force": r.effective_from <= clock.today()})


class BillMonthIn(Schema):
    model_config = {"extra": "forbid"}
    month: IsoDate = Field(..., description="该月任一天 / any day of the month")


class BilledOut(Schema):
    estate_id: int
    month: datetime.date
    added: int


@router.post("/estates/{estate_id}/bills", response={201: BilledOut, **ERRORS}, operation_id="bills_issue")
def bills_issue(request: HttpRequest, estate_id: Id, payload: BillMonthIn):
    """Bill the month: each unit area × the rate in force; the same month again adds none (409 with no rate)."""
    added = fees.bills_issue(request.user, estate_id=estate_id, month=payload.month)
    return Status(201, {"estate_id": estate_id, "month": payload.month.replace(day=1), "added": added})


class BillOut(Schema):
    id: int
    estate_id: int
    unit_id: int
    unit_code: str
    month: datetime.date
    area: str | None
    rate: str | None
    amount_fen: int
    paid_fen: int
    due_fen: int
    amount_yuan: str = YUAN
    paid_yuan: str = YUAN
    due_yuan: str = YUAN
    reversed: bool


def _bill_out(b: FeeBill) -> dict:
    return {"id": b.pk, "estate_id": b.estate_id, "unit_id": b.unit_id, "unit_code": b.unit.code, "month": b.month,
            "area": str(b.area) if b.area is not None else None,
            "rate": f"{b.rate.normalize():f}" if b.rate is not None else None, "amount_fen": b.amount,
            "paid_fen": b.paid, "due_fen": b.due, "amount_yuan": b.amount_yuan, "paid_yuan": b.paid_yuan,
            "due_yuan": b.due_yuan, "reversed": b.reversed_at is not None}


UnitCode = Annotated[str, Field(max_length=32)]
# In a query string every value is text: a month is written YYYY-MM (or a day of it), never "0".
QueryMonth = Annotated[str, Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$", description="YYYY-MM")]
BAD_MONTH = "月份格式不正确，请写作 YYYY-MM / Write the month as YYYY-MM"


def _query_month(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text if len(text) == 10 else f"{text}-01")
    except ValueError:
        raise InvalidInput(BAD_MONTH, field="month") from None


@router.get("/bills", response={200: list[BillOut], **ERRORS}, operation_id="bill_list")
@paginate(Pagination)
def bill_list(request: HttpRequest, estate_id: Id | None = None, month: QueryMonth | None = None, unpaid: bool = False,
              unit_code: UnitCode = ""):
    """Fee staff and the committee chair: their estates' bills; an owner: their own units' bills."""
    return [_bill_out(b) for b in selectors.bills_for(fetched_by=request.user, estate_id=estate_id,
                                                      month=_query_month(month),
                                                      unpaid=unpaid, unit_code=unit_code.strip())[:5000]]


class ReasonIn(Schema):
    model_config = {"extra": "forbid"}
    reason: Text = Field(..., min_length=1, max_length=200, pattern=r"\S")


@router.post("/bills/{bill_id}/reverse", response={200: BillOut, **ERRORS}, operation_id="bill_reverse")
def bill_reverse(request: HttpRequest, bill_id: Id, payload: ReasonIn):
    """作废 a bill issued in error (only with no payments standing); the month may then be billed again."""
    bill = fees.bill_reverse(request.user, bill_id=bill_id, reason=payload.reason)
    return _bill_out(FeeBill.objects.select_related("unit").get(pk=bill.pk))


class FeePayIn(Schema):
    model_config = {"extra": "forbid"}
    amount: str = AMOUNT
    method: Literal[tuple(PaymentMethod.values)]  # type: ignore[valid-type]
    reference: Text = Field("", max_length=64, description="转账、线上必填 / required for transfer and online")
    paid_on: IsoDate | None = Field(None, description="不填为今天 / today when omitted")


class PaymentOut(Schema):
    id: int
    bill_id: int
    estate_id: int
    amount_fen: int
    amount_yuan: str = YUAN
    method: str
    reference: str
    paid_on: datetime.date
    receipt_no: str
    receipt_url: str
    transaction_id: int | None
    reversed: bool
    reversal_id: int | None


def _payment_out(p: FeePayment) -> dict:
    return {"id": p.pk, "bill_id": p.bill_id, "estate_id": p.estate_id, "amount_fen": p.amount,
            "amount_yuan": p.amount_yuan, "method": p.method,
            "reference": p.reference, "paid_on": p.paid_on, "receipt_no": p.receipt_no,
            "receipt_url": f"/api/v1/payments/{p.pk}/receipt.pdf", "transaction_id": p.transaction_id,
            "reversed": p.reversed_at is not None, "reversal_id": p.reversal_id}


class MyBillOut(BillOut):
    payments: list[PaymentOut] = Field(..., description="每笔收款及其收据 / each payment with its receipt")


class FlatFeesOut(Schema):
    unit_id: int
    unit_code: str
    estate_id: int
    estate_name: str
    bills: list[MyBillOut] = Field(..., description="近 24 个月及更早未缴的账单，新的在前 / newest first")
    billed_fen: int
    paid_fen: int
    arrears_fen: int
    billed_yuan: str = YUAN
    paid_yuan: str = YUAN
    arrears_yuan: str = YUAN


class MyFeesOut(Schema):
    flats: list[FlatFeesOut]
    total_due_fen: int
    total_due_yuan: str = YUAN


@router.get("/my-fees", response={200: MyFeesOut, **ERRORS}, operation_id="my_fees_get")
def my_fees_get(request: HttpRequest):
    """The caller's own fees, flat by flat (as the 我的物业费 page): each flat's bills with their payments
    and receipts, its sums and arrears (欠费合计), and the total due over all the caller's flats."""
    flats, due = selectors.my_fees(request.user)
    return {"flats": [{
        "unit_id": f.unit.pk, "unit_code": f.unit.code, "estate_id": f.unit.estate_id, "estate_name": f.unit.estate.name,
        "bills": [{**_bill_out(b), "payments": [_payment_out(p) for p in b.payments.all()]} for b in f.bills],
        "billed_fen": f.billed, "paid_fen": f.paid, "arrears_fen": f.arrears, "billed_yuan": f.billed_yuan,
        "paid_yuan": f.paid_yuan, "arrears_yuan": f.arrears_yuan} for f in flats],
        "total_due_fen": due, "total_due_yuan": yuan(due)}


@router.post("/bills/{bill_id}/payments", response={201: PaymentOut, **ERRORS}, operation_id="fee_pay")
def fee_pay(request: HttpRequest, bill_id: Id, payload: FeePayIn):
    """Record a payment: a numbered receipt and its journal entry (409 for a reversed or paid bill)."""
    data = payload.dict()
    data["paid_on"] = data["paid_on"] or clock.today()
    return Status(201, _payment_out(fees.fee_pay(request.user, bill_id=bill_id, **data)))


@router.get("/payments/{payment_id}/receipt.pdf", response={**ERRORS}, operation_id="receipt_pdf",
            openapi_extra={"responses": {"200": {"description": "收据 PDF / the receipt as a PDF", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def receipt_pdf(request: HttpRequest, payment_id: Id):
    """The receipt, printable: the unit's owner and fee staff only."""
    payment = selectors.payment_for_receipt(fetched_by=request.user, payment_id=payment_id)
    response = HttpResponse(printing.receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=receipt-{payment.pk}.pdf"
    return response


@router.post("/payments/{payment_id}/reverse", response={200: PaymentOut, **ERRORS}, operation_id="fee_payment_reverse")
def fee_payment_reverse(request: HttpRequest, payment_id: Id, payload: ReasonIn):
    """Reverse a payment recorded in error by the mirror journal entry (409 the second time)."""
    return _payment_out(fees.fee_payment_reverse(request.user, payment_id=payment_id, reason=payload.reason))


class RatesPublishIn(Schema):
    model_config = {"extra": "forbid"}
    estate_ids: list[BodyId] = Field(..., min_length=1, max_length=50)
    start: IsoDate
    end: IsoDate


@router.post("/fee-collection-notices", response={201: PublishedOut, **ERRORS}, operation_id="rates_publish")
def rates_publish(request: HttpRequest, payload: RatesPublishIn):
    """Publish the estates' collection rates (never a name or a unit) as a notice."""
    if payload.end < payload.start:
        raise InvalidInput(journal.PERIOD_BACKWARDS, field="end")
    notice = fees.rates_publish(request.user, **payload.dict())
    return Status(201, {"notice_id": notice.pk, "title": notice.title})


# The maintenance fund.
class FundOut(Schema):
    estate_id: int
    balance_fen: int
    reviewing: int
    approved_unpaid_fen: int


@router.get("/estates/{estate_id}/fund", response={200: FundOut, **ERRORS}, operation_id="fund_get")
def fund_get(request: HttpRequest, estate_id: Id):
    """The fund's balance, and what waits: applications under review, approved sums not yet paid out."""
    estate = _estate(request.user, estate_id)
    apps = FundApplication.objects.filter(estate=estate)
    return {"estate_id": estate.pk, "balance_fen": selectors.fund_balance(estate),
            "reviewing": apps.filter(status=FundStatus.REVIEWING).count(),
            "approved_unpaid_fen": sum(apps.filter(status=FundStatus.APPROVED).values_list("amount", flat=True))}


class FundDepositIn(Schema):
    model_config = {"extra": "forbid"}
    amount: str = AMOUNT
    date: IsoDate | None = Field(None, description="不填为今天 / today when omitted")
    memo: Text = Field(..., min_length=1, max_length=200, pattern=r"\S")


@router.post("/estates/{estate_id}/fund/deposits", response={201: TransactionOut, **ERRORS}, operation_id="fund_deposit")
def fund_deposit(request: HttpRequest, estate_id: Id, payload: FundDepositIn):
    """Money into the fund (owners' deposits, interest, the opening balance): bookkeepers."""
    return Status(201, _tx_out(fund.fund_deposit(request.user, estate_id=estate_id, **payload.dict())))


class ReviewOut(Schema):
    level: str
    approved: bool | None
    due_at: datetime.datetime
    comment: str


class FundApplicationOut(Schema):
    id: int
    estate_id: int
    purpose: str
    amount_fen: int
    building_ids: list[int]
    emergency: str
    vote_id: int | None
    status: str
    applied_at: datetime.datetime
    reviews: list[ReviewOut]
    payout_transaction_id: int | None


def _application_out(a: FundApplication) -> dict:
    return {"id": a.pk, "estate_id": a.estate_id, "purpose": a.purpose, "amount_fen": a.amount,
            "building_ids": sorted(b.pk for b in a.buildings.all()), "emergency": a.emergency, "vote_id": a.vote_id,
            "status": a.status, "applied_at": a.applied_at, "payout_transaction_id": a.payout_id,
            "reviews": [{"level": r.level, "approved": r.approved, "due_at": r.due_at, "comment": r.comment}
                        for r in a.reviews.all()]}


@router.get("/fund-applications", response={200: list[FundApplicationOut], **ERRORS}, operation_id="fund_application_list")
@paginate(Pagination)
def fund_application_list(request: HttpRequest, estate_id: Id | None = None):
    qs = FundApplication.objects.filter(estate__in=_money_estates(request.user)).prefetch_related("buildings", "reviews")
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    return [_application_out(a) for a in qs[:1000]]


class FundApplyIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    purpose: Text = Field(..., min_length=1, max_length=200, pattern=r"\S")
    amount: str = AMOUNT
    building_ids: list[BodyId] = Field(..., min_length=1, max_length=500)
    emergency: Literal[("", *EmergencyReason.values)] = Field("", description="应急情形，免表决 / emergency")  # type: ignore[valid-type]
    vote_id: BodyId | None = Field(None, description="非应急须为通过的第 5 项表决 / the passed item-5 vote")


@router.post("/fund-applications", response={201: FundApplicationOut, **ERRORS}, operation_id="fund_apply")
def fund_apply(request: HttpRequest, payload: FundApplyIn):
    """Apply to use the fund: the owners' item-5 vote, or an emergency (the owners are told at once)."""
    return Status(201, _application_out(fund.fund_apply(request.user, **payload.dict())))


class FundReviewIn(Schema):
    model_config = {"extra": "forbid"}
    level: Literal[tuple(ReviewLevel.values)]  # type: ignore[valid-type]
    approved: StrictBool
    comment: Text = Field("", max_length=2000)


@router.post("/fund-applications/{application_id}/reviews", response={200: FundApplicationOut, **ERRORS},
             operation_id="fund_review")
def fund_review(request: HttpRequest, application_id: Id, payload: FundReviewIn):
    """One level of 三级联审 decides; the applicant never reviews their own application (403)."""
    return _application_out(fund.fund_review(request.user, application_id=application_id, **payload.dict()))


class FundPayoutIn(Schema):
    model_config = {"extra": "forbid"}
    date: IsoDate | None = Field(None, description="不填为今天 / today when omitted")


@router.post("/fund-applications/{application_id}/payout", response={200: FundApplicationOut, **ERRORS},
             operation_id="fund_payout")
def fund_payout(request: HttpRequest, application_id: Id, payload: FundPayoutIn):
    """Pay an approved application out of the fund into the journal: once (409 the second time), never
    beyond the balance (409)."""
    return _application_out(fund.fund_payout(request.user, application_id=application_id, date=payload.date))


# --- the supervisor's desk ---------------------------------------------------------------------------
class AlertOut(Schema):
    key: str = Field(..., description="预警标识：类型:记录编号，如 seal_out:12 / the alert's key, kind:record id")
    kind: str
    kind_label: str
    estate_id: int
    estate_name: str
    text: str
    link: str = Field(..., description="预警背后记录的页面地址 / the page of the record behind the alert")
    at: str = Field(..., description="发生时间（本地时间）/ when it happened, local time")
    reviewed: bool
    reviewed_by: str | None = None
    reviewed_at: datetime.datetime | None = None
    note: str = ""


class AlertReviewIn(Schema):
    model_config = {"extra": "forbid"}
    note: Text = Field(..., max_length=2000, description="查看备注（必填）/ what you found (required)")


def _alert_out(a: selectors.Alert) -> dict:
    review = a.review
    return {"key": a.key, "kind": a.kind, "kind_label": a.kind_label, "estate_id": a.estate_id,
            "estate_name": a.estate_name, "text": a.text, "link": a.link, "at": a.at_text,
            "reviewed": review is not None,
            "reviewed_by": (review.reviewed_by.get_full_name() or review.reviewed_by.get_username()) if review else None,
            "reviewed_at": review.reviewed_at if review else None, "note": a.note}


@router.get("/finance/alerts", response={200: list[AlertOut], **ERRORS}, operation_id="alert_list")
@paginate(Pagination)
def alert_list(request: HttpRequest, reviewed: bool | None = None):
    """The supervisor's alerts in the estates they supervise, each naming its estate and linking to the
    record behind it, reviewed or not (?reviewed=true|false to keep one kind)."""
    if not rules.may_supervise(request.user):
        raise PermissionDenied()
    found = selectors.alerts(fetched_by=request.user)
    if reviewed is not None:
        found = [a for a in found if (a.review is not None) == reviewed]
    return [_alert_out(a) for a in found]


@router.post("/finance/alerts/{key}/review", response={200: AlertOut, **ERRORS}, operation_id="alert_review")
def alert_review(request: HttpRequest, key: Annotated[str, Field(max_length=64)], payload: AlertReviewIn):
    """Mark an alert reviewed with a note (a supervisor of its estate; once — 409 the second time). An
    alert that does not stand now or is out of sight is not found (404)."""
    alert_svc.alert_review(request.user, key=key, note=payload.note)
    return _alert_out(selectors.alert_get(fetched_by=request.user, key=key))
