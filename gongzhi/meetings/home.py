"""Meetings: the header link, and the open action items the user is responsible for (in person or
for a body they act for) on their home page."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import TASKS, Card, NavEntry
from gongzhi.meetings import selectors


def cards(request, scope):
    if not request.user.is_authenticated:
        return []
    items = selectors.my_open_action_items(request.user, limit=10)
    return [Card("meetings/cards/my_actions.html", {"items": items}, order=TASKS + 5)] if items else []


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("议事"), reverse("meetings:matter_list"), order=50)]
