"""Who sees the dashboard: every staff role with numbers to answer for, not the building head (who
sees one building's people, not a place's figures) and not residents. Its monthly report goes to the
same people; publishing the report as a notice is for those who publish notices for that place."""

from gongzhi.core.roles import STAFF_ROLES, Role
from gongzhi.core.scoping import scope_for
from gongzhi.notices.rules import PUBLISHERS

DASHBOARD_ROLES = STAFF_ROLES - {Role.BUILDING_HEAD}


def may_view_dashboard(user) -> bool:
    return scope_for(user).has_any(DASHBOARD_ROLES)


def may_publish_report(user, place) -> bool:
    """May publish the month's report of `place` (a core.figures.Place) as a notice: only an estate's or a
    community's (a notice belongs to one), by a notice publisher of that estate or community."""
    scope = scope_for(user)
    if place.level == "estate":
        return scope.is_root or place.pk in scope.estate_ids(PUBLISHERS)
    if place.level == "community":
        return scope.is_root or scope.communities(PUBLISHERS).filter(pk=place.pk).exists()
    return False
