"""GET /api/v1/dashboard: the same sections as the page, as JSON."""

from django.http import HttpRequest
from ninja import Router

from gongzhi.core.api_schema import ERRORS
from gongzhi.core.search import search
from gongzhi.dashboard import selectors

router = Router(tags=["dashboard"])


@router.get("/dashboard", response={200: dict, **ERRORS}, operation_id="dashboard_get")
def dashboard_get(request: HttpRequest, place: str | None = None, period: str | None = None):
    """The dashboard of a place (`estate:12`, `community:3`, `subdistrict:1`, `district:1`; by default the
    widest the caller's roles cover) for a period (`2026-12`, `2026-Q4`, `2026`; by default last month):
    each section's figures beside the same period last year, with the link to the records behind each."""
    return selectors.dashboard(fetched_by=request.user, place=place, period=period).as_dict()


@router.get("/search", response={200: list[dict], **ERRORS}, operation_id="search")
def search_get(request: HttpRequest, q: str):
    """Search what the caller may open — a request number (SQ000149), a person's name or four or more
    digits of a phone (for roles that may read phones), an address (5-1-302, 义乌城 5号楼), a notice's or
    a matter's title — grouped by kind, at most 10 of each."""
    return [{"kind": g.key, "label": g.label, "hits": [vars(h) for h in g.hits]}
            for g in search(fetched_by=request.user, query=q)]
