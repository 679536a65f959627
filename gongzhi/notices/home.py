"""Notices' header links: the notices for members, the public board and the log for visitors."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import NavEntry


def nav(request, scope):
    if request.user.is_authenticated:
        return [NavEntry(_("公示"), reverse("notices:notice_list"), order=30)]
    return [NavEntry(_("公示栏"), reverse("notices:board_index"), order=30), NavEntry(_("透明日志"), reverse("notices:log_page"), order=31)]
