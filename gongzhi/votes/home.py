"""Votes: the header link."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import NavEntry


def nav(request, scope):
    if not request.user.is_authenticated:
        return []
    return [NavEntry(_("表决"), reverse("votes:vote_list"), order=40)]
