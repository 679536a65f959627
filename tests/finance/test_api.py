"""业账社管 over /api/v1: every operation answers each persona as the pages' rules say (one cell per
test), another estate's id answers 404 exactly like a missing one, and bad input — absurd amounts,
broken bank files, wrong states, over-long or control-character text — gets a clear answer with
nothing written."""

import base64
import datetime

import pytest

from gongzhi.core import services as core
from gongzhi.core.files import ATTACHMENT_TYPE
from gongzhi.core.money import AMOUNT_TOO_LARGE, BAD_AMOUNT
from gongzhi.core.roles import Role
from gongzhi.finance.models import (
    AccountabilityCase,
    AuditPeriod,
    BankLine,
    Expense,
    Seal,
    SealUse,
    Transaction,
)
from gongzhi.finance.services import audits, expenses, journal, reconciliation, seals
from tests.helpers import PACIFIC, estate

pytestmark = pytest.mark.usefixtures("world")
D = datetime.date
PDF = base64.b64encode(b"%PDF-1.4 scan").decode()
STATEMENT = "交易日期,收入金额,支出金额,对方户名,摘要\n2020-11-02,4230.00,,停车管理处,停车费\n".encode()
OTHER = "育才新村"  # 安和苑社区: out of 明福社区's sight
MISSING = 987654321


def call(client, method, path, body=None):
    if method == "get":
        return client.get(f"/api/v1{path}")
    return client.post(f"/api/v1{path}", body if body is not None else {}, content_type="application/json")


def upload(client, path, data=STATEMENT, name="流水.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/api/v1{path}", {"file": SimpleUploadedFile(name, data)})


def _sign_all(persona, approval_id, signers):
    for s in core.Approval.objects.get(pk=approval_id).signatures.all():
        core.approval_sign(persona(signers[s.role]), approval_id=approval_id, role=s.role)


@pytest.fixture
def books(persona):
    """On 太平洋花园: an income, an approved expense, a signed seal use, an open 三审 period, an open case."""
    pacific, yan, member = estate(PACIFIC), persona("yanshuji"), persona("weiyuan")
    signers = {Role.COMMITTEE_CHAIR: "zhaozhuren", Role.PROPERTY_STAFF: "wangjingli",
               Role.COMMUNITY_SECRETARY: "yanshuji", Role.DISCIPLINE_SUPERVISOR: "sunjiancha"}
    tx = journal.income_record(yan, estate_id=pacific.pk, category="parking", amount="500", date=D(2020, 11, 1),
                               memo="停车费")
    expense = expenses.expense_request(member, estate_id=pacific.pk, amount="300", purpose="修门", payee="某五金店",
                                       category="repair")
    _sign_all(persona, expense.approval_id, signers)
    [use] = seals.seal_use_request(member, seal_id=pacific.seals.get(kind="committee").pk, document="合同",
                                   purpose="续签")
    _sign_all(persona, use.approval_id, signers)
    period = audits.audit_open(yan, estate_id=pacific.pk, start=D(2020, 1, 1), end=D(2020, 3, 31))
    case = audits.case_open(persona("sunjiancha"), estate_id=pacific.pk, source="三审", description="票据缺失",
                            responsible="物业经理", deadline=D(2030, 12, 31))
    return {"estate": pacific.pk, "tx": tx.pk, "expense": expense.pk, "use": use.pk, "period": period.pk,
            "case": case.pk, "seal": use.seal_id}


@pytest.fixture
def elsewhere(persona):
    """The same kinds of rows on 育才新村, another community's estate."""
    other, lijing = estate(OTHER), persona("lijing")
    tx = journal.income_record(lijing, estate_id=other.pk, category="parking", amount="500", date=D(2020, 11, 1),
                               memo="停车费")
    expense = expenses.expense_request(lijing, estate_id=other.pk, amount="300", purpose="修门", payee="某五金店",
                                       category="repair")
    seal = seals.seal_register(lijing, estate_id=other.pk, kind="committee", custodian_id=lijing.pk)
    [use] = seals.seal_use_request(lijing, seal_id=seal.pk, document="合同", purpose="续签")
    period = audits.audit_open(lijing, estate_id=other.pk, start=D(2020, 1, 1), end=D(2020, 3, 31))
    case = audits.case_open(lijing, estate_id=other.pk, source="三审", description="票据缺失", responsible="某",
                            deadline=D(2030, 12, 31))
    return {"estate": other.pk, "tx": tx.pk, "expense": expense.pk, "use": use.pk, "period": period.pk,
            "case": case.pk, "seal": seal.pk}


