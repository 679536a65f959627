"""The journal: balanced transactions posted once and never edited, income straight into the common
account (收必进账入库), corrections as reversing transactions, and the period's published statement
(审必公开公示)."""

import datetime

from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.core.money import fen, yuan
from gongzhi.core.text import ANY_LENGTH, clean_text
from gongzhi.finance.choices import BANK, AccountType, AuditAction, ExpenseCategory, IncomeCategory
from gongzhi.finance.models import Entry, LedgerAccount, Transaction
from gongzhi.finance.rules import BOOKKEEPERS
from gongzhi.finance.selectors import statement
from gongzhi.notices import services as notices

UNBALANCED = "借贷不平衡：借方 {debit} 元，贷方 {credit} 元 / Debits ({debit} yuan) and credits ({credit} yuan) differ"
NO_LINES = "凭证至少需要两行分录 / A transaction needs at least two entries"
UNKNOWN_CATEGORY = "未知的类别 / Unknown category"
MEMO_REQUIRED = "请填写摘要或用途 / Give a memo or purpose"
ALREADY_REVERSED = "该凭证已被冲销 / This transaction has already been reversed"
REVERSE_ELSEWHERE = (
    "物业费收款或维修资金拨付的凭证请在物业费或维修资金页冲销 / Reverse a fee payment or a fund payout on the "
    "fees or fund page"
)
PERIOD_BACKWARDS = "结束日期不能早于开始日期 / The period ends before it starts"


def account(estate, code: str) -> LedgerAccount:
    kind = AccountType.ASSET if code == BANK else AccountType(code.split(":", 1)[0])
    return LedgerAccount.objects.get_or_create(estate=estate, code=code, defaults={"type": kind})[0]


def transaction_post(actor, estate, *, date: datetime.date, memo: str, lines: list[tuple[str, int, int]], counterparty: str = "",
         reverses: Transaction | None = None) -> Transaction:
    """Post one balanced transaction (caller holds the transaction and has checked the role)."""
    if len(lines) < 2:
        raise InvalidInput(NO_LINES)
    debit = sum(d for _, d, _ in lines)
    credit = sum(c for _, _, c in lines)
    if debit != credit or any((d > 0) == (c > 0) for _, d, c in lines):
        raise InvalidInput(UNBALANCED.format(debit=yuan(debit), credit=yuan(credit)))
    memo = clean_text(memo, ANY_LENGTH, MEMO_REQUIRED, field="memo")
    counterparty = clean_text(counterparty, ANY_LENGTH, field="payer")
    tx = Transaction.objects.create(estate=estate, date=date, memo=memo[:200], counterparty=counterparty[:200],
                                    reverses=reverses, posted_by=actor)
    Entry.objects.bulk_create(Entry(transaction=tx, account=account(estate, code), debit=d, credit=c)
                              for code, d, c in lines)
    audit_record(actor, AuditAction.JOURNAL_POST, tx, after={"memo": tx.memo, "lines": [list(x) for x in lines]})
    return tx


@transaction.atomic
def income_record(actor, *, estate_id: int, category: str, amount, date: datetime.date, memo: str,
                  payer: str = "") -> Transaction:
    """收必进账入库: common income goes straight into the common account."""
    estate = estate_for(actor, estate_id, roles=BOOKKEEPERS)
    if category not in IncomeCategory.values:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category")
    value = fen(amount)
    return transaction_post(actor, estate, date=date, memo=memo, counterparty=payer,
                lines=[(BANK, value, 0), (f"income:{category}", 0, value)])


@transaction.atomic
def transaction_reverse(actor, *, transaction_id: int, memo: str) -> Transaction:
    """A correction: the mirror of a posted transaction. Nothing posted is ever edited."""
    original = object_for(actor, Transaction.objects.select_related("estate"), transaction_id, roles=BOOKKEEPERS)
    estate = original.estate
    original = Transaction.objects.select_for_update().get(pk=original.pk)
    if Transaction.objects.filter(reverses=original).exists():
        raise WrongState(ALREADY_REVERSED)
    if hasattr(original, "fee_payment") or hasattr(original, "fund_payout"):
        raise WrongState(REVERSE_ELSEWHERE)  # the payment or payout must follow its reversal
    lines = [(e.account.code, e.credit, e.debit) for e in original.entries.select_related("account")]
    return transaction_post(actor, estate, date=clock.today(), memo=f"冲销：{original.memo}。{memo}".strip("。"),
                lines=lines, reverses=original)


@transaction.atomic
def statement_publish(actor, *, estate_id: int, start: datetime.date, end: datetime.date):
    """审必公开公示: publish the period's statement of common income and spending as a notice."""
    estate = estate_for(actor, estate_id, roles=BOOKKEEPERS)
    if end < start:
        raise InvalidInput(PERIOD_BACKWARDS, field="end")
    s = statement(estate, start, end)
    rows = [["项目", "收入（元）", "支出（元）"], ["期初余额", yuan(s["opening"]), ""]]
    rows += [[str(IncomeCategory(c).label), yuan(v), ""] for c, v in s["income"].items() if v]
    rows += [[str(ExpenseCategory(c).label), "", yuan(v)] for c, v in s["spending"].items() if v]
    rows += [["合计", yuan(s["total_income"]), yuan(s["total_spending"])], ["期末余额", yuan(s["closing"]), ""]]
    return notices.notice_publish(
        actor, estate_id=estate.pk, kind="financial", audience="estate",
        title=f"{estate.name}公共收益收支公示（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）",
        body="根据业账社管制度，现将本期公共收益收支情况公示如下。如有疑问，请向社区或纪检监督员反映。", table=rows)
