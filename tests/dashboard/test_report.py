"""The monthly report (工作月报): its PDF opens with real Chinese glyphs in an embedded CJK font and
its charts drawn as SVG; its Excel re-reads with the dashboard's own numbers, a sheet per section, and
the records behind each linked figure; bad input makes nothing; publishing puts a notice with the PDF
in the transparency log; the download and publish endpoints refuse the wrong role (403) and another
community (404)."""

import base64
import ctypes
import io
import re
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pypdfium2
import pypdfium2.raw as pdfium
import pytest
from django.core.management import CommandError, call_command

from gongzhi.core import clock as clock_module
from gongzhi.core.figures import records_behind
from gongzhi.core.models import AuditEntry
from gongzhi.dashboard import report, services
from gongzhi.dashboard.report import FIGURE_HEADERS
from gongzhi.dashboard.selectors import dashboard
from gongzhi.notices.models import LogLeaf, Notice
from gongzhi.notices.printing import cjk_font_families
from tests.helpers import PACIFIC, YIWU, estate

pytestmark = pytest.mark.usefixtures("world")


def last_month() -> str:
    return clock_module.last_complete(clock_module.PeriodKind.MONTH).code


def place_of(level: str) -> str:
    yiwu = estate(YIWU)
    return {"estate": f"estate:{yiwu.pk}", "community": f"community:{yiwu.community_id}",
            "subdistrict": f"subdistrict:{yiwu.community.subdistrict_id}"}[level]


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def pdf_fonts(data: bytes) -> set[str]:
    """The base names of the fonts the PDF's text is drawn in, and whether each is embedded."""
    names = set()
    for page in pypdfium2.PdfDocument(data):
        for obj in page.get_objects(max_depth=5):
            if obj.type != pdfium.FPDF_PAGEOBJ_TEXT:
                continue
            font = pdfium.FPDFTextObj_GetFont(obj.raw)
            size = pdfium.FPDFFont_GetBaseFontName(font, None, 0)
            buffer = ctypes.create_string_buffer(size)
            pdfium.FPDFFont_GetBaseFontName(font, buffer, size)
            if pdfium.FPDFFont_GetIsEmbedded(font):
                names.add(buffer.value.decode())
    return names


