"""Places' part of the portal: a building head's buildings, a resident's estates, the division page and the ledger import."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import MINE, Card, NavEntry
from gongzhi.core.roles import PERSONAL_ROLES, STAFF_ROLES, Role
from gongzhi.places.models import Building
from gongzhi.places.rules import LEDGER_IMPORTERS, may_set_up_places
from gongzhi.places.selectors import estate_list


def _my_buildings(scope) -> list:
    ids = [a.building_id for a in scope.assignments if a.role == Role.BUILDING_HEAD and a.building_id]
    return list(Building.objects.filter(pk__in=ids)) if ids else []


def cards(request, scope):
    found = []
    buildings = _my_buildings(scope)
    if buildings:
        found.append(Card("places/cards/my_buildings.html", {"buildings": buildings}, order=MINE + 2))
    staff = scope.is_root or scope.roles & (STAFF_ROLES - {Role.BUILDING_HEAD})
    if not staff and (scope.roles & PERSONAL_ROLES or buildings):
        found.append(Card("places/cards/my_estates.html", {"estates": list(estate_list(fetched_by=request.user)[:5])},
                          order=MINE + 4))
    return found


def links(request, scope):
    found = []
    if may_set_up_places(request.user):
        found.append(NavEntry(_("区划设置"), reverse("places:division_setup"), order=19))
    if scope.has_any(LEDGER_IMPORTERS):
        found.append(NavEntry(_("导入台账"), reverse("places:ledger_upload"), order=20))
    return found
