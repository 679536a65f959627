"""GET /api/v1/dashboard: the same sections as the page, as JSON; the monthly report (PDF, Excel, publish as
a notice) and the kept reports, as on the page."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from gongzhi.core import clock
from gongzhi.core.api_schema import ERRORS, Text
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.exports import XLSX
from gongzhi.core.figures import place_get
from gongzhi.core.search import search
from gongzhi.dashboard import report, selectors, services
from gongzhi.dashboard.rules import DASHBOARD_ROLES, may_view_dashboard

PDF = "application/pdf"

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


# --- the monthly report ----------------------------------------------------------------------------
def _binary(description: str, content_type: str) -> dict:
    return {"responses": {"200": {"description": description, "content": {
        content_type: {"schema": {"type": "string", "format": "binary"}}}}}}


def _file(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = report.content_disposition(filename)
    return response


@router.get("/dashboard/report.pdf", response={**ERRORS}, operation_id="dashboard_report_pdf",
            openapi_extra=_binary("工作月报 PDF / the monthly report as PDF", PDF))
def dashboard_report_pdf(request: HttpRequest, place: str, month: str):
    """The month's report (工作月报) of a place as the caller's dashboard shows it: `place` as
    `community:3`, `month` as `2026-11` (a month that has ended)."""
    made = report.monthly_report(fetched_by=request.user, place=place, month=month)
    return _file(report.report_pdf(made), PDF, f"{made.stem}.pdf")


@router.get("/dashboard/report.xlsx", response={**ERRORS}, operation_id="dashboard_report_xlsx",
            openapi_extra=_binary("工作月报 Excel / the monthly report as Excel", XLSX))
def dashboard_report_xlsx(request: HttpRequest, place: str, month: str):
    """The month's report as Excel: a sheet per section, its figures and the records behind them."""
    made = report.monthly_report(fetched_by=request.user, place=place, month=month)
    return _file(report.report_xlsx(made, fetched_by=request.user), XLSX, f"{made.stem}.xlsx")


class MonthlyReportIn(Schema):
    place: Text = Field(..., max_length=40, description="estate:12 或 community:3")
    month: Text = Field(..., max_length=7, description="2026-11")


class ReportPublishedOut(Schema):
    notice_id: int
    title: str
    url: str


@router.post("/dashboard/report/publish", response={201: ReportPublishedOut, **ERRORS},
             operation_id="dashboard_report_publish")
def dashboard_report_publish(request: HttpRequest, payload: MonthlyReportIn):
    """Publish the month's report of an estate or community as a notice with the PDF attached (notice
    publishers of that place); it enters the transparency log."""
    notice = services.report_publish(request.user, place=payload.place, month=payload.month)
    return Status(201, {"notice_id": notice.pk, "title": notice.title,
                        "url": reverse("notices:notice_detail", args=[notice.pk])})


class KeptOut(Schema):
    place: str
    place_name: str
    month: str
    made_at: str
    pdf_url: str
    xlsx_url: str


@router.get("/dashboard/reports", response={200: list[KeptOut], **ERRORS}, operation_id="dashboard_reports")
def dashboard_reports(request: HttpRequest, place: str | None = None):
    """The monthly reports kept by the scheduled run for the places the caller's dashboard covers (the
    last 100), newest first; `place`: that place's."""
    if not may_view_dashboard(request.user):
        raise PermissionDenied(selectors.NOT_FOR_YOU)
    where = place_get(request.user, place, DASHBOARD_ROLES) if place else None
    return [{"place": k.code, "place_name": k.place_name, "month": k.month_code, "made_at": clock.stamp(k.made_at),
             "pdf_url": reverse("dashboard:kept_report_pdf", args=[k.code, k.month_code]),
             "xlsx_url": reverse("dashboard:kept_report_xlsx", args=[k.code, k.month_code])}
            for k in selectors.kept_reports(fetched_by=request.user, place=where)[:100]]


def _kept_file(request, place: str, month: str, kind: str) -> HttpResponse:
    if not may_view_dashboard(request.user):
        raise PermissionDenied(selectors.NOT_FOR_YOU)
    kept = selectors.kept_report_get(fetched_by=request.user, place=place, month=month)
    stored = kept.pdf if kind == "pdf" else kept.xlsx
    with stored.open("rb") as handle:
        data = handle.read()
    return _file(data, PDF if kind == "pdf" else XLSX, f"{kept.place_name}-{kept.month_code}-工作月报.{kind}")


@router.get("/dashboard/reports/{place}/{month}.pdf", response={**ERRORS}, operation_id="dashboard_kept_report_pdf",
            openapi_extra=_binary("存档的工作月报 PDF / a kept report's PDF", PDF))
def dashboard_kept_report_pdf(request: HttpRequest, place: str, month: str):
    """A kept report's PDF (`place` as community:3, `month` as 2026-11)."""
    return _kept_file(request, place, month, "pdf")


@router.get("/dashboard/reports/{place}/{month}.xlsx", response={**ERRORS},
            operation_id="dashboard_kept_report_xlsx",
            openapi_extra=_binary("存档的工作月报 Excel / a kept report's Excel", XLSX))
def dashboard_kept_report_xlsx(request: HttpRequest, place: str, month: str):
    """A kept report's Excel."""
    return _kept_file(request, place, month, "xlsx")
