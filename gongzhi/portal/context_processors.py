from django.urls import reverse

from gongzhi.core.notifications import unread_count
from gongzhi.core.roles import STAFF_ROLES
from gongzhi.core.scoping import scope_for
from gongzhi.portal import cards

# The display mode: 长辈版 (the elderly mode of the MIIT ageing-friendly design specifications) or 标准版.
# Remembered in this cookie for a year, so it holds on a shared phone before and after logging in.
LARGE_FONT_COOKIE = "gz_large"
ELDERLY, STANDARD = "elderly", "standard"
# A resident's header: at most this many links, the ones they come for (the specification's
# "simple, clear" main functions); staff keep every link, folded into the menu.
RESIDENT_MENU_SIZE = 5
RESIDENT_MENU = ("portal:home", "requests:request_list", "votes:vote_list", "notices:notice_list", "portal:inbox")


def is_resident(user, scope) -> bool:
    """A resident (owner, tenant, party member or volunteer without an office) or a visitor: the
    simple header. Anyone holding a staff role gets the full menu."""
    return not (user is not None and user.is_authenticated and (scope.is_root or scope.has_any(STAFF_ROLES)))


def resident_menu(entries) -> list:
    wanted = {reverse(name) for name in RESIDENT_MENU}
    chosen = [entry for entry in entries if entry.url in wanted] or entries  # a visitor's links are none of these
    return chosen[:RESIDENT_MENU_SIZE]


def display(request):
    """The display mode (长辈版 for elderly users), the user's scope, unread messages and the header
    links the apps contribute, for every template."""
    context = {"large_font": request.COOKIES.get(LARGE_FONT_COOKIE) == "1"}
    user = getattr(request, "user", None)
    scope = scope_for(user) if user is not None else None
    if user is not None and user.is_authenticated:
        context["scope"] = scope
        context["unread"] = unread_count(user)
    context["nav"] = cards.nav(request, scope) if user is not None else []
    context["simple_menu"] = is_resident(user, scope)
    context["tabs"] = resident_menu(context["nav"]) if context["simple_menu"] else []
    return context
