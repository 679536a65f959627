"""Controls no one person can defeat: 三审 needs three signatories from three bodies (the residents'
committee through community staff, the bank through a bank officer or a recorded confirmation with
its reference and statement, the audit firm through an auditor with the report), never two parties
by one person; and nobody signs an approval they requested (an expense, a seal use)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core import services as core
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.files import ATTACHMENT_TYPE
from gongzhi.core.models import Approval
from gongzhi.core.roles import Role
from gongzhi.finance import rules
from gongzhi.finance.choices import AuditParty
from gongzhi.finance.models import AuditPeriod, AuditSignoff, ExpenseStatus
from gongzhi.finance.services import audits, expenses, seals
from gongzhi.people.services import role_assign
from tests.helpers import PACIFIC, estate

pytestmark = pytest.mark.usefixtures("world")
D = datetime.date
RC, BANK, FIRM = AuditParty.RESIDENTS_COMMITTEE, AuditParty.BANK, AuditParty.AUDIT_FIRM


def pdf(name="对账单.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence")


@pytest.fixture
def period(persona):
    return audits.audit_open(persona("yanshuji"), estate_id=estate(PACIFIC).pk, start=D(2020, 1, 1),
                             end=D(2020, 3, 31))


def sign(persona, period, who, party, **kw):
    return audits.audit_sign(persona(who), period_id=period.pk, party=party, **kw)


# Each party as a lone bookkeeper would sign it (the bank: a recorded confirmation with all its evidence).
AS_BOOKKEEPER = {
    RC: {},
    BANK: {"signer_name": "某银行 王柜员", "reference": "YH-001"},
    FIRM: {"signer_name": "某会计师事务所", "reference": "审字1号"},
}


# --- 三审 -----------------------------------------------------------------------------------------------
def test_three_bodies_complete_it(persona, period):
    sign(persona, period, "yanshuji", RC, findings="账实相符")
    sign(persona, period, "yinhang", BANK)  # a bank officer signs in person: no reference needed
    assert AuditPeriod.objects.get(pk=period.pk).completed_at is None
    done = sign(persona, period, "zhoushenji", FIRM, reference="审字〔2020〕3号", document=pdf("审计报告.pdf"))
    assert done.completed_at is not None
    signers = dict(AuditSignoff.objects.filter(period=period).values_list("party", "signer_name"))
    assert signers == {RC: "燕娇", BANK: "钱晓红", FIRM: "周敏"}  # each in their own name
    assert AuditSignoff.objects.get(period=period, party=FIRM).document.read() == b"%PDF-1.4 evidence"


@pytest.mark.parametrize("first", [RC, BANK])
@pytest.mark.parametrize("then", [RC, BANK, FIRM])
def test_the_lone_bookkeeper_cannot_complete_it(persona, period, first, then):
    """燕 signs one party, then tries each of the three: refused every time, and the period stays open."""
    sign(persona, period, "yanshuji", first, document=pdf() if first == BANK else None, **AS_BOOKKEEPER[first])
    evidence = {"document": pdf()} if then != RC else {}
    with pytest.raises((PermissionDenied, WrongState)) as refused:
        sign(persona, period, "yanshuji", then, **AS_BOOKKEEPER[then], **evidence)
    if then == first:
        assert refused.value.message == audits.ALREADY_SIGNED
    elif then == FIRM:
        assert refused.value.message == audits.NOT_PARTY_SIGNER[FIRM]  # never an auditor
    else:
        assert refused.value.message == audits.ONE_PARTY_EACH
    period.refresh_from_db()
    assert period.completed_at is None and period.signoffs.count() == 1


@pytest.mark.parametrize("who", ["yanshuji", "shequ", "guanliyuan"])
def test_no_bookkeeper_signs_for_the_audit_firm(persona, period, who):
    with pytest.raises(PermissionDenied) as refused:
        sign(persona, period, who, FIRM, **AS_BOOKKEEPER[FIRM], document=pdf())
    assert refused.value.message == audits.NOT_PARTY_SIGNER[FIRM]
    assert not period.signoffs.exists()


def test_two_bookkeepers_and_an_auditor_complete_it(persona, period):
    sign(persona, period, "yanshuji", RC)
    sign(persona, period, "shequ", BANK, **AS_BOOKKEEPER[BANK], document=pdf())
    done = sign(persona, period, "zhoushenji", FIRM, document=pdf("审计报告.pdf"))
    assert done.completed_at is not None
    bank = AuditSignoff.objects.get(period=period, party=BANK)
    assert (bank.signer_name, bank.reference, bool(bank.document)) == ("某银行 王柜员", "YH-001", True)
    with pytest.raises(WrongState) as exc:
        sign(persona, period, "yinhang", BANK)
    assert exc.value.message == audits.AUDIT_COMPLETE


@pytest.mark.parametrize(("missing", "message"), [
    ("signer_name", audits.BANK_SIGNER_REQUIRED),
    ("reference", audits.BANK_REFERENCE_REQUIRED),
    ("document", audits.BANK_STATEMENT_REQUIRED),
])
def test_a_recorded_bank_confirmation_needs_all_its_evidence(persona, period, missing, message):
    kw = {**AS_BOOKKEEPER[BANK], "document": pdf()}
    kw.pop(missing)
    with pytest.raises(InvalidInput) as refused:
        sign(persona, period, "shequ", BANK, **kw)
    assert refused.value.message == message and refused.value.field == missing
    assert not period.signoffs.exists()


def test_the_audit_firm_needs_its_report(persona, period):
    with pytest.raises(InvalidInput) as refused:
        sign(persona, period, "zhoushenji", FIRM, reference="审字1号")
    assert refused.value.message == audits.AUDIT_REPORT_REQUIRED
    with pytest.raises(InvalidInput, match=re.escape(ATTACHMENT_TYPE.format(name="报告.pdf"))):
        sign(persona, period, "zhoushenji", FIRM, document=SimpleUploadedFile("报告.pdf", b"plain text"))
    assert not period.signoffs.exists()


@pytest.mark.parametrize(("who", "party"), [
    ("zhoushenji", RC), ("yinhang", RC), ("zhaozhuren", RC), ("guanliyuan", RC),
    ("zhoushenji", BANK), ("zhaozhuren", BANK),
    ("yinhang", FIRM), ("yanshuji", FIRM), ("guanliyuan", FIRM),
])
def test_each_party_only_through_its_own_people(persona, period, who, party):
    with pytest.raises(PermissionDenied):
        sign(persona, period, who, party, **AS_BOOKKEEPER[party], document=pdf())
    assert not period.signoffs.exists()


def test_a_bank_officer_who_signed_cannot_sign_the_audit_firm_too(persona, period):
    bank_auditor = persona("yinhang")
    role_assign(None, user_id=bank_auditor.pk, role=Role.AUDITOR, anchor_field="estate", anchor_id=estate(PACIFIC).pk)
    sign(persona, period, "yinhang", BANK)
    with pytest.raises(WrongState) as refused:
        audits.audit_sign(get_user_model().objects.get(pk=bank_auditor.pk), period_id=period.pk, party=FIRM,
                          document=pdf())
    assert refused.value.message == audits.ONE_PARTY_EACH


@pytest.mark.parametrize(("username", "parties"), [
    ("yanshuji", [RC, BANK]), ("shequ", [RC, BANK]), ("guanliyuan", [BANK]), ("yinhang", [BANK]),
    ("zhoushenji", [FIRM]), ("zhaozhuren", []), ("sunjiancha", []), ("wangjingli", []),
])
def test_the_page_shows_each_party_form_to_who_may_sign_it(login, period, username, parties):
    page = login(username).get(f"/finance/estates/{estate(PACIFIC).pk}/audits/")
    if page.status_code == 404:
        assert parties == []
        return
    html = page.content.decode()
    assert [p for p in AuditParty.values if f'data-testid="sign-{p}"' in html] == parties


def test_after_signing_one_party_the_page_offers_no_other(login, persona, period):
    sign(persona, period, "yanshuji", RC)
    html = login("yanshuji").get(f"/finance/estates/{estate(PACIFIC).pk}/audits/").content.decode()
    assert "data-testid=\"sign-" not in html
    assert rules.audit_parties_for(persona("shequ"), AuditPeriod.objects.get(pk=period.pk)) == [BANK]


def test_the_page_records_a_bank_confirmation_with_its_statement(login, period):
    url = f"/finance/estates/{estate(PACIFIC).pk}/audits/"
    client = login("shequ")
    client.post(url, {"action": "sign_audit", "period": period.pk, "party": BANK, "signer": "某银行 王柜员",
                      "reference": "YH-9"})  # no statement: refused
    assert not period.signoffs.exists()
    client.post(url, {"action": "sign_audit", "period": period.pk, "party": BANK, "signer": "某银行 王柜员",
                      "reference": "YH-9", "document": pdf()})
    assert period.signoffs.get().reference == "YH-9"


def test_the_api_refuses_the_lone_bookkeeper(login, persona, period):
    import base64

    client = login("yanshuji")
    url = f"/api/v1/audits/{period.pk}/sign"
    assert client.post(url, {"party": RC}, content_type="application/json").status_code == 200
    doc = {"name": "对账单.pdf", "data_base64": base64.b64encode(b"%PDF-1.4").decode()}
    bank = client.post(url, {"party": BANK, "signer_name": "某银行", "reference": "YH-1", "document": doc},
                       content_type="application/json")
    assert bank.status_code == 409 and bank.json()["detail"] == audits.ONE_PARTY_EACH
    firm = client.post(url, {"party": FIRM, "document": doc}, content_type="application/json")
    assert firm.status_code == 403 and firm.json()["detail"] == audits.NOT_PARTY_SIGNER[FIRM]
    signed = login("zhoushenji").post(url, {"party": FIRM, "document": doc}, content_type="application/json")
    assert signed.status_code == 200 and signed.json()["signoffs"][-1]["has_document"]


# --- nobody signs what they asked for ----------------------------------------------------------------------
@pytest.fixture
def own_expense(persona):
    """The committee chair asks for an expense: the chair's slot on it needs another holder of the role."""
    return expenses.expense_request(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, amount="260",
                                    purpose="更换门禁卡", payee="某门禁公司", category="facilities")


