"""Property fees: rates per kind of unit in 元/m²/月 with effective dates (the last day of the old rate,
the first of the new), bills of area × rate exact to the fen and made once a month, a clear answer for
an estate with no rate, payments with their reference and a numbered receipt printed as a real PDF,
reversal by a reversing journal entry, and bad input refused with nothing written."""

import datetime
import io
from decimal import Decimal

import pypdfium2
import pytest

from gongzhi.core.api_schema import CONTROL_CHARACTERS
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.core.money import AMOUNT_TOO_LARGE, BAD_AMOUNT
from gongzhi.finance import selectors
from gongzhi.finance.choices import FEES_COLLECTED
from gongzhi.finance.models import FeeBill, FeePayment, FeeRate, Transaction
from gongzhi.finance.services import fees
from gongzhi.places.models import Unit
from tests.helpers import PACIFIC, YIWU, estate, unit

pytestmark = pytest.mark.usefixtures("world")
D = datetime.date
OTHER = "育才新村"  # 安和苑社区: no rate, out of 明福社区's sight
MISSING = 987654321


def call(client, method, path, body=None):
    if method == "get":
        return client.get(f"/api/v1{path}")
    return client.post(f"/api/v1{path}", body if body is not None else {}, content_type="application/json")


# --- rates and their dates -------------------------------------------------------------------------------
def test_a_rate_holds_until_the_last_day_before_the_next_one(persona):
    zhang, yiwu = persona("zhangjingli"), estate(YIWU)
    fees.fee_rate_set(zhang, estate_id=yiwu.pk, unit_kind="commercial", rate="3.10", effective_from=D(2021, 1, 1))
    fees.fee_rate_set(zhang, estate_id=yiwu.pk, unit_kind="commercial", rate="3.60", effective_from=D(2021, 4, 1))
    assert "commercial" not in selectors.rates_on(yiwu, D(2020, 12, 31))
    assert selectors.rates_on(yiwu, D(2021, 1, 1))["commercial"].rate == Decimal("3.10")
    assert selectors.rates_on(yiwu, D(2021, 3, 31))["commercial"].rate == Decimal("3.10")  # the old rate's last day
    assert selectors.rates_on(yiwu, D(2021, 4, 1))["commercial"].rate == Decimal("3.60")  # the new rate's first


def test_bills_of_each_month_use_the_rate_in_force_then(persona):
    zhang, yiwu = persona("zhangjingli"), estate(YIWU)
    fees.fee_rate_set(zhang, estate_id=yiwu.pk, unit_kind="residential", rate="0.80", effective_from=D(2021, 1, 1))
    fees.fee_rate_set(zhang, estate_id=yiwu.pk, unit_kind="residential", rate="0.95", effective_from=D(2021, 4, 1))
    fees.bills_issue(zhang, estate_id=yiwu.pk, month=D(2021, 3, 31))
    fees.bills_issue(zhang, estate_id=yiwu.pk, month=D(2021, 4, 1))
    flat = unit(YIWU, "5-1-302")
    march, april = (FeeBill.objects.get(unit=flat, month=D(2021, m, 1)) for m in (3, 4))
    assert (march.rate, april.rate) == (Decimal("0.80"), Decimal("0.95"))
    assert march.amount == fees.bill_amount(flat.area, Decimal("0.80"))
    assert april.amount == fees.bill_amount(flat.area, Decimal("0.95"))


@pytest.mark.parametrize(("area", "rate", "fen"), [
    ("89.37", "1.2345", 11033),  # 110.327265 元 → 11,033 分 (half up)
    ("100.00", "1.20", 12000),
    ("10.00", "0.0005", 1),  # 0.5 分 rounds up
    ("10.00", "0.0004", 0),  # 0.4 分 rounds down: no bill is made of it
    ("123.45", "100", 1234500),  # the highest rate allowed
])
def test_area_times_rate_exact_in_fen(area, rate, fen):
    assert fees.bill_amount(Decimal(area), Decimal(rate)) == fen


