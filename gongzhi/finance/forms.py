"""The forms of the money pages, for their fields' labels and widgets (rendered through
components/field.html). Their names are the posted names the views read; the services check the
values and answer bad input with their own messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.finance.choices import AuditParty, EmergencyReason, ExpenseCategory, IncomeCategory


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


# --- fees --------------------------------------------------------------------------------------------
class BillForm(forms.Form):
    month = forms.DateField(label=_("月份（其中任一天）"), required=False, widget=DateInput(),
                            help_text=_("不填为本月"))


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
    party = forms.ChoiceField(label=_("审计方"), choices=AuditParty.choices)
    signer = forms.CharField(label=_("签字人"))
    findings = forms.CharField(label=_("发现的问题"), required=False)


class CaseForm(forms.Form):
    source = forms.CharField(label=_("来源"), required=False)
    description = forms.CharField(label=_("问题"))
    responsible = forms.CharField(label=_("责任人"))
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput())


class CaseCloseForm(RowForm):
    outcome = forms.CharField(label=_("处理结果"))
