"""Hostile spreadsheets: a 1.6 KB .xlsx whose two cells sit at A1 and XFD1048576 would make the reader
allocate hundreds of GiB and abort the process. read_table refuses it (and its variants) before
parsing, through every door: the function, the ledger API and the `gongzhi import` command.

Never hand such a file to python-calamine in this process: without the check it kills pytest. The
proof that the check is needed runs in a subprocess."""

import io
import os
import re
import subprocess
import sys
import zipfile

import pytest
from django.conf import settings
from openpyxl import Workbook

from gongzhi.core.errors import InvalidInput
from gongzhi.core.models import AuditEntry
from gongzhi.core.tables import FILE_INFLATED, TABLE_TOO_LARGE, read_table
from gongzhi.people.models import Ownership, Person
from gongzhi.places.models import Building, Estate, Unit

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def sheet_xml(cells: list[tuple[str, str]], dimension: str | None = None, rows: str | None = None) -> str:
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    if dimension:
        head += f'<dimension ref="{dimension}"/>'
    if rows is not None:
        return head + f"<sheetData>{rows}</sheetData></worksheet>"
    body = "".join(
        f'<row r="{re.sub(r"[A-Z]", "", ref)}"><c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'
        for ref, text in cells
    )
    return head + f"<sheetData>{body}</sheetData></worksheet>"


