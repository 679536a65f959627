from gongzhi.core.notifications import unread_count
from gongzhi.core.scoping import scope_for
from gongzhi.portal import cards

LARGE_FONT_COOKIE = "gz_large"


def display(request):
    """Large-font mode (for elderly users), the user's scope, unread messages and the header links
    the apps contribute, for every template."""
    context = {"large_font": request.COOKIES.get(LARGE_FONT_COOKIE) == "1"}
    user = getattr(request, "user", None)
    scope = scope_for(user) if user is not None else None
    if user is not None and user.is_authenticated:
        context["scope"] = scope
        context["unread"] = unread_count(user)
    context["nav"] = cards.nav(request, scope) if user is not None else []
    return context