def test_each_unit_is_billed_its_own_area_times_the_rate(persona):
    zhang, yiwu = persona("zhangjingli"), estate(YIWU)
    fees.fee_rate_set(zhang, estate_id=yiwu.pk, unit_kind="residential", rate="1.2345", effective_from=D(2021, 1, 1))
    fees.bills_issue(zhang, estate_id=yiwu.pk, month=D(2021, 1, 1))
    for bill in FeeBill.objects.filter(estate=yiwu, month=D(2021, 1, 1)).select_related("unit")[:200]:
        exact = bill.unit.area * Decimal("1.2345") * 100
        assert bill.amount == int(exact.quantize(Decimal("1"), rounding="ROUND_HALF_UP"))


def test_a_month_is_billed_once(persona):
    zhang, yiwu = persona("zhangjingli"), estate(YIWU)
    fees.fee_rate_set(zhang, estate_id=yiwu.pk, unit_kind="residential", rate="0.90", effective_from=D(2021, 1, 1))
    first = fees.bills_issue(zhang, estate_id=yiwu.pk, month=D(2021, 2, 1))
    assert first == Unit.objects.filter(estate=yiwu, kind="residential").count() > 0
    assert fees.bills_issue(zhang, estate_id=yiwu.pk, month=D(2021, 2, 28)) == 0
    assert FeeBill.objects.filter(estate=yiwu, month=D(2021, 2, 1)).count() == first


def test_an_estate_without_a_rate_is_told_so_instead_of_getting_no_bills(persona):
    other = estate(OTHER)
    with pytest.raises(WrongState) as exc:
        fees.bills_issue(persona("lijing"), estate_id=other.pk, month=D(2021, 2, 1))
    assert exc.value.message == fees.NO_RATE.format(estate=other.name, month="2021-02")
    assert not FeeBill.objects.filter(estate=other).exists()


def test_billing_from_the_page_after_setting_a_rate_there(login, clock):
    other = estate(OTHER)
    client, url = login("lijing"), f"/finance/estates/{other.pk}/fees/"
    answer = client.post(url, {"action": "bill"}, follow=True)
    told = fees.NO_RATE.format(estate=other.name, month=f"{clock.today:%Y-%m}")
    assert told in answer.content.decode() and not FeeBill.objects.filter(estate=other).exists()
    assert 'data-api="fee_rate_set"' in client.get(url).content.decode()
    client.post(url, {"action": "fee_rate", "unit_kind": "residential", "rate": "0.60",
                      "effective_from": f"{clock.today:%Y-%m}"})
    client.post(url, {"action": "bill"})
    assert FeeBill.objects.filter(estate=other, month=clock.today.replace(day=1)).count() == \
        Unit.objects.filter(estate=other, kind="residential").count() > 0


def test_a_rate_cannot_rewrite_a_month_already_billed(persona):
    zhang, yiwu = persona("zhangjingli"), estate(YIWU)
    last = FeeBill.objects.filter(estate=yiwu).order_by("-month").first().month  # the demo billed last month
    with pytest.raises(WrongState):
        fees.fee_rate_set(zhang, estate_id=yiwu.pk, unit_kind="residential", rate="1.00", effective_from=last)
    with pytest.raises(WrongState) as exc:  # the same kind and date twice
        fees.fee_rate_set(zhang, estate_id=yiwu.pk, unit_kind="residential", rate="1.00",
                          effective_from=FeeRate.objects.filter(estate=yiwu, unit_kind="residential").first()
                          .effective_from)
    assert exc.value.message in (fees.RATE_EXISTS, fees.RATE_BILLED.format(month=f"{last:%Y-%m}"))


@pytest.mark.parametrize("rate", ["1e9", "0", "-1", "100.0001", "1.23456", "abc", "", "Infinity", "NaN", " ", "0x10"])
def test_an_absurd_rate_is_refused(persona, rate):
    before = FeeRate.objects.count()
    with pytest.raises(InvalidInput) as exc:
        fees.fee_rate_set(persona("zhangjingli"), estate_id=estate(YIWU).pk, unit_kind="residential", rate=rate,
                          effective_from=D(2030, 1, 1))
    assert exc.value.message == fees.BAD_RATE
    assert FeeRate.objects.count() == before


