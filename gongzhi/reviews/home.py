"""Holding service to account on the home page: rectification items open and overdue (the company's and
the community's), evaluations waiting for this owner's answer, 红黑榜 entries waiting for the branch's
review; the header link to the hub."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import MINE, TASKS, Card, NavEntry
from gongzhi.reviews import rules, selectors


def cards(request, scope):
    user = request.user
    if not user.is_authenticated or scope is None:
        return []
    found = []
    for roles, who in ((rules.RECTIFICATION_REPORTER_ROLES, "company"), (rules.RECTIFICATION_CHECKER_ROLES | rules.REVIEW_ORGANISER_ROLES, "community")):
        if scope.has_any(roles) and not scope.is_root:
            items = selectors.open_items(user, roles, limit=8)
            if items["open"]:
                found.append(Card("reviews/cards/rectification.html", {**items, "who": who}, order=TASKS + 14))
                break
    waiting = selectors.evaluations_to_answer(user, limit=3)
    if waiting:
        found.append(Card("reviews/cards/evaluations.html", {"evaluations": waiting}, order=TASKS + 16))
    to_review = selectors.entries_to_review(user, limit=5) if scope.has_any(rules.LIST_REVIEWER_ROLES) else []
    if to_review:
        found.append(Card("reviews/cards/entries.html", {"entries": to_review}, order=MINE + 6))
    return found


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("评议与整改"), reverse("reviews:hub"), order=75, testid="nav-reviews")]
