"""Ledger (台账) import and export: Chinese or English headers, per-row errors, all-or-nothing."""

import io
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.roles import Role
from gongzhi.core.tables import FILE_TOO_BIG, FILE_UNREADABLE
from gongzhi.people.models import Ownership, Person
from gongzhi.places import ledger
from gongzhi.places.models import Building, Estate, Unit
from tests.factories import CommunityFactory, EstateFactory, user_with_role
from tests.helpers import YIWU, estate

NOTHING_IMPORTED = ledger.NOTHING_IMPORTED.split("{n}")[1]  # "处错误，未导入任何数据 / Nothing imported"

HEADER = ["小区", "楼栋", "单元", "房号", "建筑面积", "房屋类型", "业主姓名", "联系电话", "身份证号"]
GOOD_ID = "11010519491231002X"


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_rows():
    return [
        ["新华苑", "1", "1", "1-1-101", "89.50", "住宅", "张三", "13812345678", GOOD_ID],
        ["新华苑", "1", "1", "1-1-102", 102.25, "住宅", "李四", "13900001111", ""],
        ["新华苑", "1", "1", "1-1-102", 102.25, "住宅", "李四妻", "", ""],  # co-owner
        ["新华苑", "2", "1", "2-1-101", "75", "商业", "张三", "13812345678", GOOD_ID],  # 2nd unit, same owner
        ["新华苑", "P", "", "P-001", "12.5", "车位", "建设单位", "", ""],
    ]


def counts():
    return (Estate.objects.count(), Building.objects.count(), Unit.objects.count(), Person.objects.count(),
            Ownership.objects.count())


def test_id_number_check_digit():
    assert ledger.id_number_valid(GOOD_ID)
    assert not ledger.id_number_valid("110105194912310021")
    assert ledger.id_number_valid("410102800101123")  # 15-digit old number


def test_good_ledger_imports_everything(community, community_staff):
    before = counts()
    rows = ledger.parse_rows(ledger.read_table(xlsx(good_rows()), "t.xlsx"), community_name=community.name)
    result = ledger.ledger_import(community_staff, rows=rows)
    assert (result.estates, result.buildings, result.units, result.persons, result.ownerships) == (1, 3, 4, 4, 5)
    assert counts() == tuple(b + d for b, d in zip(before, (1, 3, 4, 4, 5), strict=True))
    zhang = Person.objects.get(id_number=GOOD_ID)
    assert zhang.ownerships.count() == 2
    assert Unit.objects.get(estate__name="新华苑", code="1-1-102").ownerships.count() == 2
    assert Unit.objects.get(estate__name="新华苑", code="P-001").ownerships.get().person.kind == "developer"
    assert str(Unit.objects.get(estate__name="新华苑", code="1-1-101").area) == "89.50"
    assert Estate.objects.get(name="新华苑").household_count == 2


def test_imported_rows_take_their_ids_from_the_sequences(community, community_staff):
    """On PostgreSQL the units, people and ownerships are written with COPY under ids drawn from their
    sequences: a row written the ordinary way afterwards gets the next id, no clash."""
    rows = ledger.parse_rows(ledger.read_table(xlsx(good_rows()), "t.xlsx"), community_name=community.name)
    ledger.ledger_import(community_staff, rows=rows)
    first = Unit.objects.filter(estate__name="新华苑").first()
    last = (max(Unit.objects.values_list("pk", flat=True)), max(Person.objects.values_list("pk", flat=True)),
            max(Ownership.objects.values_list("pk", flat=True)))
    unit = Unit.objects.create(estate=first.estate, building=first.building, code="9-9-999", area=50)
    person = Person.objects.create(name="后来者")
    ownership = Ownership.objects.create(unit=unit, person=person)
    assert (unit.pk, person.pk, ownership.pk) > last and unit.pk > last[0] and person.pk > last[1]
    assert ownership.pk > last[2]


