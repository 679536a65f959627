"""业账社管: the balanced journal, expenses paid only with a complete approval, possible splitting,
seals released only against signed forms (双章 included), and one estate's money hidden from
another's committee. A hypothesis test runs random sequences of allowed operations."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core import services as core
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import Approval, AuditEntry
from gongzhi.core.money import BAD_AMOUNT
from gongzhi.core.roles import Role
from gongzhi.finance import selectors
from gongzhi.finance.choices import ExpenseStatus, SealUseStatus
from gongzhi.finance.models import Entry, Expense, Transaction
from gongzhi.finance.services import expenses as expense_svc
from gongzhi.finance.services import journal
from gongzhi.finance.services import seals as seal_svc
from gongzhi.meetings import services as meetings
from tests.helpers import PACIFIC, estate, race

pytestmark = pytest.mark.usefixtures("world")
TODAY = datetime.date(2020, 11, 1)  # before the demo's own bookkeeping


def income(persona, amount="1000.00", category="parking"):
    return journal.income_record(persona("yanshuji"), estate_id=estate(PACIFIC).pk, category=category, amount=amount,
                             date=TODAY, memo="地面停车费", payer="停车管理处")


def request(persona, amount="800.00", payee="某绿化公司", **kw):
    return expense_svc.expense_request(persona("weiyuan"), estate_id=estate(PACIFIC).pk, amount=amount,
                               purpose="补种草坪", payee=payee, category="greenery", **kw)


def sign_all(persona, expense, roles=None):
    signers = {Role.COMMITTEE_CHAIR: "zhaozhuren", Role.PROPERTY_STAFF: "wangjingli",
               Role.COMMUNITY_SECRETARY: "yanshuji", Role.DISCIPLINE_SUPERVISOR: "sunjiancha"}
    for s in expense.approval.signatures.all():
        if roles is None or s.role in roles:
            core.approval_sign(persona(signers[s.role]), approval_id=expense.approval_id, role=s.role)


# --- the journal -------------------------------------------------------------------------------------
def test_income_goes_into_the_common_account_and_corrections_reverse(persona):
    pacific = estate(PACIFIC)
    base, base_parking = selectors.balance(pacific), selectors.balance(pacific, "income:parking")
    tx = income(persona, "1,234.56")
    assert selectors.balance(pacific) == base + 123456
    assert selectors.balance(pacific, "income:parking") == base_parking - 123456
    journal.transaction_reverse(persona("yanshuji"), transaction_id=tx.pk, memo="金额录错")
    assert selectors.balance(pacific) == base
    with pytest.raises(WrongState, match=re.escape(journal.ALREADY_REVERSED)):
        journal.transaction_reverse(persona("yanshuji"), transaction_id=tx.pk, memo="再冲")
    with pytest.raises(PermissionDenied):
        journal.income_record(persona("lixiansheng"), estate_id=pacific.pk, category="parking", amount="1", date=TODAY,
                          memo="x")


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.005", 12.5, "1e20", "NaN"])
def test_bad_amounts_change_nothing(persona, amount):
    before = Transaction.objects.count()
    with pytest.raises(InvalidInput, match=re.escape(BAD_AMOUNT)):
        income(persona, amount)
    assert Transaction.objects.count() == before


def test_unbalanced_or_edited_entries_are_refused(persona):
    pacific = estate(PACIFIC)
    with pytest.raises(InvalidInput, match=re.escape(journal.UNBALANCED.split("：")[0])):
        with transaction.atomic():
            journal.transaction_post(persona("yanshuji"), pacific, date=TODAY, memo="x", lines=[("bank", 100, 0),
                                                                                ("income:other", 0, 99)])
    tx = income(persona)
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(transaction=tx).update(debit=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(transaction=tx, account=journal.account(pacific, "bank"), debit=0, credit=0)
    if connection.vendor == "postgresql":  # the database checks the balance itself at commit
        with pytest.raises(DatabaseError, match="unbalanced"), transaction.atomic():
            bad = Transaction.objects.create(estate=pacific, date=TODAY, memo="绕过应用", posted_by=persona("yanshuji"))
            Entry.objects.create(transaction=bad, account=journal.account(pacific, "bank"), debit=500)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS finance_entry_balanced IMMEDIATE")
        with pytest.raises(DatabaseError), transaction.atomic():
            Transaction.objects.filter(pk=tx.pk).delete()


# --- expenses ----------------------------------------------------------------------------------------
def test_an_expense_is_paid_only_after_all_three_signatures(persona):
    base = selectors.balance(estate(PACIFIC))
    income(persona, "5000")
    expense = request(persona, "800")
    assert [s.role for s in expense.approval.signatures.all()] == [Role.COMMITTEE_CHAIR, Role.PROPERTY_STAFF,
                                                                   Role.COMMUNITY_SECRETARY]
    sign_all(persona, expense, roles={Role.COMMITTEE_CHAIR, Role.PROPERTY_STAFF})
    with pytest.raises(WrongState, match=re.escape(expense_svc.NOT_APPROVED)):
        expense_svc.expense_pay(persona("yanshuji"), expense_id=expense.pk)
    assert AuditEntry.objects.filter(action="expense.pay_refused", subject_id=str(expense.pk)).exists()
    sign_all(persona, expense, roles={Role.COMMUNITY_SECRETARY})
    expense.refresh_from_db()
    assert expense.status == ExpenseStatus.APPROVED
    with pytest.raises(PermissionDenied):
        expense_svc.expense_pay(persona("zhaozhuren"), expense_id=expense.pk)  # the community keeps the books
    expense_svc.expense_pay(persona("yanshuji"), expense_id=expense.pk)
    assert selectors.balance(estate(PACIFIC)) == base + 500000 - 80000
    with pytest.raises(WrongState, match=re.escape(expense_svc.ALREADY_PAID)):
        expense_svc.expense_pay(persona("yanshuji"), expense_id=expense.pk)


def test_a_rejected_expense_is_never_paid(persona):
    expense = request(persona)
    core.approval_reject(persona("yanshuji"), approval_id=expense.approval_id, comment="无报价")
    expense.refresh_from_db()
    assert expense.status == ExpenseStatus.REJECTED
    with pytest.raises(WrongState):
        expense_svc.expense_pay(persona("yanshuji"), expense_id=expense.pk)


def test_large_expenses_need_the_supervisor_and_a_resolution(persona):
    with pytest.raises(InvalidInput, match=re.escape(expense_svc.NEEDS_RESOLUTION)):
        request(persona, "5000")  # exactly the line is large
    chair = persona("zhaozhuren")
    matter = meetings.matter_create(chair, estate_id=estate(PACIFIC).pk, title="更换水泵", procedure="four_discussions")
    with pytest.raises(InvalidInput, match=re.escape(expense_svc.RESOLUTION_NOT_DONE)):
        request(persona, "6000", matter_id=matter.pk)
    from tests.meetings.test_meetings import joint_meeting

    meetings.matter_step(chair, matter_id=matter.pk, step_key="propose")
    joint_meeting(persona, matter)
    expense = request(persona, "6000", matter_id=matter.pk)
    assert Role.DISCIPLINE_SUPERVISOR in [s.role for s in expense.approval.signatures.all()]
    small = request(persona, "4999.99", payee="另一家")
    assert Role.DISCIPLINE_SUPERVISOR not in [s.role for s in small.approval.signatures.all()]


def test_requests_split_under_the_line_are_flagged(persona):
    first = request(persona, "3000", payee="某维修部")
    assert not first.split_suspect
    second = request(persona, "2500", payee="某维修部")
    first.refresh_from_db()
    assert second.split_suspect and first.split_suspect
    assert not request(persona, "2500", payee="别的单位").split_suspect


def test_one_estates_money_is_invisible_to_another_estates_committee(persona):
    expense = request(persona)
    tx = income(persona)
    with pytest.raises(NotFound):
        expense_svc.expense_pay(persona("lijing"), expense_id=expense.pk)
    with pytest.raises(NotFound):
        journal.transaction_reverse(persona("lijing"), transaction_id=tx.pk, memo="x")
    with pytest.raises(NotFound):
        journal.income_record(persona("zhangjingli"), estate_id=estate(PACIFIC).pk, category="parking", amount="1",
                          date=TODAY, memo="x")


# --- seals -------------------------------------------------------------------------------------------
@pytest.fixture
def seals(persona):
    """The demo registers both of 太平洋花园's seals, kept by the community secretary."""
    from gongzhi.finance.models import Seal

    pacific = estate(PACIFIC)
    return (Seal.objects.get(estate=pacific, kind="owners_assembly"), Seal.objects.get(estate=pacific, kind="committee"))


