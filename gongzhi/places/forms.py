"""Forms of the places' pages: a grid or an estate opened in a community, an estate's facts, a ledger file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import scope_for
from gongzhi.places import rules
from gongzhi.places.models import Grid


class PlaceForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)


class SubdistrictForm(PlaceForm):
    code = forms.CharField(label=_("代码（字母、数字，用于居民登录页等）"), max_length=32, required=False)


class EstateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)
    household_count = forms.IntegerField(label=_("户数"), min_value=0, max_value=100_000)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    grid = forms.ModelChoiceField(queryset=Grid.objects.none(), label=_("网格"), required=False)
    aliases = forms.CharField(
        label=_("别名（每行一个）"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("居民和12345系统常用的其他叫法，如旧称、简称"),
    )
    latitude = forms.DecimalField(label=_("大门纬度"), required=False, min_value=-90, max_value=90, decimal_places=6)
    longitude = forms.DecimalField(label=_("大门经度"), required=False, min_value=-180, max_value=180,
                                   decimal_places=6)

    def __init__(self, *args, estate, **kwargs):
        initial = {"name": estate.name, "household_count": estate.household_count, "address": estate.address,
                   "grid": estate.grid_id, "aliases": "\n".join(estate.aliases or []),
                   "latitude": estate.latitude, "longitude": estate.longitude}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["grid"].queryset = Grid.objects.filter(community_id=estate.community_id)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"name": data["name"], "household_count": data["household_count"], "address": data["address"],
                "grid_id": data["grid"].pk if data["grid"] else None,
                "aliases": [line for line in data["aliases"].splitlines() if line.strip()],
                "latitude": data["latitude"], "longitude": data["longitude"]}


class LedgerUploadForm(forms.Form):
    community = forms.ModelChoiceField(queryset=None, label=_("社区"))
    file = forms.FileField(label=_("台账文件（.xlsx、.xls 或 .csv）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = scope_for(user).communities(rules.LEDGER_IMPORTERS)
