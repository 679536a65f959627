"""Meetings: the header link; on the home page the open action items the user is responsible for
(in person or for a body they act for), the matters waiting for this user's step, and this month's
meetings of the estates they convene for with those meetings' open action items."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.cards import TASKS, Card, NavEntry
from gongzhi.meetings import selectors


def cards(request, scope):
    user = request.user
    if not user.is_authenticated:
        return []
    found = []
    matters = selectors.matters_awaiting_step(user, limit=10)
    if matters:
        found.append(Card("meetings/cards/matters_awaiting.html", {"matters": matters}, order=TASKS + 3))
    items = selectors.my_open_action_items(user, limit=10)
    if items:
        found.append(Card("meetings/cards/my_actions.html", {"items": items, "today": clock.today()}, order=TASKS + 5))
    meetings = selectors.meetings_this_month(user)
    if meetings:
        found.append(Card("meetings/cards/this_month.html", {
            "meetings": meetings, "items": selectors.open_items_of(meetings)}, order=TASKS + 6))
    return found


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("议事"), reverse("meetings:matter_list"), order=50)]
