"""The dashboard's entry in the header for the roles that see it."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import NavEntry
from gongzhi.dashboard.rules import DASHBOARD_ROLES


def nav(request, scope):
    if not request.user.is_authenticated or not scope.has_any(DASHBOARD_ROLES):
        return []
    return [NavEntry(_("数据看板"), reverse("dashboard:dashboard"), order=15, testid="nav-dashboard")]
