"""Writes of the estate's money and seals. Every function checks the role for the estate, runs in
one transaction with the row locks that matter, and leaves an audit record.

Who does what (业账社管): the community (secretary, staff) keeps the books and the seals; the
committee, the property company and the community sign expenses; the committee head, the
community secretary and the discipline supervisor sign each seal use.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from gongzhi.core import clock
from gongzhi.core import services as core
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.models import ApprovalStatus
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.finance.models import (
    BANK,
    AccountType,
    Entry,
    Expense,
    ExpenseCategory,
    ExpenseStatus,
    IncomeCategory,
    LedgerAccount,
    Seal,
    SealUse,
    SealUseStatus,
    Transaction,
)

BOOKKEEPERS = (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR)
REQUESTERS = (Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.PROPERTY_STAFF) + BOOKKEEPERS
EXPENSE_SIGNERS = [Role.COMMITTEE_CHAIR, Role.PROPERTY_STAFF, Role.COMMUNITY_SECRETARY]
SEAL_SIGNERS = [Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.DISCIPLINE_SUPERVISOR]

UNBALANCED = "借贷不平衡：借方 {debit} 分，贷方 {credit} 分 / Debits ({debit}) and credits ({credit}) differ"
BAD_AMOUNT = "金额须为大于 0 的数，最多两位小数 / The amount must be positive, with at most two decimals"
NO_LINES = "凭证至少需要两行分录 / A transaction needs at least two entries"
UNKNOWN_CATEGORY = "未知的类别 / Unknown category"
MEMO_REQUIRED = "请填写摘要或用途 / Give a memo or purpose"
ALREADY_REVERSED = "该凭证已被冲销 / This transaction has already been reversed"
NOT_APPROVED = "支出审批未完成，不能付款 / The expense approval is not complete: it cannot be paid"
ALREADY_PAID = "该支出已经付款 / This expense has already been paid"
NEEDS_RESOLUTION = (
    "大额支出须关联授权它的联席会议议题或业主表决 / A large expense must name the joint-meeting matter or "
    "owners' vote that authorised it"
)
RESOLUTION_NOT_DONE = "关联的议题或表决尚未通过 / The named matter or vote has not approved it"
SEAL_NOT_APPROVED = "用印审批单未签署完成，不能交出印章 / The seal-use form is not fully signed: the seal stays"
SEAL_OUT = "该印章已借出，尚未归还 / This seal is out and not yet returned"
NOT_CUSTODIAN = "只有印章保管人可以交出或收回印章 / Only the seal's custodian releases or takes it back"
NOT_OUT = "该印章使用未处于借出状态 / This seal use is not out"
DOCUMENT_REQUIRED = "请写明用印文件和事由 / Name the document and the purpose"


# --- helpers -----------------------------------------------------------------------------------------
def fen(amount) -> int:
    """Yuan (Decimal, str or int) to integer fen, refusing floats' rounding and anything not positive."""
    if isinstance(amount, float):
        raise InvalidInput(BAD_AMOUNT, field="amount")
    try:
        value = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInput(BAD_AMOUNT, field="amount") from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")) or value > Decimal("1e12"):
        raise InvalidInput(BAD_AMOUNT, field="amount")
    return int(value * 100)


def yuan(amount_fen: int) -> str:
    return f"{Decimal(amount_fen) / 100:,.2f}"


def _estate(actor, estate_id, roles):
    scope = scope_for(actor)
    estate = get_in_scope(scope.estates(), pk=estate_id)
    if not (scope.is_root or any(scope.holds(r, estate) for r in roles)):
        raise PermissionDenied()
    return estate


def account(estate, code: str) -> LedgerAccount:
    kind = AccountType.ASSET if code == BANK else AccountType(code.split(":", 1)[0])
    return LedgerAccount.objects.get_or_create(estate=estate, code=code, defaults={"type": kind})[0]


# --- the journal -------------------------------------------------------------------------------------
def post(actor, estate, *, date: datetime.date, memo: str, lines: list[tuple[str, int, int]], counterparty: str = "",
         reverses: Transaction | None = None) -> Transaction:
    """Post one balanced transaction (caller holds the transaction and has checked the role)."""
    if len(lines) < 2:
        raise InvalidInput(NO_LINES)
    debit = sum(d for _, d, _ in lines)
    credit = sum(c for _, _, c in lines)
    if debit != credit or any((d > 0) == (c > 0) for _, d, c in lines):
        raise InvalidInput(UNBALANCED.format(debit=debit, credit=credit))
    memo = (memo or "").strip()
    if not memo:
        raise InvalidInput(MEMO_REQUIRED, field="memo")
    tx = Transaction.objects.create(estate=estate, date=date, memo=memo[:200], counterparty=counterparty[:200],
                                    reverses=reverses, posted_by=actor)
    Entry.objects.bulk_create(Entry(transaction=tx, account=account(estate, code), debit=d, credit=c)
                              for code, d, c in lines)
    audit_record(actor, "journal.post", tx, after={"memo": tx.memo, "lines": [list(x) for x in lines]})
    return tx


