"""Finance's part of the portal: an owner's fees due, the seals out for those who answer for them, and
the supervisor's desk in the header."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.cards import MINE, TASKS, Card, NavEntry
from gongzhi.core.money import yuan
from gongzhi.core.roles import AUDIT_ROLES
from gongzhi.finance import selectors


def cards(request, scope):
    user = request.user
    if not user.is_authenticated:
        return []
    found = []
    due = selectors.my_fees_due(user)
    if due > 0:
        found.append(Card("finance/cards/fees_due.html", {"due": yuan(due)}, order=MINE + 1))
    out = selectors.seals_out(user)
    if out:
        late = selectors.seal_out_limit(clock.now())  # the desk's rule: out longer than the limit
        found.append(Card("finance/cards/seals_out.html", {
            "uses": [(u, u.released_at is not None and u.released_at < late) for u in out]}, order=TASKS + 5))
    return found


def nav(request, scope):
    if not request.user.is_authenticated or not scope.has_any(AUDIT_ROLES):
        return []
    return [NavEntry(_("监督"), reverse("finance:supervisor_desk"), order=60)]
