"""The forms of the money pages, for their fields' labels and widgets (rendered through
components/field.html). Their names are the posted names the views read; the services check the
values and answer bad input with their own messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.finance.choices import (
    AuditParty,
    EmergencyReason,
    ExpenseCategory,
    IncomeCategory,
    PaymentMethod,
    SealKind,
)
from gongzhi.places.choices import UnitKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


AMOUNT = _("金额（元）")


def _amount(label=AMOUNT, required=True):
    return forms.CharField(label=label, required=required,
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))


def _number(label):
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class RowForm(forms.Form):
    """A form shown once per row: its ids carry the row's key, so two rows never share an id."""

    def __init__(self, *args, row=None, **kwargs):
        super().__init__(*args, auto_id=f"id_{row}_%s" if row is not None else "id_%s", **kwargs)


# --- the journal -------------------------------------------------------------------------------------
class IncomeForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=IncomeCategory.choices)
    amount = _amount()
    date = forms.DateField(label=_("日期"), required=False, widget=DateInput(), help_text=_("不填为今天"))
    memo = forms.CharField(label=_("摘要"))
    payer = forms.CharField(label=_("对方户名"), required=False)


class ReverseForm(RowForm):
    memo = forms.CharField(label=_("冲销原因"), required=False)


class BankImportForm(forms.Form):
    file = forms.FileField(label=_("银行流水（CSV 或 Excel）"))


# --- expenses ----------------------------------------------------------------------------------------
class ExpenseForm(forms.Form):
    purpose = forms.CharField(label=_("用途"))
    payee = forms.CharField(label=_("收款方"))
    amount = _amount()
    category = forms.ChoiceField(label=_("类别"), choices=ExpenseCategory.choices)
    quotes = forms.CharField(label=_("报价情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label=_("附件（报价单、发票、合同）"), required=False)
    matter = _number(_("授权议题编号（大额必填）"))
    vote = _number(_("或业主表决编号"))


# --- seals -------------------------------------------------------------------------------------------
class SealRequestForm(forms.Form):
    seal = forms.ChoiceField(label=_("印章"))
    document = forms.CharField(label=_("用印文件"))
    purpose = forms.CharField(label=_("事由"))
    matter = _number(_("议题编号（三重一大自动双章）"))
    both = forms.BooleanField(label=_("双章"), required=False)

    def __init__(self, *args, seals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seal"].choices = [(s.pk, s.get_kind_display()) for s in seals]


class SealReturnForm(RowForm):
    scan = forms.FileField(label=_("用印文件扫描件"), required=False)


def _people(users):
    return [(u.pk, f"{u.get_full_name() or u.username}（{u.username}）") for u in users]


class SealRegisterForm(forms.Form):
    kind = forms.ChoiceField(label=_("印章"), choices=SealKind.choices)
    custodian = forms.ChoiceField(label=_("保管人"))
    kept_by_community = forms.BooleanField(label=_("存放于社区代管箱"), required=False, initial=True)

    def __init__(self, *args, keepers=(), kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["custodian"].choices = _people(keepers)
        if kinds is not None:
            self.fields["kind"].choices = [c for c in SealKind.choices if c[0] in kinds]


class SealHandoverForm(RowForm):
    receiver = forms.ChoiceField(label=_("接收人"))
    kept_by_community = forms.BooleanField(label=_("交接后存放于社区代管箱"), required=False)
    note = forms.CharField(label=_("交接说明"), required=False, max_length=200)

    def __init__(self, *args, keepers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiver"].choices = _people(keepers)


# --- fees --------------------------------------------------------------------------------------------
class BillForm(forms.Form):
    month = forms.DateField(label=_("月份（其中任一天）"), required=False, widget=DateInput(),
                            help_text=_("不填为本月"))


class RateForm(forms.Form):
    unit_kind = forms.ChoiceField(label=_("房屋类型"), choices=UnitKind.choices)
    rate = forms.CharField(label=_("费率（元/平方米/月）"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    effective_from = forms.CharField(label=_("起始执行月份"), widget=forms.TextInput(attrs={"type": "month"}),
                                     help_text=_("自该月 1 日起执行"))


class FeePayForm(RowForm):
    amount = _amount()
    method = forms.ChoiceField(label=_("方式"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("流水号（转账、线上必填）"), required=False, max_length=64)
    paid_on = forms.DateField(label=_("缴费日期"), required=False, widget=DateInput(), help_text=_("不填为今天"))


class ReasonForm(RowForm):
    reason = forms.CharField(label=_("原因"), max_length=200)


# --- the maintenance fund ----------------------------------------------------------------------------
class FundForm(forms.Form):
    purpose = forms.CharField(label=_("用途"))
    amount = _amount()
    building = forms.MultipleChoiceField(label=_("列支范围（楼栋）"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    emergency = forms.ChoiceField(label=_("应急情形（应急使用时选择，免表决）"), required=False,
                                  choices=[("", "—"), *EmergencyReason.choices])
    vote = _number(_("或业主表决编号"))

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = [(b.pk, b.code) for b in buildings]


class FundDepositForm(forms.Form):
    amount = _amount()
    date = forms.DateField(label=_("日期"), required=False, widget=DateInput(), help_text=_("不填为今天"))
    memo = forms.CharField(label=_("摘要"), max_length=200)


class FundReviewForm(RowForm):
    level = forms.ChoiceField(label=_("审核层级"))
    comment = forms.CharField(label=_("意见"), required=False)

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = list(levels)


# --- 三审 and accountability -------------------------------------------------------------------------
class AuditOpenForm(forms.Form):
    start = forms.DateField(label=_("开始"), widget=DateInput())
    end = forms.DateField(label=_("结束"), widget=DateInput())


class AuditSignForm(RowForm):
    """One party's sign-off: the bank's, recorded by a bookkeeper, names its signer and carries the
    confirmation's reference and the statement; the audit firm's carries its report."""

    signer = forms.CharField(label=_("银行签字人"), max_length=100)
    reference = forms.CharField(label=_("确认编号或报告编号"), max_length=64, required=False)
    document = forms.FileField(label=_("附件"), required=False)
    findings = forms.CharField(label=_("审计意见/发现的问题"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, party=AuditParty.RESIDENTS_COMMITTEE, on_behalf=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.party, self.party_label = party, AuditParty(party).label
        if party != AuditParty.BANK or not on_behalf:
            del self.fields["signer"]
        if party == AuditParty.RESIDENTS_COMMITTEE:
            del self.fields["reference"], self.fields["document"]
        elif party == AuditParty.BANK:
            self.fields["document"].label = _("银行对账单")
            self.fields["reference"].label = _("银行确认编号")
            self.fields["document"].required = self.fields["reference"].required = on_behalf
        else:
            self.fields["document"].label = _("审计报告")
            self.fields["document"].required = True
            self.fields["reference"].label = _("审计报告编号")


class CaseForm(forms.Form):
    source = forms.CharField(label=_("来源"), required=False)
    description = forms.CharField(label=_("问题"))
    responsible = forms.CharField(label=_("责任人"))
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput())


class CaseCloseForm(RowForm):
    outcome = forms.CharField(label=_("处理结果"))


# --- the supervisor's desk ---------------------------------------------------------------------------
class AlertReviewForm(RowForm):
    note = forms.CharField(label=_("查看备注"), widget=forms.TextInput(attrs={"maxlength": 2000}))