def hand_made_xlsx(sheet: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


CORNERS = [("A1", "小区"), ("XFD1048576", "x")]
HOSTILE = {
    "corners": hand_made_xlsx(sheet_xml(CORNERS)),
    "corners, dimension lying A1:B2": hand_made_xlsx(sheet_xml(CORNERS, dimension="A1:B2")),
    "dimension declaring the whole grid": hand_made_xlsx(sheet_xml([("A1", "小区")], dimension="A1:XFD1048576")),
    "far row, no cell reference": hand_made_xlsx(sheet_xml([], rows='<row r="1048576"><c t="inlineStr">'
                                                                 "<is><t>x</t></is></c></row>")),
    "reference after another attribute": hand_made_xlsx(sheet_xml([], rows=(
        '<row r="1"><c t="inlineStr" r="A1"><is><t>a</t></is></c></row>'
        "<row r='1048576'><c t='inlineStr' r='XFD1048576'><is><t>x</t></is></c></row>"))),
    "lower-case reference": hand_made_xlsx(sheet_xml([("A1", "a"), ("xfd1048576", "x")])),
}


def run(args: list[str], tmp_path) -> subprocess.CompletedProcess:
    """A fresh interpreter with its own var directory and database, so the real ones stay untouched."""
    env = {**os.environ, "GONGZHI_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'cli.sqlite3'}"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120,
                          cwd=settings.PROJECT_DIR, env=env)


def limits_in(message: str) -> bool:
    return str(settings.GONGZHI_IMPORT_MAX_ROWS) in message and str(settings.GONGZHI_IMPORT_MAX_COLUMNS) in message


def test_the_hostile_file_is_small():
    assert len(HOSTILE["corners"]) < 2000


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_read_table_refuses_a_sheet_beyond_the_limits(name):
    with pytest.raises(InvalidInput) as refused:
        read_table(HOSTILE[name], "台账.xlsx")
    assert refused.value.message == TABLE_TOO_LARGE.format(
        rows=settings.GONGZHI_IMPORT_MAX_ROWS, cols=settings.GONGZHI_IMPORT_MAX_COLUMNS)
    assert limits_in(refused.value.message) and " / " in refused.value.message


def test_the_check_keeps_the_process_alive_in_a_subprocess(tmp_path):
    """The same call in a fresh interpreter: before the check this died of SIGABRT (exit -6)."""
    path = tmp_path / "corners.xlsx"
    path.write_bytes(HOSTILE["corners"])
    code = (
        "import sys, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gongzhi.settings'); django.setup()\n"
        "from gongzhi.core.tables import read_table\n"
        "from gongzhi.core.errors import InvalidInput\n"
        "try:\n"
        f"    read_table(open({str(path)!r}, 'rb').read(), 'corners.xlsx')\n"
        "except InvalidInput as exc:\n"
        "    print('REFUSED', exc.message)\n"
    )
    result = run(["-c", code], tmp_path)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert "REFUSED" in result.stdout and limits_in(result.stdout)


def test_a_zip_bomb_member_is_refused(settings):
    settings.GONGZHI_IMPORT_MAX_UNZIPPED_BYTES = 1024 * 1024
    padding = "<!--" + " " * (2 * 1024 * 1024) + "-->"
    data = hand_made_xlsx(sheet_xml([("A1", "小区")]).replace("<sheetData>", padding + "<sheetData>"))
    with pytest.raises(InvalidInput) as refused:
        read_table(data, "台账.xlsx")
    assert refused.value.message.startswith(FILE_INFLATED.split("{")[0])


def test_an_absurd_compression_ratio_is_refused():
    padding = "<!--" + " " * (8 * 1024 * 1024) + "-->"  # 8 MB of spaces deflate to about 8 KB
    data = hand_made_xlsx(sheet_xml([("A1", "小区")]).replace("<sheetData>", padding + "<sheetData>"))
    with pytest.raises(InvalidInput) as refused:
        read_table(data, "台账.xlsx")
    assert refused.value.message.startswith(FILE_INFLATED.split("{")[0])


def test_an_ordinary_hand_made_sheet_still_reads():
    data = hand_made_xlsx(sheet_xml([("A1", "小区"), ("B1", "房号"), ("A2", "新华苑"), ("B2", "1-1-101")],
                                    dimension="A1:B2"))
    assert read_table(data, "台账.xlsx") == [["小区", "房号"], ["新华苑", "1-1-101"]]


def test_a_large_but_lawful_sheet_reads():
    book = Workbook()
    sheet = book.active
    for i in range(3000):
        sheet.append([f"r{i}", i, f"{i}.50"])
    sheet.cell(row=3001, column=settings.GONGZHI_IMPORT_MAX_COLUMNS, value="edge")
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_table(buffer.getvalue(), "big.xlsx")
    assert len(rows) == 3001 and rows[2999][:3] == ["r2999", "2999", "2999.50"] and rows[-1][-1] == "edge"


def test_xls_is_read_in_a_bounded_subprocess(settings):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("台账")
    sheet.write(0, 0, "小区")
    sheet.write(0, 1, 88.5)
    sheet.write(300, 3, "far")
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_table(buffer.getvalue(), "旧台账.xls")
    assert rows[0][:2] == ["小区", "88.5"] and rows[300][3] == "far"
    settings.GONGZHI_IMPORT_MAX_ROWS = 100
    with pytest.raises(InvalidInput) as refused:
        read_table(buffer.getvalue(), "旧台账.xls")
    assert refused.value.message == TABLE_TOO_LARGE.format(rows=100, cols=settings.GONGZHI_IMPORT_MAX_COLUMNS)


# --- through the doors: the ledger API and the `gongzhi import` command ---------------------------------
def _post_ledger(client, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/v1/places/ledger", {"file": SimpleUploadedFile("台账.xlsx", content)})


def _counts():
    return (Estate.objects.count(), Building.objects.count(), Unit.objects.count(), Person.objects.count(),
            Ownership.objects.count(), AuditEntry.objects.count())


def test_the_ledger_api_answers_400_and_writes_nothing(client, community, community_staff):
    client.force_login(community_staff)
    before = _counts()
    answer = _post_ledger(client, HOSTILE["corners"])
    assert answer.status_code == 400
    assert limits_in(answer.json()["detail"])
    assert _counts() == before


def test_the_ledger_api_still_imports_a_normal_ledger(client, community, community_staff):
    book = Workbook()
    book.active.append(["社区", "小区", "楼栋", "单元", "房号", "建筑面积", "房屋类型", "业主姓名", "联系电话"])
    book.active.append([community.name, "新华苑", "1", "1", "1-1-101", "89.50", "住宅", "张三", "13812345678"])
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(community_staff)
    answer = _post_ledger(client, buffer.getvalue())
    assert answer.status_code == 201, answer.content
    assert Unit.objects.filter(estate__name="新华苑").exists()


def test_gongzhi_import_exits_2_with_the_message(tmp_path):
    path = tmp_path / "corners.xlsx"
    path.write_bytes(HOSTILE["corners"])
    result = run(["-m", "gongzhi.cli", "import", str(path), "--community", "明福社区"], tmp_path)
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert limits_in(result.stderr)


def test_gongzhi_tally_exits_2_with_the_message(tmp_path):
    units = tmp_path / "units.xlsx"
    units.write_bytes(HOSTILE["corners"])
    ballots = tmp_path / "ballots.csv"
    ballots.write_text("房号,投票人,表决意见\n1-1-101,a,同意\n", encoding="utf-8")
    result = run(["-m", "gongzhi.cli", "tally", "--units", str(units), "--ballots", str(ballots), "--item", "4"],
                 tmp_path)
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert limits_in(result.stderr)
