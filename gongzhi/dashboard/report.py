"""The monthly report (工作月报) of a place: the dashboard's sections for one month, as a PDF and as Excel.

- It is the dashboard, read for its viewer (`fetched_by`): the same sections, figures and scope. A
  scheduled or command-line report is read as a named user (`--as`), whose view it then holds.
- PDF: WeasyPrint with the machine's Chinese font (as notices and receipts print), A4, a table per
  section (this month, the same month last year, the change), each chart drawn as SVG on the server
  (charts.py) with its data as a table beneath.
- Excel: one sheet per section, Chinese headers: the figures (指标, 本期, 去年同期, 变化, 单位), each
  chart's table, and under "明细" the records behind each linked figure (core.figures.records_behind:
  the rows the figure's list page shows, at most ROWS_PER_FIGURE of them).
"""

import datetime
import io
import re
from dataclasses import dataclass
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.figures import BAD_PLACE, Section, records_behind
from gongzhi.dashboard import charts
from gongzhi.dashboard.rules import may_view_dashboard
from gongzhi.dashboard.selectors import NOT_FOR_YOU, Dashboard, dashboard
from gongzhi.notices.printing import NO_CJK_FONT, NO_PANGO, cjk_font_families

BAD_MONTH = "月份应写作 2026-11 / Write the month as 2026-11"
MONTH_NOT_OVER = "{month}尚未结束，只能生成已结束月份的月报 / {code} has not ended: a report is made for a past month"
ROWS_PER_FIGURE = 5000
ROWS_CUT = "（仅列出前 {n} 条）"
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Report:
    board: Dashboard

    @property
    def title(self) -> str:
        with translation.override("zh-hans"):
            return f"{self.board.place.name} {self.board.period.label} {_('工作月报')}"

    @property
    def stem(self) -> str:
        """The files' name: 明福社区-2026-11-工作月报."""
        return f"{self.board.place.name}-{self.board.period.code}-工作月报"


def parse_month(code: str | None, today: datetime.date | None = None) -> clock.Period:
    """The month a YYYY-MM names, if it has ended (a report of a month in progress would change
    tomorrow); anything else is refused with a message naming the month."""
    if not code or not re.fullmatch(r"\d{4}-\d{2}", code.strip(), re.ASCII):
        raise InvalidInput(BAD_MONTH, field="month")
    try:
        month = clock.parse_period(code.strip())
    except ValueError as exc:
        raise InvalidInput(BAD_MONTH, field="month") from exc
    if month.end >= (today or clock.today()):
        raise InvalidInput(MONTH_NOT_OVER.format(month=month.label, code=month.code), field="month")
    return month


def month_for(period: clock.Period, today: datetime.date | None = None) -> clock.Period:
    """The month the dashboard's report button offers for a period: the month itself once it has
    ended; for a quarter or a year, its last month that has ended (the last complete month when none
    has)."""
    last = clock.last_complete(clock.PeriodKind.MONTH, today)
    return clock.period(clock.PeriodKind.MONTH, min(period.end, last.end))


def monthly_report(*, fetched_by, place: str, month: str) -> Report:
    """The report of `place` ("community:3") for `month` ("2026-11") as `fetched_by` sees it; refused
    for a viewer who has no dashboard (403), a malformed place or month, a month not yet over (400) or
    a place outside the viewer's roles (404)."""
    if not may_view_dashboard(fetched_by):
        raise PermissionDenied(NOT_FOR_YOU)
    if not place:
        raise InvalidInput(BAD_PLACE, field="place")
    period = parse_month(month)
    with translation.override("zh-hans"):  # the report is in Chinese whatever the viewer's language
        return Report(dashboard(fetched_by=fetched_by, place=place, period=period.code))


def content_disposition(filename: str) -> str:
    """A download's Chinese file name, for browsers (RFC 6266 filename*), with an ASCII fallback."""
    return f"attachment; filename=\"report.{filename.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(filename)}"


# --- PDF ------------------------------------------------------------------------------------------
def report_html(report: Report) -> str:
    """The page WeasyPrint prints: each section's figures, its charts as SVG images with their tables."""
    board = report.board
    with translation.override("zh-hans"):  # a report handed to officers and posted on boards is in Chinese
        return render_to_string("dashboard/report_print.html", {
            "report": report, "board": board, "fonts": cjk_font_families(), "made_at": clock.stamp(clock.now()),
            "sections": [(s, [(c, charts.chart_data_uri(c)) for c in s.charts]) for s in board.sections],
        })


def report_pdf(report: Report) -> bytes:
    if not cjk_font_families():
        raise WrongState(NO_CJK_FONT)
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint's import loads Pango through ctypes
        raise WrongState(NO_PANGO) from exc
    return HTML(string=report_html(report)).write_pdf()


# --- Excel ----------------------------------------------------------------------------------------
FIGURE_HEADERS = ["指标", "本期", "去年同期", "变化", "单位"]


def sheet_name(title: str, taken: set[str]) -> str:
    """A section's title as a sheet name: at most 31 characters, none of []:*?/\\, not used twice."""
    base = SHEET_NAME_BAD.sub("", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name in taken:
        name = f"{base[:28]}({n})"
        n += 1
    taken.add(name)
    return name


def report_xlsx(report: Report, *, fetched_by) -> bytes:
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    with translation.override("zh-hans"):
        for section in report.board.sections:
            _section_sheet(book.create_sheet(sheet_name(section.title, taken)), report, section, fetched_by)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _section_sheet(sheet, report: Report, section: Section, fetched_by) -> None:
    bold = Font(bold=True)
    board = report.board

    def heading(text: str) -> None:
        sheet.append([text])
        sheet.cell(sheet.max_row, 1).font = bold

    heading(f"{report.title} · {section.title}")
    sheet.append([f"本期：{board.period.label}；去年同期：{board.last_year.label}"])
    sheet.append(FIGURE_HEADERS)
    for figure in section.figures:
        sheet.append([str(figure.label), figure.value, figure.last_year, figure.change, figure.unit])
    for chart in section.charts:
        sheet.append([])
        heading(f"图表：{chart.title}" + (f"（{chart.unit}）" if chart.unit else ""))
        sheet.append(["", *[s.name for s in chart.series]])
        for label, values in chart.rows:
            sheet.append([label, *values])
    for listing in section.listings:
        sheet.append([])
        heading(f"{listing.title}（{len(listing.rows)}）")
        for label, _link in listing.rows:
            sheet.append([label])
    for figure in section.figures:
        records = records_behind(figure, fetched_by=fetched_by, limit=ROWS_PER_FIGURE + 1)
        if records is None:
            continue
        sheet.append([])
        heading(f"明细：{figure.label}（{figure.value}）")
        sheet.append(records.headers)
        for row in records.rows[:ROWS_PER_FIGURE]:
            sheet.append(row)
        if len(records.rows) > ROWS_PER_FIGURE:
            sheet.append([ROWS_CUT.format(n=ROWS_PER_FIGURE)])
    sheet.column_dimensions["A"].width = 28
