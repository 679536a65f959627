"""Money as people read it (issue 16, item 5): sums in 元 with thousands separators and two decimals on
the pages, in the Excel downloads (numbers in 元 formatted '#,##0.00', never fen) and in the API beside
the fen; ledger accounts by their Chinese name, never the raw code; an owner's fees flat by flat, each
with its sums and arrears, the total due, and each payment's receipt on its bill's line."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from gongzhi.finance.choices import BANK, FEES_COLLECTED, FEES_HELD, FUND, FUND_OWNERS, account_name, chart_of_accounts
from gongzhi.finance.exports import MONEY_FORMAT
from gongzhi.finance.models import FeeBill
from gongzhi.finance.services import fees, journal
from tests.helpers import PACIFIC, YIWU, estate, unit

pytestmark = pytest.mark.usefixtures("world")
PAST = datetime.date(2020, 11, 1)  # before the demo's own bookkeeping: a period with only this test's entries


def money(section="", estate_name=PACIFIC):
    return f"/finance/estates/{estate(estate_name).pk}/" + (f"{section}/" if section else "")


def income(persona, amount="1234.50", date=PAST):
    return journal.income_record(persona("yanshuji"), estate_id=estate(PACIFIC).pk, category="parking", amount=amount,
                                 date=date, memo="地面停车费（测试）", payer="停车管理处")


# --- the chart of accounts ---------------------------------------------------------------------------------
def test_every_code_the_books_use_has_a_chinese_name():
    names = dict(chart_of_accounts())
    assert names[BANK] == "银行存款（公共收益账户）" and names["income:advertising"] == "收入—广告收益"
    assert names["expense:repair"] == "支出—维修" and names[FEES_COLLECTED] == "代收物业费"
    for code in (BANK, FEES_COLLECTED, FEES_HELD, FUND, FUND_OWNERS):
        assert names[code] != code
    for code, name in names.items():
        assert ":" not in name and not re.search(r"[a-z]", name), (code, name)
        assert account_name(code) == name


def test_the_journal_shows_account_names_and_yuan_not_codes_and_fen(persona, login, clock):
    income(persona, "1234.50", date=clock.today)
    page = login("yanshuji").get(money()).content.decode()
    [listed] = re.findall(r'data-testid="transactions">(.*?)</ul>', page, re.S)
    assert "1,234.50" in listed and "123450" not in listed
    assert "银行存款（公共收益账户）" in listed and "收入—停车收益" in listed
    assert "income:parking" not in page and "bank " not in listed and "income:" not in page
    assert "（分）" not in page


def test_the_statement_is_in_yuan_with_each_category_named(persona, login):
    income(persona, "1234.50")
    income(persona, "1000000")  # 1,000,000.00: the separators
    page = login("yanshuji").get(money(), {"start": "2020-11-01", "end": "2020-11-30"}).content.decode()
    [shown] = re.findall(r'data-testid="statement">(.*?)</div>', page, re.S)
    assert "<dd>1,001,234.50</dd>" in shown and "0.00" in shown and "收入—停车收益" in shown
    assert "100123450" not in shown


def test_the_supervisor_desk_shows_transfers_and_large_expenses_in_yuan(login):
    page = login("sunjiancha").get("/finance/supervisor/").content.decode()
    [total] = re.findall(r'data-testid="transfers-total">(.*?)</p>', page, re.S)
    assert "523,600.00" in total  # the demo's ¥523,600 moved in from a personal account
    assert "52360000" not in page


def test_the_api_gives_names_and_yuan_beside_codes_and_fen(persona, login, clock):
    tx = income(persona, "1234.50", date=clock.today)  # newest first: on the first page
    client = login("yanshuji")
    row = next(t for t in client.get(f"/api/v1/estates/{estate(PACIFIC).pk}/journal").json()["items"]
               if t["id"] == tx.pk)
    bank = next(e for e in row["entries"] if e["account"] == BANK)
    assert bank["account_name"] == "银行存款（公共收益账户）" and bank["debit_fen"] == 123450
    assert bank["debit_yuan"] == "1,234.50"
    income(persona, "1234.50")
    s = client.get(f"/api/v1/estates/{estate(PACIFIC).pk}/statement",
                   {"start": "2020-11-01", "end": "2020-11-30"}).json()
    assert s["total_income_fen"] == 123450 and s["total_income_yuan"] == "1,234.50"
    assert s["account_names"]["parking"] == "收入—停车收益"
    chart = client.get("/api/v1/ledger-accounts").json()
    assert {"code": "income:advertising", "name": "收入—广告收益"} in chart


# --- Excel -------------------------------------------------------------------------------------------------
def _sheet(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def test_the_journal_download_holds_yuan_formatted_with_separators(persona, login):
    tx = income(persona, "1234.50")
    sheet = _sheet(login("yanshuji").get(f"/finance/estates/{estate(PACIFIC).pk}/journal.xlsx",
                                         {"start": "2020-11-01", "end": "2020-11-30"}))
    header = [c.value for c in sheet[1]]
    assert header[4:] == ["科目代码", "科目名称", "借方（元）", "贷方（元）"]
    rows = [r for r in sheet.iter_rows(min_row=2) if r[1].value == tx.pk]
    debit = next(r for r in rows if r[4].value == BANK)
    assert debit[5].value == "银行存款（公共收益账户）"
    assert Decimal(str(debit[6].value)) == Decimal("1234.50") and debit[6].number_format == MONEY_FORMAT
    assert debit[7].value is None
    credit = next(r for r in rows if r[4].value == "income:parking")
    assert Decimal(str(credit[7].value)) == Decimal("1234.50") and credit[7].number_format == MONEY_FORMAT


def test_the_bills_download_holds_yuan(login):
    bill = FeeBill.objects.filter(estate__name=YIWU).order_by("-month", "unit__code").first()  # the demo's
    sheet = _sheet(login("zhangjingli").get(f"/finance/estates/{estate(YIWU).pk}/bills.xlsx",
                                            {"month": f"{bill.month:%Y-%m}"}))
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == bill.unit.code)
    assert Decimal(str(row[3].value)) == Decimal(bill.amount) / 100 and row[3].number_format == MONEY_FORMAT
    assert Decimal(str(row[5].value)) == Decimal(bill.due) / 100 and row[5].number_format == MONEY_FORMAT


@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("lixiansheng", 404), ("lijing", 404), ("zuhu", 404), ("yanshuji", 200), ("zhaozhuren", 200),
])
@pytest.mark.parametrize("path", ["journal.xlsx", "bills.xlsx"])
def test_who_downloads_the_books(login, who, status, path):
    client = Client() if who is None else login(who)
    response = client.get(f"/finance/estates/{estate(PACIFIC).pk}/{path}")
    assert response.status_code == status
    if status != 200:
        assert not response.content.startswith(b"PK")  # never the workbook


# --- an owner's fees, flat by flat -------------------------------------------------------------------------
def _flats(page: str) -> dict[str, str]:
    """Each flat's section of the 我的物业费 page, by unit code, in page order."""
    parts = page.split('data-testid="flat"')[1:]
    return {re.search(r'data-unit="([^"]+)"', part).group(1): part for part in parts}


