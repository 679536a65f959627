"""Requests' part of the portal: a resident's own requests with where they stand in words, the
requests waiting for this user to handle (with their age), orders dispatched to this user and
micro-wishes nearby, and the ways in."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import LINKS, TASKS, Card, NavEntry
from gongzhi.requests import rules, selectors


def cards(request, scope):
    user = request.user
    if not user.is_authenticated:
        return []
    found = []
    mine = selectors.my_current_requests(user, limit=10)
    if mine:
        found.append(Card("requests/cards/mine.html", {"requests": mine}, order=TASKS))
    awaiting = selectors.awaiting_me(user, limit=10)
    if awaiting:
        found.append(Card("requests/cards/awaiting.html", {
            "requests": awaiting, "escalated": [r for r in awaiting if r.level > 1],
        }, order=TASKS + 1))
    offered = selectors.orders_offered_to(user, limit=10)
    if offered:
        found.append(Card("requests/cards/orders_offered.html", {"orders": offered}, order=TASKS + 2))
    wishes = selectors.wishes_nearby(user, limit=5)
    if wishes:
        found.append(Card("requests/cards/wishes_nearby.html", {"orders": wishes}, order=TASKS + 30))
    my_orders = selectors.my_open_orders(user, limit=5)
    if my_orders:
        found.append(Card("requests/cards/my_orders.html", {"orders": my_orders}, order=TASKS + 31))
    if rules.may_see_devices(user):
        quiet = list(selectors.device_list(fetched_by=user, status="quiet")[:5])
        if quiet:
            found.append(Card("requests/cards/devices_quiet.html", {"devices": quiet}, order=TASKS + 5))
    found.append(Card("requests/cards/links.html", order=LINKS - 10))
    return found


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("诉求"), reverse("requests:request_list"), order=10)]


def links(request, scope):
    if not request.user.is_authenticated or not rules.may_see_devices(request.user):
        return []
    return [NavEntry(_("小区设备"), reverse("requests:device_list"), order=26, testid="devices")]
