"""Hostile input (issue "Security and robustness"): absurd amounts, non-finite numbers, impossible
dates, digits that are not ASCII, NUL bytes, Unicode direction controls and over-large API bodies get
a clear message, Chinese first, and change nothing — never a 500."""

import base64
import datetime
import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from gongzhi.core import clock
from gongzhi.core.api_schema import CONTROL_CHARACTERS, DIRECTION_CONTROLS
from gongzhi.core.errors import InvalidInput
from gongzhi.core.middleware import BODY_TOO_LARGE
from gongzhi.core.money import AMOUNT_TOO_LARGE, BAD_AMOUNT, fen, fen_or_none
from gongzhi.core.text import ascii_int, clean_text
from gongzhi.core.web import posted_id
from gongzhi.finance.models import BankLine, Expense, Transaction
from gongzhi.meetings.models import Meeting
from gongzhi.meetings.services import meetings as meeting_services
from gongzhi.notices import services as notice_services
from gongzhi.notices.models import Notice
from gongzhi.places import ledger
from gongzhi.places.models import Building
from gongzhi.places.selectors import natural_key
from gongzhi.requests import open311
from gongzhi.requests import services as request_services
from gongzhi.requests.models import Request
from tests.helpers import PACIFIC, YIWU, estate

HUGE = ["1" + "0" * 27, "9" * 400]
BIDI = ["\u202e", "\u202a", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"]


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the shared helpers, without the demo world -----------------------------------------------------
@pytest.mark.parametrize("text", HUGE + ["1" + "0" * 27 + ".001"])
def test_money_helpers_bound_huge_amounts(text):
    with pytest.raises(InvalidInput) as refused:
        fen(text)
    assert refused.value.message == AMOUNT_TOO_LARGE
    assert fen_or_none(text) is None  # a statement cell: refused, not InvalidOperation


@pytest.mark.parametrize("text", ["NaN", "1e20", "1e30", "Infinity", "-Infinity", "١٢", "0x10"])
def test_money_helpers_refuse_what_is_not_written_out(text):
    with pytest.raises(InvalidInput) as refused:
        fen(text)
    assert refused.value.message == BAD_AMOUNT
    assert fen_or_none(text) is None


@pytest.mark.parametrize(("text", "number"), [
    ("12", 12), (" 7 ", 7), ("²", None), ("3²", None), ("١٢", None), ("３", None), ("-1", None), ("1.0", None),
    ("", None), (None, None), ("9" * 19, None), ("9" * 400, None), (str(2**63 - 1), 2**63 - 1), (str(2**63), None),
])
def test_ascii_int_and_posted_id_take_ascii_digits_only(text, number):
    assert ascii_int(text) == number
    assert posted_id(text) == number


@pytest.mark.parametrize("mark", BIDI)
def test_clean_text_refuses_direction_controls(mark):
    with pytest.raises(InvalidInput) as refused:
        clean_text(f"停水通知{mark}知通水停", 200)
    assert refused.value.message == DIRECTION_CONTROLS
    assert DIRECTION_CONTROLS.index("/") > 0 and "方向" in DIRECTION_CONTROLS.split("/")[0]


def test_clean_text_refuses_nul():
    with pytest.raises(InvalidInput) as refused:
        clean_text("摘要\x00", 200)
    assert refused.value.message == CONTROL_CHARACTERS


def test_natural_key_sorts_any_code():
    codes = ["10", "2", "3²", "A1", "２", "①", "1-2"]
    assert sorted(codes, key=natural_key)[:4] == ["1-2", "2", "3²", "10"]


# --- 1. finance forms and the bank statement ----------------------------------------------------------
@pytest.mark.parametrize("amount", HUGE)
def test_huge_amount_in_income_and_expense_forms_gets_the_forms_error(login, world, amount):
    client, pacific = login("yanshuji"), estate(PACIFIC)
    before = (Transaction.objects.count(), Expense.objects.count())
    income = client.post(f"/finance/estates/{pacific.pk}/", {
        "action": "income", "category": "parking", "amount": amount, "memo": "停车费"})
    assert income.status_code == 302 and AMOUNT_TOO_LARGE in flashed(income)
    expense = client.post(f"/finance/estates/{pacific.pk}/expenses/", {
        "action": "expense", "amount": amount, "purpose": "路灯", "payee": "某公司", "category": "repair",
        "matter": "9" * 400, "vote": "²"})
    assert expense.status_code == 302 and AMOUNT_TOO_LARGE in flashed(expense)
    assert (Transaction.objects.count(), Expense.objects.count()) == before


def test_huge_ids_in_finance_forms_are_not_found_not_500(login, world):
    client, pacific = login("yanshuji"), estate(PACIFIC)
    before = Expense.objects.count()
    response = client.post(f"/finance/estates/{pacific.pk}/expenses/", {
        "action": "expense", "amount": "100", "purpose": "路灯", "payee": "某公司", "category": "repair",
        "matter": "9" * 400})
    assert response.status_code == 302
    assert Expense.objects.count() == before + 1  # an unknown matter is no matter, as for a missing one
    assert Expense.objects.latest("pk").matter_id is None


@pytest.mark.parametrize("amount", HUGE)
def test_api_bounds_amounts_at_one_yi(login, world, amount):
    client, pacific = login("yanshuji"), estate(PACIFIC)
    before = Transaction.objects.count()
    response = client.post(f"/api/v1/estates/{pacific.pk}/income", {"category": "parking", "amount": amount,
                                                                     "memo": "停车费"}, content_type="application/json")
    assert response.status_code in (400, 422), response.content.decode()
    if response.status_code == 400:
        assert response.json()["detail"] == AMOUNT_TOO_LARGE
    assert Transaction.objects.count() == before


@pytest.mark.parametrize("amount", ["NaN", "1e20", "1e30", "Infinity", "-Infinity", "1" + "0" * 27, "9" * 400])
def test_bank_statement_refuses_non_finite_and_huge_amounts_naming_the_row(login, world, amount):
    client, pacific = login("yanshuji"), estate(PACIFIC)
    before = BankLine.objects.count()
    data = f"交易日期,收入金额,支出金额\n2026-11-02,100,\n2026-11-03,{amount},\n".encode()
    response = client.post(f"/finance/estates/{pacific.pk}/", {
        "action": "bank", "file": SimpleUploadedFile("流水.csv", data)})
    assert response.status_code == 302
    assert any(m.startswith("第 3 行") and "金额" in m for m in flashed(response)), flashed(response)
    assert BankLine.objects.count() == before


@pytest.mark.parametrize("field", ["memo", "payer"])
def test_nul_in_income_form_is_refused_and_nothing_written(login, world, field):
    client, pacific = login("yanshuji"), estate(PACIFIC)
    before = Transaction.objects.count()
    data = {"action": "income", "category": "parking", "amount": "100", "memo": "停车费", "payer": "张三"}
    data[field] += "\x00"
    response = client.post(f"/finance/estates/{pacific.pk}/", data)
    assert response.status_code == 302 and CONTROL_CHARACTERS in flashed(response)
    assert Transaction.objects.count() == before


@pytest.mark.parametrize("field", ["purpose", "payee", "quotes"])
def test_nul_in_expense_form_is_refused_and_nothing_written(login, world, field):
    client, pacific = login("yanshuji"), estate(PACIFIC)
    before = Expense.objects.count()
    data = {"action": "expense", "amount": "100", "purpose": "路灯", "payee": "某公司", "category": "repair",
            "quotes": "三家比价"}
    data[field] += "\x00"
    response = client.post(f"/finance/estates/{pacific.pk}/expenses/", data)
    assert response.status_code == 302 and CONTROL_CHARACTERS in flashed(response)
    assert Expense.objects.count() == before


# --- 1. Open311 (no login) ---------------------------------------------------------------------------
O311 = "/open311/v2"
J = {"jurisdiction_id": "guanghualu"}


def open311_error(response, status=400) -> str:
    assert response.status_code == status, response.content.decode()
    return response.json()[0]["description"]


@pytest.mark.parametrize("query", [
    {"start_date": "0001-01-01T00:00:00"}, {"end_date": "0001-01-01T00:00:00"},
    {"start_date": "9999-12-31T23:59:59-12:00"}, {"end_date": "9999-12-31T23:59:59"},
])
@pytest.mark.parametrize("endpoint", ["requests", "servicerequestupdates"])
def test_open311_dates_out_of_range_answer_400(client, world, query, endpoint):
    description = open311_error(client.get(f"{O311}/{endpoint}.json", {**J, **query}))
    assert description == open311.DATE_OUT_OF_RANGE.format(name=next(iter(query)))


@pytest.mark.parametrize("ids", ["²", "1,²", "١٢", "9" * 400, "-1"])
def test_open311_ids_must_be_ascii_digits(client, world, ids):
    assert open311_error(client.get(f"{O311}/requests.json", {**J, "service_request_id": ids})) == \
        open311.IDS_NOT_NUMBERS


@pytest.mark.parametrize("request_id", ["²", "١٢", "9" * 400])
def test_open311_one_request_with_odd_digits_is_not_found(client, world, request_id):
    open311_error(client.get(f"{O311}/requests/{request_id}.json", J), status=404)


def _report(client, **fields):
    data = {"jurisdiction_id": "guanghualu", "api_key": "GONGZHI-DEMO-KEY", "service_code": "lighting",
            "description": "楼道灯不亮", "address_string": "义乌城小区", **fields}
    return client.post(f"{O311}/requests.json", data)


@pytest.mark.parametrize(("lat", "long"), [
    ("1e999999999999999999", "114.39"), ("36.09", "1e999999999999999999"), ("-1e999999999999999999", "114.39"),
    ("Infinity", "114.39"), ("NaN", "114.39"), ("36.09", "-Infinity"), ("91", "114.39"), ("36.09", "181"),
    ("sNaN", "114.39"),
])
def test_open311_refuses_non_finite_and_out_of_range_positions(client, world, lat, long):
    before = Request.objects.count()
    description = open311_error(_report(client, lat=lat, long=long))
    assert description.split(" ")[0] in ("lat", "long")
    assert Request.objects.count() == before


@pytest.mark.parametrize("value", ["²", "١", "9" * 400])
def test_open311_estate_attribute_with_odd_digits_is_refused(client, world, value):
    before = Request.objects.count()
    assert open311_error(_report(client, **{"attribute[estate]": value})) == open311.ESTATE_UNKNOWN
    assert Request.objects.count() == before


# --- 2. the ledger and odd building codes ---------------------------------------------------------------
def _ledger(building: str, entrance: str = "1", unit: str = "3-1-101"):
    return [["社区", "小区", "楼栋", "单元", "房号", "建筑面积", "业主姓名"],
            ["明福社区", "义乌城小区", "3", "1", "3-1-102", "90", "张三"],
            ["明福社区", "义乌城小区", building, entrance, unit, "90", "李四"]]


@pytest.mark.parametrize(("building", "entrance", "unit", "column"), [
    ("3²", "1", "3-1-101", "楼栋"), ("①", "1", "3-1-101", "楼栋"), ("３", "1", "3-1-101", "楼栋"),
    ("3", "١", "3-1-101", "单元"), ("3", "1", "3-1-10²", "房号"),
])
def test_ledger_refuses_codes_with_non_ascii_digits_naming_the_row(building, entrance, unit, column):
    with pytest.raises(ledger.LedgerImportError) as refused:
        ledger.parse_rows(_ledger(building, entrance, unit))
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, column)]
    assert "半角 0-9" in refused.value.message and "第" not in refused.value.errors[0].reason