# Each operation: how to call it on the rows of `ids`.
OPERATIONS = {
    "journal_list": lambda c, i: call(c, "get", f"/estates/{i['estate']}/journal"),
    "statement_get": lambda c, i: call(c, "get", f"/estates/{i['estate']}/statement?start=2020-01-01&end=2020-12-31"),
    "income_record": lambda c, i: call(c, "post", f"/estates/{i['estate']}/income",
                                       {"category": "venue", "amount": "120.50", "memo": "场地租金"}),
    "transaction_reverse": lambda c, i: call(c, "post", f"/transactions/{i['tx']}/reverse", {"memo": "更正"}),
    "statement_publish": lambda c, i: call(c, "post", f"/estates/{i['estate']}/statements",
                                           {"start": "2020-10-01", "end": "2020-12-31"}),
    "bank_lines_import": lambda c, i: upload(c, f"/estates/{i['estate']}/bank-lines"),
    "bank_line_list": lambda c, i: call(c, "get", f"/estates/{i['estate']}/bank-lines"),
    "expense_request": lambda c, i: call(c, "post", "/expenses", {
        "estate_id": i["estate"], "amount": "88", "purpose": "打印", "payee": "某文印店", "category": "office",
        "attachment": {"name": "报价.pdf", "data_base64": PDF}}),
    "expense_get": lambda c, i: call(c, "get", f"/expenses/{i['expense']}"),
    "expense_pay": lambda c, i: call(c, "post", f"/expenses/{i['expense']}/pay", {"date": "2020-11-05"}),
    "seal_use_request": lambda c, i: call(c, "post", "/seal-uses", {"seal_id": i["seal"], "document": "公示",
                                                                     "purpose": "盖章"}),
    "seal_use_get": lambda c, i: call(c, "get", f"/seal-uses/{i['use']}"),
    "seal_release": lambda c, i: call(c, "post", f"/seal-uses/{i['use']}/release"),
    "audit_list": lambda c, i: call(c, "get", f"/estates/{i['estate']}/audits"),
    "audit_open": lambda c, i: call(c, "post", f"/estates/{i['estate']}/audits",
                                    {"start": "2020-04-01", "end": "2020-06-30"}),
    "audit_sign": lambda c, i: call(c, "post", f"/audits/{i['period']}/sign", {"party": "residents_committee"}),
    "case_open": lambda c, i: call(c, "post", f"/estates/{i['estate']}/cases", {
        "description": "账实不符", "responsible": "出纳", "deadline": "2030-06-30"}),
    "case_close": lambda c, i: call(c, "post", f"/cases/{i['case']}/close", {"outcome": "已整改"}),
}
PERSONAS = ["yanshuji", "shequ", "zhaozhuren", "weiyuan", "wangjingli", "sunjiancha", "zhoushenji", "yinhang",
            "lixiansheng", "wangayi", "lijing"]
