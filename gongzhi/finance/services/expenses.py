"""Expenses of common income: a request under multi-party approval (双章三审), paid only once that
approval is complete, and flagged when one payee's requests look split under the large line."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from gongzhi.core import clock, locks
from gongzhi.core import services as core
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.choices import ApprovalStatus
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.core.files import Upload, attachment_type
from gongzhi.core.models import Approval
from gongzhi.core.money import fen, yuan
from gongzhi.core.text import ANY_LENGTH, clean_text
from gongzhi.finance.choices import BANK, AuditAction, ExpenseCategory, ExpenseStatus
from gongzhi.finance.models import Expense
from gongzhi.finance.rules import BOOKKEEPERS, REQUESTERS, expense_signers, large_threshold_fen
from gongzhi.finance.services.journal import MEMO_REQUIRED, UNKNOWN_CATEGORY, transaction_post
from gongzhi.meetings.models import Matter, MatterStatus
from gongzhi.votes.models import Vote, VoteStatus

NOT_APPROVED = "支出审批未完成，不能付款 / The expense approval is not complete: it cannot be paid"
ALREADY_PAID = "该支出已经付款 / This expense has already been paid"
NEEDS_RESOLUTION = (
    "大额支出须关联授权它的联席会议议题或业主表决 / A large expense must name the joint-meeting matter or "
    "owners' vote that authorised it"
)
RESOLUTION_NOT_DONE = "关联的议题或表决尚未通过 / The named matter or vote has not approved it"
ATTACHMENT_TOO_LARGE = "附件过大 / The attachment is too large"
JOINT_MEETINGS = ["joint_1_3_n", "four_party", "red_council", "quarterly_joint"]


def _authorised(matter, vote) -> bool:
    if vote is not None:
        return vote.status == VoteStatus.CLOSED and vote.passed
    return matter is not None and (matter.status == MatterStatus.COMPLETED or matter.decisions.filter(
        passed=True, meeting__kind__in=JOINT_MEETINGS).exists())


@transaction.atomic
def expense_request(actor, *, estate_id: int, amount, purpose: str, payee: str, category: str, quotes: str = "",
                    matter_id: int | None = None, vote_id: int | None = None, attachment=None) -> Expense:
    """An expense request and its approval: committee, property company and community always; the
    discipline supervisor as well above the large-amount line, which also needs the resolution."""
    estate = estate_for(actor, estate_id, roles=REQUESTERS)
    value = fen(amount)
    if category not in ExpenseCategory.values:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category")
    purpose = clean_text(purpose, ANY_LENGTH, MEMO_REQUIRED, field="purpose")
    payee = clean_text(payee, ANY_LENGTH, MEMO_REQUIRED, field="payee")
    quotes = clean_text(quotes, ANY_LENGTH, field="quotes")
    _one_request_per_payee_at_a_time(estate, payee[:200])
    matter = Matter.objects.filter(pk=matter_id, estate=estate).first() if matter_id else None
    vote = Vote.objects.filter(pk=vote_id, estate=estate).first() if vote_id else None
    large = value >= large_threshold_fen()
    if large and matter is None and vote is None:
        raise InvalidInput(NEEDS_RESOLUTION, field="matter_id")
    if (matter or vote) and not _authorised(matter, vote):
        raise InvalidInput(RESOLUTION_NOT_DONE, field="matter_id")
    approval = core.approval_create(actor, estate_id=estate.pk, kind="expense", roles=expense_signers(value),
                                    title=f"公共收益支出：{purpose}（{yuan(value)} 元，{payee}）")
    expense = Expense(
        estate=estate, amount=value, purpose=purpose[:200], payee=payee[:200], category=category, quotes=quotes,
        approval=approval, matter=matter, vote=vote, created_by=actor, split_suspect=_looks_split(estate, payee[:200], value))
    if attachment is not None:
        check_attachment(attachment)
        expense.attachment.save(attachment.name, attachment, save=False)
    expense.save()
    audit_record(actor, AuditAction.EXPENSE_REQUEST, expense, after=snapshot(expense))
    return expense


def check_attachment(upload, *, field: str = "attachment") -> None:
    """Quotes, invoices, contracts, scans, statements, reports: a PDF, an image or an office file,
    checked by content and size."""
    data = upload.read()
    upload.seek(0)
    if len(data) > settings.GONGZHI_NOTICE_ATTACHMENT_MAX_BYTES:
        raise InvalidInput(ATTACHMENT_TOO_LARGE, field=field)
    attachment_type(Upload(upload.name, data), field=field)


def _one_request_per_payee_at_a_time(estate, payee: str) -> None:
    """Serialise the requests to one payee in one estate until the transaction ends, so that each one's
    split check sees every earlier request (issue 23: four requests at once each saw none of the others
    under READ COMMITTED and none was flagged); requests to other payees go on."""
    locks.hold(f"finance.expense_payee:{estate.pk}:{payee}", fallback=estate)


def _looks_split(estate, payee: str, value: int) -> bool:
    """Several requests to one payee, each under the line, that together reach it within the window
    (the line itself counts, as it does for one large request). The caller holds the payee's lock."""
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


def expense_decided(approval) -> None:
    """The expense approval kind's on_decided: the expense follows its approval."""
    status = ExpenseStatus.APPROVED if approval.status == ApprovalStatus.APPROVED else ExpenseStatus.REJECTED
    Expense.objects.filter(approval=approval, status=ExpenseStatus.PENDING).update(status=status)


def expense_pay(actor, *, expense_id: int, date: datetime.date | None = None) -> Expense:
    """Record the payment — only for an expense whose approval is complete, and only once. A refused
    attempt is itself recorded (after the refused transaction rolled back) for the supervisor."""
    try:
        return _expense_pay(actor, expense_id=expense_id, date=date)
    except WrongState as exc:
        if exc.message == NOT_APPROVED:
            with transaction.atomic():
                expense = Expense.objects.get(pk=expense_id)
                audit_record(actor, AuditAction.EXPENSE_PAY_REFUSED, expense, after={"approval": expense.approval_id})
        raise


@transaction.atomic
def _expense_pay(actor, *, expense_id: int, date: datetime.date | None = None) -> Expense:
    visible = object_for(actor, Expense.objects.select_related("estate"), expense_id, roles=BOOKKEEPERS)
    estate = visible.estate
    # Lock the approval first, then the expense: a signature racing the payment is either in or not.
    approval = Approval.objects.select_for_update().get(pk=visible.approval_id)
    expense = Expense.objects.select_for_update().get(pk=visible.pk)
    if expense.status == ExpenseStatus.PAID:
        raise WrongState(ALREADY_PAID)
    if approval.status != ApprovalStatus.APPROVED:
        raise WrongState(NOT_APPROVED)
    tx = transaction_post(actor, estate, date=date or clock.today(), memo=f"支付：{expense.purpose}",
              counterparty=expense.payee, lines=[(f"expense:{expense.category}", expense.amount, 0),
                                                 (BANK, 0, expense.amount)])
    expense.status, expense.transaction = ExpenseStatus.PAID, tx
    expense.save(update_fields=["status", "transaction"])
    audit_record(actor, AuditAction.EXPENSE_PAY, expense, after={"transaction": tx.pk})
    return expense
