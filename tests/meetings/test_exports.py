"""Each meetings list downloads as Excel with Chinese headers and exactly the rows the list shows, sent
as a stream from a spooled file (its memory does not grow with the rows)."""

import io
import re

import pytest
from openpyxl import load_workbook

from gongzhi.meetings.models import ActionItem, Matter, Meeting

pytestmark = pytest.mark.usefixtures("world")


def sheet(response):
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active.values)
    return rows[0], rows[1:]


def total(client, path, query):
    return int(re.search(r'data-testid="total">(\d+)<', client.get(path, query).content.decode())[1])


@pytest.mark.parametrize("path, export, headers", [
    ("/meetings/", "/meetings/export.xlsx", ("小区", "会议类型", "会议名称", "时间", "地点", "状态")),
    ("/matters/", "/matters/export.xlsx", ("小区", "议题", "议事程序", "来源", "状态", "三重一大", "提出时间", "完成时间")),
    ("/actions/", "/actions/export.xlsx", ("小区", "议题", "事项", "负责", "期限", "状态", "完成时间")),
])
def test_a_list_and_its_export_hold_the_same_rows(login, path, export, headers):
    client = login("yanshuji")
    for query in ({}, {"status": "closed"} if path == "/meetings/" else {"open": "1"} if path == "/actions/" else {"decided": "1"}):
        head, rows = sheet(client.get(export, query))
        assert head == headers
        assert len(rows) == total(client, path, query) > 0 or query
    assert f'href="{export}?' in client.get(path).content.decode()


def test_an_export_holds_only_what_the_viewer_sees(login, persona):
    from gongzhi.core import clock
    from gongzhi.core.scoping import scope_for
    from gongzhi.meetings.selectors import visible_meetings
    from tests.helpers import YIWU, estate

    Meeting.objects.create(estate=estate(YIWU), kind="special", title="义乌城专题会（他处）", scheduled_at=clock.now(),
                           convener=persona("yanshuji"))

    for username in ("yanshuji", "zhaozhuren"):
        _head, rows = sheet(login(username).get("/meetings/export.xlsx"))
        # what the viewer sees: the estates' meetings, and above the estate those of a place they cover
        mine = Meeting.objects.filter(visible_meetings(persona(username)))
        assert len(rows) == mine.count()
        assert {r[0] for r in rows} == {m.place_name for m in mine}
    other = Meeting.objects.exclude(estate__in=scope_for(persona("zhaozhuren")).estates())
    assert other.exists()
    assert "义乌城专题会（他处）" not in {r[2] for r in rows}
    assert len(sheet(login("wangayi").get("/matters/export.xlsx"))[1]) == Matter.objects.filter(
        estate__in=scope_for(persona("wangayi")).estates()).count()
    assert ActionItem.objects.exists()