def test_the_requester_cannot_sign_their_own_expense(persona, own_expense):
    for decide in (core.approval_sign, core.approval_reject):
        with pytest.raises(PermissionDenied) as refused:
            decide(persona("zhaozhuren"), approval_id=own_expense.approval_id, role=Role.COMMITTEE_CHAIR,
                   comment="同意")
        assert refused.value.message == core.APPROVAL_OWN_REQUEST
    assert not Approval.objects.get(pk=own_expense.approval_id).signatures.filter(signer__isnull=False).exists()


def test_the_requester_cannot_sign_on_the_page(login, own_expense):
    client = login("zhaozhuren")
    url = f"/approvals/{own_expense.approval_id}/"
    page = client.get(url)
    assert page.context["signable"] == []  # no form to sign
    assert 'data-testid="own-request"' in page.content.decode() and "另一位" in page.content.decode()
    assert own_expense.approval_id not in [a.pk for a in client.get("/approvals/").context["awaiting"]]
    answer = client.post(url, {"action": "sign", "role": Role.COMMITTEE_CHAIR}, follow=True)
    assert core.APPROVAL_OWN_REQUEST in [str(m) for m in answer.context["messages"]]
    assert Approval.objects.get(pk=own_expense.approval_id).signatures.get(role=Role.COMMITTEE_CHAIR).signer is None


