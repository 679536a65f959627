"""The closed lists of 业账社管: account types, categories, states, parties, and the audit trail's
action codes. Models and services import them from here."""

from django.db import models
from django.utils.translation import gettext_lazy as _

BANK = "bank"  # the estate's common account (对公账户), held under community custody
# Property fees collected (代收物业费), held apart from the common account for the service provider:
# a payment debits the money received and credits what is held for the provider.
FEES_COLLECTED = "asset:fees_collected"
FEES_HELD = "liability:fees_held"
# 住宅专项维修资金: the fund's account and the owners' share in it (the fund belongs to the owners).
FUND = "asset:fund"
FUND_OWNERS = "liability:fund_owners"


class AccountType(models.TextChoices):
    ASSET = "asset", _("资产")
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("支出")
    LIABILITY = "liability", _("代管款项")


class IncomeCategory(models.TextChoices):
    PARKING = "parking", _("停车收益")
    CHARGING = "charging", _("充电桩收益")
    ADVERTISING = "advertising", _("广告收益")
    VENUE = "venue", _("场地租金")
    FEE_SURPLUS = "fee_surplus", _("物业费结余")
    PERSONAL_TRANSFER = "personal_transfer", _("个人账户转入")
    OTHER = "other", _("其他收入")


class ExpenseCategory(models.TextChoices):
    REPAIR = "repair", _("维修")
    GREENERY = "greenery", _("绿化")
    FACILITIES = "facilities", _("设施设备")
    CULTURE = "culture", _("文体活动")
    OFFICE = "office", _("办公")
    AUDIT = "audit", _("审计")
    OTHER = "other", _("其他支出")


class ExpenseStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    PAID = "paid", _("已支付")


class SealKind(models.TextChoices):
    OWNERS_ASSEMBLY = "owners_assembly", _("业主大会印章")
    COMMITTEE = "committee", _("业主委员会印章")
    FINANCE = "finance", _("财务专用章")


class HandoverStatus(models.TextChoices):
    PENDING = "pending", _("待接收人确认")
    CONFIRMED = "confirmed", _("已交接")
    CANCELLED = "cancelled", _("已取消")


class SealUseStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准，待用印")
    REJECTED = "rejected", _("已驳回")
    OUT = "out", _("已借出")
    RETURNED = "returned", _("已归还")


class AuditParty(models.TextChoices):
    RESIDENTS_COMMITTEE = "residents_committee", _("居委会")
    BANK = "bank", _("银行")
    AUDIT_FIRM = "audit_firm", _("审计机构")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("追责中")
    CLOSED = "closed", _("已办结")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("转账")
    ONLINE = "online", _("线上")


class EmergencyReason(models.TextChoices):
    ROOF_LEAK = "roof_leak", _("屋面渗漏")
    LIFT = "lift", _("电梯故障危及安全")
    WATER_PUMP = "water_pump", _("高层二次供水水泵故障")
    FACADE = "facade", _("外墙有脱落危险")
    DRAINS = "drains", _("排水管道堵塞或塌陷")
    FIRE = "fire", _("消防设施故障被责令整改")