def sign_seal(persona, use):
    for role, who in ((Role.COMMITTEE_CHAIR, "zhaozhuren"), (Role.COMMUNITY_SECRETARY, "yanshuji"),
                      (Role.DISCIPLINE_SUPERVISOR, "sunjiancha")):
        core.approval_sign(persona(who), approval_id=use.approval_id, role=role)


def test_seal_lifecycle(persona, seals):
    _, committee_seal = seals
    yan = persona("yanshuji")
    [use] = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal.pk, document="物业服务合同续签",
                                 purpose="续聘三年")
    with pytest.raises(WrongState, match=re.escape(seal_svc.SEAL_NOT_APPROVED)):
        seal_svc.seal_release(yan, use_id=use.pk)
    sign_seal(persona, use)
    with pytest.raises(PermissionDenied, match=re.escape(seal_svc.NOT_CUSTODIAN)):
        seal_svc.seal_release(persona("zhaozhuren"), use_id=use.pk)
    seal_svc.seal_release(yan, use_id=use.pk)
    [other] = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal.pk, document="公示盖章", purpose="x")
    sign_seal(persona, other)
    with pytest.raises(WrongState, match=re.escape(seal_svc.SEAL_OUT)):
        seal_svc.seal_release(yan, use_id=other.pk)
    seal_svc.seal_return(yan, use_id=use.pk)
    with pytest.raises(WrongState):
        seal_svc.seal_return(yan, use_id=use.pk)
    seal_svc.seal_release(yan, use_id=other.pk)
    assert {u.status for u in committee_seal.uses.all()} == {SealUseStatus.RETURNED, SealUseStatus.OUT}