@transaction.atomic
def income_record(actor, *, estate_id: int, category: str, amount, date: datetime.date, memo: str,
                  payer: str = "") -> Transaction:
    """收必进账入库: common income goes straight into the common account."""
    estate = _estate(actor, estate_id, BOOKKEEPERS)
    if category not in IncomeCategory.values:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category")
    value = fen(amount)
    return post(actor, estate, date=date, memo=memo, counterparty=payer,
                lines=[(BANK, value, 0), (f"income:{category}", 0, value)])


@transaction.atomic
def reverse(actor, *, transaction_id: int, memo: str) -> Transaction:
    """A correction: the mirror of a posted transaction. Nothing posted is ever edited."""
    scope = scope_for(actor)
    original = get_in_scope(Transaction.objects.filter(estate__in=scope.estates()), pk=transaction_id)
    estate = _estate(actor, original.estate_id, BOOKKEEPERS)
    original = Transaction.objects.select_for_update().get(pk=original.pk)
    if Transaction.objects.filter(reverses=original).exists():
        raise WrongState(ALREADY_REVERSED)
    lines = [(e.account.code, e.credit, e.debit) for e in original.entries.select_related("account")]
    return post(actor, estate, date=clock.today(), memo=f"冲销：{original.memo}。{memo}".strip("。"),
                lines=lines, reverses=original)


def balance(estate, code: str = BANK, until: datetime.date | None = None) -> int:
    """An account's balance in fen (debit-positive for the bank and expenses)."""
    qs = Entry.objects.filter(account__estate=estate, account__code=code)
    if until is not None:
        qs = qs.filter(transaction__date__lte=until)
    totals = qs.aggregate(d=Sum("debit"), c=Sum("credit"))
    return (totals["d"] or 0) - (totals["c"] or 0)


# --- expenses ----------------------------------------------------------------------------------------
def large_threshold_fen() -> int:
    return int(settings.GONGZHI_LARGE_EXPENSE_YUAN) * 100


def _authorised(matter, vote) -> bool:
    from gongzhi.meetings.models import MatterStatus
    from gongzhi.votes.models import VoteStatus

    if vote is not None:
        return vote.status == VoteStatus.CLOSED and bool((vote.result or {}).get("approved"))
    return matter is not None and (matter.status == MatterStatus.COMPLETED or matter.decisions.filter(
        passed=True, meeting__kind__in=["joint_1_3_n", "four_party", "red_council", "quarterly_joint"]).exists())


@transaction.atomic
def expense_request(actor, *, estate_id: int, amount, purpose: str, payee: str, category: str, quotes: str = "",
                    matter_id: int | None = None, vote_id: int | None = None, attachment=None) -> Expense:
    """An expense request and its approval: committee, property company and community always; the
    discipline supervisor as well above the large-amount line, which also needs the resolution."""
    from gongzhi.meetings.models import Matter
    from gongzhi.votes.models import Vote

    estate = _estate(actor, estate_id, REQUESTERS)
    value = fen(amount)
    if category not in ExpenseCategory.values:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category")
    purpose, payee = (purpose or "").strip(), (payee or "").strip()
    if not purpose or not payee:
        raise InvalidInput(MEMO_REQUIRED, field="purpose")
    matter = Matter.objects.filter(pk=matter_id, estate=estate).first() if matter_id else None
    vote = Vote.objects.filter(pk=vote_id, estate=estate).first() if vote_id else None
    large = value >= large_threshold_fen()
    if large and matter is None and vote is None:
        raise InvalidInput(NEEDS_RESOLUTION, field="matter_id")
    if (matter or vote) and not _authorised(matter, vote):
        raise InvalidInput(RESOLUTION_NOT_DONE, field="matter_id")
    roles = EXPENSE_SIGNERS + ([Role.DISCIPLINE_SUPERVISOR] if large else [])
    approval = core.approval_create(actor, estate_id=estate.pk, kind="expense", roles=roles,
                                    title=f"公共收益支出：{purpose}（{yuan(value)} 元，{payee}）")
    expense = Expense(
        estate=estate, amount=value, purpose=purpose[:200], payee=payee[:200], category=category, quotes=quotes,
        approval=approval, matter=matter, vote=vote, created_by=actor, split_suspect=_looks_split(estate, payee, value))
    if attachment is not None:
        _check_scan(attachment)
        expense.attachment.save(attachment.name, attachment, save=False)
    expense.save()
    audit_record(actor, "expense.request", expense, after=snapshot(expense))
    return expense


