"""业账社管, continued: bank reconciliation, 三审 and accountability, property fees, the maintenance
fund (emergency versus normal use), personal-account transfers, and the supervisor's alerts."""

import datetime
import re
from decimal import Decimal

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.files import ATTACHMENT_TYPE
from gongzhi.finance import selectors
from gongzhi.finance.choices import FundStatus
from gongzhi.finance.jobs import last_period
from gongzhi.finance.management.commands.publish_statements import NO_SUCH_USER
from gongzhi.finance.models import AccountabilityCase, BankLine, FeeBill
from gongzhi.finance.selectors import alerts, personal_transfers
from gongzhi.finance.services import audits, fees, fund, journal, reconciliation
from gongzhi.finance.services import expenses as expense_svc
from gongzhi.finance.services import seals as seal_svc
from gongzhi.finance.views import BAD_DATE
from gongzhi.notices.models import Notice
from tests.helpers import PACIFIC, estate, unit

pytestmark = pytest.mark.usefixtures("world")
D = datetime.date


def statement_csv(rows):
    lines = ["交易日期,收入金额,支出金额,对方户名,摘要"] + [",".join(map(str, r)) for r in rows]
    return "\n".join(lines).encode("utf-8")


# --- reconciliation --------------------------------------------------------------------------------
def test_bank_statement_import_match_and_alerts(persona):
    yan, pacific = persona("yanshuji"), estate(PACIFIC)
    parking = journal.income_record(yan, estate_id=pacific.pk, category="parking", amount="4231.17", date=D(2020, 10, 3),
                                memo="10月停车费")
    ads = journal.income_record(yan, estate_id=pacific.pk, category="advertising", amount="1861.17", date=D(2020, 10, 1),
                            memo="广告费")
    data = statement_csv([("2020-10-05", "4231.17", "", "停车管理处", "停车费"),
                          ("2020/10/20", "", "301.17", "某五金店", "零星采购"),
                          ("2020-10-20", "", "301.17", "某五金店", "零星采购")])
    demo_lines = BankLine.objects.filter(estate=pacific, transaction__isnull=True).count()
    assert reconciliation.bank_lines_import(yan, estate_id=pacific.pk, data=data, filename="流水.csv") == 3
    assert reconciliation.bank_lines_import(yan, estate_id=pacific.pk, data=data, filename="流水.csv") == 0  # once only
    suggestions = [s for s in selectors.suggest(pacific) if s.transaction_id in (parking.pk, ads.pk)]
    assert [(BankLine.objects.get(pk=s.line_id).amount, s.transaction_id, s.days_apart) for s in suggestions] == [
        (423117, parking.pk, 2)]
    reconciliation.reconciliation_confirm(yan, pairs=[(s.line_id, s.transaction_id) for s in suggestions])
    with pytest.raises(WrongState):
        reconciliation.reconciliation_confirm(yan, pairs=[(suggestions[0].line_id, ads.pk)])
    gaps = selectors.unreconciled(pacific, D(2020, 11, 1))
    assert [tx for tx, _, _ in gaps["income_not_deposited"]] == [ads.pk]
    assert len(gaps["bank_without_entry"]) == 2  # two identical withdrawals, both unexplained
    texts = [a.text for a in alerts(fetched_by=persona("sunjiancha"))]
    assert sum("1,861.17 元" in t for t in texts) == 1 and sum("-301.17 元" in t for t in texts) == 2
    assert BankLine.objects.filter(estate=pacific, transaction__isnull=True).count() == demo_lines + 2


def test_a_bad_bank_file_changes_nothing(persona):
    yan, pacific = persona("yanshuji"), estate(PACIFIC)
    bad = statement_csv([("2026-10-05", "100", "", "a", "b"), ("昨天", "1", "", "a", "b"),
                         ("2026-10-06", "5", "5", "a", "b"), ("2026-10-07", "1.234", "", "a", "b")])
    before = BankLine.objects.filter(estate=pacific).count()
    with pytest.raises(InvalidInput) as error:
        reconciliation.bank_lines_import(yan, estate_id=pacific.pk, data=bad, filename="bad.csv")
    row = reconciliation.ROW_ERROR.split("：")[0]  # "第 {line} 行"
    assert all(row.format(line=line) in error.value.message for line in (3, 4, 5))
    assert BankLine.objects.filter(estate=pacific).count() == before
    with pytest.raises(InvalidInput, match=re.escape(reconciliation.MISSING_COLUMNS)):
        reconciliation.bank_lines_import(yan, estate_id=pacific.pk, data=b"a,b\n1,2", filename="x.csv")
    with pytest.raises(PermissionDenied):
        reconciliation.bank_lines_import(persona("zhaozhuren"), estate_id=pacific.pk, data=bad, filename="x.csv")


