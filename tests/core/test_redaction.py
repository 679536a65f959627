"""core.masking.redact: phone and ID numbers in free text, however they are written, are masked the
way the fields are (138****5678, 410***********7215); the rest of the text and ordinary numbers
(amounts, dates, rooms, request numbers) stay as they were."""

import pytest

from gongzhi.core.masking import redact

PHONE, PHONE_MASKED = "13812345678", "138****5678"
ID, ID_MASKED = "410502196302187215", "410***********7215"


@pytest.mark.parametrize("written", [
    "13812345678", "138 1234 5678", "138-1234-5678", "138.1234.5678", "+8613812345678", "+86 138 1234 5678",
    "+86-138-1234-5678", "008613812345678", "0086 138 1234 5678", "(+86)13812345678", "１３８１２３４５６７８",
    "１３８　１２３４　５６７８", "１３８－１２３４－５６７８", "＋８６ １３８ １２３４ ５６７８", "138 - 1234 - 5678",
])
def test_mobile_numbers_in_every_form_are_masked(written):
    out = redact(f"请联系{written}，谢谢")
    assert out.startswith("请联系") and out.endswith("138****5678，谢谢"), out
    assert "1234" not in out and "１２３４" not in out


@pytest.mark.parametrize("first", "3456789")
def test_every_mobile_prefix(first):
    assert redact(f"电话1{first}912345678") == f"电话1{first}9****5678"


@pytest.mark.parametrize("written, masked", [
    ("0372-5123456", "0372-***3456"), ("0372-51234567", "0372-****4567"), ("010-12345678", "010-****5678"),
    ("021 12345678", "021-****5678"), ("(0372)5123456", "0372-***3456"), ("０３７２－５１２３４５６", "0372-***3456"),
    ("03725123456", "0372-***3456"),
])
def test_landlines_are_masked(written, masked):
    assert redact(f"物业电话{written}。") == f"物业电话{masked}。"


@pytest.mark.parametrize("written, masked", [
    ("410502196302187215", ID_MASKED), ("41050219630218721X", "410***********721X"),
    ("41050219630218721x", "410***********721X"), ("410502 19630218 7215", ID_MASKED),
    ("410502-19630218-7215", ID_MASKED), ("４１０５０２１９６３０２１８７２１５", ID_MASKED),
])
def test_id_numbers_are_masked(written, masked):
    assert redact(f"身份证{written}号") == f"身份证{masked}号"


def test_the_review_example_keeps_everything_else():
    note = "已联系业主王秀兰 +86 138 1234 5678（5-1-302），身份证410502196302187215"
    assert redact(note) == "已联系业主王秀兰 +86 138****5678（5-1-302），身份证410***********7215"


@pytest.mark.parametrize("text", [
    "维修费 1500.00 元", "预计 2026-12-07 完成", "5-1-302 室", "诉求编号 SQ000149", "2026年12月7日 14:30",
    "共 120 户，面积 89.50 ㎡", "订单号 2026120712345678", "金额 13800.00", "12345 热线", "第 3 号楼 1 单元",
    "", "没有号码",
])
def test_ordinary_numbers_are_left_alone(text):
    assert redact(text) == text


def test_none_and_several_numbers():
    assert redact(None) == ""
    assert redact(f"{PHONE}、{PHONE}；{ID}") == f"{PHONE_MASKED}、{PHONE_MASKED}；{ID_MASKED}"