def _check_scan(upload) -> None:
    """Quotes, invoices, contracts: a PDF, an image or an office file, checked by content and size."""
    from gongzhi.notices import services as notices

    data = upload.read()
    upload.seek(0)
    if len(data) > settings.GONGZHI_NOTICE_ATTACHMENT_MAX_BYTES:
        raise InvalidInput("附件过大 / The attachment is too large", field="attachment")
    notices.attachment_type(notices.Upload(upload.name, data))


def _looks_split(estate, payee: str, value: int) -> bool:
    """Several requests to one payee, each under the line, that together pass it within the window."""
    line = large_threshold_fen()
    if value >= line:
        return False
    since = clock.now() - datetime.timedelta(days=settings.GONGZHI_SPLIT_WINDOW_DAYS)
    recent = Expense.objects.filter(estate=estate, payee=payee, created_at__gte=since, amount__lt=line)
    total = (recent.aggregate(s=Sum("amount"))["s"] or 0) + value
    if recent.exists() and total >= line:
        recent.update(split_suspect=True)
        return True
    return False


def _expense_decided(approval) -> None:
    status = ExpenseStatus.APPROVED if approval.status == ApprovalStatus.APPROVED else ExpenseStatus.REJECTED
    Expense.objects.filter(approval=approval, status=ExpenseStatus.PENDING).update(status=status)


core.register_approval_handler("expense", _expense_decided)


def expense_pay(actor, *, expense_id: int, date: datetime.date | None = None) -> Expense:
    """Record the payment — only for an expense whose approval is complete, and only once. A refused
    attempt is itself recorded (after the refused transaction rolled back) for the supervisor."""
    try:
        return _expense_pay(actor, expense_id=expense_id, date=date)
    except WrongState as exc:
        if exc.message == NOT_APPROVED:
            with transaction.atomic():
                expense = Expense.objects.get(pk=expense_id)
                audit_record(actor, "expense.pay_refused", expense, after={"approval": expense.approval_id})
        raise


@transaction.atomic
def _expense_pay(actor, *, expense_id: int, date: datetime.date | None = None) -> Expense:
    scope = scope_for(actor)
    visible = get_in_scope(Expense.objects.filter(estate__in=scope.estates()), pk=expense_id)
    estate = _estate(actor, visible.estate_id, BOOKKEEPERS)
    # Lock the approval first, then the expense: a signature racing the payment is either in or not.
    from gongzhi.core.models import Approval

    approval = Approval.objects.select_for_update().get(pk=visible.approval_id)
    expense = Expense.objects.select_for_update().get(pk=visible.pk)
    if expense.status == ExpenseStatus.PAID:
        raise WrongState(ALREADY_PAID)
    if approval.status != ApprovalStatus.APPROVED:
        raise WrongState(NOT_APPROVED)
    tx = post(actor, estate, date=date or clock.today(), memo=f"支付：{expense.purpose}",
              counterparty=expense.payee, lines=[(f"expense:{expense.category}", expense.amount, 0),
                                                 (BANK, 0, expense.amount)])
    expense.status, expense.transaction = ExpenseStatus.PAID, tx
    expense.save(update_fields=["status", "transaction"])
    audit_record(actor, "expense.pay", expense, after={"transaction": tx.pk})
    return expense


# --- seals -------------------------------------------------------------------------------------------
@transaction.atomic
def seal_use_request(actor, *, seal_id: int, document: str, purpose: str, both: bool = False,
                     matter_id: int | None = None) -> list[SealUse]:
    """Ask to use a seal; a major matter (三重一大) always takes both of the estate's seals (双章),
    each with its own signed approval."""
    scope = scope_for(actor)
    seal = get_in_scope(Seal.objects.filter(estate__in=scope.estates()).select_related("estate"), pk=seal_id)
    _estate(actor, seal.estate_id, REQUESTERS)
    document, purpose = (document or "").strip(), (purpose or "").strip()
    if not document or not purpose:
        raise InvalidInput(DOCUMENT_REQUIRED, field="document")
    if matter_id is not None:
        from gongzhi.meetings.models import Matter

        matter = get_in_scope(Matter.objects.filter(estate=seal.estate), pk=matter_id)
        both = both or matter.major
    seals = list(Seal.objects.filter(estate=seal.estate).order_by("kind")) if both else [seal]
    uses = []
    for s in seals:
        approval = core.approval_create(actor, estate_id=s.estate_id, kind="seal_use", roles=SEAL_SIGNERS,
                                        title=f"使用{s.get_kind_display()}：{document}", body=purpose)
        uses.append(SealUse.objects.create(seal=s, document=document[:200], purpose=purpose[:200],
                                           approval=approval, requested_by=actor))
    if len(uses) == 2:
        SealUse.objects.filter(pk=uses[0].pk).update(pair=uses[1])
        SealUse.objects.filter(pk=uses[1].pk).update(pair=uses[0])
    for use in uses:
        audit_record(actor, "seal.request", use, after=snapshot(use))
    return uses


