"""The dashboard page: a place and a period chosen at the top, each app's section with its figures
(this period beside the same period last year, each linked to its records), its charts (ECharts, drawn
by static/gongzhi/dashboard.js from the data embedded as JSON) and the same data as tables. `?screen=1`
is the meeting-room screen: 16:9, large type, refreshed every five minutes."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from gongzhi.core.errors import InvalidInput
from gongzhi.core.figures import places_for
from gongzhi.core.search import search
from gongzhi.dashboard import selectors
from gongzhi.dashboard.rules import DASHBOARD_ROLES

REFRESH_SECONDS = 300


@login_required
def dashboard_page(request):
    get = request.GET
    board = selectors.dashboard(fetched_by=request.user, place=get.get("place"), period=get.get("period"))
    return render(request, "dashboard/dashboard.html", {
        "board": board,
        "data": board.as_dict(),
        "places": places_for(request.user, DASHBOARD_ROLES),
        "screen": bool(get.get("screen")),
        "refresh_seconds": REFRESH_SECONDS,
    })


@login_required
def search_page(request):
    """The header's search box: results grouped by kind, only what the user may open."""
    query = request.GET.get("q", "")
    groups, error = [], ""
    if query.strip():
        try:
            groups = search(fetched_by=request.user, query=query)
        except InvalidInput as exc:
            error = exc.message
    return render(request, "dashboard/search.html", {"query": query, "groups": groups, "error": error},
                  status=400 if error else 200)
