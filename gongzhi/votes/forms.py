"""The forms of votes, paper ballots, consultations and conventions; an estate's choice lists only
the estates the user may organise votes for (votes.rules)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.votes import rules
from gongzhi.votes.choices import Channel, Choice
from gongzhi.votes.tally import CONVENTION_ITEMS, ITEMS


class VoteForm(forms.Form):
    estate = forms.ChoiceField(label=_("小区"))
    title = forms.CharField(label=_("表决事项"), max_length=200)
    item = forms.TypedChoiceField(label=_("民法典第二百七十八条事项"), coerce=int,
                                  choices=[(k, f"{k}. {v}") for k, v in ITEMS.items()])
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    buildings = forms.CharField(label=_("表决范围：楼栋号（空 = 全体业主；如 3,5）"), required=False)
    opens_at = forms.DateTimeField(label=_("开始投票"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("截止投票"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    secret = forms.BooleanField(label=_("不记名投票"), required=False)
    allow_change = forms.BooleanField(label=_("截止前可改票"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].choices = [(e.pk, e.name) for e in rules.organised_estates(user)]


class PaperBallotForm(forms.Form):
    unit = forms.CharField(label=_("房号"), max_length=32)
    voter = forms.CharField(label=_("投票人姓名"), max_length=100)
    choice = forms.ChoiceField(label=_("表决意见"), choices=Choice.choices, widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("方式"), choices=[c for c in Channel.choices if c[0] != Channel.ONLINE])
    proxy_document = forms.FileField(label=_("委托书（委托投票时必填）"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("选票表格（房号、投票人、表决意见）"))


class ConsultationForm(forms.Form):
    estate = forms.ChoiceField(label=_("小区"))
    title = forms.CharField(label=_("征求意见事项"), max_length=200)
    body = forms.CharField(label=_("方案说明"), widget=forms.Textarea(attrs={"rows": 6}))
    opens_at = forms.DateTimeField(label=_("开始"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("截止"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].choices = [(e.pk, e.name) for e in rules.organised_estates(user)]


class ToVoteForm(forms.Form):
    item = forms.TypedChoiceField(label=_("表决事项"), coerce=int, choices=[(int(i), f"{int(i)}. {ITEMS[i]}") for i in CONVENTION_ITEMS])
    opens_at = forms.DateTimeField(label=_("开始投票"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("截止投票"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