def _seal_use_decided(approval) -> None:
    status = SealUseStatus.APPROVED if approval.status == ApprovalStatus.APPROVED else SealUseStatus.REJECTED
    SealUse.objects.filter(approval=approval, status=SealUseStatus.PENDING).update(status=status)


core.register_approval_handler("seal_use", _seal_use_decided)


def _custody(actor, use_id):
    scope = scope_for(actor)
    visible = get_in_scope(SealUse.objects.filter(seal__estate__in=scope.estates()), pk=use_id)
    seal = Seal.objects.select_for_update().get(pk=visible.seal_id)  # one release at a time per seal
    use = SealUse.objects.select_for_update().get(pk=visible.pk)
    if seal.custodian_id != actor.pk and not scope.is_root:
        raise PermissionDenied(NOT_CUSTODIAN)
    return seal, use


@transaction.atomic
def seal_release(actor, *, use_id: int) -> SealUse:
    seal, use = _custody(actor, use_id)
    if use.status != SealUseStatus.APPROVED:
        raise WrongState(SEAL_NOT_APPROVED)
    if seal.out_with_id is not None:
        raise WrongState(SEAL_OUT)
    if use.pair_id and use.pair.status not in (SealUseStatus.APPROVED, SealUseStatus.OUT, SealUseStatus.RETURNED):
        raise WrongState(SEAL_NOT_APPROVED)  # 双章: both forms signed before either seal is used
    use.status, use.released_at, use.released_by = SealUseStatus.OUT, clock.now(), actor
    use.save(update_fields=["status", "released_at", "released_by"])
    seal.out_with = use
    seal.save(update_fields=["out_with"])
    audit_record(actor, "seal.release", use, after={"seal": seal.pk})
    return use


@transaction.atomic
def seal_return(actor, *, use_id: int, scan=None) -> SealUse:
    seal, use = _custody(actor, use_id)
    if use.status != SealUseStatus.OUT:
        raise WrongState(NOT_OUT)
    if scan is not None:
        use.scan.save(scan.name, scan, save=False)
    use.status, use.returned_at = SealUseStatus.RETURNED, clock.now()
    use.save()
    seal.out_with = None
    seal.save(update_fields=["out_with"])
    audit_record(actor, "seal.return", use, after={"seal": seal.pk})
    return use


@transaction.atomic
def seal_register(actor, *, estate_id: int, kind: str, custodian_id: int, kept_by_community: bool = True) -> Seal:
    from django.contrib.auth import get_user_model

    estate = _estate(actor, estate_id, BOOKKEEPERS)
    custodian = get_in_scope(get_user_model().objects.all(), pk=custodian_id)
    seal = Seal.objects.create(estate=estate, kind=kind, custodian=custodian, kept_by_community=kept_by_community)
    audit_record(actor, "seal.register", seal, after=snapshot(seal))
    return seal


@transaction.atomic
def statement_publish(actor, *, estate_id: int, start: datetime.date, end: datetime.date):
    """审必公开公示: publish the period's statement of common income and spending as a notice."""
    from gongzhi.finance.models import ExpenseCategory as E
    from gongzhi.finance.models import IncomeCategory as I
    from gongzhi.finance.selectors import statement
    from gongzhi.notices import services as notices

    estate = _estate(actor, estate_id, BOOKKEEPERS)
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期 / The period ends before it starts", field="end")
    s = statement(estate, start, end)
    rows = [["项目", "收入（元）", "支出（元）"], ["期初余额", yuan(s["opening"]), ""]]
    rows += [[str(I(c).label), yuan(v), ""] for c, v in s["income"].items() if v]
    rows += [[str(E(c).label), "", yuan(v)] for c, v in s["spending"].items() if v]
    rows += [["合计", yuan(s["total_income"]), yuan(s["total_spending"])], ["期末余额", yuan(s["closing"]), ""]]
    return notices.notice_publish(
        actor, estate_id=estate.pk, kind="financial", audience="estate",
        title=f"{estate.name}公共收益收支公示（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）",
        body="根据业账社管制度，现将本期公共收益收支情况公示如下。如有疑问，请向社区或纪检监督员反映。", table=rows)