def test_both_seals_each_with_its_own_signed_form(persona, seals):
    assembly, committee_seal = seals
    yan = persona("yanshuji")
    uses = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal.pk, document="电梯更换合同",
                                purpose="三重一大", both=True)
    assert {u.seal_id for u in uses} == {assembly.pk, committee_seal.pk}
    assert uses[0].approval_id != uses[1].approval_id
    sign_seal(persona, uses[0])
    with pytest.raises(WrongState, match=re.escape(seal_svc.SEAL_NOT_APPROVED)):
        seal_svc.seal_release(yan, use_id=uses[0].pk)  # the other seal's form is not signed yet
    sign_seal(persona, uses[1])
    seal_svc.seal_release(yan, use_id=uses[0].pk)
    seal_svc.seal_release(yan, use_id=uses[1].pk)


# --- property-based: any sequence of allowed operations ----------------------------------------------
operation = st.one_of(
    st.tuples(st.just("income"), st.integers(1, 900_000)),
    st.tuples(st.just("request"), st.integers(1, 499_999)),
    st.tuples(st.just("sign"), st.integers(0, 9), st.sampled_from(["zhaozhuren", "wangjingli", "yanshuji"])),
    st.tuples(st.just("pay"), st.integers(0, 9)),
    st.tuples(st.just("reverse"), st.integers(0, 9)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(operation, max_size=12))
def test_any_sequence_keeps_accounts_balanced_and_never_pays_without_approval(persona, ops):
    pacific = estate(PACIFIC)
    roles = {"zhaozhuren": Role.COMMITTEE_CHAIR, "wangjingli": Role.PROPERTY_STAFF, "yanshuji": Role.COMMUNITY_SECRETARY}
    with transaction.atomic():
        expenses, incomes = [], []
        for op in ops:
            try:
                with transaction.atomic():
                    if op[0] == "income":
                        incomes.append(income(persona, Decimal(op[1]) / 100))
                    elif op[0] == "request":
                        expenses.append(request(persona, Decimal(op[1]) / 100, payee=f"收款方{len(expenses)}"))
                    elif op[0] == "sign" and expenses:
                        e = expenses[op[1] % len(expenses)]
                        core.approval_sign(persona(op[2]), approval_id=e.approval_id, role=roles[op[2]])
                    elif op[0] == "pay" and expenses:
                        expense_svc.expense_pay(persona("yanshuji"), expense_id=expenses[op[1] % len(expenses)].pk)
                    elif op[0] == "reverse" and incomes:
                        journal.transaction_reverse(persona("yanshuji"), transaction_id=incomes[op[1] % len(incomes)].pk, memo="更正")
            except (WrongState, InvalidInput, PermissionDenied):
                pass  # refused operations change nothing
        for tx in Transaction.objects.filter(estate=pacific).prefetch_related("entries"):
            assert sum(e.debit for e in tx.entries.all()) == sum(e.credit for e in tx.entries.all())
        for e in Expense.objects.filter(estate=pacific, status=ExpenseStatus.PAID).select_related("approval"):
            assert e.approval.status == "approved"
            assert not e.approval.signatures.exclude(decision="signed").exists()
        paid = sum(e.amount for e in Expense.objects.filter(estate=pacific, status=ExpenseStatus.PAID))
        incomes = Entry.objects.filter(transaction__estate=pacific, account__code__startswith="income:")
        received = sum(incomes.values_list("credit", flat=True)) - sum(incomes.values_list("debit", flat=True))
        assert selectors.balance(pacific) == received - paid
        transaction.set_rollback(True)


# --- races -------------------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_signatures_and_a_payment_at_the_same_moment(world, persona):
    base = selectors.balance(estate(PACIFIC))
    income(persona, "5000")
    expense = request(persona, "800")
    core.approval_sign(persona("zhaozhuren"), approval_id=expense.approval_id, role=Role.COMMITTEE_CHAIR)
    results = race([
        lambda: core.approval_sign(persona("wangjingli"), approval_id=expense.approval_id),
        lambda: core.approval_sign(persona("yanshuji"), approval_id=expense.approval_id),
        lambda: expense_svc.expense_pay(persona("yanshuji"), expense_id=expense.pk),
    ])
    expense.refresh_from_db()
    approval = Approval.objects.get(pk=expense.approval_id)
    assert approval.status == "approved"  # both signatures kept
    if isinstance(results[2], Expense):
        assert expense.status == ExpenseStatus.PAID and selectors.balance(estate(PACIFIC)) == base + 420000
    else:  # the payment came before the last signature: refused, nothing posted
        assert isinstance(results[2], WrongState)
        assert expense.status == ExpenseStatus.APPROVED and selectors.balance(estate(PACIFIC)) == base + 500000


# --- statements, disclosure, alerts ------------------------------------------------------------------
def test_statement_and_its_publication(persona):
    from gongzhi.notices.models import LogLeaf, Notice

    pacific = estate(PACIFIC)
    journal.income_record(persona("yanshuji"), estate_id=pacific.pk, category="advertising", amount="18600",
                      date=datetime.date(2020, 9, 30), memo="电梯广告", payer="广告公司")
    income(persona, "42300")  # 2020-11-01
    expense = request(persona, "3860")
    sign_all(persona, expense)
    expense_svc.expense_pay(persona("yanshuji"), expense_id=expense.pk, date=datetime.date(2020, 11, 5))
    s = selectors.statement(pacific, datetime.date(2020, 10, 1), datetime.date(2020, 12, 31))
    assert s["opening"] == 1860000 and s["income"]["parking"] == 4230000 and s["spending"]["greenery"] == 386000
    assert s["closing"] == 1860000 + 4230000 - 386000
    notice = journal.statement_publish(persona("yanshuji"), estate_id=pacific.pk, start=datetime.date(2020, 10, 1),
                                   end=datetime.date(2020, 12, 31))
    assert notice.kind == "financial" and ["停车收益", "42,300.00", ""] in notice.table["rows"]
    assert ["期末余额", "57,040.00", ""] in notice.table["rows"]
    assert LogLeaf.objects.filter(kind="notice", ref_id=notice.pk).exists()
    with pytest.raises(PermissionDenied):
        journal.statement_publish(persona("lixiansheng"), estate_id=pacific.pk, start=TODAY, end=TODAY)
    assert Notice.objects.filter(pk=notice.pk).exists()


def test_supervisor_alerts(clock, persona, seals):
    request(persona, "3000", payee="某维修部")
    request(persona, "2500", payee="某维修部")
    pending = request(persona, "100", payee="另一家")
    with pytest.raises(WrongState):
        expense_svc.expense_pay(persona("yanshuji"), expense_id=pending.pk)
    _, committee_seal = seals
    [use] = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal.pk, document="合同", purpose="x")
    sign_seal(persona, use)
    seal_svc.seal_release(persona("yanshuji"), use_id=use.pk)
    later = clock.now + datetime.timedelta(hours=25)
    kinds = [a.kind for a in selectors.alerts(fetched_by=persona("sunjiancha"), now=later)]
    assert kinds.count("pay_refused") == 1 and kinds.count("seal_out") == 1 and kinds.count("split") == 2
    assert "seal_out" not in [a.kind for a in selectors.alerts(fetched_by=persona("sunjiancha"))]  # not yet too long
    assert selectors.alerts(fetched_by=persona("lixiansheng")) == []  # an owner supervises nothing
