"""Votes: the header link; on the home page the open votes waiting for this owner's ballot."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import TASKS, Card, NavEntry
from gongzhi.votes import selectors


def cards(request, scope):
    found = []
    votes = selectors.open_for_me(request.user)
    if votes:
        found.append(Card("votes/cards/awaiting_ballot.html", {"votes": votes}, order=TASKS + 2))
    turnouts = selectors.open_turnouts(request.user)
    if turnouts:
        found.append(Card("votes/cards/turnout.html", {"turnouts": turnouts}, order=TASKS + 4))
    neighbours = selectors.neighbours_not_voted(request.user)
    if neighbours:
        found.append(Card("votes/cards/neighbours_not_voted.html", {"votes": neighbours}, order=TASKS + 3))
    return found


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("表决"), reverse("votes:vote_list"), order=40)]