def squeeze(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def test_the_pdf_has_real_chinese_glyphs_in_an_embedded_cjk_font_and_svg_charts(persona, clock):
    user = persona("wuganbu")
    made = report.monthly_report(fetched_by=user, place=place_of("subdistrict"), month=last_month())
    charts = [c for s in made.board.sections for c in s.charts]
    assert len(charts) >= 5

    html = report.report_html(made)
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == len(charts), "every chart is drawn"
    for image in images:
        svg = base64.b64decode(image).decode()
        assert svg.startswith("<svg") and "<path" in svg, "a vector drawing, glyphs as paths"

    data = report.report_pdf(made)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert f"{made.board.place.name} {made.board.period.label} 工作月报" in text
    for section in made.board.sections:
        assert section.title in text, section.title
    assert "去年同期" in text and "□" not in text
    families = {squeeze(f) for f in cjk_font_families()}
    embedded = {squeeze(name.partition("+")[2] or name) for name in pdf_fonts(data)}
    assert any(family in name or name in family for name in embedded for family in families), embedded
    paths = sum(1 for page in pypdfium2.PdfDocument(data) for obj in page.get_objects(max_depth=5)
                if obj.type == pdfium.FPDF_PAGEOBJ_PATH)
    assert paths > 20 * len(charts), "the charts are vector paths in the PDF"


def test_a_chart_label_missing_from_the_font_would_be_an_error_not_a_box():
    from gongzhi.core.figures import Chart, Series
    from gongzhi.dashboard.charts import chart_svg

    drawn = chart_svg(Chart("c", "按类别", "bar", ["环境卫生", "电梯"], [Series("2026年11月", [3, 1])]))
    assert drawn.count("<path") > 10
    with pytest.raises(UserWarning, match="missing from font"):
        chart_svg(Chart("c", "x", "bar", ["\U0001f3e0"], [Series("s", [1])]))  # 🏠: no font here draws it


def plain(value):
    return float(value) if isinstance(value, Decimal) else value


def sheet_rows(sheet) -> list[tuple]:
    return [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("username, level", [("wuganbu", "subdistrict"), ("yanshuji", "community")])
def test_the_excel_rereads_with_the_dashboards_numbers(persona, clock, username, level):
    user = persona(username)
    month = last_month()
    made = report.monthly_report(fetched_by=user, place=place_of(level), month=month)
    book = openpyxl.load_workbook(io.BytesIO(report.report_xlsx(made, fetched_by=user)))
    board = dashboard(fetched_by=user, place=place_of(level), period=month)  # the dashboard's own selector

    assert book.sheetnames == [s.title for s in board.sections], "one sheet per section, in order"
    for section in board.sections:
        rows = sheet_rows(book[section.title])
        header = rows.index(tuple(FIGURE_HEADERS) + (None,) * (len(rows[0]) - len(FIGURE_HEADERS)))
        for i, figure in enumerate(section.figures):
            label, value, last_year, change, unit = rows[header + 1 + i][:5]
            assert (label, value, last_year, change) == (
                str(figure.label), plain(figure.value), plain(figure.last_year), plain(figure.change)), figure.key
            assert (unit or "") == figure.unit
        for chart in section.charts:
            at = rows.index((f"图表：{chart.title}" + (f"（{chart.unit}）" if chart.unit else ""),) +
                            (None,) * (len(rows[0]) - 1))
            for j, (label, values) in enumerate(chart.rows):
                assert list(rows[at + 2 + j][:1 + len(values)]) == [label, *[plain(v) for v in values]]

    detailed = 0
    for section in board.sections:
        rows = sheet_rows(book[section.title])
        for figure in section.figures:
            if records_behind(figure, fetched_by=user, limit=1) is None:
                continue
            at = rows.index((f"明细：{figure.label}（{figure.value}）",) + (None,) * (len(rows[0]) - 1))
            block = []
            for row in rows[at + 2:]:
                if not any(v is not None for v in row):
                    break
                block.append(row)
            assert len(block) == figure.value, f"the rows behind {section.key}.{figure.key} are the records it counts"
            detailed += 1
    assert detailed >= 8, "requests, meetings, votes and bodies list their records"
    requests = next(s for s in board.sections if s.key == "requests")
    rows = sheet_rows(book[requests.title])
    assert ("诉求编号", "小区", "类别", "状态", "办理层级", "提交时间") in [row[:6] for row in rows]


@pytest.mark.parametrize("place, month, message", [
    ("community", "2026/11", "月份应写作"),
    ("community", "2026-13", "月份应写作"),
    ("community", "", "月份应写作"),
    ("nowhere:1", "LAST", "地点应写作"),
    ("community:abc", "LAST", "地点应写作"),
    ("community", "THIS", "尚未结束"),
    ("community", "NEXT", "尚未结束"),
    ("other-community", "LAST", "未找到"),
])
def test_the_command_refuses_bad_input_and_makes_nothing(persona, clock, tmp_path, place, month, message):
    months = {"LAST": last_month(), "THIS": clock_module.period("month").code,
              "NEXT": clock_module.add_months(clock_module.today().replace(day=1), 1).strftime("%Y-%m")}
    pacific = estate(PACIFIC)
    places = {"community": place_of("community"), "other-community": f"community:{pacific.community_id + 1000}"}
    with pytest.raises(CommandError, match=message):
        call_command("report", place=places.get(place, place), month=months.get(month, month), username="yanshuji",
                     out=str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_the_command_refuses_a_community_outside_the_users_roles(world, clock, tmp_path):
    from gongzhi.places.models import Community

    other = Community.objects.exclude(pk=estate(YIWU).community_id).first()
    with pytest.raises(CommandError, match="未找到"):
        call_command("report", place=f"community:{other.pk}", month=last_month(), username="yanshuji", out=str(tmp_path))
    with pytest.raises(CommandError, match="没有这个用户"):
        call_command("report", place=place_of("community"), month=last_month(), username="nobody", out=str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_the_command_writes_the_pdf_and_the_excel(clock, tmp_path):
    out = io.StringIO()
    call_command("report", place=place_of("estate"), month=last_month(), username="yanshuji", out=str(tmp_path),
                 stdout=out)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"{YIWU}-{last_month()}-工作月报.pdf", f"{YIWU}-{last_month()}-工作月报.xlsx"]
    assert (tmp_path / files[0]).read_bytes().startswith(b"%PDF-")
    assert YIWU in pdf_text((tmp_path / files[0]).read_bytes())
    assert "用时" in out.getvalue()


# --- publishing -----------------------------------------------------------------------------------
def test_publishing_puts_a_notice_with_the_pdf_in_the_log(login, persona, clock):
    client = login("yanshuji")
    place, month = place_of("community"), last_month()
    page = client.get(f"/dashboard/?place={place}&period={month}").content.decode()
    assert 'data-testid="report-publish-form"' in page
    answer = client.post("/dashboard/report/publish", {"place": place, "month": month})
    notice = Notice.objects.get(title__endswith="工作月报", title__startswith="明福社区")
    assert answer.status_code == 302 and answer["Location"] == f"/notices/{notice.pk}/"
    attachment = notice.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.name.endswith("工作月报.pdf")
    assert "明福社区" in pdf_text(attachment.file.read())
    assert LogLeaf.objects.filter(kind="notice", ref_id=notice.pk).exists()
    assert AuditEntry.objects.filter(action="notice.publish", subject_id=str(notice.pk), actor__username="yanshuji").exists()
    assert notice.table["rows"], "the figures are the notice's table"


def test_only_a_publisher_of_an_estate_or_community_publishes(login, persona, clock):
    month = last_month()
    auditor = login("zhoushenji")  # sees the dashboard, publishes nothing
    assert 'report-publish-form' not in auditor.get(f"/dashboard/?place={place_of('community')}").content.decode()
    assert auditor.post("/dashboard/report/publish", {"place": place_of("community"), "month": month}).status_code == 403
    api = login("wuganbu").post("/api/v1/dashboard/report/publish", {"place": place_of("subdistrict"), "month": month},
                                content_type="application/json")
    assert api.status_code == 400 and "只有小区或社区的月报" in api.json()["detail"]
    assert not Notice.objects.filter(title__endswith="工作月报").exists()


# --- the permission grid --------------------------------------------------------------------------
@pytest.mark.parametrize("username, status", [
    ("wangayi", 403), ("chen", 403),  # an owner, a building head: no dashboard
    ("lijing", 404),  # the secretary of another community
    ("yanshuji", 200),
])
@pytest.mark.parametrize("url", ["/dashboard/report.xlsx", "/api/v1/dashboard/report.xlsx"])
def test_the_report_downloads_refuse_the_wrong_role_and_another_community(login, clock, username, status, url):
    got = login(username).get(url, {"place": place_of("community"), "month": last_month()})
    assert got.status_code == status
    if status == 200:
        assert got["Content-Type"].startswith("application/vnd.openxmlformats")
        assert quote(f"明福社区-{last_month()}-工作月报.xlsx") in got["Content-Disposition"]
    else:
        assert not got.content.startswith(b"PK")


def test_the_pdf_download_and_its_api_twin(login, clock):
    client = login("yanshuji")
    query = {"place": place_of("estate"), "month": last_month()}
    page, api = client.get("/dashboard/report.pdf", query), client.get("/api/v1/dashboard/report.pdf", query)
    assert page.status_code == api.status_code == 200
    assert YIWU in pdf_text(page.content) and YIWU in pdf_text(api.content)
    assert login("lijing").get("/dashboard/report.pdf", query).status_code == 404


def test_kept_reports_are_listed_and_downloaded_in_scope(login, persona, clock):
    kept = services.report_keep(persona("guanliyuan"), place=place_of("community"), month=last_month())
    assert kept is not None and kept.is_made
    url = f"/dashboard/reports/{place_of('community')}/{last_month()}"
    secretary = login("yanshuji")
    page = secretary.get(f"/dashboard/?place={place_of('community')}").content.decode()
    assert f'href="{url}.pdf"' in page
    got = secretary.get(f"{url}.pdf")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF-")
    api = secretary.get(f"/api/v1{url}.xlsx")
    assert api.status_code == 200 and api.content.startswith(b"PK")
    listed = secretary.get("/api/v1/dashboard/reports").json()
    assert [(r["place"], r["month"]) for r in listed] == [(place_of("community"), last_month())]
    assert login("lijing").get(f"{url}.pdf").status_code == 404
    assert login("lijing").get("/api/v1/dashboard/reports").json() == []
    assert login("wangayi").get(f"{url}.pdf").status_code == 403
    assert login("yanshuji").get(f"/dashboard/reports/{place_of('community')}/2001-01.pdf").status_code == 404
    assert login("yanshuji").get(f"/dashboard/reports/community:x/{last_month()}.pdf").status_code == 400


def test_the_report_is_in_chinese_whatever_the_viewers_language(persona, clock):
    from django.utils import translation

    with translation.override("en"):
        made = report.monthly_report(fetched_by=persona("yanshuji"), place=place_of("community"), month=last_month())
        assert made.title.endswith("年" + str(int(last_month()[5:])) + "月 工作月报")
        assert "诉求" in [s.title for s in made.board.sections]


@pytest.mark.parametrize("period, offered", [
    ("2026-11", "2026-11"),  # a month that has ended: itself
    ("2026-12", "2026-11"),  # the month in progress: the last complete month
    ("2026-Q4", "2026-11"),  # a quarter in progress: its last month that has ended
    ("2026-Q3", "2026-09"),
    ("2025", "2025-12"),
])
def test_the_button_offers_the_periods_last_complete_month(login, clock, period, offered):
    clock.set("2026-12-07 10:00")
    assert report.month_for(clock_module.parse_period(period)).code == offered
    page = login("yanshuji").get("/dashboard/", {"place": place_of("community"), "period": period}).content.decode()
    assert f"month={offered}" in page
