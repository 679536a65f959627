"""Notices' part of the portal: the notices of the last two weeks for the user's estates, and the header
links (the notices for members, the public board and the log for visitors)."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.cards import MINE, Card, NavEntry
from gongzhi.notices import selectors

NEW_DAYS = 14


def cards(request, scope):
    if not request.user.is_authenticated:
        return []
    since = clock.now() - datetime.timedelta(days=NEW_DAYS)
    recent = list(selectors.notices_visible(request.user).filter(published_at__gte=since, estate__isnull=False)
                  .order_by("-published_at", "-pk")[:5])
    return [Card("notices/cards/new.html", {"notices": recent}, order=MINE + 2)] if recent else []


def nav(request, scope):
    if request.user.is_authenticated:
        return [NavEntry(_("公示"), reverse("notices:notice_list"), order=30)]
    return [NavEntry(_("公示栏"), reverse("notices:board_index"), order=30), NavEntry(_("透明日志"), reverse("notices:log_page"), order=31)]