def test_the_requester_cannot_sign_through_the_api(login, own_expense):
    client = login("zhaozhuren")
    response = client.post(f"/api/v1/approvals/{own_expense.approval_id}/sign", {"role": Role.COMMITTEE_CHAIR},
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["detail"] == core.APPROVAL_OWN_REQUEST
    awaiting = client.get("/api/v1/approvals?awaiting=true").json()["items"]
    assert own_expense.approval_id not in [a["id"] for a in awaiting]


def test_another_holder_of_the_role_signs_and_it_completes(persona, own_expense):
    deputy = get_user_model().objects.create_user("deputy-chair", password="x", first_name="副主任")
    role_assign(None, user_id=deputy.pk, role=Role.COMMITTEE_CHAIR, anchor_field="estate",
                anchor_id=estate(PACIFIC).pk)
    core.approval_sign(deputy, approval_id=own_expense.approval_id, role=Role.COMMITTEE_CHAIR)
    core.approval_sign(persona("wangjingli"), approval_id=own_expense.approval_id)
    core.approval_sign(persona("yanshuji"), approval_id=own_expense.approval_id)
    own_expense.refresh_from_db()
    assert own_expense.status == ExpenseStatus.APPROVED


def test_a_secretary_asking_for_money_leaves_her_slot_to_another(persona):
    expense = expenses.expense_request(persona("yanshuji"), estate_id=estate(PACIFIC).pk, amount="90", purpose="打印",
                                       payee="某文印店", category="office")
    with pytest.raises(PermissionDenied) as refused:
        core.approval_sign(persona("yanshuji"), approval_id=expense.approval_id)
    assert refused.value.message == core.APPROVAL_OWN_REQUEST
    core.approval_sign(persona("zhaozhuren"), approval_id=expense.approval_id, role=Role.COMMITTEE_CHAIR)


def test_the_requester_cannot_sign_their_own_seal_use(persona):
    [use] = seals.seal_use_request(persona("zhaozhuren"), seal_id=estate(PACIFIC).seals.get(kind="committee").pk,
                                   document="物业服务合同", purpose="续签")
    with pytest.raises(PermissionDenied) as refused:
        core.approval_sign(persona("zhaozhuren"), approval_id=use.approval_id, role=Role.COMMITTEE_CHAIR)
    assert refused.value.message == core.APPROVAL_OWN_REQUEST
    core.approval_sign(persona("yanshuji"), approval_id=use.approval_id)  # the others still sign
