"""A notice's table refuses, in every cell and header, what every text field refuses: NUL and other
control characters, and the Unicode direction controls that would make a published or printed
figure read reversed ("金额 ‮00.81" shows as "18.00"). From the service, the spreadsheet form and the API."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from gongzhi.core.api_schema import BIDI_CONTROLS, CONTROL_CHARACTERS, DIRECTION_CONTROLS
from gongzhi.core.errors import InvalidInput
from gongzhi.notices import services
from gongzhi.notices.models import Notice
from tests.helpers import PACIFIC, estate

pytestmark = pytest.mark.usefixtures("world")
DIRECTIONS = sorted(BIDI_CONTROLS)


def publish(actor, table):
    return services.notice_publish(actor, estate_id=estate(PACIFIC).pk, kind="financial", audience="estate",
                                   title="十月收支公示", body="详见下表。", table=table)


@pytest.mark.parametrize("char", DIRECTIONS, ids=[f"U+{ord(c):04X}" for c in DIRECTIONS])
@pytest.mark.parametrize("where", ["cell", "header", "spreadsheet rows"])
def test_a_direction_control_anywhere_in_the_table_is_refused(persona, char, where):
    table = {"columns": ["项目", "金额（元）"], "rows": [["电梯广告", "18,600.00"], ["保洁", "3,200.00"]]}
    if where == "cell":
        table["rows"][1][1] = f"{char}00.002,3"
    elif where == "header":
        table["columns"][1] = f"金额{char}"
    else:
        table = [table["columns"], *table["rows"]]
        table[2][0] = f"保{char}洁"
    before = Notice.objects.count()
    with pytest.raises(InvalidInput) as error:
        publish(persona("zhaozhuren"), table)
    assert error.value.message == DIRECTION_CONTROLS and error.value.field == "table"
    assert Notice.objects.count() == before


@pytest.mark.parametrize("text", ["18\x00600", "\x1b[31m", "保洁\x07"])
def test_nul_and_control_characters_in_a_cell_are_refused(persona, text):
    with pytest.raises(InvalidInput) as error:
        publish(persona("zhaozhuren"), {"columns": ["项目"], "rows": [[text]]})
    assert error.value.message == CONTROL_CHARACTERS


def test_line_breaks_and_tabs_in_a_cell_are_kept(persona):
    """What a spreadsheet cell legitimately holds (Alt+Enter) is not a control character."""
    notice = publish(persona("zhaozhuren"), {"columns": ["项目"], "rows": [["电梯\n广告\t收入"]]})
    assert notice.table["rows"] == [["电梯\n广告\t收入"]]


def test_the_spreadsheet_form_shows_the_message_and_publishes_nothing(login):
    book = Workbook()
    book.active.append(["项目", "金额（元）"])
    book.active.append(["电梯广告", "\u202e00.81"])
    data = io.BytesIO()
    book.save(data)
    before = Notice.objects.count()
    response = login("zhaozhuren").post("/notices/new/", {
        "place": f"e{estate(PACIFIC).pk}", "kind": "financial", "audience": "public", "title": "十月公共收益公示",
        "body": "详见下表。", "table_file": SimpleUploadedFile("收支.xlsx", data.getvalue()),
    })
    assert response.status_code == 200 and DIRECTION_CONTROLS in response.content.decode()
    assert Notice.objects.count() == before


def test_a_csv_with_nul_in_a_cell_is_refused_on_the_form(login):
    before = Notice.objects.count()
    response = login("zhaozhuren").post("/notices/new/", {
        "place": f"e{estate(PACIFIC).pk}", "kind": "financial", "audience": "public", "title": "十月公共收益公示",
        "body": "详见下表。", "table_file": SimpleUploadedFile("收支.csv", "项目,金额\n电梯广告,18\x00600\n".encode()),
    })
    assert response.status_code == 200 and CONTROL_CHARACTERS in response.content.decode()
    assert Notice.objects.count() == before


def test_the_api_refuses_a_direction_control_in_a_cell(login):
    before = Notice.objects.count()
    answer = login("zhaozhuren").post("/api/v1/notices", {
        "estate_id": estate(PACIFIC).pk, "kind": "financial", "audience": "estate", "title": "十月收支公示",
        "body": "详见下表。", "table": {"columns": ["项目"], "rows": [["保\u2067洁"]]},
    }, content_type="application/json")
    assert answer.status_code in (400, 422) and DIRECTION_CONTROLS in json.dumps(answer.json(), ensure_ascii=False)
    assert Notice.objects.count() == before
