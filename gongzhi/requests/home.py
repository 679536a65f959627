"""Requests' part of the portal: what waits for this user to handle, their own requests waiting for
confirmation, and the ways in."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import LINKS, TASKS, Card, NavEntry
from gongzhi.requests import selectors


def cards(request, scope):
    user = request.user
    found = []
    mine = list(selectors.request_list(fetched_by=user).filter(requester=user, status="resolved")
                .select_related("estate")[:10])
    if mine:
        found.append(Card("requests/cards/to_confirm.html", {"requests": mine}, order=TASKS))
    awaiting = selectors.awaiting_me(user, limit=10)
    if awaiting:
        found.append(Card("requests/cards/awaiting.html", {"requests": awaiting}, order=TASKS + 1))
    found.append(Card("requests/cards/links.html", order=LINKS - 10))
    return found


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("诉求"), reverse("requests:request_list"), order=10)]
