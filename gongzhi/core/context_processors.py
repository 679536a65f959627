from gongzhi.core.scoping import scope_for

LARGE_FONT_COOKIE = "gz_large"


def display(request):
    """Large-font mode (for elderly users) and the user's roles, for every template."""
    context = {"large_font": request.COOKIES.get(LARGE_FONT_COOKIE) == "1"}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["scope"] = scope_for(user)
    return context
