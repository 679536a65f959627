"""Bodies' part of the portal: estates without the autonomy body they should have, coverage by
community or subdistrict, and the estates in scope with their bodies."""

from gongzhi.bodies.selectors import autonomy_coverage, estate_autonomy
from gongzhi.core.cards import OVERVIEW, TASKS, Card
from gongzhi.core.roles import STAFF_ROLES, Role
from gongzhi.places.selectors import community_list, estate_list


def cards(request, scope):
    found = []
    user = request.user
    if scope.is_root or scope.roles & (STAFF_ROLES - {Role.BUILDING_HEAD}):
        estates = estate_list(fetched_by=user)
        rows = estate_autonomy(estates[:200])
        without = [row for row in rows if not row.has_body]
        if without:
            found.append(Card("bodies/cards/without_body.html", {"estates": without}, order=TASKS + 20))
        found.append(Card("bodies/cards/estates.html", {"estates": rows, "total": estates.count()}, order=OVERVIEW + 5))
    communities = community_list(fetched_by=user)
    if communities.exists():
        by = "subdistrict" if scope.is_root or Role.SUBDISTRICT_OFFICER in scope.roles else "community"
        found.append(Card("bodies/cards/coverage.html", {
            "coverage": autonomy_coverage(fetched_by=user, by=by), "communities": communities[:50],
        }, order=OVERVIEW))
    return found