@pytest.mark.parametrize(("kind", "start", "message"), [
    ("residential", D(2030, 1, 15), fees.RATE_NOT_FIRST),
    ("residential", D(1999, 12, 1), fees.RATE_DATE_RANGE),
    ("residential", D(2999, 1, 1), fees.RATE_DATE_RANGE),
    ("villa", D(2030, 1, 1), fees.UNKNOWN_KIND),
])
def test_a_rate_needs_a_known_kind_and_a_sane_first_of_month(persona, kind, start, message):
    with pytest.raises(InvalidInput) as exc:
        fees.fee_rate_set(persona("zhangjingli"), estate_id=estate(YIWU).pk, unit_kind=kind, rate="1",
                          effective_from=start)
    assert exc.value.message == message


def test_impossible_dates_on_the_page_are_refused_with_nothing_written(login):
    yiwu = estate(YIWU)
    client, url = login("zhangjingli"), f"/finance/estates/{yiwu.pk}/fees/"
    before = (FeeRate.objects.count(), FeeBill.objects.count())
    for data in ({"action": "fee_rate", "unit_kind": "residential", "rate": "1", "effective_from": "2030-02-30"},
                 {"action": "fee_rate", "unit_kind": "residential", "rate": "1", "effective_from": "明年"},
                 {"action": "bill", "month": "2026-13-01"}):
        assert client.post(url, data).status_code == 302
    assert (FeeRate.objects.count(), FeeBill.objects.count()) == before


