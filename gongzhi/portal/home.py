"""The portal's own header links: home first, messages last; for visitors the login."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.cards import NavEntry


def nav(request, scope):
    if not request.user.is_authenticated:
        return [NavEntry(_("登录"), f"{reverse('core:login')}?{urlencode({'next': request.get_full_path()})}", order=99)]
    return [NavEntry(_("首页"), reverse("portal:home"), order=0),
            NavEntry(_("消息"), reverse("portal:inbox"), order=90, testid="portal:inbox")]
