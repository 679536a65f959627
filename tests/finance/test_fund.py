"""The maintenance fund: its balance per estate (page and API), deposits, the payout of an approved
application into the journal — once, never beyond the balance (exactly the balance is paid, one fen
more is refused), never by the applicant — and 三级联审 in which the applicant never reviews their own
application."""

import datetime
from decimal import Decimal

import pytest

from gongzhi.core.api_schema import CONTROL_CHARACTERS
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.money import AMOUNT_TOO_LARGE, BAD_AMOUNT, yuan
from gongzhi.finance import rules, selectors
from gongzhi.finance.choices import FUND, FundStatus
from gongzhi.finance.models import Entry, FundApplication
from gongzhi.finance.services import fund
from tests.helpers import PACIFIC, YIWU, estate

pytestmark = pytest.mark.usefixtures("world")
D = datetime.date
MISSING = 987654321
REVIEWERS = {"property_centre": "liukezhang", "subdistrict": "wuganbu", "community": "yanshuji"}


def call(client, method, path, body=None):
    if method == "get":
        return client.get(f"/api/v1{path}")
    return client.post(f"/api/v1{path}", body if body is not None else {}, content_type="application/json")


def _approved(persona, amount, *, applicant="zhaozhuren", community_reviewer="yanshuji"):
    pacific = estate(PACIFIC)
    app = fund.fund_apply(persona(applicant), estate_id=pacific.pk, purpose="5号楼屋面渗漏抢修", amount=amount,
                          building_ids=[pacific.buildings.get(code="5").pk], emergency="roof_leak")
    for level, username in {**REVIEWERS, "community": community_reviewer}.items():
        fund.fund_review(persona(username), application_id=app.pk, level=level, approved=True)
    app.refresh_from_db()
    assert app.status == FundStatus.APPROVED
    return app


def test_each_estate_shows_its_own_fund_balance(login):
    pacific, yiwu = estate(PACIFIC), estate(YIWU)
    assert selectors.fund_balance(pacific) == 128640000 and selectors.fund_balance(yiwu) == 386500000
    page = login("yanshuji").get(f"/finance/estates/{pacific.pk}/fund/").content.decode()
    assert f"{yuan(128640000)}" in page
    assert call(login("yanshuji"), "get", f"/estates/{yiwu.pk}/fund").json()["balance_fen"] == 386500000


def test_the_fund_is_kept_apart_from_the_common_account(persona):
    pacific = estate(PACIFIC)
    common = selectors.balance(pacific)
    fund.fund_deposit(persona("yanshuji"), estate_id=pacific.pk, amount="500.00", memo="利息")
    assert selectors.balance(pacific) == common
    assert selectors.fund_balance(pacific) == 128640000 + 50000


def test_exactly_the_balance_is_paid_out(persona):
    pacific, yan = estate(PACIFIC), persona("yanshuji")
    held = selectors.fund_balance(pacific)
    app = _approved(persona, str(Decimal(held) / 100))
    paid = fund.fund_payout(yan, application_id=app.pk)
    assert paid.status == FundStatus.PAID and selectors.fund_balance(pacific) == 0
    assert sorted((e.account.code, e.debit, e.credit) for e in Entry.objects.filter(transaction=paid.payout)) == [
        (FUND, 0, held), ("liability:fund_owners", held, 0)]
    with pytest.raises(WrongState) as exc:
        fund.fund_payout(yan, application_id=app.pk)
    assert exc.value.message == fund.ALREADY_PAID


def test_one_fen_more_than_the_balance_is_refused(persona, login):
    pacific = estate(PACIFIC)
    held = selectors.fund_balance(pacific)
    app = _approved(persona, str((Decimal(held) + 1) / 100))
    answer = call(login("yanshuji"), "post", f"/fund-applications/{app.pk}/payout", {})
    assert answer.status_code == 409
    assert answer.json()["detail"] == fund.INSUFFICIENT.format(balance=yuan(held), amount=yuan(held + 1))
    assert selectors.fund_balance(pacific) == held and FundApplication.objects.get(pk=app.pk).payout is None


def test_an_application_not_yet_approved_is_not_paid(persona):
    pacific = estate(PACIFIC)
    app = fund.fund_apply(persona("zhaozhuren"), estate_id=pacific.pk, purpose="水泵抢修", amount="100",
                          building_ids=[pacific.buildings.first().pk], emergency="water_pump")
    with pytest.raises(WrongState) as exc:
        fund.fund_payout(persona("yanshuji"), application_id=app.pk)
    assert exc.value.message == fund.NOT_APPROVED


