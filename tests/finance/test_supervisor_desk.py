"""The supervisor's desk (issue 17, item 6): every alert names its estate and opens the record behind it
for the supervisor; an alert is marked reviewed with a note, once, by a supervisor of its estate, and
audited; the alerts, the seal register and the expenses export to Excel with Chinese headers, masked for
the viewer; a seal out longer than GONGZHI_SEAL_OUT_HOURS — not exactly that long — raises an alert;
and the money pages' figures lead to the audit rows behind them."""

import datetime
import html
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from gongzhi.core import services as core
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.finance import selectors
from gongzhi.finance.choices import AlertKind
from gongzhi.finance.models import AlertReview, BankLine, Expense, Seal
from gongzhi.finance.services import alerts as alert_svc
from gongzhi.finance.services import audits, fund, journal, reconciliation
from gongzhi.finance.services import expenses as expense_svc
from gongzhi.finance.services import seals as seal_svc
from gongzhi.people import services as people
from gongzhi.places.models import Community
from tests.helpers import PACIFIC, YIWU, estate, race

pytestmark = pytest.mark.usefixtures("world")

PHONE = "13812345678"
MASKED = "138****5678"
ALERT_HEADERS = ["小区", "类型", "说明", "发生时间", "链接", "状态", "查看人", "查看时间", "备注"]


def sign(persona, approval_id, signers):
    for s in core.Approval.objects.get(pk=approval_id).signatures.all():
        core.approval_sign(persona(signers[s.role]), approval_id=approval_id, role=s.role)


def seal_out(persona, document="物业合同续签"):
    """A committee-seal use of 太平洋花园 signed and released now; the use."""
    committee_seal = Seal.objects.get(estate=estate(PACIFIC), kind="committee")
    [use] = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal.pk, document=document,
                                      purpose="续签")
    sign(persona, use.approval_id, {Role.COMMITTEE_CHAIR: "zhaozhuren", Role.COMMUNITY_SECRETARY: "yanshuji",
                                    Role.DISCIPLINE_SUPERVISOR: "sunjiancha"})
    return seal_svc.seal_release(persona("yanshuji"), use_id=use.pk)


def refused_payment(persona, expense):
    with pytest.raises(WrongState):
        expense_svc.expense_pay(persona("yanshuji"), expense_id=expense.pk)
    return AuditEntry.objects.filter(action="expense.pay_refused", subject_id=str(expense.pk)).latest("id")


@pytest.fixture
def every_alert(persona, clock):
    """One alert of every kind in 太平洋花园, two days on: {kind: (record id, what its page shows)}."""
    pacific, yan, today = estate(PACIFIC), persona("yanshuji"), clock.today
    ask = dict(estate_id=pacific.pk, category="repair")
    expense_svc.expense_request(persona("weiyuan"), amount="3000", purpose="修补围墙", payee=f"某维修部{PHONE}", **ask)
    split = expense_svc.expense_request(persona("weiyuan"), amount="2500", purpose="修补围墙二期",
                                        payee=f"某维修部{PHONE}", **ask)
    pending = expense_svc.expense_request(persona("weiyuan"), amount="100", purpose="更换楼道灯泡", payee="另一家",
                                          **ask)
    refused = refused_payment(persona, pending)
    tx = journal.income_record(yan, estate_id=pacific.pk, category="parking", amount="1234.56",
                               date=today - datetime.timedelta(days=10), memo="十天前停车费")
    day = (today - datetime.timedelta(days=10)).isoformat()
    reconciliation.bank_lines_import(yan, estate_id=pacific.pk, filename="流水.csv", data=(
        f"交易日期,收入金额,支出金额,对方户名,摘要\n{day},,777.77,某五金店,零星采购\n").encode())
    line = BankLine.objects.get(estate=pacific, amount=-77777)
    application = fund.fund_apply(persona("zhaozhuren"), estate_id=pacific.pk, purpose="水泵抢修", amount="3000",
                                  building_ids=[pacific.buildings.first().pk], emergency="water_pump")
    period = audits.audit_open(yan, estate_id=pacific.pk, start=today - datetime.timedelta(days=100),
                               end=today - datetime.timedelta(days=91))
    case = audits.case_open(persona("sunjiancha"), estate_id=pacific.pk, source="预警", description="停车费未入账问责",
                            responsible="物业经理", deadline=today)
    use = seal_out(persona)
    clock.set(clock.now + datetime.timedelta(days=2))
    return {
        "split": (split.pk, "修补围墙二期"),
        "pay_refused": (refused.pk, "更换楼道灯泡"),
        "not_deposited": (tx.pk, f'id="gap-tx-{tx.pk}"'),
        "bank_unmatched": (line.pk, f'id="line-{line.pk}"'),
        "fund_review_overdue": (application.reviews.first().pk, f'id="fund-{application.pk}"'),
        "audit_overdue": (period.pk, f'id="audit-{period.pk}"'),
        "case_overdue": (case.pk, f'id="case-{case.pk}"'),
        "seal_out": (use.pk, "物业合同续签"),
    }


