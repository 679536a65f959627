"""Finance's slice of the demo: 业账社管 for 太平洋花园: seals in community custody, a year of common income (with money moved
    in from a former committee member's personal account), a paid expense and one waiting for
    signatures, fee collection climbing from 55% to 75%, and last month's bank statement matched."""

import datetime
from decimal import Decimal

from gongzhi.core import clock
from gongzhi.core import services as core
from gongzhi.core.roles import Role
from gongzhi.finance import selectors as money
from gongzhi.finance.models import FeeBill
from gongzhi.finance.services import expenses, fees, journal, reconciliation, seals


def load(w) -> None:
    """`w` is the demo world (gongzhi.demo): the places and personas loaded before this slice."""
    _load(w.zhao_user, w.yan, w.sun, w.pacific_manager, w.pacific)


def _load(chair, secretary, supervisor, manager, pacific) -> None:
    """业账社管 for 太平洋花园: seals in community custody, a year of common income (with money moved
    in from a former committee member's personal account), a paid expense and one waiting for
    signatures, fee collection climbing from 55% to 75%, and last month's bank statement matched."""

    today = clock.today()
    seals.seal_register(secretary, estate_id=pacific.pk, kind="owners_assembly", custodian_id=secretary.pk)
    seals.seal_register(secretary, estate_id=pacific.pk, kind="committee", custodian_id=secretary.pk)
    journal.income_record(secretary, estate_id=pacific.pk, category="personal_transfer", amount="523600",
                      date=today - datetime.timedelta(days=330), memo="原业委会成员个人账户代收款项转入公账",
                      payer="原业委会成员")
    for months_ago in range(11, -1, -1):
        day = min(today, (today.replace(day=1) - datetime.timedelta(days=30 * months_ago)).replace(day=5))
        journal.income_record(secretary, estate_id=pacific.pk, category="parking", amount="4230", date=day,
                          memo=f"{day.month}月地面停车费", payer="停车管理处")
        if months_ago % 3 == 0:
            journal.income_record(secretary, estate_id=pacific.pk, category="advertising", amount="6200", date=day,
                              memo="电梯广告", payer="某广告公司")
    paid = expenses.expense_request(chair, estate_id=pacific.pk, amount="3860", purpose="小区路灯维修", payee="某电工维修部",
                               category="repair", quotes="三家报价：3,860 / 4,100 / 4,500")
    for role, user in ((Role.COMMITTEE_CHAIR, chair), (Role.PROPERTY_STAFF, manager),
                       (Role.COMMUNITY_SECRETARY, secretary)):
        core.approval_sign(user, approval_id=paid.approval_id, role=role)
    expenses.expense_pay(secretary, expense_id=paid.pk, date=today - datetime.timedelta(days=20))
    expenses.expense_request(chair, estate_id=pacific.pk, amount="1800", purpose="补种绿篱", payee="某绿化公司",
                        category="greenery")

    fees.rate_set(manager, estate_id=pacific.pk, unit_kind="residential", rate="1.20")
    first = today.replace(day=1)
    months = []
    for back in range(5, -1, -1):
        month = first
        for _ in range(back):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    for i, month in enumerate(months):  # collection climbs from 55% to 75%
        fees.bill_month(manager, estate_id=pacific.pk, month=month)
        share = Decimal("0.55") + Decimal("0.04") * i
        bills = list(FeeBill.objects.filter(estate=pacific, month=month).order_by("unit__code"))
        for bill in bills[: int(len(bills) * share)]:
            fees.fee_pay(manager, bill_id=bill.pk, amount=Decimal(bill.amount) / 100, method="online",
                     paid_on=min(today, month + datetime.timedelta(days=9)))

    last = (first - datetime.timedelta(days=1)).replace(day=5)
    statement = "\n".join([
        "交易日期,收入金额,支出金额,对方户名,摘要",
        f"{last + datetime.timedelta(days=1)},4230.00,,停车管理处,停车费",
        f"{last + datetime.timedelta(days=3)},,300.00,某五金店,零星采购（无凭证）",
    ]).encode()
    reconciliation.bank_import(secretary, estate_id=pacific.pk, data=statement, filename="上月银行流水.csv")
    suggestions = money.suggest(pacific)
    reconciliation.reconciliation_confirm(secretary, pairs=[(s.line_id, s.transaction_id) for s in suggestions])