def test_the_applicant_never_reviews_their_own_application(persona, login):
    pacific, yan = estate(PACIFIC), persona("yanshuji")
    app = fund.fund_apply(yan, estate_id=pacific.pk, purpose="外墙抢修", amount="100",
                          building_ids=[pacific.buildings.first().pk], emergency="facade")
    app = FundApplication.objects.prefetch_related("reviews").get(pk=app.pk)
    assert not rules.may_review_fund(yan, app, "community") and rules.fund_levels_for(yan, app) == []
    with pytest.raises(PermissionDenied) as exc:
        fund.fund_review(yan, application_id=app.pk, level="community", approved=True)
    assert exc.value.message == fund.OWN_APPLICATION
    page = login("yanshuji").get(f"/finance/estates/{pacific.pk}/fund/").content.decode()
    assert f'name="application" value="{app.pk}"' not in page  # no review form for her own
    fund.fund_review(persona("shequ"), application_id=app.pk, level="community", approved=True)  # a colleague may


def test_the_applicant_never_pays_out_their_own_application(persona):
    app = _approved(persona, "100", applicant="shequ")
    with pytest.raises(PermissionDenied):
        fund.fund_payout(persona("shequ"), application_id=app.pk)
    fund.fund_payout(persona("yanshuji"), application_id=app.pk)


PAYOUT = [("yanshuji", 200), ("shequ", 200), ("guanliyuan", 200),
          ("zhaozhuren", 403), ("wangjingli", 403), ("liukezhang", 403), ("lixiansheng", 403), ("sunjiancha", 403),
          ("lijing", 404), ("wangayi", 404)]


@pytest.mark.parametrize(("username", "status"), PAYOUT)
def test_who_pays_out(login, persona, username, status):
    app = _approved(persona, "100")
    answer = call(login(username), "post", f"/fund-applications/{app.pk}/payout", {})
    assert answer.status_code == status, answer.content
    assert (FundApplication.objects.get(pk=app.pk).status == FundStatus.PAID) == (status == 200)


DEPOSIT = [("yanshuji", 201), ("shequ", 201), ("zhaozhuren", 403), ("wangjingli", 403), ("lixiansheng", 403),
           ("lijing", 404)]


@pytest.mark.parametrize(("username", "status"), DEPOSIT)
def test_who_deposits(login, username, status):
    pacific = estate(PACIFIC)
    before = selectors.fund_balance(pacific)
    answer = call(login(username), "post", f"/estates/{pacific.pk}/fund/deposits", {"amount": "10.00", "memo": "利息"})
    assert answer.status_code == status, answer.content
    assert selectors.fund_balance(pacific) == before + (1000 if status == 201 else 0)


def test_a_missing_application_and_another_estates_answer_alike(login, persona):
    app = _approved(persona, "100")
    client = login("lijing")
    other, missing = (call(client, "post", f"/fund-applications/{pk}/payout", {}) for pk in (app.pk, MISSING))
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()


@pytest.mark.parametrize(("amount", "memo", "date", "message"), [
    ("1e9", "利息", None, BAD_AMOUNT), ("0", "利息", None, BAD_AMOUNT), ("-1", "利息", None, BAD_AMOUNT),
    ("100000000.01", "利息", None, AMOUNT_TOO_LARGE), ("1", "利\x00息", None, CONTROL_CHARACTERS),
    ("1", "", None, fund.MEMO_REQUIRED), ("1", "利息", D(2999, 1, 1), fund.DATE_RANGE),
])
def test_a_bad_deposit_is_refused_with_nothing_written(persona, amount, memo, date, message):
    pacific = estate(PACIFIC)
    before = selectors.fund_balance(pacific)
    with pytest.raises(InvalidInput) as exc:
        fund.fund_deposit(persona("yanshuji"), estate_id=pacific.pk, amount=amount, memo=memo, date=date)
    assert exc.value.message == message
    assert selectors.fund_balance(pacific) == before


def test_the_page_pays_out_and_shows_the_new_balance(login, persona):
    pacific = estate(PACIFIC)
    app = _approved(persona, "1000.00")
    client = login("yanshuji")
    url = f"/finance/estates/{pacific.pk}/fund/"
    assert 'data-api="fund_payout"' in client.get(url).content.decode()
    client.post(url, {"action": "fund_payout", "application": app.pk})
    assert FundApplication.objects.get(pk=app.pk).status == FundStatus.PAID
    assert yuan(128640000 - 100000) in client.get(url).content.decode()