# --- 三审 and accountability -----------------------------------------------------------------------
def test_three_party_audit_and_an_accountability_case(persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    yan, pacific = persona("yanshuji"), estate(PACIFIC)
    journal.income_record(yan, estate_id=pacific.pk, category="venue", amount="600", date=D(2026, 10, 3), memo="场地")
    period = audits.audit_open(yan, estate_id=pacific.pk, start=D(2026, 10, 1), end=D(2026, 10, 31))
    assert period.statement["income"]["venue"] == 60000 and period.statement["income"]["parking"] == 423000
    with pytest.raises(WrongState):
        audits.audit_open(yan, estate_id=pacific.pk, start=D(2026, 10, 1), end=D(2026, 10, 31))
    audits.audit_sign(yan, period_id=period.pk, party="residents_committee")
    # the bank's confirmation, recorded by another bookkeeper with its reference and the statement
    audits.audit_sign(persona("shequ"), period_id=period.pk, party="bank", signer_name="某银行 王柜员",
                      reference="YH-2026-10-001", document=SimpleUploadedFile("对账单.pdf", b"%PDF-1.4 statement"))
    assert period.completed_at is None
    with pytest.raises(WrongState, match=re.escape(audits.ALREADY_SIGNED)):
        audits.audit_sign(persona("yinhang"), period_id=period.pk, party="bank")
    audits.audit_sign(persona("zhoushenji"), period_id=period.pk, party="audit_firm", reference="审字〔2026〕18号",
                      findings="场地租金合同未经业主大会授权",
                      document=SimpleUploadedFile("审计报告.pdf", b"%PDF-1.4 report"))
    period.refresh_from_db()
    assert period.completed_at is not None
    case = audits.case_open(persona("sunjiancha"), estate_id=pacific.pk, source=f"三审 {period.pk}",
                            description="场地租金合同未经授权", responsible="业委会主任", deadline=D(2026, 12, 31))
    with pytest.raises(PermissionDenied):
        audits.case_close(persona("lixiansheng"), case_id=case.pk, outcome="x")
    audits.case_close(persona("sunjiancha"), case_id=case.pk, outcome="补办业主大会授权，约谈并书面检查")
    with pytest.raises(WrongState):
        audits.case_close(persona("sunjiancha"), case_id=case.pk, outcome="again")


# --- property fees ---------------------------------------------------------------------------------------
def test_fee_bills_payments_arrears_and_collection_rate(persona, login):
    manager, pacific = persona("wangjingli"), estate(PACIFIC)
    fees.fee_rate_set(manager, estate_id=pacific.pk, unit_kind="residential", rate="1.20", effective_from=D(2020, 10, 1))
    billed = fees.bills_issue(manager, estate_id=pacific.pk, month=D(2020, 10, 15))
    assert billed == pacific.units.filter(kind="residential").count()
    assert fees.bills_issue(manager, estate_id=pacific.pk, month=D(2020, 10, 1)) == 0  # once a month
    flat = unit(PACIFIC, "2-1-301")
    bill = FeeBill.objects.get(unit=flat, month=D(2020, 10, 1))
    assert bill.amount == int((flat.area * Decimal("1.20") * 100).quantize(Decimal("1")))
    with pytest.raises(InvalidInput, match=re.escape(fees.OVERPAID.split("{")[0])):
        fees.fee_pay(manager, bill_id=bill.pk, amount=Decimal(bill.amount + 1) / 100, method="cash", paid_on=D(2020, 10, 20))
    fees.fee_pay(manager, bill_id=bill.pk, amount=Decimal(bill.amount) / 100, method="transfer", reference="B20201020", paid_on=D(2020, 10, 20))
    assert all(b.month != D(2020, 10, 1) for b in selectors.arrears(fetched_by=persona("lixiansheng"), unit_id=flat.pk))
    other = unit(PACIFIC, "1-1-102")
    with pytest.raises((PermissionDenied, NotFound)):
        selectors.arrears(fetched_by=persona("lixiansheng"), unit_id=other.pk)  # a neighbour's arrears are not his
    assert D(2020, 10, 1) in [b.month for b in selectors.arrears(fetched_by=manager, unit_id=other.pk)]
    rate = selectors.collection_rate([pacific.pk], D(2020, 10, 1), D(2020, 10, 31))
    assert rate["collected"] == bill.amount
    assert rate["rate"] == (Decimal(bill.amount) * 100 / Decimal(rate["billed"])).quantize(Decimal("0.1"))
    # paying everything else lifts the rate to 100.0 exactly
    for b in FeeBill.objects.filter(estate=pacific, month=D(2020, 10, 1)).exclude(pk=bill.pk):
        fees.fee_pay(manager, bill_id=b.pk, amount=Decimal(b.amount) / 100, method="online", reference=f"WX{b.pk}", paid_on=D(2020, 10, 28))
    assert selectors.collection_rate([pacific.pk], D(2020, 10, 1), D(2020, 10, 31))["rate"] == Decimal("100.0")
    assert selectors.collection_rate([pacific.pk], D(2019, 1, 1), D(2019, 1, 31))["rate"] is None


# --- maintenance fund ------------------------------------------------------------------------------------
def test_emergency_use_skips_the_vote_but_tells_the_owners(persona):
    chair, pacific = persona("zhaozhuren"), estate(PACIFIC)
    building = pacific.buildings.get(code="5")
    app = fund.fund_apply(chair, estate_id=pacific.pk, purpose="5号楼屋面渗漏抢修", amount="12000",
                     building_ids=[building.pk], emergency="roof_leak")
    assert Notice.objects.get(pk=app.notice_id).title.startswith("应急使用维修资金告知")
    reviews = {r.level: r for r in app.reviews.all()}
    assert (reviews["community"].due_at - app.applied_at) == datetime.timedelta(hours=24)
    with pytest.raises(PermissionDenied):
        fund.fund_review(persona("yanshuji"), application_id=app.pk, level="subdistrict", approved=True)
    fund.fund_review(persona("yanshuji"), application_id=app.pk, level="community", approved=True)
    fund.fund_review(persona("wuganbu"), application_id=app.pk, level="subdistrict", approved=True)
    with pytest.raises(WrongState):
        fund.fund_review(persona("wuganbu"), application_id=app.pk, level="subdistrict", approved=True)
    app = fund.fund_review(persona("liukezhang"), application_id=app.pk, level="property_centre", approved=True)
    assert app.status == FundStatus.APPROVED


def test_normal_use_needs_the_paying_owners_vote(persona, clock):
    from gongzhi.votes import services as votes
    from gongzhi.votes.models import Ballot, RollEntry

    chair, pacific = persona("zhaozhuren"), estate(PACIFIC)
    building = pacific.buildings.get(code="3")
    with pytest.raises(InvalidInput, match=re.escape(fund.NEEDS_VOTE)):
        fund.fund_apply(chair, estate_id=pacific.pk, purpose="3号楼电梯大修", amount="80000", building_ids=[building.pk])
    vote = votes.vote_create(chair, estate_id=pacific.pk, title="3号楼电梯大修动用维修资金", item=5,
                             building_ids=[building.pk], opens_at=clock.now + datetime.timedelta(days=15),
                             closes_at=clock.now + datetime.timedelta(days=20))
    votes.vote_announce(chair, vote_id=vote.pk)
    for e in RollEntry.objects.filter(vote=vote).prefetch_related("persons"):
        if not Ballot.objects.filter(vote=vote, owner_key=e.owner_key).exists():
            Ballot.objects.create(vote=vote, owner_key=e.owner_key, unit=e.unit, voter=e.persons.first(),
                                  choice="yes", entered_by=chair)
    clock.set(vote.closes_at)
    votes.vote_close(chair, vote_id=vote.pk)
    other = pacific.buildings.get(code="4")
    with pytest.raises(InvalidInput, match=re.escape(fund.VOTE_GROUP)):
        fund.fund_apply(chair, estate_id=pacific.pk, purpose="x", amount="80000", building_ids=[building.pk, other.pk],
                   vote_id=vote.pk)
    app = fund.fund_apply(chair, estate_id=pacific.pk, purpose="3号楼电梯大修", amount="80000", building_ids=[building.pk],
                     vote_id=vote.pk)
    assert app.notice_id is None and app.status == FundStatus.REVIEWING
    fund.fund_review(persona("yanshuji"), application_id=app.pk, level="community", approved=False, comment="报价偏高")
    app.refresh_from_db()
    assert app.status == FundStatus.REJECTED


# --- personal accounts ---------------------------------------------------------------------------------
def test_personal_account_transfers_are_totalled(persona):
    yan, pacific = persona("yanshuji"), estate(PACIFIC)
    before = personal_transfers(fetched_by=persona("wuganbu"))
    journal.income_record(yan, estate_id=pacific.pk, category="personal_transfer", amount="520000", date=D(2026, 3, 1),
                      memo="原业委会成员个人账户代收停车费转入", payer="某委员")
    totals = personal_transfers(fetched_by=persona("wuganbu"))
    assert totals["per_estate"][PACIFIC] == before["per_estate"].get(PACIFIC, 0) + 52000000
    assert totals["total"] == before["total"] + 52000000
    assert personal_transfers(fetched_by=persona("lixiansheng"))["total"] == 0


def test_fee_rates_are_published_without_names(persona):
    manager, pacific = persona("wangjingli"), estate(PACIFIC)
    fees.fee_rate_set(manager, estate_id=pacific.pk, unit_kind="residential", rate="1.00", effective_from=D(2020, 10, 1))
    fees.bills_issue(manager, estate_id=pacific.pk, month=D(2020, 10, 1))
    bill = FeeBill.objects.filter(estate=pacific, month=D(2020, 10, 1)).first()
    fees.fee_pay(manager, bill_id=bill.pk, amount=Decimal(bill.amount) / 100, method="cash", paid_on=D(2020, 10, 9))
    notice = fees.rates_publish(manager, estate_ids=[pacific.pk], start=D(2020, 10, 1), end=D(2020, 10, 31))
    text = str(notice.table) + notice.body
    assert "收缴率" in text and PACIFIC in text
    assert bill.unit.code not in text and "李建国" not in text


def test_the_remaining_alerts(persona, clock):
    chair, yan, pacific = persona("zhaozhuren"), persona("yanshuji"), estate(PACIFIC)
    fund.fund_apply(chair, estate_id=pacific.pk, purpose="水泵抢修", amount="3000",
               building_ids=[pacific.buildings.first().pk], emergency="water_pump")
    audits.audit_open(yan, estate_id=pacific.pk, start=D(2026, 1, 1), end=D(2026, 3, 31))
    audits.case_open(persona("sunjiancha"), estate_id=pacific.pk, source="预警", description="停车费未入账",
                     responsible="物业经理", deadline=clock.today)
    now_kinds = {a.kind for a in alerts(fetched_by=persona("sunjiancha"), now=clock.now)}
    assert "audit_overdue" in now_kinds  # the quarter ended long ago and 三审 is not done
    assert "fund_review_overdue" not in now_kinds and "case_overdue" not in now_kinds
    clock.set(clock.now + datetime.timedelta(days=2))
    later = {a.kind for a in alerts(fetched_by=persona("sunjiancha"), now=clock.now)}
    assert {"fund_review_overdue", "case_overdue", "audit_overdue"} <= later


def money(section=""):
    """The money page of 太平洋花园: its overview (the journal), or one section's address."""
    return f"/finance/estates/{estate(PACIFIC).pk}/" + (f"{section}/" if section else "")


@pytest.mark.parametrize(("who", "page", "status"), [
    (None, "money", 302),
    ("lixiansheng", "money", 404),  # an owner does not open the books
    ("lijing", "money", 404),  # another community's secretary
    ("yanshuji", "money", 200),
    ("zhaozhuren", "money", 200),
    ("lixiansheng", "/finance/supervisor/", 403),
    ("sunjiancha", "/finance/supervisor/", 200),
    ("lixiansheng", "/finance/my-fees/", 200),
])
def test_finance_pages_permissions(login, who, page, status):
    from django.test import Client

    client = Client() if who is None else login(who)
    assert client.get(money() if page == "money" else page).status_code == status


def test_paying_an_expense_that_is_not_there_is_not_found(login):
    response = login("zhaozhuren").post(money("expenses"), {"action": "pay", "expense": "999999"})
    assert response.status_code == 404


def test_seals_fund_audits_and_cases_on_the_web(login, persona):
    from gongzhi.core import services as core
    from gongzhi.core.roles import Role
    from gongzhi.finance.models import AccountabilityCase, FundApplication, SealUse

    pacific = estate(PACIFIC)
    seal = pacific.seals.get(kind="committee")  # registered by the demo, kept by the community secretary
    url = money("seals")
    # a committee member asks (the requester never signs); the chair signs for the committee
    login("weiyuan").post(url, {"action": "seal_request", "seal": seal.pk, "document": "物业合同", "purpose": "续签"})
    use = SealUse.objects.get(seal=seal)
    for role, who in ((Role.COMMITTEE_CHAIR, "zhaozhuren"), (Role.COMMUNITY_SECRETARY, "yanshuji"),
                      (Role.DISCIPLINE_SUPERVISOR, "sunjiancha")):
        core.approval_sign(persona(who), approval_id=use.approval_id, role=role)
    assert login("zhaozhuren").post(url, {"action": "seal_release", "use": use.pk}).status_code == 403
    login("yanshuji").post(url, {"action": "seal_release", "use": use.pk})
    assert "已借出：物业合同" in login("yanshuji").get(url).content.decode()
    login("yanshuji").post(url, {"action": "seal_return", "use": use.pk})
    use.refresh_from_db()
    assert use.status == "returned"

    url = money("fund")
    login("zhaozhuren").post(url, {"action": "fund", "purpose": "屋面抢修", "amount": "9000",
                                   "building": [pacific.buildings.first().pk], "emergency": "roof_leak"})
    application = FundApplication.objects.get(purpose="屋面抢修")
    login("yanshuji").post(url, {"action": "fund_review", "application": application.pk, "level": "community",
                                 "approved": "1"})
    assert application.reviews.get(level="community").approved is True

    url = money("audits")
    login("yanshuji").post(url, {"action": "audit", "start": "2026-01-01", "end": "2026-03-31"})
    period = pacific.audit_periods.get(completed_at__isnull=True)  # the demo holds last quarter's, completed
    login("yanshuji").post(url, {"action": "sign_audit", "period": period.pk, "party": "residents_committee"})
    assert period.signoffs.count() == 1
    login("sunjiancha").post(url, {"action": "case", "source": "三审", "description": "票据缺失",
                                   "responsible": "物业经理", "deadline": "2026-12-31"})
    case = AccountabilityCase.objects.get(description="票据缺失")
    login("sunjiancha").post(url, {"action": "case_close", "case": case.pk, "outcome": "已补齐票据"})
    case.refresh_from_db()
    assert case.status == "closed"


def test_major_matter_takes_both_seals_and_company_rates_and_attachments(persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.meetings import services as meetings

    chair, pacific = persona("zhaozhuren"), estate(PACIFIC)
    major = meetings.matter_create(chair, estate_id=pacific.pk, title="外墙翻新", procedure="four_discussions",
                                   major=True)
    uses = seal_svc.seal_use_request(chair, seal_id=pacific.seals.get(kind="committee").pk, document="外墙翻新合同",
                                purpose="三重一大", matter_id=major.pk)
    assert len(uses) == 2  # 双章, each with its own form
    rates = selectors.collection_by_company(fetched_by=persona("wuganbu"), start=D(2020, 1, 1), end=D(2030, 12, 31))
    assert any(r["company"] == "太平洋物业服务有限公司" and r["rate"] is not None for r in rates)
    with pytest.raises(InvalidInput, match=re.escape(ATTACHMENT_TYPE.format(name="发票.pdf"))):
        expense_svc.expense_request(chair, estate_id=pacific.pk, amount="100", purpose="x", payee="y", category="office",
                            attachment=SimpleUploadedFile("发票.pdf", b"not a pdf"))
    ok = expense_svc.expense_request(chair, estate_id=pacific.pk, amount="100", purpose="打印", payee="某文印店",
                             category="office", attachment=SimpleUploadedFile("发票.pdf", b"%PDF-1.4 invoice"))
    assert ok.attachment.read() == b"%PDF-1.4 invoice"


def test_statements_are_published_for_the_last_period_by_a_scheduled_command(persona):
    from tests.helpers import run_command

    assert last_period(D(2026, 11, 22), quarter=False) == (D(2026, 10, 1), D(2026, 10, 31))
    assert last_period(D(2026, 11, 22), quarter=True) == (D(2026, 7, 1), D(2026, 9, 30))
    assert last_period(D(2026, 1, 5), quarter=True) == (D(2025, 10, 1), D(2025, 12, 31))
    before = Notice.objects.filter(kind="financial").count()
    code, out, err = run_command("publish_statements", "--as", "yanshuji")
    assert code == 0 and "已公示 1 个小区" in out, (out, err)
    titles = list(Notice.objects.filter(kind="financial").order_by("-id").values_list("title", flat=True)[:2])
    assert Notice.objects.filter(kind="financial").count() == before + 2  # the statement and the fee rates
    assert any("公共收益收支公示" in t for t in titles) and any("物业费收缴情况" in t for t in titles)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=re.escape(NO_SUCH_USER)):
        run_command("publish_statements", "--as", "nobody")


def test_impossible_dates_on_the_account_page_change_nothing(login):
    assert login("yanshuji").get(money() + "?start=2026-02-30&end=2026-13-01").status_code == 200
    before = AccountabilityCase.objects.count()
    response = login("sunjiancha").post(money("audits"), {"action": "case", "description": "x", "responsible": "y",
                                              "deadline": "2026-02-30"}, follow=True)
    assert BAD_DATE.split(" /")[0] in response.content.decode() and AccountabilityCase.objects.count() == before