class FundStatus(models.TextChoices):
    REVIEWING = "reviewing", _("审核中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    PAID = "paid", _("已拨付")


class ReviewLevel(models.TextChoices):
    PROPERTY_CENTRE = "property_centre", _("物业管理中心")
    SUBDISTRICT = "subdistrict", _("街道")
    COMMUNITY = "community", _("社区")


class AuditAction(models.TextChoices):
    """Every action 业账社管 writes to the audit trail (registered in FinanceConfig.ready())."""

    JOURNAL_POST = "journal.post", _("记账")
    EXPENSE_REQUEST = "expense.request", _("申请支出")
    EXPENSE_PAY = "expense.pay", _("记录付款")
    EXPENSE_PAY_REFUSED = "expense.pay_refused", _("审批未完成即尝试付款")
    SEAL_REGISTER = "seal.register", _("登记印章")
    SEAL_REQUEST = "seal.request", _("申请用印")
    SEAL_RELEASE = "seal.release", _("交出印章")
    SEAL_RETURN = "seal.return", _("收回印章")
    SEAL_HANDOVER_REQUEST = "seal.handover_request", _("交出印章保管（待接收人确认）")
    SEAL_HANDOVER_CONFIRM = "seal.handover_confirm", _("确认接收印章保管")
    SEAL_HANDOVER_CANCEL = "seal.handover_cancel", _("取消印章交接")
    BANK_IMPORT = "bank.import", _("导入银行流水")
    BANK_RECONCILE = "bank.reconcile", _("银行对账")
    FEE_RATE = "fee.rate", _("设定物业费费率")
    FEE_BILL = "fee.bill", _("生成物业费账单")
    FEE_PAY = "fee.pay", _("记录物业费收款")
    FEE_PAY_REVERSE = "fee.pay_reverse", _("冲销物业费收款")
    FEE_BILL_REVERSE = "fee.bill_reverse", _("作废物业费账单")
    FUND_APPLY = "fund.apply", _("申请使用维修资金")
    FUND_REVIEW = "fund.review", _("维修资金联审")
    FUND_DEPOSIT = "fund.deposit", _("维修资金入账")
    FUND_PAYOUT = "fund.payout", _("拨付维修资金")
    AUDIT_OPEN = "audit.open", _("开始三审")
    AUDIT_SIGN = "audit.sign", _("三审签署")
    CASE_OPEN = "case.open", _("问责立案")
    CASE_CLOSE = "case.close", _("问责办结")
    ALERT_REVIEW = "alert.review", _("查看预警并备注")


class AlertKind(models.TextChoices):
    """What the supervisor's desk warns of (selectors.alerts): each alert is one record of one kind."""

    SPLIT = "split", _("疑似拆分支出")
    PAY_REFUSED = "pay_refused", _("审批未完成即尝试付款")
    NOT_DEPOSITED = "not_deposited", _("收入未入账")
    BANK_UNMATCHED = "bank_unmatched", _("银行流水无对应凭证")
    FUND_REVIEW_OVERDUE = "fund_review_overdue", _("维修资金审核逾期")
    AUDIT_OVERDUE = "audit_overdue", _("三审未完成")
    CASE_OVERDUE = "case_overdue", _("问责事项逾期")
    SEAL_OUT = "seal_out", _("印章借出超时")


# --- the chart of accounts: every ledger code the services post to, with the name people read --------
# The income and expense accounts are one per category ("income:parking" → 收入—停车收益); the rest:
ACCOUNT_NAMES = {
    BANK: _("银行存款（公共收益账户）"),
    FEES_COLLECTED: _("代收物业费"),
    FEES_HELD: _("应付物业服务企业（代收物业费）"),
    FUND: _("维修资金专户存款"),
    FUND_OWNERS: _("业主维修资金权益"),
}
_CATEGORIES = {AccountType.INCOME: IncomeCategory, AccountType.EXPENSE: ExpenseCategory}


def account_name(code: str) -> str:
    """The Chinese name of a ledger code, as pages, exports and the API show it beside the code."""
    if code in ACCOUNT_NAMES:
        return str(ACCOUNT_NAMES[code])
    kind, _sep, category = code.partition(":")
    labels = _CATEGORIES.get(kind)
    if labels is not None and category in labels.values:
        return f"{AccountType(kind).label}—{labels(category).label}"
    return f"{AccountType(kind).label}—{category}" if kind in AccountType.values else code


def chart_of_accounts() -> list[tuple[str, str]]:
    """Every code the books use, in the order a statement reads: the bank, income, spending, the rest."""
    codes = [BANK, *(f"income:{c}" for c in IncomeCategory.values), *(f"expense:{c}" for c in ExpenseCategory.values),
             FEES_COLLECTED, FEES_HELD, FUND, FUND_OWNERS]
    return [(code, account_name(code)) for code in codes]
