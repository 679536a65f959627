"""The portal's pages: home (the cards the apps contribute), the inbox and the display toggle."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gongzhi.core.notifications import inbox_open
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for
from gongzhi.portal import cards
from gongzhi.portal.context_processors import ELDERLY, LARGE_FONT_COOKIE, STANDARD


@login_required
def home(request):
    """What each role should see first, without a search: each app's cards for this user."""
    scope = scope_for(request.user)
    return render(request, "portal/home.html", {
        "roles": [Role(r).label for r in sorted(scope.roles)],
        "is_root": scope.is_root,
        "cards": cards.cards(request, scope),
        "links": cards.links(request, scope),
    })


@login_required
def inbox(request):
    """The user's messages (meeting notices, reminders, overdue action items)."""
    page, groups = inbox_open(request.user, request.GET.get("page"))
    return render(request, "portal/inbox.html", {"page": page, "groups": groups})


@require_POST
def toggle_large_font(request):
    """The 长辈版 / 标准版 switch: `mode` chooses one (anything else toggles), remembered for a year."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    mode = request.POST.get("mode")
    on = mode == ELDERLY if mode in (ELDERLY, STANDARD) else request.COOKIES.get(LARGE_FONT_COOKIE) != "1"
    response.set_cookie(LARGE_FONT_COOKIE, "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response
