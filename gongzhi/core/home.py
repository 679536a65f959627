"""The kernel's part of the portal: approvals waiting for this user's signature, the audit trail,
the back office and the API documents."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import rules, selectors
from gongzhi.core.cards import TASKS, Card, NavEntry
from gongzhi.core.roles import AUDIT_ROLES, STAFF_ROLES


def cards(request, scope):
    if not (scope.is_root or scope.roles & STAFF_ROLES):
        return []
    return [Card("core/cards/awaiting.html", {"approvals": selectors.approvals_awaiting(fetched_by=request.user)},
                 order=TASKS + 5)]


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("审批"), reverse("core:approval_inbox"), order=20)]


def links(request, scope):
    found = []
    if scope.has_any(AUDIT_ROLES):
        found.append(NavEntry(_("审计记录"), reverse("core:audit_trail"), order=10))
    if rules.may_manage_deliveries(request.user):
        found.append(NavEntry(_("通知投递"), reverse("core:deliveries"), order=70))
    if request.user.is_staff:
        found.append(NavEntry(_("后台管理"), reverse("admin:index"), order=80))
    found.append(NavEntry(_("接口文档"), "/api/v1/docs", order=90))
    return found