def find(alerts, kind, record_id):
    [alert] = [a for a in alerts if a.kind == kind and a.record_id == record_id]
    return alert


def opened(client, link):
    """The page a link opens (the test client drops the fragment: the fragment is the record's id)."""
    path, _sep, anchor = link.partition("#")
    answer = client.get(path)
    return answer, answer.content.decode(), anchor


# --- every alert names its estate and opens its record -------------------------------------------------
def test_every_alert_names_its_estate_and_its_link_opens_the_record_for_the_supervisor(every_alert, persona, login):
    alerts = selectors.alerts(fetched_by=persona("sunjiancha"))
    client = login("sunjiancha")
    assert set(every_alert) == set(AlertKind.values)  # every kind is tried
    for kind, (record_id, shown) in every_alert.items():
        alert = find(alerts, kind, record_id)
        assert alert.estate_name == PACIFIC and alert.key == f"{kind}:{record_id}"
        assert alert.link, kind
        answer, page, anchor = opened(client, alert.link)
        assert answer.status_code == 200, (kind, alert.link)
        assert shown in page, (kind, alert.link)
        if anchor:
            assert f'id="{anchor}"' in page, (kind, alert.link)
    desk = client.get("/finance/supervisor/").content.decode()
    for kind, (record_id, _shown) in every_alert.items():
        item = re.search(rf'<li[^>]*data-alert="{kind}:{record_id}".*?</li>', desk, re.S).group(0)
        assert PACIFIC in item and html.escape(find(alerts, kind, record_id).link) in item


def test_an_alert_out_of_sight_is_not_found(every_alert, persona):
    stranger = anhe_supervisor()
    split_id = every_alert["split"][0]
    with pytest.raises(NotFound):
        selectors.alert_get(fetched_by=stranger, key=f"split:{split_id}")
    assert all(a.estate_name != PACIFIC for a in selectors.alerts(fetched_by=stranger))


