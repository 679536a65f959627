"""业账社管: an estate's common money in a double-entry journal, expenses under multi-party
approval, and seals under custody (双章三审).

Invariants, held three times (as django-hordak does):
- An entry is a debit or a credit of a positive number of fen (database check constraint).
- Every transaction's debits equal its credits: checked in Python before posting, and on
  PostgreSQL by a deferred constraint trigger at commit (migration 0002).
- Posted transactions and entries are never updated or deleted (database triggers); a correction
  is a reversing transaction.
- An expense is paid only once its approval is complete; a seal is released only against a
  signed seal-use approval, and never while it is already out.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.models import Approval
from gongzhi.core.money import HasAmount, yuan
from gongzhi.finance.choices import (
    AccountType,
    AlertKind,
    AuditParty,
    CaseStatus,
    EmergencyReason,
    ExpenseCategory,
    ExpenseStatus,
    FundStatus,
    HandoverStatus,
    PaymentMethod,
    ReviewLevel,
    SealKind,
    SealUseStatus,
    account_name,
)
from gongzhi.places.choices import UnitKind
from gongzhi.places.models import Estate, InEstate


class LedgerAccount(models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="ledger_accounts", verbose_name=_("小区"))
    code = models.CharField(_("科目"), max_length=40)  # "bank", "income:parking", "expense:repair"
    type = models.CharField(_("类别"), max_length=10, choices=AccountType.choices)

    class Meta:
        verbose_name = _("会计科目")
        verbose_name_plural = _("会计科目")
        constraints = [models.UniqueConstraint(fields=["estate", "code"], name="ledger_account_once")]

    def __str__(self):
        return self.code

    @property
    def name(self) -> str:
        """The account's Chinese name (choices.account_name): what a page shows instead of the code."""
        return account_name(self.code)


class Transaction(InEstate, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="transactions", verbose_name=_("小区"))
    date = models.DateField(_("日期"))
    memo = models.CharField(_("摘要"), max_length=200)
    counterparty = models.CharField(_("对方户名"), max_length=200, blank=True)
    reverses = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="reversed_by")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("凭证")
        verbose_name_plural = _("凭证")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["estate", "date"], name="transaction_estate_date")]

    def __str__(self):
        return f"{self.date} {self.memo}"


class Entry(models.Model):
    transaction = models.ForeignKey(Transaction, models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, models.PROTECT, related_name="entries")
    debit = models.BigIntegerField(_("借方（分）"), default=0)
    credit = models.BigIntegerField(_("贷方（分）"), default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0)), name="entry_one_positive_side",
                violation_error_message="每笔分录只能借或贷一个正数 / An entry is a positive debit or credit",
            )
        ]

    def __str__(self):
        return f"{self.account_id} {self.debit}/{self.credit}"

    @property
    def debit_yuan(self) -> str:
        return yuan(self.debit)

    @property
    def credit_yuan(self) -> str:
        return yuan(self.credit)


class Expense(InEstate, HasAmount, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="expenses", verbose_name=_("小区"))
    amount = models.BigIntegerField(_("金额（分）"))
    purpose = models.CharField(_("用途"), max_length=200)
    payee = models.CharField(_("收款方"), max_length=200)
    category = models.CharField(_("类别"), max_length=16, choices=ExpenseCategory.choices)
    quotes = models.TextField(_("报价情况"), blank=True)
    attachment = models.FileField(_("附件"), upload_to="finance/expenses/%Y/%m/", blank=True)
    approval = models.OneToOneField(Approval, models.PROTECT, related_name="expense", verbose_name=_("审批单"))
    matter = models.ForeignKey("meetings.Matter", models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("授权的议题"))
    vote = models.ForeignKey("votes.Vote", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("授权的业主表决"))
    status = models.CharField(_("状态"), max_length=10, choices=ExpenseStatus.choices, default=ExpenseStatus.PENDING)
    split_suspect = models.BooleanField(_("疑似拆分"), default=False)
    transaction = models.OneToOneField(Transaction, models.PROTECT, null=True, blank=True, related_name="expense")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("支出申请")
        verbose_name_plural = _("支出申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["estate", "payee", "created_at"], name="expense_payee_time")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="expense_positive")]

    def __str__(self):
        return self.purpose


class Seal(InEstate, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="seals", verbose_name=_("小区"))
    kind = models.CharField(_("印章"), max_length=16, choices=SealKind.choices)
    kept_by_community = models.BooleanField(_("存放于社区代管箱"), default=True)
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("保管人"))
    custodian_since = models.DateTimeField(_("保管起始"), default=clock.now)
    out_with = models.ForeignKey("SealUse", models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("当前借出"))

    class Meta:
        verbose_name = _("印章")
        verbose_name_plural = _("印章")
        constraints = [models.UniqueConstraint(fields=["estate", "kind"], name="seal_once_per_estate")]

    def __str__(self):
        return f"{self.estate} {self.get_kind_display()}"


