"""Grid work on the home page: the patrols due (start or continue one), missed patrols of the last
30 days for those who walk or oversee them, the visitor's overdue visits (a count: the names are
behind the link, where each read is audited), the header link to the hub and the links to the rules
library of the user's estates."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import TASKS, Card, NavEntry
from gongzhi.grid import rules, selectors
from gongzhi.grid.models import SpecialPerson


def cards(request, scope):
    user = request.user
    if not user.is_authenticated or scope is None:
        return []
    found = []
    plans = selectors.my_patrol_plans(user)
    missed = list(selectors.missed_for(user)[:10]) if (plans or scope.has_any(rules.PATROL_READER_ROLES)) else []
    if plans or missed:
        found.append(Card("grid/cards/patrols.html", {
            "due": [p for p in plans if p.due or p.open_patrol], "missed": missed}, order=TASKS + 6))
    assigned = SpecialPerson.objects.filter(visitor=user, active=True).exists()
    if assigned:
        found.append(Card("grid/cards/visits.html", {"overdue": selectors.overdue_count(user)}, order=TASKS + 7))
    return found


def nav(request, scope):
    user = request.user
    if not user.is_authenticated or scope is None:
        return []
    if scope.has_any(rules.PATROL_READER_ROLES | rules.REGISTER_ROLES) or \
            SpecialPerson.objects.filter(visitor=user, active=True).exists():
        return [NavEntry(_("网格工作"), reverse("grid:hub"), order=65, testid="nav-grid")]
    return []


def links(request, scope):
    """The rules library of the user's first estates (rules are public to the people they govern)."""
    if not request.user.is_authenticated or scope is None:
        return []
    return [NavEntry(_("%(estate)s · 规则库") % {"estate": e.name}, reverse("grid:estate_rules", args=[e.pk]), order=60,
                     testid=f"rules-{e.pk}") for e in scope.estates().order_by("name")[:2]]
