"""Votes: the header link; on the home page the open votes waiting for this owner's ballot."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import TASKS, Card, NavEntry
from gongzhi.votes import selectors


def cards(request, scope):
    votes = selectors.open_for_me(request.user)
    if not votes:
        return []
    return [Card("votes/cards/awaiting_ballot.html", {"votes": votes}, order=TASKS + 2)]


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("表决"), reverse("votes:vote_list"), order=40)]