class SealUse(models.Model):
    seal = models.ForeignKey(Seal, models.PROTECT, related_name="uses")
    document = models.CharField(_("用印文件"), max_length=200)
    purpose = models.CharField(_("事由"), max_length=200)
    approval = models.OneToOneField(Approval, models.PROTECT, related_name="seal_use")
    pair = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("双章的另一枚"))
    status = models.CharField(_("状态"), max_length=10, choices=SealUseStatus.choices, default=SealUseStatus.PENDING)
    scan = models.FileField(_("用印文件扫描件"), upload_to="finance/seals/%Y/%m/", blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    returned_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=clock.now)
    # The 印章管理制度 in force when the use was asked for (the rules library's version, through
    # core.registry.rule_in_force): kept as it was, so a later version never rewrites what a use followed.
    rule_version_id = models.PositiveIntegerField(_("依据的规则版本"), null=True, blank=True)
    rule_label = models.CharField(_("依据"), max_length=200, blank=True)
    rule_url = models.CharField(_("依据链接"), max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return self.document

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.seal.scope_ids()


class SealHandover(models.Model):
    """A seal passed from its custodian to another: the giver signs by asking, the receiver by
    confirming; custody changes only on the receiver's confirmation. One open handover per seal."""

    seal = models.ForeignKey(Seal, models.PROTECT, related_name="handovers", verbose_name=_("印章"))
    giver = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("交出人"))
    receiver = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                 verbose_name=_("接收人"))
    kept_by_community = models.BooleanField(_("交接后存放于社区代管箱"), default=True)
    note = models.CharField(_("交接说明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=HandoverStatus.choices,
                              default=HandoverStatus.PENDING)
    requested_at = models.DateTimeField(_("交出时间"), default=clock.now)
    decided_at = models.DateTimeField(_("确认或取消时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("印章交接")
        verbose_name_plural = _("印章交接")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["seal"], condition=Q(status="pending"), name="seal_handover_one_open"),
            models.CheckConstraint(condition=~Q(giver=models.F("receiver")), name="seal_handover_two_people"),
        ]

    def __str__(self):
        return f"{self.seal} → {self.receiver_id}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.seal.scope_ids()


# --- bank reconciliation (收必进账入库) -------------------------------------------------------------
class BankLine(models.Model):
    """One movement on the bank statement of the estate's common account."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="bank_lines")
    date = models.DateField(_("交易日期"))
    amount = models.BigIntegerField(_("金额（分）"))  # positive: deposit; negative: withdrawal
    counterparty = models.CharField(_("对方户名"), max_length=200, blank=True)
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    digest = models.CharField(max_length=64)  # the line's identity, so a statement imported twice adds nothing
    transaction = models.OneToOneField(Transaction, models.PROTECT, null=True, blank=True, related_name="bank_line")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+")
    imported_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["date", "id"]
        constraints = [models.UniqueConstraint(fields=["estate", "digest"], name="bank_line_once")]
        indexes = [models.Index(fields=["estate", "date"], name="bank_line_estate_date")]

    def __str__(self):
        return f"{self.date} {self.amount}"


# --- audits (三审) and accountability -----------------------------------------------------------------
class AuditPeriod(InEstate, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="audit_periods")
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))
    statement = models.JSONField(_("收支表"))  # frozen when the audit opens
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=clock.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start"]
        constraints = [models.UniqueConstraint(fields=["estate", "start", "end"], name="audit_period_once")]

    def __str__(self):
        return f"{self.estate_id} {self.start}–{self.end}"


class AuditSignoff(models.Model):
    period = models.ForeignKey(AuditPeriod, models.CASCADE, related_name="signoffs")
    party = models.CharField(max_length=20, choices=AuditParty.choices)
    signer_name = models.CharField(_("签字人"), max_length=100)
    findings = models.TextField(_("审计意见/发现的问题"), blank=True)
    # The bank's confirmation reference, or the audit firm's report number.
    reference = models.CharField(_("确认编号"), max_length=64, blank=True)
    # The bank's statement or the audit firm's report, as signed.
    document = models.FileField(_("对账单/审计报告"), upload_to="finance/audits/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "party"], name="audit_signoff_once")]

    def __str__(self):
        return f"{self.period_id}:{self.party}"


class AccountabilityCase(InEstate, models.Model):
    """乱必追责问责: a finding or an alert followed up with a responsible person and a deadline."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="accountability_cases")
    source = models.CharField(_("来源"), max_length=200)
    description = models.TextField(_("问题"))
    responsible = models.CharField(_("责任人"), max_length=100)
    deadline = models.DateField(_("整改期限"))
    outcome = models.TextField(_("处理结果"), blank=True)
    status = models.CharField(max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self):
        return self.description[:40]


# --- property fees -----------------------------------------------------------------------------------
class FeeRate(InEstate, models.Model):
    """元 per m² per month for one kind of unit, in force from `effective_from` until the next rate of
    that kind. A rate is never edited: a change is a new row with its own date."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="fee_rates", verbose_name=_("小区"))
    unit_kind = models.CharField(_("房屋类型"), max_length=16, choices=UnitKind.choices)
    rate = models.DecimalField(_("元/平方米/月"), max_digits=8, decimal_places=4)
    effective_from = models.DateField(_("起始执行日期"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    set_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("物业费费率")
        verbose_name_plural = _("物业费费率")
        ordering = ["estate", "unit_kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "unit_kind", "effective_from"], name="fee_rate_once_a_day"),
            models.CheckConstraint(condition=Q(rate__gt=0) & Q(rate__lte=100), name="fee_rate_sane"),
        ]

    def __str__(self):
        return f"{self.unit_kind} {self.rate} ({self.effective_from})"


class FeeBill(InEstate, HasAmount, models.Model):
    unit = models.ForeignKey("places.Unit", models.PROTECT, related_name="fee_bills", verbose_name=_("房屋"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="fee_bills", verbose_name=_("小区"))
    month = models.DateField(_("月份"))  # the first day of the month
    amount = models.BigIntegerField(_("应收（分）"))
    paid = models.BigIntegerField(_("已收（分）"), default=0)
    # What the bill was computed from, as it stood when billed.
    area = models.DecimalField(_("计费面积(m²)"), max_digits=10, decimal_places=2, null=True, blank=True)
    rate = models.DecimalField(_("元/平方米/月"), max_digits=8, decimal_places=4, null=True, blank=True)
    # A bill issued in error is reversed (作废), never deleted; the month may then be billed again.
    reversed_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    reverse_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("物业费账单")
        verbose_name_plural = _("物业费账单")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], condition=Q(reversed_at__isnull=True),
                                    name="fee_bill_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_bill_positive"),
            models.CheckConstraint(condition=Q(paid__gte=0) & Q(paid__lte=models.F("amount")), name="fee_bill_paid_within"),
        ]
        indexes = [models.Index(fields=["estate", "month"], name="fee_bill_estate_month")]

    def __str__(self):
        return f"{self.unit_id} {self.month:%Y-%m}"


    @property
    def due(self) -> int:
        return 0 if self.reversed_at else self.amount - self.paid


    @property
    def paid_yuan(self) -> str:
        return yuan(self.paid)

    @property
    def due_yuan(self) -> str:
        return yuan(self.due)


class ReceiptSequence(models.Model):
    """The last receipt number given in one estate and year (numbers run without gaps)."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["estate", "year"], name="receipt_sequence_once")]

    def __str__(self):
        return f"{self.estate_id} {self.year} {self.last}"


class FeePayment(InEstate, HasAmount, models.Model):
    """A payment recorded against a bill, with its numbered receipt and its journal entry. A mistake
    is reversed by a reversing journal entry; the payment and its receipt number stay."""

    bill = models.ForeignKey(FeeBill, models.PROTECT, related_name="payments", verbose_name=_("账单"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="fee_payments", verbose_name=_("小区"))
    amount = models.BigIntegerField(_("金额（分）"))
    method = models.CharField(_("方式"), max_length=8, choices=PaymentMethod.choices)
    reference = models.CharField(_("转账或线上支付流水号"), max_length=64, blank=True)
    paid_on = models.DateField(_("日期"))
    receipt_no = models.CharField(_("收据编号"), max_length=160, unique=True)
    transaction = models.OneToOneField(Transaction, models.PROTECT, null=True, blank=True,
                                       related_name="fee_payment")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)
    reversal = models.OneToOneField(Transaction, models.PROTECT, null=True, blank=True,
                                    related_name="fee_payment_reversed")
    reversed_at = models.DateTimeField(_("冲销时间"), null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    reverse_reason = models.CharField(_("冲销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("物业费收款")
        verbose_name_plural = _("物业费收款")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_payment_positive"),
            models.CheckConstraint(condition=Q(method="cash") | ~Q(reference=""), name="fee_payment_reference"),
        ]

    def __str__(self):
        return self.receipt_no


# --- maintenance fund (住宅专项维修资金) -------------------------------------------------------------
class FundApplication(InEstate, HasAmount, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="fund_applications")
    purpose = models.CharField(_("用途"), max_length=200)
    amount = models.BigIntegerField(_("金额（分）"))
    buildings = models.ManyToManyField("places.Building", blank=True, related_name="+", verbose_name=_("列支范围"))
    emergency = models.CharField(_("应急情形"), max_length=16, choices=EmergencyReason.choices, blank=True)
    vote = models.ForeignKey("votes.Vote", models.PROTECT, null=True, blank=True, related_name="+")
    notice = models.ForeignKey("notices.Notice", models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=FundStatus.choices, default=FundStatus.REVIEWING)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(default=clock.now)
    # The payout into the journal, once the three levels approved it (once only).
    payout = models.OneToOneField(Transaction, models.PROTECT, null=True, blank=True, related_name="fund_payout")
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-applied_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="fund_amount_positive")]

    def __str__(self):
        return self.purpose


class FundReview(models.Model):
    application = models.ForeignKey(FundApplication, models.CASCADE, related_name="reviews")
    level = models.CharField(max_length=16, choices=ReviewLevel.choices)
    due_at = models.DateTimeField(_("审核期限"))
    approved = models.BooleanField(null=True)
    comment = models.TextField(blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "level"], name="fund_review_once")]

    def __str__(self):
        return f"{self.application_id}:{self.level}"

    @property
    def due_unit(self) -> str:
        """Emergency reviews run in hours, the others in working days (fund.review_term)."""
        return clock.Unit.HOURS if self.application.emergency else clock.Unit.WORKING_DAYS


# --- the supervisor's desk ---------------------------------------------------------------------------
class AlertReview(InEstate, models.Model):
    """A discipline supervisor's note that they looked into an alert. An alert is its kind and the
    record behind it (selectors.Alert.key), so the same condition on a new record (a new refused
    payment, another seal out too long) is a new alert, not reviewed yet."""

    kind = models.CharField(_("预警类型"), max_length=24, choices=AlertKind.choices)
    record_id = models.BigIntegerField(_("记录编号"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    text = models.CharField(_("预警说明"), max_length=300)  # the alert as it read when reviewed
    note = models.TextField(_("备注"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("查看人"))
    reviewed_at = models.DateTimeField(_("查看时间"), default=clock.now)

    class Meta:
        verbose_name = _("预警查看记录")
        verbose_name_plural = _("预警查看记录")
        ordering = ["-reviewed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "record_id"], name="alert_review_once")]

    def __str__(self):
        return f"{self.kind}:{self.record_id}"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record_id}"