def anhe_supervisor():
    """A discipline supervisor of 安和苑社区 only: 太平洋花园 (明福社区) is out of their sight."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="anhe_jiancha", first_name="钱监督")
    people.role_assign(None, user_id=user.pk, role=Role.DISCIPLINE_SUPERVISOR, anchor_field="community",
                       anchor_id=Community.objects.get(name="安和苑社区").pk, valid_from=datetime.date(2020, 1, 1))
    return user


# --- review with a note ----------------------------------------------------------------------------------
def test_a_review_with_a_note_is_audited_and_moves_the_alert_to_reviewed(every_alert, persona, login):
    sun = persona("sunjiancha")
    key = f"split:{every_alert['split'][0]}"
    client = login("sunjiancha")
    answer = client.post("/finance/supervisor/", {"alert": key, "note": "已约谈收款方，系两期工程", "action": "review"})
    assert answer.status_code == 302
    review = AlertReview.objects.get(kind="split", record_id=every_alert["split"][0])
    assert review.reviewed_by == sun and review.note == "已约谈收款方，系两期工程" and review.estate == estate(PACIFIC)
    entry = AuditEntry.objects.get(action="alert.review", subject_id=str(review.pk))
    assert entry.after["alert"] == key and entry.after["note"] == "已约谈收款方，系两期工程"
    assert entry.estate_id == estate(PACIFIC).pk and entry.actor == sun
    desk = client.get("/finance/supervisor/").content.decode()
    reviewed = desk[desk.index('data-testid="alerts-reviewed"'):]
    opened_list = desk[desk.index('data-testid="alerts"'):desk.index('data-testid="alerts-reviewed"')]
    assert f'data-alert="{key}"' in reviewed and f'data-alert="{key}"' not in opened_list
    assert "已约谈收款方，系两期工程" in reviewed and sun.get_full_name() in reviewed
    assert review.reviewed_at.astimezone().strftime("%Y-%m-%d") in reviewed


def test_a_refused_payment_after_the_review_is_a_new_alert(every_alert, persona):
    sun = persona("sunjiancha")
    first = f"pay_refused:{every_alert['pay_refused'][0]}"
    alert_svc.alert_review(sun, key=first, note="已提醒社区按程序付款")
    again = refused_payment(persona, Expense.objects.get(purpose="更换楼道灯泡"))
    alerts = selectors.alerts(fetched_by=sun)
    assert find(alerts, "pay_refused", every_alert["pay_refused"][0]).review is not None
    assert find(alerts, "pay_refused", again.pk).review is None  # the same condition again: open


@pytest.mark.parametrize(("key", "note", "error", "message"), [
    ("split:{split}", "", InvalidInput, alert_svc.NOTE_REQUIRED),
    ("split:{split}", "   ", InvalidInput, alert_svc.NOTE_REQUIRED),
    ("split:987654321", "看过", NotFound, selectors.UNKNOWN_ALERT),
    ("nonsense", "看过", NotFound, selectors.UNKNOWN_ALERT),
    ("bogus:{split}", "看过", NotFound, selectors.UNKNOWN_ALERT),
    ("split:-1", "看过", NotFound, selectors.UNKNOWN_ALERT),
])
def test_bad_reviews_are_refused_clearly_and_write_nothing(every_alert, persona, key, note, error, message):
    before = (AlertReview.objects.count(), AuditEntry.objects.filter(action="alert.review").count())
    with pytest.raises(error) as refused:
        alert_svc.alert_review(persona("sunjiancha"), key=key.format(split=every_alert["split"][0]), note=note)
    assert refused.value.message == message
    assert (AlertReview.objects.count(), AuditEntry.objects.filter(action="alert.review").count()) == before


def test_only_a_supervisor_of_the_estate_reviews_and_only_once(every_alert, persona):
    key = f"seal_out:{every_alert['seal_out'][0]}"
    with pytest.raises(PermissionDenied) as refused:  # sees the estate, is not its supervisor
        alert_svc.alert_review(persona("yanshuji"), key=key, note="看过")
    assert refused.value.message == alert_svc.NOT_REVIEWER
    with pytest.raises(NotFound):  # a supervisor elsewhere: as if it did not exist
        alert_svc.alert_review(anhe_supervisor(), key=key, note="看过")
    assert not AlertReview.objects.exists()
    alert_svc.alert_review(persona("sunjiancha"), key=key, note="已催还")
    with pytest.raises(WrongState) as twice:
        alert_svc.alert_review(persona("sunjiancha"), key=key, note="再看一次")
    assert twice.value.message == alert_svc.ALREADY_REVIEWED
    assert AlertReview.objects.get().note == "已催还"
    assert AuditEntry.objects.filter(action="alert.review").count() == 1


# --- the permission grid: pages, exports, endpoints ---------------------------------------------------------
@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("lixiansheng", 403), ("zhaozhuren", 403), ("yanshuji", 403), ("sunjiancha", 200)])
def test_the_desk_and_its_export_answer_only_supervisors(login, who, status):
    client = login(who) if who else Client()
    for path in ("/finance/supervisor/", "/finance/supervisor/alerts.xlsx"):
        answer = client.get(path)
        assert answer.status_code == status, path
        if status != 200:
            assert "预警" not in answer.content.decode(errors="ignore")


def test_the_desk_refuses_a_review_from_the_wrong_role(every_alert, login):
    key = f"split:{every_alert['split'][0]}"
    assert login("yanshuji").post("/finance/supervisor/", {"alert": key, "note": "x"}).status_code == 403
    assert not AlertReview.objects.exists()


@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("lixiansheng", 404), ("lijing", 404), ("yanshuji", 200), ("zhaozhuren", 200)])
def test_the_expenses_export_answers_who_reads_the_books(login, who, status):
    client = login(who) if who else Client()
    assert client.get(f"/finance/estates/{estate(PACIFIC).pk}/expenses.xlsx").status_code == status
    if who:
        assert client.get("/finance/estates/987654321/expenses.xlsx").status_code == 404


@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("lixiansheng", 403), ("lijing", 404), ("yanshuji", 200), ("sunjiancha", 200)])
def test_the_seal_register_export_answers_who_reads_the_register(login, who, status):
    client = login(who) if who else Client()
    mingfu = Community.objects.get(name="明福社区")
    assert client.get(f"/finance/communities/{mingfu.pk}/seals.xlsx").status_code == status


def api(client, method, path, body=None):
    if method == "get":
        return client.get(f"/api/v1{path}")
    return client.post(f"/api/v1{path}", body or {}, content_type="application/json")


def test_the_alerts_api_lists_and_reviews_through_the_same_rules(every_alert, login, persona, client):
    key = f"case_overdue:{every_alert['case_overdue'][0]}"
    assert api(Client(), "get", "/finance/alerts").status_code in (401, 403)
    for who in ("zhaozhuren", "yanshuji", "lixiansheng"):
        answer = api(login(who), "get", "/finance/alerts")
        assert answer.status_code == 403 and "items" not in answer.json()
    sun = login("sunjiancha")
    items = api(sun, "get", "/finance/alerts?limit=1000").json()["items"]
    [row] = [r for r in items if r["key"] == key]
    assert row["estate_name"] == PACIFIC and row["link"].startswith(f"/finance/estates/{estate(PACIFIC).pk}/audits/")
    assert row["reviewed"] is False and row["kind_label"] == "问责事项逾期"

    assert api(login("yanshuji"), "post", f"/finance/alerts/{key}/review", {"note": "看过"}).status_code == 403
    stranger = Client()
    stranger.force_login(anhe_supervisor())
    assert api(stranger, "post", f"/finance/alerts/{key}/review", {"note": "看过"}).status_code == 404
    sun = login("sunjiancha")
    empty = api(sun, "post", f"/finance/alerts/{key}/review", {"note": ""})
    assert empty.status_code == 400 and empty.json()["detail"] == alert_svc.NOTE_REQUIRED
    missing = api(sun, "post", "/finance/alerts/case_overdue:987654321/review", {"note": "看过"})
    assert missing.status_code == 404 and missing.json()["detail"] == selectors.UNKNOWN_ALERT
    assert not AlertReview.objects.exists()
    done = api(sun, "post", f"/finance/alerts/{key}/review", {"note": "已督促整改"})
    assert done.status_code == 200 and done.json()["reviewed"] is True and done.json()["note"] == "已督促整改"
    assert done.json()["reviewed_by"] == persona("sunjiancha").get_full_name()
    twice = api(sun, "post", f"/finance/alerts/{key}/review", {"note": "再看"})
    assert twice.status_code == 409 and twice.json()["detail"] == alert_svc.ALREADY_REVIEWED
    reviewed = api(sun, "get", "/finance/alerts?reviewed=true&limit=1000").json()["items"]
    assert [r["key"] for r in reviewed] == [key]
    assert AuditEntry.objects.filter(action="alert.review").count() == 1


# --- exports --------------------------------------------------------------------------------------------
def sheet(answer):
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_the_alerts_export_has_chinese_headers_every_alert_and_masks_phones(every_alert, persona, login):
    alert_svc.alert_review(persona("sunjiancha"), key=f"split:{every_alert['split'][0]}",
                           note=f"收款方电话 {PHONE} 已核实")
    rows = sheet(login("sunjiancha").get("/finance/supervisor/alerts.xlsx"))
    assert rows[0] == ALERT_HEADERS
    body = rows[1:]
    assert len(body) == len(selectors.alerts(fetched_by=persona("sunjiancha")))
    reviewed = [r for r in body if r[5] == "已查看"]
    assert len(reviewed) == 1 and reviewed[0][0] == PACIFIC and reviewed[0][1] == "疑似拆分支出"
    assert reviewed[0][6] == persona("sunjiancha").get_full_name() and MASKED in reviewed[0][8]
    assert reviewed[0][4].startswith("http://testserver/approvals/")
    flat = " ".join(str(cell) for row in body for cell in row if cell is not None)
    assert PHONE not in flat and MASKED in flat  # the payee's phone, in the text and the note, masked


def test_the_expenses_export_is_masked_for_a_viewer_who_may_not_read_phones(every_alert, login):
    pacific = estate(PACIFIC).pk
    full = sheet(login("yanshuji").get(f"/finance/estates/{pacific}/expenses.xlsx"))
    masked = sheet(login("zhaozhuren").get(f"/finance/estates/{pacific}/expenses.xlsx"))
    assert full[0] == masked[0] and full[0][:6] == ["申请时间", "审批单号", "用途", "收款方", "类别", "金额（元）"]
    assert len(full) == len(masked) == 1 + Expense.objects.filter(estate_id=pacific).count()
    assert any(f"某维修部{PHONE}" == row[3] for row in full)  # the community secretary reads phones
    assert any(f"某维修部{MASKED}" == row[3] for row in masked) and not any(PHONE in str(r) for r in masked)
    [row] = [r for r in full if r[2] == "修补围墙二期"]
    assert float(row[5]) == 2500.0 and row[7] == "是"


def test_the_seal_register_export_is_masked_for_a_viewer_who_may_not_read_phones(persona, login, clock):
    seal_out(persona, document=f"合同（联系人 {PHONE}）")
    mingfu = Community.objects.get(name="明福社区").pk
    full = sheet(login("yanshuji").get(f"/finance/communities/{mingfu}/seals.xlsx"))
    masked = sheet(login("sunjiancha").get(f"/finance/communities/{mingfu}/seals.xlsx"))
    assert full[0] == masked[0] and full[0][:5] == ["小区", "印章", "保管人", "保管起始", "存放"]
    assert len(full) == 1 + Seal.objects.filter(estate__community_id=mingfu).count()
    [out] = [r for r in full if r[5] and "联系人" in r[5]]
    assert out[0] == PACIFIC and out[1] == "业主委员会印章" and out[5] == f"合同（联系人 {PHONE}）" and out[7]
    assert [r[5] for r in masked if r[5] and "联系人" in r[5]] == [f"合同（联系人 {MASKED}）"]
    assert not any(PHONE in str(r) for r in masked)


# --- seals out too long: the edge ----------------------------------------------------------------------------
@pytest.mark.parametrize("hours", [24, 6])
def test_a_seal_out_exactly_the_limit_is_not_an_alert_one_second_more_is(persona, login, clock, settings, hours):
    settings.GONGZHI_SEAL_OUT_HOURS = hours
    use = seal_out(persona)
    released = use.released_at
    sun = persona("sunjiancha")

    def out_alerts(now):
        return [a for a in selectors.alerts(fetched_by=sun, now=now) if a.kind == "seal_out" and a.record_id == use.pk]

    assert out_alerts(released + datetime.timedelta(hours=hours)) == []
    [alert] = out_alerts(released + datetime.timedelta(hours=hours, seconds=1))
    assert alert.estate_name == PACIFIC and alert.at == released
    clock.set(released + datetime.timedelta(hours=hours, seconds=1))
    desk = login("sunjiancha").get("/finance/supervisor/").content.decode()
    assert f"借出超过 {hours} 小时" in desk and f'data-alert="seal_out:{use.pk}"' in desk


# --- from a money figure to the audit rows behind it -----------------------------------------------------------
def trace(page: str, testid: str) -> str:
    found = re.search(rf'<a href="([^"]+)"[^>]*data-testid="{testid}"', page)
    assert found, testid
    return html.unescape(found.group(1))


def trail(client, link):
    answer = client.get(link)
    assert answer.status_code == 200, link
    return answer.content.decode()


def test_money_figures_lead_to_the_audit_rows_that_produced_them(persona, login, clock):
    pacific, yan = estate(PACIFIC), persona("yanshuji")
    tx = journal.income_record(yan, estate_id=pacific.pk, category="personal_transfer", amount="520000",
                               date=clock.today, memo="委员个人账户转入公账", payer="赵某")
    journal.income_record(yan, estate_id=estate(YIWU).pk, category="parking", amount="10", date=clock.today,
                          memo="义乌城停车费（别的小区）")
    expense = expense_svc.expense_request(persona("weiyuan"), estate_id=pacific.pk, amount="860", purpose="修剪行道树",
                                          payee="某绿化队", category="greenery")
    sign(persona, expense.approval_id, {Role.COMMITTEE_CHAIR: "zhaozhuren", Role.PROPERTY_STAFF: "wangjingli",
                                        Role.COMMUNITY_SECRETARY: "yanshuji"})
    expense_svc.expense_pay(yan, expense_id=expense.pk, date=clock.today)
    expense_svc.expense_request(persona("weiyuan"), estate_id=pacific.pk, amount="90", purpose="只申请未付款",
                                payee="某五金店", category="repair")
    client = login("sunjiancha")
    journal_page = client.get(f"/finance/estates/{pacific.pk}/").content.decode()

    income = trail(client, trace(journal_page, "trace-income"))  # the period's postings in this estate
    assert "委员个人账户转入公账" in income and "义乌城停车费" not in income and "只申请未付款" not in income
    balance = trail(client, trace(journal_page, "trace-balance"))
    assert "委员个人账户转入公账" in balance and "义乌城停车费" not in balance
    spending = trail(client, trace(journal_page, "trace-spending"))  # the payments, not the requests
    assert "修剪行道树" in spending and "只申请未付款" not in spending and "委员个人账户转入公账" not in spending
    voucher = trail(client, f"{trace(journal_page, 'trace-voucher').split('&subject_id=')[0]}&subject_id={tx.pk}")
    assert "委员个人账户转入公账" in voucher and "修剪行道树" not in voucher
    assert f"subject_id={tx.pk}" in html.unescape(journal_page)

    expenses_page = client.get(f"/finance/estates/{pacific.pk}/expenses/").content.decode()
    own = re.search(rf'href="([^"]*subject_id={expense.pk})"', expenses_page).group(1)
    rows = trail(client, html.unescape(own))  # the expense's own rows: asked for, then paid
    assert rows.count('data-testid="audit-row"') == 2 and "只申请未付款" not in rows

    desk = client.get("/finance/supervisor/").content.decode()
    transfers = trail(client, trace(desk, "transfer-trail"))
    assert "委员个人账户转入公账" in transfers


def test_only_the_estates_supervisors_see_the_figures_audit_links(login):
    pacific = estate(PACIFIC).pk
    for who in ("yanshuji", "zhaozhuren"):
        page = login(who).get(f"/finance/estates/{pacific}/").content.decode()
        assert 'data-testid="trace-balance"' not in page and "/audit/?" not in page
    assert 'data-testid="trace-balance"' in login("sunjiancha").get(f"/finance/estates/{pacific}/").content.decode()


# --- the dashboard's money figures: each links to records that add up to it ---------------------------------
def test_each_dashboard_money_figure_links_to_the_records_that_add_up_to_it(every_alert, persona, login, clock):
    from gongzhi.core import clock as source
    from gongzhi.core.figures import Place

    pacific, yan = estate(PACIFIC), persona("yanshuji")
    journal.income_record(yan, estate_id=pacific.pk, category="personal_transfer", amount="5200", date=clock.today,
                          memo="个人账户转入")
    period = source.period(source.PeriodKind.MONTH, clock.today)
    client = login("sunjiancha")
    for place in (Place("estate", pacific), Place("community", pacific.community)):
        section = selectors.dashboard_section(fetched_by=persona("sunjiancha"), place=place, period=period)
        for figure in section.figures:
            assert figure.link, figure.key
            answer = client.get(figure.link)
            assert answer.status_code == 200, figure.link
            page = answer.content.decode()
            if figure.unit == "元":
                shown = re.search(r'data-testid="records-total">([^<]+)<', page).group(1)
                assert shown == f"{figure.value:,.2f}", (place, figure.key)
            elif figure.key == "alerts":
                assert int(re.search(r'data-testid="alerts-open-count">(\d+)<', page).group(1)) == figure.value
    figures = selectors.dashboard_section(fetched_by=persona("sunjiancha"), place=Place("estate", pacific),
                                          period=period).figures
    [transfer] = [f for f in figures if f.key == "personal_transfer"]
    assert "个人账户转入" in client.get(transfer.link).content.decode()


@pytest.mark.parametrize(("who", "status"), [(None, 302), ("lixiansheng", 404), ("lijing", 404), ("yanshuji", 200)])
def test_the_records_behind_a_figure_answer_only_who_reads_those_books(login, who, status):
    client = login(who) if who else Client()
    answer = client.get(f"/finance/records/?place=estate:{estate(PACIFIC).pk}&what=income")
    assert answer.status_code == status
    if status == 404:
        assert "records-total" not in answer.content.decode()
    if who:
        assert client.get("/finance/records/?place=estate:987654321&what=income").status_code == 404
        assert client.get("/finance/records/?place=nowhere&what=income").status_code in (400, 404)


def test_the_back_office_shows_alert_reviews_read_only(every_alert, persona, login):
    review = alert_svc.alert_review(persona("sunjiancha"), key=f"split:{every_alert['split'][0]}", note="已核实")
    admin = login("guanliyuan")
    assert admin.get("/admin/finance/alertreview/").status_code == 200
    page = admin.get(f"/admin/finance/alertreview/{review.pk}/change/")
    assert page.status_code == 200 and "已核实" in page.content.decode()
    assert admin.post(f"/admin/finance/alertreview/{review.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AlertReview.objects.filter(pk=review.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_reviewing_one_alert_at_once_leave_one_review(world, persona):
    first = expense_svc.expense_request(persona("weiyuan"), estate_id=estate(PACIFIC).pk, amount="3000", purpose="甲",
                                        payee="同一家", category="repair")
    expense_svc.expense_request(persona("weiyuan"), estate_id=estate(PACIFIC).pk, amount="2500", purpose="乙",
                                payee="同一家", category="repair")
    key = f"split:{first.pk}"
    results = race([lambda: alert_svc.alert_review(persona("sunjiancha"), key=key, note="孙看过"),
                    lambda: alert_svc.alert_review(persona("guanliyuan"), key=key, note="管理员看过")])
    assert sum(isinstance(r, AlertReview) for r in results) == 1
    [refused] = [r for r in results if not isinstance(r, AlertReview)]
    assert isinstance(refused, WrongState) and refused.message == alert_svc.ALREADY_REVIEWED
    assert AlertReview.objects.filter(kind="split", record_id=first.pk).count() == 1
    assert AuditEntry.objects.filter(action="alert.review").count() == 1