# Statuses per operation, in PERSONAS' order, on 太平洋花园 (明福社区).
# 李先生 owns flats there: he sees the estate, so a write answers 403 — but its books stay closed (404).
#            yan  shequ zhao  wei  wang  sun  zhou yin  li   wang-ayi lijing
READ = [200, 200, 200, 200, 200, 200, 200, 200, 404, 404, 404]
KEEP = [201, 201, 403, 403, 403, 403, 403, 403, 403, 404, 404]
ASK = [201, 201, 201, 201, 201, 403, 403, 403, 403, 404, 404]
GRID = {
    "journal_list": READ,
    "statement_get": READ,
    "income_record": KEEP,
    "transaction_reverse": KEEP,
    "statement_publish": KEEP,
    "bank_lines_import": KEEP,
    "bank_line_list": READ,
    "expense_request": ASK,
    "expense_get": READ,
    "expense_pay": [200, 200, 403, 403, 403, 403, 403, 403, 403, 404, 404],
    "seal_use_request": ASK,
    "seal_use_get": READ,
    # only the custodian (the demo's seals are kept by the community secretary)
    "seal_release": [200, 403, 403, 403, 403, 403, 403, 403, 403, 404, 404],
    "audit_list": READ,
    "audit_open": KEEP,
    # the residents' committee signs through community staff only
    "audit_sign": [200, 200, 403, 403, 403, 403, 403, 403, 403, 404, 404],
    "case_open": [201, 403, 403, 403, 403, 201, 403, 403, 403, 404, 404],
    "case_close": [200, 403, 403, 403, 403, 200, 403, 403, 403, 404, 404],
}
CELLS = [(op, who, GRID[op][n]) for op in OPERATIONS for n, who in enumerate(PERSONAS)]


def test_the_grid_covers_every_operation():
    assert set(GRID) == set(OPERATIONS) and all(len(row) == len(PERSONAS) for row in GRID.values())


@pytest.mark.parametrize(("operation", "username", "status"), CELLS)
def test_permission_grid(login, books, operation, username, status):
    response = OPERATIONS[operation](login(username), books)
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        assert response.json()["code"] in ("not_found", "forbidden", "permission_denied", "denied", "invalid") or \
            response.json()["detail"]


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_another_estates_ids_answer_like_missing_ones(login, elsewhere, operation):
    client = login("yanshuji")  # all-powerful in 明福社区, blind to 安和苑社区
    hidden = OPERATIONS[operation](client, elsewhere)
    missing = OPERATIONS[operation](client, {k: MISSING for k in elsewhere})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_nothing_is_written_by_a_refused_cell(login, books):
    before = (Transaction.objects.count(), Expense.objects.count(), AuditPeriod.objects.count())
    for operation in ("income_record", "expense_request", "audit_open"):
        assert OPERATIONS[operation](login("wangayi"), books).status_code == 404
        assert OPERATIONS[operation](login("zhoushenji"), books).status_code == 403
    assert (Transaction.objects.count(), Expense.objects.count(), AuditPeriod.objects.count()) == before


# --- bad input --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("amount", "message"), [
    ("1e9", BAD_AMOUNT), ("0", BAD_AMOUNT), ("-5", BAD_AMOUNT), ("12.345", BAD_AMOUNT), ("0.00", BAD_AMOUNT),
    ("Infinity", BAD_AMOUNT), ("100000000.01", AMOUNT_TOO_LARGE), ("123456789012", AMOUNT_TOO_LARGE),
])
@pytest.mark.parametrize("operation", ["income", "expense"])
def test_absurd_amounts_are_refused_and_nothing_is_booked(login, operation, amount, message):
    pacific = estate(PACIFIC)
    before = (Transaction.objects.count(), Expense.objects.count())
    client = login("yanshuji")
    if operation == "income":
        response = call(client, "post", f"/estates/{pacific.pk}/income",
                        {"category": "parking", "amount": amount, "memo": "停车费"})
    else:
        response = call(client, "post", "/expenses", {"estate_id": pacific.pk, "amount": amount, "purpose": "x",
                                                      "payee": "y", "category": "office"})
    assert response.status_code == 400
    assert response.json()["detail"] == message and response.json()["field"] == "amount"
    assert (Transaction.objects.count(), Expense.objects.count()) == before


@pytest.mark.parametrize("body", [
    {"category": "parking", "amount": 100, "memo": "x"},  # a number, not written-out yuan
    {"category": "parking", "amount": "100", "memo": "x\x00y"},
    {"category": "parking", "amount": "100", "memo": "长" * 201},
    {"category": "parking", "amount": "100", "memo": "   "},
    {"category": "lottery", "amount": "100", "memo": "x"},
    {"category": "parking", "amount": "100", "memo": "x", "date": "2026-02-30"},
    {"category": "parking", "amount": "100", "memo": "x", "date": 1700000000},
    {"category": "parking", "amount": "100", "memo": "x", "colour": "red"},
])
def test_malformed_income_is_refused(login, body):
    before = Transaction.objects.count()
    response = call(login("yanshuji"), "post", f"/estates/{estate(PACIFIC).pk}/income", body)
    assert response.status_code == 422
    assert Transaction.objects.count() == before


