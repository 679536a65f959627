"""People's part of the portal: the units a resident or owner lives in or owns."""

from gongzhi.core.cards import MINE, Card
from gongzhi.core.roles import PERSONAL_ROLES
from gongzhi.people.selectors import my_units


def cards(request, scope):
    if not scope.roles & PERSONAL_ROLES:
        return []
    return [Card("people/cards/my_units.html", {"units": list(my_units(fetched_by=request.user))}, order=MINE)]