def test_bad_rows_import_nothing_and_say_where(persona):
    rows = good_rows() + [
        ["新华苑", "3", "1", "3-1-101", "abc", "住宅", "王五", "", ""],
        ["新华苑", "3", "1", "3-1-102", "-5", "住宅", "王六", "", ""],
        ["新华苑", "3", "1", "3-1-103", "80.123", "住宅", "王七", "", ""],
        ["新华苑", "3", "1", "3-1-104", "80", "别墅", "王八", "", ""],
        ["新华苑", "3", "1", "3-1-105", "80", "住宅", "", "", ""],
        ["新华苑", "3", "1", "3-1-106", "80", "住宅", "赵九", "12345", ""],
        ["新华苑", "3", "1", "3-1-107", "80", "住宅", "钱十", "", "110105194912310021"],
        ["新华苑", "1", "1", "1-1-101", "90", "住宅", "孙一", "", ""],  # same unit, other area
    ]
    before = counts()
    with pytest.raises(ledger.LedgerImportError) as exc:
        ledger.parse_rows(ledger.read_table(xlsx(rows), "t.xlsx"), community_name="明福社区")
    found = {(e.row, e.column) for e in exc.value.errors}
    assert found == {(7, "建筑面积"), (8, "建筑面积"), (9, "建筑面积"), (10, "房屋类型"), (11, "业主姓名"),
                     (12, "联系电话"), (13, "身份证号"), (14, "建筑面积")}
    assert NOTHING_IMPORTED in exc.value.message
    assert counts() == before


def test_existing_unit_refuses_whole_file(persona):
    rows = [["义乌城小区", "5", "1", "5-1-302", "90", "住宅", "某人", "", ""],
            ["义乌城小区", "99", "1", "99-1-101", "90", "住宅", "某人", "", ""]]
    before = counts()
    parsed = ledger.parse_rows(ledger.read_table(xlsx(rows), "t.xlsx"), community_name="明福社区")
    with pytest.raises(ledger.LedgerImportError) as exc:
        ledger.ledger_import(persona("shequ"), rows=parsed)
    assert [e.row for e in exc.value.errors] == [2]
    assert counts() == before


def test_english_headers_and_gbk_csv(community, community_staff):
    text = "estate,building,unit,area,owner,phone\r\n英文苑,1,1-101,66.6,Zhang San,13812345678\r\n"
    rows = ledger.parse_rows(ledger.read_table(text.encode("gb18030"), "t.csv"), community_name=community.name)
    ledger.ledger_import(community_staff, rows=rows)
    assert Unit.objects.get(estate__name="英文苑", code="1-101").ownerships.get().person.name == "Zhang San"


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"PK\x03\x04 not really a workbook", "t.xlsx", FILE_UNREADABLE),
        (b"\x00\x01\x02", "t.pdf", FILE_UNREADABLE),
        (b"", "t.csv", ledger.FILE_EMPTY),
        ("房号,面积\n1-101,3\n".encode(), "t.csv", ledger.MISSING_COLUMNS.split("{")[0]),
    ],
)
def test_broken_files_get_a_clear_message(world, data, name, message):
    with pytest.raises(InvalidInput) as exc:
        ledger.parse_rows(ledger.read_table(data, name), community_name="明福社区")
    assert message in exc.value.message


def test_oversized_file(settings, world):
    settings.GONGZHI_IMPORT_MAX_BYTES = 100
    with pytest.raises(InvalidInput, match=re.escape(FILE_TOO_BIG.split("{")[0])):
        ledger.read_table(b"x" * 101, "t.csv")


@pytest.mark.parametrize("who, refusal", [
    ("property_staff", pytest.raises(PermissionDenied)),  # of an estate in the community
    ("other_secretary", pytest.raises(InvalidInput, match=re.escape(ledger.UNKNOWN_COMMUNITY.split("：")[0]))),  # another community's staff
])
def test_import_needs_community_role(community, who, refusal):
    actor = {
        "property_staff": lambda: user_with_role(Role.PROPERTY_STAFF, EstateFactory(community=community)),
        "other_secretary": lambda: user_with_role(Role.COMMUNITY_SECRETARY, CommunityFactory(
            subdistrict=community.subdistrict)),
    }[who]()
    rows = ledger.parse_rows(ledger.read_table(xlsx(good_rows()), "t.xlsx"), community_name=community.name)
    before = counts()
    with refusal:
        ledger.ledger_import(actor, rows=rows)
    assert counts() == before


def test_upload_page_shows_row_errors(login):
    client = login("shequ")
    from django.core.files.uploadedfile import SimpleUploadedFile

    community = estate(YIWU).community_id
    bad = xlsx([["新华苑", "1", "1", "1-1-101", "abc", "住宅", "张三", "", ""]])
    response = client.post("/ledger/import/", {"community": community, "file": SimpleUploadedFile("t.xlsx", bad)})
    page = response.content.decode()
    assert response.status_code == 200 and ledger.NOT_A_NUMBER.split("：")[0] in page and "<td>2</td>" in page
    assert not Estate.objects.filter(name="新华苑").exists()
    response = client.post("/ledger/import/", {"community": community,
                                               "file": SimpleUploadedFile("t.xlsx", xlsx(good_rows()))})
    assert response.status_code == 302
    assert Estate.objects.filter(name="新华苑").exists()


