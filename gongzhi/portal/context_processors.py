from gongzhi.core.roles import AUDIT_ROLES
from gongzhi.core.scoping import scope_for

LARGE_FONT_COOKIE = "gz_large"


def display(request):
    """Large-font mode (for elderly users), the user's roles and unread messages, for every template."""
    context = {"large_font": request.COOKIES.get(LARGE_FONT_COOKIE) == "1"}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from gongzhi.core.notifications import unread_count

        context["scope"] = scope_for(user)
        context["unread"] = unread_count(user)
        context["supervises"] = context["scope"].has_any(AUDIT_ROLES)
    return context
