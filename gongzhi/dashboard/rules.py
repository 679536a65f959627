"""Who sees the dashboard: every staff role with numbers to answer for, not the building head (who
sees one building's people, not a place's figures) and not residents."""

from gongzhi.core.roles import STAFF_ROLES, Role
from gongzhi.core.scoping import scope_for

DASHBOARD_ROLES = STAFF_ROLES - {Role.BUILDING_HEAD}


def may_view_dashboard(user) -> bool:
    return scope_for(user).has_any(DASHBOARD_ROLES)