def _shown(section: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', section).group(1)


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:,.2f}"


def test_an_owner_with_two_flats_sees_each_flat_apart_with_its_sums(persona, login, clock):
    flats = [unit(PACIFIC, "2-1-301"), unit(PACIFIC, "6-1-502")]
    # a part payment on one of 6-1-502's unpaid bills, so the flats' arrears differ and are not whole bills
    unpaid = FeeBill.objects.filter(unit=flats[1], paid=0, reversed_at__isnull=True).order_by("month").first()
    assert unpaid is not None and unpaid.amount > 1234, "the demo leaves 6-1-502 an unpaid bill"
    fees.fee_pay(persona("wangjingli"), bill_id=unpaid.pk, amount="12.34", method="cash", paid_on=clock.today)
    page = login("lixiansheng").get("/finance/my-fees/").content.decode()
    sections = _flats(page)
    assert list(sections) == ["2-1-301", "6-1-502"]  # one section per flat, never interleaved by month
    total_due = 0
    for flat in flats:
        bills = list(FeeBill.objects.filter(unit=flat, reversed_at__isnull=True))
        billed, arrears = sum(b.amount for b in bills), sum(b.amount - b.paid for b in bills)
        total_due += arrears
        section = sections[flat.code]
        other = next(f for f in flats if f != flat)
        assert other.code not in section
        assert section.count("<tr>") == 1 + FeeBill.objects.filter(unit=flat).count()  # header + its bills
        assert _shown(section, "flat-billed") == _yuan(billed)
        assert _shown(section, "flat-arrears") == _yuan(arrears)
    assert re.sub(r"\s+", " ", _shown(page, "total-due")).strip() == f"应缴合计 {_yuan(total_due)} 元"
    assert total_due > 0 and _yuan(total_due) != _yuan(total_due + 1234)