@pytest.mark.parametrize(("name", "data"), [
    ("流水.xlsx", b"\x00\x01 not a spreadsheet"),
    ("流水.csv", "日期,金额\n2020-11-02,4230\n".encode()),  # no income/spending columns
    ("流水.csv", "交易日期,收入金额,支出金额\n2020-13-45,10,\n".encode()),  # no such date
    ("流水.csv", "交易日期,收入金额,支出金额\n2020-11-02,10,5\n".encode()),  # both directions on one line
    ("流水.csv", "交易日期,收入金额,支出金额\n2020-11-02,1e9,\n".encode()),
    ("流水.csv", "交易日期,收入金额,支出金额\n2020-11-02,-3,\n".encode()),
    ("流水.csv", b""),
    ("流水.csv", b"\xff\xfe\x00garbage\x00"),
])
def test_broken_bank_files_are_refused_whole(login, name, data):
    pacific = estate(PACIFIC)
    before = BankLine.objects.filter(estate=pacific).count()
    response = upload(login("yanshuji"), f"/estates/{pacific.pk}/bank-lines", data=data, name=name)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["detail"]
    assert BankLine.objects.filter(estate=pacific).count() == before


def test_bank_lines_import_twice_adds_nothing_and_matches_confirm(login, persona):
    pacific = estate(PACIFIC)
    client = login("yanshuji")
    journal.income_record(persona("yanshuji"), estate_id=pacific.pk, category="parking", amount="4230",
                          date=D(2020, 11, 1), memo="停车费")
    assert upload(client, f"/estates/{pacific.pk}/bank-lines").json() == {"rows_added": 1}
    assert upload(client, f"/estates/{pacific.pk}/bank-lines").json() == {"rows_added": 0}
    suggestions = call(client, "get", f"/estates/{pacific.pk}/bank-lines/suggestions").json()
    pair = next(s for s in suggestions if BankLine.objects.get(pk=s["line_id"]).date == D(2020, 11, 2))
    body = {"pairs": [{"line_id": pair["line_id"], "transaction_id": pair["transaction_id"]}]}
    assert call(client, "post", "/bank-lines/confirm", body).json() == {"confirmed": 1}
    again = call(client, "post", "/bank-lines/confirm", body)
    assert again.status_code == 409 and again.json()["detail"] == reconciliation.ALREADY_MATCHED
    assert call(login("zhaozhuren"), "post", "/bank-lines/confirm", body).status_code == 403


def test_bad_attachments_are_refused(login):
    pacific = estate(PACIFIC)
    body = {"estate_id": pacific.pk, "amount": "88", "purpose": "打印", "payee": "某文印店", "category": "office"}
    client = login("weiyuan")
    not_b64 = call(client, "post", "/expenses", {**body, "attachment": {"name": "a.pdf", "data_base64": "@@@"}})
    assert not_b64.status_code == 400 and not_b64.json()["field"] == "attachment"
    fake = base64.b64encode(b"MZ\x90 an executable").decode()
    wrong = call(client, "post", "/expenses", {**body, "attachment": {"name": "a.pdf", "data_base64": fake}})
    assert wrong.status_code == 400 and ATTACHMENT_TYPE.format(name="a.pdf") in wrong.json()["detail"]
    assert not Expense.objects.filter(purpose="打印").exists()


# --- wrong state ---------------------------------------------------------------------------------------------
def test_paying_a_paid_expense(login, books):
    client = login("yanshuji")
    assert call(client, "post", f"/expenses/{books['expense']}/pay", {}).status_code == 200
    before = Transaction.objects.count()
    again = call(client, "post", f"/expenses/{books['expense']}/pay", {})
    assert again.status_code == 409 and again.json()["detail"] == expenses.ALREADY_PAID
    assert Transaction.objects.count() == before


