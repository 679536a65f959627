"""Community life on the home page: for the people of an estate, its spaces and activities, the
activities one can sign up for and one's own sign-ups; bookings waiting for this user's approval; the
opinions an adviser is asked for; the header link to the hub."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import MINE, TASKS, Card, NavEntry
from gongzhi.services import rules, selectors


def cards(request, scope):
    user = request.user
    if not user.is_authenticated:
        return []
    found = []
    pending = selectors.pending_bookings(user, limit=10)
    if pending:
        found.append(Card("services/cards/pending.html", {"bookings": pending}, order=TASKS + 12))
    opinions = list(selectors.my_advice_waiting(user, limit=10))
    if opinions:
        found.append(Card("services/cards/advice.html", {"opinions": opinions}, order=TASKS + 13))
    estates = list(scope.estates(rules.TAKING_PART_ROLES).order_by("name")[:3]) if scope is not None else []
    if estates:
        found.append(Card("services/cards/activities.html", {
            "signups": selectors.my_signups(user, limit=5), "open": selectors.open_activities_for(user, limit=5),
            "estates": estates}, order=MINE + 4))
    return found


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("社区生活"), reverse("services:hub"), order=70, testid="nav-community-life")]