def test_ledger_refuses_overlong_building_code():
    with pytest.raises(ledger.LedgerImportError) as refused:
        ledger.parse_rows(_ledger("3" * 17))
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, "楼栋")]


def test_estate_page_and_api_survive_an_odd_building_code_already_stored(login, world):
    yiwu = estate(YIWU)
    Building.objects.create(estate=yiwu, code="3²")
    Building.objects.create(estate=yiwu, code="①")
    client = login("yanshuji")
    assert client.get(f"/estates/{yiwu.pk}/").status_code == 200
    assert client.get(f"/api/v1/places/estates/{yiwu.pk}").status_code == 200
    listed = client.get(f"/api/v1/places/estates/{yiwu.pk}/buildings")
    assert listed.status_code == 200 and "3²" in {b["code"] for b in listed.json()}


# --- 3. an API body over DATA_UPLOAD_MAX_MEMORY_SIZE --------------------------------------------------
def _with_body_limit(settings):
    return override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, "gongzhi.core.middleware.ApiBodyTooLarge"])


def test_a_large_photo_through_the_api_gets_a_json_413_naming_the_limit(login, world, settings):
    photo = b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024)  # 2 MB: under the photo limit of 20 MB
    body = {"estate_id": estate(YIWU).pk, "category": "lighting", "description": "楼道灯不亮",
            "photos": [{"name": "灯.png", "data_base64": base64.b64encode(photo).decode()}]}
    before = Request.objects.count()
    settings.GONGZHI_API_LARGE_BODIES = {}  # the general limit (the photo routes' own: tests/requests/test_photos.py)
    with _with_body_limit(settings):
        response = login("wangayi").post("/api/v1/requests", body, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"].startswith("application/json")
    limit_mb = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
    assert response.json()["detail"] == BODY_TOO_LARGE.format(mb=limit_mb)
    assert response.json()["detail"].startswith("请求内容超过") and f"{limit_mb} MB" in response.json()["detail"]
    assert Request.objects.count() == before


def test_a_large_body_found_while_reading_gets_the_same_answer(rf, settings):
    """No Content-Length (a chunked body): the limit is found while the view reads it."""
    from django.core.exceptions import RequestDataTooBig

    from gongzhi.core.middleware import ApiBodyTooLarge

    middleware = ApiBodyTooLarge(lambda request: None)
    answer = middleware.process_exception(rf.post("/api/v1/requests"), RequestDataTooBig("too big"))
    assert answer.status_code == 413 and "MB" in json.loads(answer.content)["detail"]
    assert middleware.process_exception(rf.post("/requests/new/"), RequestDataTooBig("too big")) is None


def test_small_api_bodies_pass_the_body_limit(login, world, settings):
    with _with_body_limit(settings):
        response = login("wangayi").post("/api/v1/requests", {
            "estate_id": estate(YIWU).pk, "category": "lighting", "description": "楼道灯不亮"},
            content_type="application/json")
    assert response.status_code == 201, response.content.decode()


# --- 4. Unicode direction controls in titles and descriptions -------------------------------------------
@pytest.mark.parametrize("mark", ["\u202e", "\u2067", "\u200f"])
def test_notice_title_with_direction_controls_is_refused(persona, world, mark):
    before = Notice.objects.count()
    with pytest.raises(InvalidInput) as refused:
        notice_services.notice_publish(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, kind="announcement",
                                       audience="public", title=f"停水通知{mark}知通水停", body="明日停水。")
    assert (refused.value.message, refused.value.field) == (DIRECTION_CONTROLS, "title")
    assert Notice.objects.count() == before


@pytest.mark.parametrize("mark", ["\u202d", "\u2066", "\u200e"])
def test_request_description_with_direction_controls_is_refused(persona, world, mark):
    before = Request.objects.count()
    data = request_services.Intake(estate_id=estate(YIWU).pk, category="lighting",
                                   description=f"楼道灯不亮{mark}亮不灯道楼")
    with pytest.raises(InvalidInput) as refused:
        request_services.request_submit(persona("wangayi"), data)
    assert refused.value.message == DIRECTION_CONTROLS
    assert Request.objects.count() == before


@pytest.mark.parametrize("mark", ["\u202a", "\u2069"])
def test_meeting_title_with_direction_controls_is_refused(persona, world, mark):
    before = Meeting.objects.count()
    with pytest.raises(InvalidInput) as refused:
        meeting_services.meeting_plan(
            persona("yanshuji"), estate_id=estate(PACIFIC).pk, kind="joint_1_3_n", title=f"联席会议{mark}",
            scheduled_at=clock.at(clock.today() + datetime.timedelta(days=3), datetime.time(14, 30)))
    assert (refused.value.message, refused.value.field) == (DIRECTION_CONTROLS, "title")
    assert Meeting.objects.count() == before


def test_api_text_fields_refuse_direction_controls(login, world):
    before = Request.objects.count()
    response = login("wangayi").post("/api/v1/requests", {
        "estate_id": estate(YIWU).pk, "category": "lighting", "description": "楼道灯不亮\u202e"},
        content_type="application/json")
    assert response.status_code in (400, 422) and DIRECTION_CONTROLS in str(response.json())
    assert Request.objects.count() == before


def test_request_form_page_refuses_direction_controls(login, world):
    before = Request.objects.count()
    client = login("wangayi")
    client.post("/requests/new/", {"estate": estate(YIWU).pk, "category": "lighting",
                                   "description": "楼道灯不亮\u202e"})
    assert Request.objects.count() == before


@pytest.mark.parametrize(("lat", "lng", "message"), [
    ("1e999999999999999999", "114.39", "LATITUDE_RANGE"), ("-1e999999999999999999", "114.39", "LATITUDE_RANGE"),
    ("36.09", "1e999999999999999999", "LONGITUDE_RANGE"), ("NaN", "114.39", "LATITUDE_RANGE"),
    ("36.09", "Infinity", "LONGITUDE_RANGE"),
])
def test_estate_position_refuses_non_finite_and_huge_coordinates(world, lat, lng, message):
    from gongzhi.places import services as place_services

    yiwu = estate(YIWU)
    before = (yiwu.latitude, yiwu.longitude)
    with pytest.raises(InvalidInput) as refused:
        place_services.estate_update(None, estate_id=yiwu.pk, latitude=lat, longitude=lng)
    assert refused.value.message == getattr(place_services, message)
    yiwu.refresh_from_db()
    assert (yiwu.latitude, yiwu.longitude) == before
