"""Finance's slice of the demo: 业账社管 for 太平洋花园: seals in community custody, a year of common income (with money moved
    in from a former committee member's personal account), a paid expense and one waiting for
    signatures, fee collection climbing from 55% to 75%, and last month's bank statement matched."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from gongzhi.core import clock
from gongzhi.core import services as core
from gongzhi.core.roles import Role
from gongzhi.finance import selectors as money
from gongzhi.finance.models import FeeBill
from gongzhi.finance.services import audits, expenses, fees, fund, journal, reconciliation, seals


def load(w) -> None:
    """`w` is the demo world (gongzhi.demo): the places and personas loaded before this slice."""
    _yiwu_fees_and_funds(w.zhang, w.yan, w.yiwu, w.pacific)
    _load(w.zhao_user, w.yan, w.sun, w.pacific_manager, w.pacific, w.member_user)


def _yiwu_fees_and_funds(manager, secretary, yiwu, pacific) -> None:
    """义乌城小区: rates per kind of unit from last month, last month billed and 王阿姨's bill paid by
    transfer (this month is left to bill on the page); both estates' maintenance funds opened."""
    last_month = clock.add_months(clock.today().replace(day=1), -1)
    for kind, rate in (("residential", "0.90"), ("commercial", "2.50"), ("parking", "0.50")):
        fees.fee_rate_set(manager, estate_id=yiwu.pk, unit_kind=kind, rate=rate, effective_from=last_month)
    fees.bills_issue(manager, estate_id=yiwu.pk, month=last_month)
    bill = FeeBill.objects.get(unit__estate=yiwu, unit__code="5-1-302", month=last_month)
    fees.fee_pay(manager, bill_id=bill.pk, amount=Decimal(bill.amount) / 100, method="transfer",
                 reference="ICBC20260305000123", paid_on=last_month + datetime.timedelta(days=6))
    opened = clock.today() - datetime.timedelta(days=300)
    fund.fund_deposit(secretary, estate_id=yiwu.pk, amount="3865000", date=opened,
                      memo="维修资金专户期初余额（住房维修资金管理中心对账单）")
    fund.fund_deposit(secretary, estate_id=pacific.pk, amount="1286400", date=opened,
                      memo="维修资金专户期初余额（住房维修资金管理中心对账单）")


def _load(chair, secretary, supervisor, manager, pacific, member) -> None:
    """业账社管 for 太平洋花园: seals in community custody, a year of common income (with money moved
    in from a former committee member's personal account), a paid expense and one waiting for
    signatures, fee collection climbing from 55% to 75%, and last month's bank statement matched."""

    today = clock.today()
    for kind in ("owners_assembly", "committee", "finance"):  # all three in the community's 代管箱
        seals.seal_register(secretary, estate_id=pacific.pk, kind=kind, custodian_id=secretary.pk,
                            kept_by_community=True)
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
    # Asked for by a committee member: the requester never signs, the chair signs for the committee.
    paid = expenses.expense_request(member, estate_id=pacific.pk, amount="3860", purpose="小区路灯维修", payee="某电工维修部",
                               category="repair", quotes="三家报价：3,860 / 4,100 / 4,500")
    for role, user in ((Role.COMMITTEE_CHAIR, chair), (Role.PROPERTY_STAFF, manager),
                       (Role.COMMUNITY_SECRETARY, secretary)):
        core.approval_sign(user, approval_id=paid.approval_id, role=role)
    expenses.expense_pay(secretary, expense_id=paid.pk, date=today - datetime.timedelta(days=20))
    expenses.expense_request(member, estate_id=pacific.pk, amount="1800", purpose="补种绿篱", payee="某绿化公司",
                        category="greenery")

    first = today.replace(day=1)
    months = [clock.add_months(first, -back) for back in range(3, -1, -1)]  # four months: every payment is journalled
    fees.fee_rate_set(manager, estate_id=pacific.pk, unit_kind="residential", rate="1.20", effective_from=months[0])
    for i, month in enumerate(months):  # collection climbs from 55% to 75%
        fees.bills_issue(manager, estate_id=pacific.pk, month=month)
        share = Decimal("0.55") + Decimal("0.20") * i / (len(months) - 1)
        bills = list(FeeBill.objects.filter(estate=pacific, month=month).order_by("unit__code"))
        for n, bill in enumerate(bills[: int(len(bills) * share)]):  # numbered receipts; most pay online
            method = "cash" if n % 5 == 0 else "online"
            fees.fee_pay(manager, bill_id=bill.pk, amount=Decimal(bill.amount) / 100, method=method,
                         reference="" if method == "cash" else f"WX{month:%Y%m}{bill.unit_id:08d}",
                         paid_on=min(today, month + datetime.timedelta(days=9)))

    last = (first - datetime.timedelta(days=1)).replace(day=5)
    statement = "\n".join([
        "交易日期,收入金额,支出金额,对方户名,摘要",
        f"{last + datetime.timedelta(days=1)},4230.00,,停车管理处,停车费",
        f"{last + datetime.timedelta(days=3)},,300.00,某五金店,零星采购（无凭证）",
    ]).encode()
    reconciliation.bank_lines_import(secretary, estate_id=pacific.pk, data=statement, filename="上月银行流水.csv")
    suggestions = money.suggest(pacific)
    reconciliation.reconciliation_confirm(secretary, pairs=[(s.line_id, s.transaction_id) for s in suggestions])
    _audit(secretary, pacific)


def _audit(secretary, pacific) -> None:
    """Last quarter's 三审, completed by three bodies, each signing for itself: the residents' committee
    (the community secretary), the bank (its officer, in person) and the audit firm (its auditor, with
    the report attached)."""
    users = get_user_model().objects
    quarter = clock.last_complete(clock.PeriodKind.QUARTER)
    period = audits.audit_open(secretary, estate_id=pacific.pk, start=quarter.start, end=quarter.end)
    audits.audit_sign(secretary, period_id=period.pk, party="residents_committee", findings="收支凭证齐全，账实相符")
    audits.audit_sign(users.get(username="yinhang"), period_id=period.pk, party="bank",
                      reference=f"YH{quarter.end:%Y%m%d}01")
    audits.audit_sign(users.get(username="zhoushenji"), period_id=period.pk, party="audit_firm",
                      reference=f"审字〔{quarter.end:%Y}〕第7号", findings="票据齐全，未发现问题",
                      document=ContentFile(b"%PDF-1.4\n% audit report\n", name="审计报告.pdf"))
