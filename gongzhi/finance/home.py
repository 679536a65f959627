"""Finance's header link: the supervisor's desk, for those who supervise the money."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import NavEntry
from gongzhi.core.roles import AUDIT_ROLES


def nav(request, scope):
    if not request.user.is_authenticated or not scope.has_any(AUDIT_ROLES):
        return []
    return [NavEntry(_("监督"), reverse("finance:supervisor_desk"), order=60)]
