"""Forms of the people pages: granting a role in a community, transferring a unit, a co-owner's title."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.roles import Role
from gongzhi.people import rules
from gongzhi.places.models import Building, Community, Estate, Grid

DATE = forms.DateInput(attrs={"type": "date"})


class RoleForm(forms.Form):
    username = forms.CharField(label=_("登录名"), max_length=150)
    role = forms.ChoiceField(label=_("角色"))
    anchor = forms.ChoiceField(label=_("授权范围"))
    valid_from = forms.DateField(label=_("生效日期"), required=False, widget=DATE)
    valid_until = forms.DateField(label=_("失效日期"), required=False, widget=DATE)

    def __init__(self, *args, community: Community, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r.value in roles]
        anchors = [(f"community:{community.pk}", f"{_('社区')} · {community.name}")]
        anchors += [(f"grid:{g.pk}", f"{_('网格')} · {g.name}") for g in Grid.objects.filter(community=community)]
        estates = list(Estate.objects.filter(community=community).order_by("name"))
        anchors += [(f"estate:{e.pk}", f"{_('小区')} · {e.name}") for e in estates]
        anchors += [(f"building:{b.pk}", f"{_('楼栋')} · {b}") for b in
                    Building.objects.filter(estate__in=estates).select_related("estate").order_by("estate__name", "pk")]
        self.fields["anchor"].choices = anchors

    def anchor_parts(self) -> tuple[str, int]:
        field, _sep, pk = self.cleaned_data["anchor"].partition(":")
        return field, int(pk)


def grantable_roles(actor, community) -> set[str]:
    """Roles this page may offer the actor (the service asks the same rule)."""
    return {r for r in Role.values if rules.may_grant_role(actor, r, "community", community)}


class TransferForm(forms.Form):
    on = forms.DateField(label=_("过户日期（新业主自当日起享有产权）"), widget=DATE)
    person_id = forms.IntegerField(label=_("新业主（已登记人员编号）"), required=False, min_value=1)
    name = forms.CharField(label=_("或：新业主姓名"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class CoOwnerForm(forms.Form):
    since = forms.DateField(label=_("起始日期"), widget=DATE)
    person_id = forms.IntegerField(label=_("共有人（已登记人员编号）"), required=False, min_value=1)
    name = forms.CharField(label=_("或：共有人姓名"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class EndForm(forms.Form):
    until = forms.DateField(label=_("终止日期（最后一日）"), widget=DATE)
