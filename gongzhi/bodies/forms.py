"""The form a community secretary uses to seat a body's members for a new term.

Members are written the way a community keeps them, one per line: the unit's number, the owner's
name where the unit has co-owners, and the position — e.g. "3-1-201 主任" or "2-1-301 李建国 委员".
A cadre who owns nothing there is written by the number the page lists for them: "#12 副主任".

The other forms set up bodies, contracts and agreements; the services check every rule.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.choices import COMPANY_KINDS, PARTY_KINDS, OrgKind, ServiceScope
from gongzhi.bodies.models import MemberRole, Organisation
from gongzhi.core.text import ascii_int
from gongzhi.people.models import Ownership
from gongzhi.places.models import Estate

DATE = forms.DateInput(attrs={"type": "date"})

POSITIONS = {str(label): value for value, label in MemberRole.choices} | {v: v for v in MemberRole.values}
NO_SUCH_UNIT = "本小区没有房号 {code}{whose}"
LINE_FORMAT = "第{line}行：{reason} / line {line}: {reason}"


class SeatForm(forms.Form):
    members = forms.CharField(
        label=_("成员名单（每行：房号 [姓名] 职务）"),
        widget=forms.Textarea(attrs={"rows": 9, "placeholder": "1-1-101 主任\n1-1-202 副主任\n2-1-403 委员"}),
    )
    term_start = forms.DateField(label=_("任期开始"), widget=forms.DateInput(attrs={"type": "date"}))
    term_end = forms.DateField(label=_("任期结束"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_members(self) -> list[tuple[int, str]]:
        roster = []
        for number, raw in enumerate(self.cleaned_data["members"].splitlines(), start=1):
            parts = raw.split()
            if not parts:
                continue
            if len(parts) not in (2, 3) or parts[-1] not in POSITIONS:
                raise forms.ValidationError(LINE_FORMAT.format(line=number, reason="应写作“房号 [姓名] 职务”"))
            roster.append((self._owner(number, parts[0], parts[1] if len(parts) == 3 else None), POSITIONS[parts[-1]]))
        if not roster:
            raise forms.ValidationError("请填写成员名单 / List the members")
        return roster

    def _owner(self, line: int, code: str, name: str | None) -> int:
        if code.startswith("#"):
            number = ascii_int(code[1:])
            if number is None:
                raise forms.ValidationError(LINE_FORMAT.format(line=line, reason=f"编号 {code[:20]} 不正确"))
            return number
        owners = Ownership.objects.filter(
            unit__estate_id=self.organisation.estate_id, unit__code=code, until__isnull=True
        ).select_related("person")
        if name:
            owners = owners.filter(person__name=name)
        found = list(owners)
        if not found:
            raise forms.ValidationError(LINE_FORMAT.format(line=line, reason=NO_SUCH_UNIT.format(code=code, whose=f" 的 {name}" if name else "")))
        if len(found) > 1:
            raise forms.ValidationError(LINE_FORMAT.format(line=line, reason=f"{code} 有多位业主，请写明姓名"))
        return found[0].person_id


class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=[(k.value, k.label) for k in OrgKind if k != OrgKind.DEPARTMENT])
    name = forms.CharField(label=_("名称"), max_length=120)
    estate = forms.ModelChoiceField(queryset=Estate.objects.none(), label=_("所在小区（社区一级的组织留空）"),
                                    required=False)
    parent = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("上级党组织"), required=False)
    credit_code = forms.CharField(label=_("统一社会信用代码（企业）"), max_length=18, required=False)

    def __init__(self, *args, community_id: int, organisations, estate=None, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.filter(community_id=community_id)
        self.fields["parent"].queryset = organisations.filter(kind__in=PARTY_KINDS, active=True)
        if estate is not None:
            self.fields["estate"].initial = estate.pk
        if parent is not None:
            self.fields["parent"].initial = parent.pk

    def service_arguments(self, community_id: int) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "name": data["name"], "credit_code": data["credit_code"],
                "estate_id": data["estate"].pk if data["estate"] else None,
                "community_id": None if data["estate"] else community_id,
                "parent_id": data["parent"].pk if data["parent"] else None}


class TermEndForm(forms.Form):
    on = forms.DateField(label=_("任期结束日期（最后一日）"), widget=DATE)


class _ContractTerms(forms.Form):
    end = forms.DateField(label=_("结束日期"), required=False, widget=DATE)
    services = forms.MultipleChoiceField(label=_("服务内容"), choices=ServiceScope.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    fee = forms.CharField(label=_("收费标准（元/m²/月）"), max_length=12, required=False)
    fee_note = forms.CharField(label=_("收费说明"), max_length=200, required=False)

    def terms(self) -> dict:
        data = self.cleaned_data
        return {"end": data["end"], "services": data["services"], "fee": data["fee"] or None,
                "fee_note": data["fee_note"]}


def _companies(organisations):
    return organisations.filter(kind__in=COMPANY_KINDS, active=True)


class ContractForm(_ContractTerms):
    company = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("服务企业"))
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    field_order = ["company", "start", "end", "services", "fee", "fee_note"]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = _companies(organisations)


class RenewForm(forms.Form):
    end = forms.DateField(label=_("续签至"), required=False, widget=DATE)
    fee = forms.CharField(label=_("新收费标准（元/m²/月，不变则留空）"), max_length=12, required=False)


class ReplaceForm(ContractForm):
    pass


class AgreementForm(forms.Form):
    party_organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("党组织"))
    partner = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("共建单位"))
    signed_on = forms.DateField(label=_("签订日期"), widget=DATE)
    expires_on = forms.DateField(label=_("到期日期"), required=False, widget=DATE)
    content = forms.CharField(label=_("共建内容"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organisations, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_organisation"].queryset = organisations.filter(kind__in=PARTY_KINDS, active=True)
        self.fields["partner"].queryset = partners.exclude(kind__in=PARTY_KINDS)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"party_organisation_id": data["party_organisation"].pk, "partner_id": data["partner"].pk,
                "signed_on": data["signed_on"], "expires_on": data["expires_on"], "content": data["content"]}
