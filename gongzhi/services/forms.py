"""Page forms of community life; the services check every rule."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.services.choices import ActivityKind, Approver, Panel, PledgeKind, ProjectKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BookingForm(forms.Form):
    day = forms.DateField(label=_("日期"), widget=DATE)
    start = forms.TimeField(label=_("开始"), widget=TIME)
    end = forms.TimeField(label=_("结束"), widget=TIME)
    purpose = forms.CharField(label=_("用途"), max_length=200)

    def slot(self) -> tuple[datetime.datetime, datetime.datetime]:
        data = self.cleaned_data
        return clock.at(data["day"], data["start"]), clock.at(data["day"], data["end"])


class SpaceForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    area_m2 = forms.IntegerField(label=_("面积（平方米）"), min_value=0, max_value=100_000, initial=0)
    capacity = forms.IntegerField(label=_("容纳人数"), min_value=1, max_value=10_000)
    opens = forms.TimeField(label=_("开放时间"), widget=TIME, initial="08:00")
    closes = forms.TimeField(label=_("关闭时间"), widget=TIME, initial="21:00")
    max_hours = forms.IntegerField(label=_("单次最长（小时）"), min_value=1, max_value=24, initial=4)
    rules_text = forms.CharField(label=_("使用规则"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    needs_approval = forms.BooleanField(label=_("需审批"), required=False)
    approver = forms.ChoiceField(label=_("审批方"), choices=Approver.choices)


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类别"), choices=ActivityKind.choices)
    starts_at = forms.DateTimeField(label=_("开始"), widget=WHEN)
    ends_at = forms.DateTimeField(label=_("结束"), widget=WHEN)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=10_000)
    space = forms.ModelChoiceField(label=_("场地"), queryset=None, required=False)
    partners = forms.ModelMultipleChoiceField(label=_("共建单位"), queryset=None, required=False)
    pairing = forms.ModelChoiceField(label=_("挂点结对单位送服务（可不选）"), queryset=None, required=False)
    place = forms.CharField(label=_("地点（不用场地时）"), max_length=100, required=False)
    description = forms.CharField(label=_("说明"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, spaces, partners, pairings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces
        self.fields["partners"].queryset = partners
        self.fields["pairing"].queryset = pairings
        self.fields["pairing"].label_from_instance = lambda p: p.partner.name

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        space, partners, pairing = data.pop("space"), data.pop("partners"), data.pop("pairing")
        return data | {"space_id": space.pk if space else None, "partner_ids": [p.pk for p in partners],
                       "pairing_id": pairing.pk if pairing else None}


class ReportForm(forms.Form):
    report = forms.CharField(label=_("活动小结"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    publish = forms.BooleanField(label=_("在小区公示栏公示"), required=False)


class PairingForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("结对单位（共建单位或区直部门）"), queryset=None)
    starts_on = forms.DateField(label=_("结对开始"), widget=DATE)
    ends_on = forms.DateField(label=_("结对结束（可不填）"), widget=DATE, required=False)
    duties = forms.CharField(label=_("承担职责"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    services = forms.MultipleChoiceField(label=_("带来的服务"), choices=ActivityKind.choices,
                                         widget=forms.CheckboxSelectMultiple)
    agreement = forms.ModelChoiceField(label=_("党建共建协议（可不选）"), queryset=None, required=False)

    def __init__(self, *args, partners, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["agreement"].queryset = agreements
        self.fields["agreement"].label_from_instance = lambda a: f"{a.party_organisation} ⇄ {a.partner}（{a.signed_on}）"

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        partner, agreement = data.pop("partner"), data.pop("agreement")
        return data | {"partner_id": partner.pk, "agreement_id": agreement.pk if agreement else None}


class PairingEndForm(forms.Form):
    ends_on = forms.DateField(label=_("结对结束"), widget=DATE)


class AdviserForm(forms.Form):
    user = forms.ModelChoiceField(label=_("居民"), queryset=None)
    panel = forms.ChoiceField(label=_("所属"), choices=Panel.choices)
    profession = forms.CharField(label=_("职业或专长"), max_length=60, required=False)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda u: u.first_name or u.get_username()

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        return data | {"user_id": data.pop("user").pk}


class AskForm(forms.Form):
    question = forms.CharField(label=_("征询的问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    panel = forms.ChoiceField(label=_("征询对象"), required=False,
                              choices=[("", _("全部顾问"))] + list(Panel.choices))


class OpinionForm(forms.Form):
    text = forms.CharField(label=_("我的意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))


class ConsultForm(forms.Form):
    body = forms.CharField(label=_("征求意见的方案"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    closes_on = forms.DateField(label=_("截止日期"), widget=DATE)


class OrderHoursForm(forms.Form):
    minutes = forms.IntegerField(label=_("时长（分钟）"), min_value=1, max_value=8 * 60, required=False)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("服务队名称"), max_length=60)
    services = forms.CharField(label=_("服务项目"), max_length=200, required=False)


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类别"), choices=ProjectKind.choices)
    budget = forms.DecimalField(label=_("预算（元）"), min_value=0, max_digits=11, decimal_places=2)
    building = forms.ModelChoiceField(label=_("楼栋（电梯集资必填）"), queryset=None, required=False)
    needs = forms.CharField(label=_("居民需求"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        building = data.pop("building")
        return data | {"building_id": building.pk if building else None}


class PledgeForm(forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=PledgeKind.choices)
    unit = forms.ModelChoiceField(label=_("房屋（出资）"), queryset=None, required=False)
    amount = forms.DecimalField(label=_("金额（元）"), required=False, min_value=0, max_digits=11, decimal_places=2)
    person_days = forms.DecimalField(label=_("人·天（出力）"), required=False, min_value=0, max_digits=5,
                                     decimal_places=1)
    skill = forms.CharField(label=_("技能（出力）"), required=False, max_length=60)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        unit = data.pop("unit")
        return data | {"unit_id": unit.pk if unit else None}


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("到账金额（元）"), min_value=0, max_digits=11, decimal_places=2)
    date = forms.DateField(label=_("到账日期"), widget=DATE)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("进度事项"), max_length=100)
    progress = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100)


class DisputeForm(forms.Form):
    text = forms.CharField(label=_("异议"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SettleForm(forms.Form):
    resolution = forms.CharField(label=_("调解结果"), max_length=2000)


class CloseForm(forms.Form):
    final_account = forms.CharField(label=_("决算说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
