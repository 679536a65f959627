"""Party work's page forms. Numbers are typed as ASCII digits (core.text.ascii_int): "３" or "²" is
refused with a message, never read as another number."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.text import ascii_int
from gongzhi.party.choices import AUTOMATIC_KINDS, BoardContact, PointsKind, PostKind

WHOLE_NUMBER = _("请填写阿拉伯数字（0-9） / Write a whole number with the digits 0-9")


class WholeNumberField(forms.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 6)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "pattern": "[0-9]*"})

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        number = ascii_int(value, maximum=999999)
        if number is None:
            raise forms.ValidationError(WHOLE_NUMBER)
        return number


class AdjustForm(forms.Form):
    direction = forms.ChoiceField(label=_("加分或扣分"), choices=[("award", _("加分")), ("deduct", _("扣分"))])
    points = WholeNumberField(label=_("积分"))
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def signed_points(self) -> int:
        points = self.cleaned_data["points"] or 0
        return -points if self.cleaned_data["direction"] == "deduct" else points


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("积分类别"), choices=[(k, PointsKind(k).label) for k in AUTOMATIC_KINDS])
    points = WholeNumberField(label=_("每次积分"))
    monthly_cap = WholeNumberField(label=_("每月上限"), required=False, help_text=_("留空表示不设上限"))


class RegistrationForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("居住小区"), queryset=None, empty_label=None)
    work_organisation = forms.ModelChoiceField(label=_("工作单位党组织"), queryset=None, required=False,
                                               help_text=_("不在列表中请填写下方的工作单位名称"))
    work_unit = forms.CharField(label=_("工作单位名称"), max_length=100, required=False)

    def __init__(self, *args, estates, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates
        self.fields["work_organisation"].queryset = organisations


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class GroupBuildingForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("楼栋党小组"), queryset=None)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=None)

    def __init__(self, *args, groups, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = groups
        self.fields["building"].queryset = buildings


class CentralForm(forms.Form):
    member = forms.ModelChoiceField(label=_("党员"), queryset=None)
    home = forms.CharField(label=_("中心户房号"), max_length=32, help_text=_("如 3-1-201"))
    covered = forms.CharField(label=_("联系户房号"), max_length=1000, help_text=_("多个房号用逗号或空格分隔"))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members

    def codes(self) -> list[str]:
        return [c for c in self.cleaned_data["covered"].replace("，", ",").replace(",", " ").split() if c]


class VisitForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("走访户"), queryset=None)
    on = forms.DateField(label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("走访情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class BoardListingForm(forms.Form):
    on_board = forms.BooleanField(label=_("在亮身份公示栏展示我"), required=False)
    contact = forms.ChoiceField(label=_("公示栏上的联系方式"), choices=BoardContact.choices)
    office_phone = forms.CharField(label=_("办公电话"), max_length=20, required=False)
    photo = forms.FileField(label=_("照片（可选，JPEG/PNG/WebP，2 MB 以内）"), required=False)
    remove_photo = forms.BooleanField(label=_("删除已上传的照片"), required=False)


class BoardPublishForm(forms.Form):
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=None, required=False, empty_label=_("整个小区"))

    def __init__(self, *args, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("岗位类别"), choices=PostKind.choices)
    title = forms.CharField(label=_("岗位名称"), max_length=60, required=False, help_text=_("留空则用岗位类别"))
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=None, required=False, empty_label=_("整个小区"))
    duties = forms.CharField(label=_("岗位职责"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings


class DutyForm(forms.Form):
    on = forms.DateField(label=_("履职日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("履职情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class FieldVisitForm(forms.Form):
    assignment = forms.ModelChoiceField(label=_("包保小区"), queryset=None, empty_label=None)
    on = forms.DateField(label=_("蹲点日期"), widget=forms.DateInput(attrs={"type": "date"}))
    findings = forms.CharField(label=_("发现的问题"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = assignments
        self.fields["assignment"].label_from_instance = lambda a: a.estate.name


class CadreAssignForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("包保小区"), queryset=None)
    start = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, estates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates


class TransferInForm(forms.Form):
    member = forms.ModelChoiceField(label=_("转入党员"), queryset=None)
    on = forms.DateField(label=_("转入日期"), widget=forms.DateInput(attrs={"type": "date"}))
    came_from = forms.CharField(label=_("从何处转入"), max_length=120, required=False,
                                help_text=_("原党组织或单位，可留空"))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.person.name


class TransferOutForm(forms.Form):
    relation = forms.ModelChoiceField(label=_("转出党员"), queryset=None)
    on = forms.DateField(label=_("转出日期"), widget=forms.DateInput(attrs={"type": "date"}))
    to_organisation = forms.ModelChoiceField(label=_("转往党组织"), queryset=None, required=False,
                                             empty_label=_("不在本系统内（填写下方单位）"))
    went_to = forms.CharField(label=_("转往单位"), max_length=120, required=False)

    def __init__(self, *args, relations, destinations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].queryset = relations
        self.fields["relation"].label_from_instance = lambda r: r.member.person.name
        self.fields["to_organisation"].queryset = destinations


class UnitRegistrationForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("共建单位"), queryset=None, required=False,
                                     empty_label=_("不在列表中（填写下方单位名称）"))
    unit_name = forms.CharField(label=_("单位名称"), max_length=100, required=False)
    services = forms.CharField(label=_("可提供的服务"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    contact = forms.CharField(label=_("联系人及电话"), max_length=100, required=False,
                              help_text=_("只有社区工作人员可见"))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners


class ServiceProjectForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("服务小区"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("服务项目"), max_length=60, help_text=_("如：理发、量血压、家电维修"))
    description = forms.CharField(label=_("服务内容"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("您的姓名和服务项目将向本小区居民公开"))

    def __init__(self, *args, estates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates


class ServiceOrderForm(forms.Form):
    note = forms.CharField(label=_("需要什么帮助"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
