"""The dashboard page: a place and a period chosen at the top, each app's section with its figures
(this period beside the same period last year, each linked to its records), its charts (ECharts, drawn
by static/gongzhi/dashboard.js from the data embedded as JSON) and the same data as tables. `?screen=1`
is the meeting-room screen: 16:9, large type, refreshed every five minutes.

The monthly report (report.py) is offered under it: for a month shown, that month once it has ended;
for a quarter or a year, its last month that has ended (report.month_for). The PDF and Excel are made
on request for the viewer; the reports kept by the scheduled run are listed for download; a notice
publisher of an estate or community may publish the month's report as a notice."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.exports import XLSX
from gongzhi.core.figures import places_for
from gongzhi.core.search import search
from gongzhi.core.web import attempt
from gongzhi.dashboard import report, rules, selectors, services
from gongzhi.dashboard.rules import DASHBOARD_ROLES

REFRESH_SECONDS = 300
PDF = "application/pdf"


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
        "report_month": report.month_for(board.period),
        "may_publish_report": rules.may_publish_report(request.user, board.place),
        "kept": list(selectors.kept_reports(fetched_by=request.user, place=board.place)[:12]),
    })


def _attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = report.content_disposition(filename)
    return response


def _for_viewer(request):
    return report.monthly_report(fetched_by=request.user, place=request.GET.get("place", ""),
                                 month=request.GET.get("month", ""))


@login_required
def report_pdf(request):
    """The month's report of a place as PDF, made now for the viewer (?place=community:3&month=2026-11)."""
    made = _for_viewer(request)
    return _attachment(report.report_pdf(made), PDF, f"{made.stem}.pdf")


@login_required
def report_xlsx(request):
    """The month's report as Excel: a sheet per section with the records behind each figure."""
    made = _for_viewer(request)
    return _attachment(report.report_xlsx(made, fetched_by=request.user), XLSX, f"{made.stem}.xlsx")


@login_required
@require_POST
def report_publish(request):
    """Publish the month's report of an estate or community as a notice (publishers of that place)."""
    place, month = request.POST.get("place", ""), request.POST.get("month", "")
    if not rules.may_view_dashboard(request.user):
        raise PermissionDenied(selectors.NOT_FOR_YOU)
    notice = attempt(request, lambda: services.report_publish(request.user, place=place, month=month),
                     _("月报已发布为公示"))
    if notice is not None:
        return redirect("notices:notice_detail", notice.pk)
    return redirect(f"{reverse('dashboard:dashboard')}?place={place}&period={month}")


@login_required
def kept_report(request, place: str, month: str, kind: str):
    """A kept report's PDF or Excel file, for those whose dashboard covers its place."""
    if not rules.may_view_dashboard(request.user):
        raise PermissionDenied(selectors.NOT_FOR_YOU)
    kept = selectors.kept_report_get(fetched_by=request.user, place=place, month=month)
    stored = kept.pdf if kind == "pdf" else kept.xlsx
    response = FileResponse(stored.open("rb"), content_type=PDF if kind == "pdf" else XLSX)
    response["Content-Disposition"] = report.content_disposition(f"{kept.place_name}-{kept.month_code}-工作月报.{kind}")
    return response


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