def test_paying_an_unsigned_expense(login, persona):
    pending = expenses.expense_request(persona("weiyuan"), estate_id=estate(PACIFIC).pk, amount="10", purpose="x",
                                       payee="y", category="office")
    response = call(login("yanshuji"), "post", f"/expenses/{pending.pk}/pay", {})
    assert response.status_code == 409 and response.json()["detail"] == expenses.NOT_APPROVED


def test_reversing_twice(login, books):
    client = login("yanshuji")
    first = call(client, "post", f"/transactions/{books['tx']}/reverse", {"memo": "录错"})
    assert first.status_code == 201 and first.json()["reverses_id"] == books["tx"]
    assert all(e["debit_fen"] + e["credit_fen"] == 50000 for e in first.json()["entries"])
    again = call(client, "post", f"/transactions/{books['tx']}/reverse", {})
    assert again.status_code == 409 and again.json()["detail"] == journal.ALREADY_REVERSED


def test_closing_a_closed_case(login, books):
    client = login("sunjiancha")
    assert call(client, "post", f"/cases/{books['case']}/close", {"outcome": "已整改"}).json()["status"] == "closed"
    again = call(client, "post", f"/cases/{books['case']}/close", {"outcome": "再次"})
    assert again.status_code == 409 and again.json()["detail"] == audits.CASE_CLOSED
    assert AccountabilityCase.objects.get(pk=books["case"]).outcome == "已整改"


def test_releasing_a_seal_that_is_out_and_returning_with_a_scan(login, persona, books):
    client = login("yanshuji")
    assert call(client, "post", f"/seal-uses/{books['use']}/release").json()["status"] == "out"
    [other] = seals.seal_use_request(persona("weiyuan"), seal_id=books["seal"], document="另一份", purpose="x")
    for role, who in ((Role.COMMITTEE_CHAIR, "zhaozhuren"), (Role.COMMUNITY_SECRETARY, "yanshuji"),
                      (Role.DISCIPLINE_SUPERVISOR, "sunjiancha")):
        core.approval_sign(persona(who), approval_id=other.approval_id, role=role)
    out = call(client, "post", f"/seal-uses/{other.pk}/release")
    assert out.status_code == 409 and out.json()["detail"] == seals.SEAL_OUT
    bad = call(client, "post", f"/seal-uses/{books['use']}/return",
               {"scan": {"name": "扫描.pdf", "data_base64": base64.b64encode(b"plain text").decode()}})
    assert bad.status_code == 400 and SealUse.objects.get(pk=books["use"]).status == "out"
    back = call(client, "post", f"/seal-uses/{books['use']}/return", {"scan": {"name": "扫描.pdf", "data_base64": PDF}})
    assert back.status_code == 200 and back.json()["status"] == "returned" and back.json()["has_scan"]
    assert Seal.objects.get(pk=books["seal"]).out_with_id is None
    twice = call(client, "post", f"/seal-uses/{books['use']}/return", {})
    assert twice.status_code == 409


def test_statement_period_backwards(login):
    pacific = estate(PACIFIC)
    client = login("yanshuji")
    read = call(client, "get", f"/estates/{pacific.pk}/statement?start=2020-12-31&end=2020-01-01")
    publish = call(client, "post", f"/estates/{pacific.pk}/statements", {"start": "2020-12-31", "end": "2020-01-01"})
    assert read.status_code == publish.status_code == 400
    assert publish.json()["detail"] == journal.PERIOD_BACKWARDS


def test_statement_numbers(login, persona):
    pacific = estate(PACIFIC)
    journal.income_record(persona("yanshuji"), estate_id=pacific.pk, category="venue", amount="1,234.56",
                          date=D(2020, 11, 3), memo="场地")
    body = call(login("zhaozhuren"), "get", f"/estates/{pacific.pk}/statement?start=2020-11-01&end=2020-11-30").json()
    assert body["income_fen"]["venue"] == 123456 and body["closing_fen"] == body["opening_fen"] + 123456