def test_each_payment_has_its_receipt_on_its_bill_line(login):
    from gongzhi.finance.models import FeePayment

    payments = FeePayment.objects.filter(bill__unit__in=[unit(PACIFIC, "2-1-301"), unit(PACIFIC, "6-1-502")])
    assert payments.exists()
    page = login("lixiansheng").get("/finance/my-fees/").content.decode()
    sections = _flats(page)
    for p in payments.select_related("bill__unit"):
        section = sections[p.bill.unit.code]
        row = next(r for r in section.split("<tr>") if p.receipt_no in r)
        assert f"{p.bill.month:%Y-%m}" in row and f"/finance/payments/{p.pk}/receipt.pdf" in row
        assert login("lixiansheng").get(f"/finance/payments/{p.pk}/receipt.pdf").status_code == 200


def test_the_bill_line_shows_yuan(persona, login, clock):
    bill = FeeBill.objects.filter(unit=unit(PACIFIC, "2-1-301")).order_by("-month").first()
    page = login("lixiansheng").get("/finance/my-fees/").content.decode()
    assert f"<td>{_yuan(bill.amount)}</td>" in _flats(page)["2-1-301"]


def test_the_api_twin_gives_the_same_flats_and_sums(login):
    page = login("lixiansheng").get("/finance/my-fees/").content.decode()
    api = login("lixiansheng").get("/api/v1/my-fees").json()
    sections = _flats(page)
    assert [f["unit_code"] for f in api["flats"]] == list(sections)
    for flat in api["flats"]:
        assert flat["arrears_yuan"] == _shown(sections[flat["unit_code"]], "flat-arrears")
        assert flat["arrears_fen"] == sum(b["due_fen"] for b in flat["bills"])
        for bill in flat["bills"]:
            assert all(p["receipt_url"].endswith("/receipt.pdf") for p in bill["payments"])
    assert api["total_due_fen"] == sum(f["arrears_fen"] for f in api["flats"])


def test_another_owner_sees_only_their_own_flat(login):
    page = login("wangayi").get("/finance/my-fees/").content.decode()
    assert list(_flats(page)) == ["5-1-302"] and "2-1-301" not in page and "6-1-502" not in page
    assert [f["unit_code"] for f in login("wangayi").get("/api/v1/my-fees").json()["flats"]] == ["5-1-302"]


def test_someone_who_owns_nothing_sees_no_flat_and_no_total(login):
    page = login("yanshuji").get("/finance/my-fees/").content.decode()
    assert _flats(page) == {} and 'data-testid="total-due"' not in page
    assert login("yanshuji").get("/api/v1/my-fees").json() == {"flats": [], "total_due_fen": 0, "total_due_yuan": "0.00"}


def test_strangers_get_neither_page_nor_api():
    assert Client().get("/finance/my-fees/").status_code == 302
    assert Client().get("/api/v1/my-fees").status_code == 401
    assert Client().get("/api/v1/ledger-accounts").status_code == 401


# --- receipts and alerts -----------------------------------------------------------------------------------
def test_the_receipt_pdf_shows_the_sum_in_yuan(login):
    import pypdfium2

    from gongzhi.core.money import yuan
    from gongzhi.finance.models import FeePayment

    payment = FeePayment.objects.filter(bill__unit=unit(PACIFIC, "2-1-301")).first()
    answer = login("lixiansheng").get(f"/finance/payments/{payment.pk}/receipt.pdf")
    assert answer.status_code == 200
    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(io.BytesIO(answer.content)))
    assert f"{yuan(payment.amount)} 元" in text and "." in yuan(payment.amount)


def test_the_supervisors_alerts_give_sums_in_yuan(persona):
    from gongzhi.finance.selectors import alerts

    texts = [a.text for a in alerts(fetched_by=persona("sunjiancha")) if a.kind in ("not_deposited", "bank_unmatched")]
    assert any("4,230.00 元" in t for t in texts)  # the demo's monthly parking income, not yet seen on the bank
    assert not any("4230.00" in t or "423000" in t for t in texts)