def test_a_unit_of_zero_or_negative_area_cannot_exist_to_be_billed():
    from django.db import IntegrityError, transaction

    flat = unit(YIWU, "5-1-302")
    for area in ("0", "-12.5"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Unit.objects.create(estate=flat.estate, building=flat.building, code=f"X-{area}", area=Decimal(area))
    assert fees.bill_amount(Decimal("0"), Decimal("1.2")) == 0


def test_a_future_month_is_not_billed(persona, clock):
    with pytest.raises(InvalidInput) as exc:
        fees.bills_issue(persona("zhangjingli"), estate_id=estate(YIWU).pk,
                        month=clock.today.replace(day=1) + datetime.timedelta(days=40))
    assert exc.value.message == fees.MONTH_RANGE


# --- permissions (API) -----------------------------------------------------------------------------------
FEE_STAFF = [("zhangjingli", 201), ("yanshuji", 201), ("shequ", 201), ("guanliyuan", 201),
             ("wangayi", 403), ("sunjiancha", 403), ("zuhu", 403),
             ("wangjingli", 404), ("zhaozhuren", 404), ("lijing", 404)]


@pytest.mark.parametrize(("username", "status"), FEE_STAFF)
def test_who_sets_a_rate(login, username, status):
    answer = call(login(username), "post", f"/estates/{estate(YIWU).pk}/fee-rates",
                  {"unit_kind": "parking", "rate": "0.75", "effective_from": "2030-01-01"})
    assert answer.status_code == status, answer.content
    assert FeeRate.objects.filter(estate__name=YIWU, effective_from=D(2030, 1, 1)).exists() == (status == 201)


@pytest.fixture
def yiwu_billed(persona, clock):
    """义乌城小区 billed for this month too (the demo billed last month)."""
    fees.bills_issue(persona("zhangjingli"), estate_id=estate(YIWU).pk, month=clock.today)
    return FeeBill.objects.get(unit=unit(YIWU, "5-1-302"), month=clock.today.replace(day=1))


@pytest.mark.parametrize(("username", "status"), FEE_STAFF)
def test_who_bills_a_month(login, clock, username, status):
    answer = call(login(username), "post", f"/estates/{estate(YIWU).pk}/bills", {"month": f"{clock.today}"})
    assert answer.status_code == status, answer.content
    if status == 201:
        assert answer.json()["added"] > 0


@pytest.mark.parametrize(("username", "status"), FEE_STAFF)
def test_who_records_a_payment(login, yiwu_billed, username, status):
    answer = call(login(username), "post", f"/bills/{yiwu_billed.pk}/payments",
                  {"amount": "10.00", "method": "cash"})
    assert answer.status_code == status, answer.content
    assert FeePayment.objects.filter(bill=yiwu_billed).exists() == (status == 201)


def test_a_missing_bill_and_another_estates_bill_answer_alike(login, persona):
    pacific_bill = FeeBill.objects.filter(estate__name=PACIFIC).first()
    client = login("lijing")
    other, missing = (call(client, "post", f"/bills/{pk}/payments", {"amount": "1", "method": "cash"})
                      for pk in (pacific_bill.pk, MISSING))
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()


def test_the_owner_lists_their_own_bills_only(login):
    rows = call(login("wangayi"), "get", "/bills").json()["items"]
    assert rows and {r["unit_code"] for r in rows} == {"5-1-302"}


# --- payments and receipts -------------------------------------------------------------------------------
def test_transfer_and_online_payments_need_their_reference(persona, yiwu_billed, clock):
    zhang = persona("zhangjingli")
    for method in ("transfer", "online"):
        with pytest.raises(InvalidInput) as exc:
            fees.fee_pay(zhang, bill_id=yiwu_billed.pk, amount="1", method=method, paid_on=clock.today)
        assert exc.value.message == fees.REFERENCE_REQUIRED
    with pytest.raises(InvalidInput) as exc:
        fees.fee_pay(zhang, bill_id=yiwu_billed.pk, amount="1", method="transfer", reference="ICBC\x07", paid_on=clock.today)
    assert exc.value.message == CONTROL_CHARACTERS
    with pytest.raises(InvalidInput):
        fees.fee_pay(zhang, bill_id=yiwu_billed.pk, amount="1", method="cheque", paid_on=clock.today)
    assert not FeePayment.objects.filter(bill=yiwu_billed).exists()
    payment = fees.fee_pay(zhang, bill_id=yiwu_billed.pk, amount="1", method="online", reference="WX123", paid_on=clock.today)
    assert payment.reference == "WX123"


@pytest.mark.parametrize(("amount", "message"), [("1e9", BAD_AMOUNT), ("0", BAD_AMOUNT), ("-5", BAD_AMOUNT),
                                                ("0.001", BAD_AMOUNT), ("100000001", AMOUNT_TOO_LARGE)])
def test_an_absurd_payment_is_refused(persona, yiwu_billed, clock, amount, message):
    with pytest.raises(InvalidInput) as exc:
        fees.fee_pay(persona("zhangjingli"), bill_id=yiwu_billed.pk, amount=amount, method="cash", paid_on=clock.today)
    assert exc.value.message == message
    assert FeeBill.objects.get(pk=yiwu_billed.pk).paid == 0


def test_a_payment_is_dated_no_later_than_today(persona, yiwu_billed, clock):
    with pytest.raises(InvalidInput) as exc:
        fees.fee_pay(persona("zhangjingli"), bill_id=yiwu_billed.pk, amount="1", method="cash",
                     paid_on=clock.today + datetime.timedelta(days=1))
    assert exc.value.message == fees.PAID_ON_RANGE


def test_receipts_are_numbered_per_estate_and_year(persona, clock):
    zhang, yiwu, other = persona("zhangjingli"), estate(YIWU), estate(OTHER)
    bills = list(FeeBill.objects.filter(estate=yiwu, paid=0).order_by("id")[:2])
    a, b = (fees.fee_pay(zhang, bill_id=x.pk, amount="1", method="cash", paid_on=clock.today) for x in bills)
    prefix = f"{yiwu.name}-{clock.today.year}-"
    assert a.receipt_no.startswith(prefix) and int(b.receipt_no[len(prefix):]) == int(a.receipt_no[len(prefix):]) + 1
    lijing = persona("lijing")
    fees.fee_rate_set(lijing, estate_id=other.pk, unit_kind="residential", rate="0.5", effective_from=D(2021, 1, 1))
    fees.bills_issue(lijing, estate_id=other.pk, month=D(2021, 1, 1))
    first = fees.fee_pay(lijing, bill_id=FeeBill.objects.filter(estate=other).first().pk, amount="1", method="cash",
                         paid_on=clock.today)
    assert first.receipt_no == f"{other.name}-{clock.today.year}-000001"  # its own sequence
    clock.set(datetime.datetime(clock.today.year + 1, 1, 2, 10, 0, tzinfo=clock.now.tzinfo))
    new_year = fees.fee_pay(zhang, bill_id=bills[0].pk, amount="1", method="cash", paid_on=clock.today)
    assert new_year.receipt_no == f"{yiwu.name}-{clock.today.year}-000001"


def _pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(io.BytesIO(data))
    return "".join(page.get_textpage().get_text_range() for page in pdf)


def test_the_receipt_is_a_real_pdf_with_its_number(login):
    payment = FeePayment.objects.get(bill__unit__code="5-1-302", bill__estate__name=YIWU)  # the demo's
    answer = login("wangayi").get(f"/finance/payments/{payment.pk}/receipt.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    text = _pdf_text(answer.content)
    assert payment.receipt_no in text and payment.reference in text
    api = login("wangayi").get(f"/api/v1/payments/{payment.pk}/receipt.pdf")
    assert api.status_code == 200 and payment.receipt_no in _pdf_text(api.content)


RECEIPT = [("wangayi", 200), ("zhangjingli", 200), ("yanshuji", 200), ("guanliyuan", 200),
           ("zuhu", 403), ("sunjiancha", 403), ("wanggeyuan", 403),
           ("lixiansheng", 404), ("zhaozhuren", 404), ("lijing", 404)]


@pytest.mark.parametrize(("username", "status"), RECEIPT)
def test_only_the_owner_and_fee_staff_fetch_a_receipt(login, username, status):
    payment = FeePayment.objects.get(bill__unit__code="5-1-302", bill__estate__name=YIWU)
    assert login(username).get(f"/finance/payments/{payment.pk}/receipt.pdf").status_code == status
    assert login(username).get(f"/api/v1/payments/{payment.pk}/receipt.pdf").status_code == status


def test_the_owner_sees_the_bill_paid_with_its_receipt(login):
    payment = FeePayment.objects.get(bill__unit__code="5-1-302", bill__estate__name=YIWU)
    html = login("wangayi").get("/finance/my-fees/").content.decode()
    assert payment.receipt_no in html and f"/finance/payments/{payment.pk}/receipt.pdf" in html
    assert 'data-testid="paid"' in html


def test_a_payment_recorded_on_the_page_gives_a_receipt(login, yiwu_billed):
    client = login("zhangjingli")
    url = f"/finance/estates/{yiwu_billed.estate_id}/fees/"
    client.post(url, {"action": "fee_pay", "bill": yiwu_billed.pk, "amount": "5.00", "method": "transfer",
                      "reference": "ABC-1"})
    payment = FeePayment.objects.get(bill=yiwu_billed)
    assert payment.amount == 500 and payment.receipt_no in client.get(url).content.decode()


# --- reversal --------------------------------------------------------------------------------------------
def test_a_payment_is_reversed_by_a_reversing_entry_once(persona, yiwu_billed, clock, login):
    zhang, yiwu = persona("zhangjingli"), estate(YIWU)
    collected = selectors.balance(yiwu, FEES_COLLECTED)
    payment = fees.fee_pay(zhang, bill_id=yiwu_billed.pk, amount=Decimal(yiwu_billed.amount) / 100, method="cash",
                           paid_on=clock.today)
    assert FeeBill.objects.get(pk=yiwu_billed.pk).due == 0
    with pytest.raises(WrongState) as exc:
        fees.fee_pay(zhang, bill_id=yiwu_billed.pk, amount="1", method="cash", paid_on=clock.today)
    assert exc.value.message == fees.BILL_PAID
    with pytest.raises(InvalidInput) as exc:
        fees.fee_payment_reverse(zhang, payment_id=payment.pk, reason="  ")
    assert exc.value.message == fees.REASON_REQUIRED
    reversed_ = fees.fee_payment_reverse(zhang, payment_id=payment.pk, reason="重复录入")
    mirror = Transaction.objects.get(reverses=payment.transaction)
    assert reversed_.reversal == mirror
    assert sorted((e.account.code, e.debit, e.credit) for e in mirror.entries.all()) == sorted(
        (e.account.code, e.credit, e.debit) for e in payment.transaction.entries.all())
    assert selectors.balance(yiwu, FEES_COLLECTED) == collected
    assert FeeBill.objects.get(pk=yiwu_billed.pk).paid == 0
    answer = call(login("zhangjingli"), "post", f"/payments/{payment.pk}/reverse", {"reason": "again"})
    assert answer.status_code == 409 and answer.json()["detail"] == fees.PAYMENT_REVERSED
    assert Transaction.objects.filter(reverses=payment.transaction).count() == 1


def test_paying_a_reversed_bill_is_refused(persona, yiwu_billed, clock):
    zhang = persona("zhangjingli")
    payment = fees.fee_pay(zhang, bill_id=yiwu_billed.pk, amount="1", method="cash", paid_on=clock.today)
    with pytest.raises(WrongState) as exc:
        fees.bill_reverse(zhang, bill_id=yiwu_billed.pk, reason="面积有误")
    assert exc.value.message == fees.BILL_HAS_PAYMENTS
    fees.fee_payment_reverse(zhang, payment_id=payment.pk, reason="录错房号")
    fees.bill_reverse(zhang, bill_id=yiwu_billed.pk, reason="面积有误")
    with pytest.raises(WrongState) as exc:
        fees.fee_pay(zhang, bill_id=yiwu_billed.pk, amount="1", method="cash", paid_on=clock.today)
    assert exc.value.message == fees.BILL_REVERSED
    with pytest.raises(WrongState):
        fees.bill_reverse(zhang, bill_id=yiwu_billed.pk, reason="again")
    # the month can be billed again for that unit, once
    assert fees.bills_issue(zhang, estate_id=yiwu_billed.estate_id, month=yiwu_billed.month) == 1
    assert fees.bills_issue(zhang, estate_id=yiwu_billed.estate_id, month=yiwu_billed.month) == 0


REVERSE = [("zhangjingli", 200), ("shequ", 200), ("wangayi", 403), ("sunjiancha", 403), ("lijing", 404)]


@pytest.mark.parametrize(("username", "status"), REVERSE)
def test_who_reverses_a_payment(login, persona, yiwu_billed, clock, username, status):
    payment = fees.fee_pay(persona("zhangjingli"), bill_id=yiwu_billed.pk, amount="1", method="cash", paid_on=clock.today)
    answer = call(login(username), "post", f"/payments/{payment.pk}/reverse", {"reason": "录错"})
    assert answer.status_code == status, answer.content
    assert (FeePayment.objects.get(pk=payment.pk).reversed_at is not None) == (status == 200)


def test_reversed_bills_leave_the_collection_rate(persona, yiwu_billed, clock):
    yiwu, month = estate(YIWU), yiwu_billed.month
    before = selectors.collection_rate([yiwu.pk], month, month)["billed"]
    fees.bill_reverse(persona("zhangjingli"), bill_id=yiwu_billed.pk, reason="空置房不收费")
    assert selectors.collection_rate([yiwu.pk], month, month)["billed"] == before - yiwu_billed.amount


def test_a_fee_payments_entry_is_not_reversed_behind_the_bills_back(persona, yiwu_billed, clock):
    from gongzhi.finance.services import journal

    payment = fees.fee_pay(persona("zhangjingli"), bill_id=yiwu_billed.pk, amount="1", method="cash",
                           paid_on=clock.today)
    with pytest.raises(WrongState) as exc:
        journal.transaction_reverse(persona("yanshuji"), transaction_id=payment.transaction_id, memo="")
    assert exc.value.message == journal.REVERSE_ELSEWHERE
    assert FeeBill.objects.get(pk=yiwu_billed.pk).paid == 100