def test_upload_page_closed_to_residents(login):
    assert login("wangayi").get("/ledger/import/").status_code == 403


def test_cli_import_and_export_round_trip(world, tmp_path):
    source = tmp_path / "ledger.xlsx"
    source.write_bytes(xlsx(good_rows()))
    call_command("import_ledger", str(source), community="明福社区")
    out = tmp_path / "out.xlsx"
    call_command("export_ledger", "新华苑", output=str(out))
    exported = list(load_workbook(out).active.iter_rows(values_only=True))
    assert exported[0][:5] == ("社区", "小区", "楼栋", "单元", "房号")
    assert len(exported) == 1 + 5
    # the export reads back in as a ledger: same units, owners and areas
    rows = ledger.parse_rows(ledger.read_table(out.read_bytes(), "out.xlsx"))
    assert sorted((r.unit, r.area, r.owner) for r in rows) == sorted(
        (r[3], Decimal(str(r[4])), r[6]) for r in good_rows()
    )


def test_cli_import_reports_rows(world, tmp_path):
    source = tmp_path / "bad.xlsx"
    source.write_bytes(xlsx([["新华苑", "1", "1", "1-1-101", "abc", "住宅", "张三", "", ""]]))
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError, match=re.escape(NOTHING_IMPORTED)):
        call_command("import_ledger", str(source), community="明福社区", errors=str(report))
    assert "2,建筑面积" in report.read_text(encoding="utf-8-sig")


def test_console_script_help():
    result = subprocess.run([sys.executable, "-m", "gongzhi.cli", "--help"], capture_output=True, text=True)
    assert "gongzhi import FILE" in result.stdout


def test_old_excel_xls(community, community_staff):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("台账")
    for row, values in enumerate([HEADER, ["旧表苑", "1", "1", "1-1-101", 88.5, "住宅", "张三", "13812345678", ""]]):
        for col, value in enumerate(values):
            sheet.write(row, col, value)
    buffer = io.BytesIO()
    book.save(buffer)
    rows = ledger.parse_rows(ledger.read_table(buffer.getvalue(), "旧台账.xls"), community_name=community.name)
    ledger.ledger_import(community_staff, rows=rows)
    assert str(Unit.objects.get(estate__name="旧表苑", code="1-1-101").area) == "88.50"
    with pytest.raises(InvalidInput, match=re.escape(FILE_UNREADABLE)):
        ledger.read_table(b"\xd0\xcf\x11\xe0 broken", "坏.xls")


# --- the same import through the API (multipart) ------------------------------------------------------
def _post_ledger(client, content: bytes, community_id=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile("台账.xlsx", content)}
    if community_id is not None:
        data["community_id"] = str(community_id)
    return client.post("/api/v1/places/ledger", data)


def test_the_api_imports_a_ledger_for_community_staff(client, community, community_staff):
    client.force_login(community_staff)
    answer = _post_ledger(client, xlsx(good_rows()), community.pk)
    assert answer.status_code == 201
    assert answer.json() == {"estates": 1, "buildings": 3, "units": 4, "persons": 4}


def test_the_api_refuses_a_bad_row_and_writes_nothing(client, community, community_staff):
    client.force_login(community_staff)
    before = counts()
    rows = good_rows() + [["新华苑", "1", "1", "1-1-103", "-5", "住宅", "王五", "", ""]]
    answer = _post_ledger(client, xlsx(rows), community.pk)
    assert answer.status_code == 400 and NOTHING_IMPORTED in answer.json()["detail"]
    assert _post_ledger(client, b"not a spreadsheet", community.pk).status_code == 400
    assert counts() == before


def test_the_api_refuses_the_wrong_role_and_another_community(client, community, community_staff):
    client.force_login(user_with_role(Role.RESIDENT, community))
    assert _post_ledger(client, xlsx(good_rows()), community.pk).status_code == 403
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, CommunityFactory()))
    before = counts()
    assert _post_ledger(client, xlsx(good_rows()), community.pk).status_code == 404
    assert counts() == before
