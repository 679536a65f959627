"""The form a community secretary uses to seat a body's members for a new term.

Members are written the way a community keeps them, one per line: the unit's number, the owner's
name where the unit has co-owners, and the position — e.g. "3-1-201 主任" or "2-1-301 李建国 委员".
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.models import MemberRole, Organisation
from gongzhi.people.models import Ownership

POSITIONS = {str(label): value for value, label in MemberRole.choices} | {v: v for v in MemberRole.values}
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
        owners = Ownership.objects.filter(
            unit__estate_id=self.organisation.estate_id, unit__code=code, until__isnull=True
        ).select_related("person")
        if name:
            owners = owners.filter(person__name=name)
        found = list(owners)
        if not found:
            raise forms.ValidationError(LINE_FORMAT.format(line=line, reason=f"本小区没有房号 {code}{' 的 ' + name if name else ''}"))
        if len(found) > 1:
            raise forms.ValidationError(LINE_FORMAT.format(line=line, reason=f"{code} 有多位业主，请写明姓名"))
        return found[0].person_id
