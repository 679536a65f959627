"""The money pages show a user exactly the forms they may submit: for every demo persona and every
section of the money page, each form shown is one finance.rules allows — and posting it answers
with the section again (POST-redirect-GET), never 403 or 404 — and each form the rules allow on the
estate is shown."""

import datetime
from html.parser import HTMLParser

import pytest

from gongzhi.core import services as core
from gongzhi.core.roles import Role
from gongzhi.demo import PERSONA_USERNAMES
from gongzhi.finance import rules
from gongzhi.finance.models import AuditPeriod, FundApplication, Seal, SealHandover, SealUse
from gongzhi.finance.services import audits, fund, journal
from gongzhi.finance.services import expenses as expense_svc
from gongzhi.finance.services import seals as seal_svc
from tests.helpers import PACIFIC, estate

pytestmark = pytest.mark.usefixtures("world")
D = datetime.date
SECTIONS = ["", "expenses", "seals", "fees", "fund", "audits"]  # "": the overview (the journal)


class PostForms(HTMLParser):
    """Every <form method="post">: its address, the values it would send, and its `action` buttons."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"url": a.get("action") or "", "data": {}, "actions": set()}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("file", "checkbox", "submit"):
            self._form["data"].setdefault(a["name"], a.get("value") or "")
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self._form["data"].setdefault(a["name"], a.get("value") or "on")
        elif tag == "textarea" and a.get("name"):
            self._form["data"].setdefault(a["name"], "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            self._form["data"].setdefault(self._select, a.get("value") or "")
        elif tag == "button" and a.get("name") == "action":
            self._form["actions"].add(a.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def post_forms(html: str) -> list[dict]:
    parser = PostForms()
    parser.feed(html)
    return parser.forms  # the page's own forms and the header's (sign out), told apart by their address


# Each action the pages offer, and the rule that allows it (for this user, on this estate, with the
# values the form would send).
def _use(data):
    return SealUse.objects.select_related("seal").get(pk=data["use"]).seal


RULES = {
    "income": lambda u, e, d: rules.may_record_income(u, e),
    "reverse": lambda u, e, d: rules.may_reverse(u, e),
    "publish": lambda u, e, d: rules.may_publish_statement(u, e),
    "bank": lambda u, e, d: rules.may_reconcile_bank(u, e),
    "confirm": lambda u, e, d: rules.may_reconcile_bank(u, e),
    "expense": lambda u, e, d: rules.may_request_expense(u, e),
    "pay": lambda u, e, d: rules.may_pay_expense(u, e),
    "seal_request": lambda u, e, d: rules.may_request_seal(u, e),
    "seal_release": lambda u, e, d: rules.may_hand_seal(u, _use(d)),
    "seal_return": lambda u, e, d: rules.may_hand_seal(u, _use(d)),
    "bill": lambda u, e, d: rules.may_manage_fees(u, e),
    "publish_rates": lambda u, e, d: rules.may_manage_fees(u, e),
    "fund": lambda u, e, d: rules.may_apply_fund(u, e),
    "fund_review": lambda u, e, d: rules.may_review_fund(u, FundApplication.objects.get(pk=d["application"]),
                                                         d["level"]),
    "seal_register": lambda u, e, d: rules.may_register_seal(u, e),
    "seal_handover": lambda u, e, d: rules.may_hand_over_seal(u, Seal.objects.get(pk=d["seal"])),
    "handover_confirm": lambda u, e, d: rules.may_confirm_handover(u, SealHandover.objects.get(pk=d["handover"])),
    "handover_cancel": lambda u, e, d: rules.may_cancel_handover(u, SealHandover.objects.get(pk=d["handover"])),
    "fee_rate": lambda u, e, d: rules.may_manage_fees(u, e),
    "fee_pay": lambda u, e, d: rules.may_manage_fees(u, e),
    "payment_reverse": lambda u, e, d: rules.may_reverse_fee_payment(u, e),
    "bill_reverse": lambda u, e, d: rules.may_reverse_bill(u, e),
    "fund_deposit": lambda u, e, d: rules.may_deposit_fund(u, e),
    "fund_payout": lambda u, e, d: rules.may_pay_fund(u, FundApplication.objects.get(pk=d["application"])),
    "audit": lambda u, e, d: rules.may_open_audit(u, e),
    "sign_audit": lambda u, e, d: d["party"] in rules.audit_parties_for(u, AuditPeriod.objects.get(pk=d["period"])),
    "case": lambda u, e, d: rules.may_open_audit_case(u, e),
    "case_close": lambda u, e, d: rules.may_close_audit_case(u, e),
}
# The forms that stand on the estate itself (not on a row): shown whenever their rule allows.
ESTATE_FORMS = {
    "": {"income", "publish", "bank"},
    "expenses": {"expense"},
    "seals": {"seal_request"},
    "fees": {"bill", "publish_rates", "fee_rate"},
    "fund": {"fund", "fund_deposit"},
    "audits": {"audit", "case"},
}


@pytest.fixture
def busy(persona):
    """Something on every row of every section: an approved expense, a seal use signed and one out,
    a fund application under review, an audit period open and an accountability case."""
    pacific = estate(PACIFIC)
    chair, yan, sun = persona("zhaozhuren"), persona("yanshuji"), persona("sunjiancha")
    signers = {Role.COMMITTEE_CHAIR: chair, Role.PROPERTY_STAFF: persona("wangjingli"),
               Role.COMMUNITY_SECRETARY: yan, Role.DISCIPLINE_SUPERVISOR: sun}

    def sign(approval_id):
        for s in core.Approval.objects.get(pk=approval_id).signatures.all():
            core.approval_sign(signers[s.role], approval_id=approval_id, role=s.role)

    journal.income_record(yan, estate_id=pacific.pk, category="parking", amount="500", date=D(2020, 11, 1), memo="停车费")
    member = persona("weiyuan")  # the requester never signs: a committee member asks, the chair signs
    expense = expense_svc.expense_request(member, estate_id=pacific.pk, amount="300", purpose="修门", payee="某五金店",
                                          category="repair")
    sign(expense.approval_id)
    for seal in pacific.seals.all():
        [use] = seal_svc.seal_use_request(member, seal_id=seal.pk, document=f"{seal.kind} 合同", purpose="续签")
        sign(use.approval_id)
    seal_svc.seal_release(yan, use_id=SealUse.objects.filter(seal__estate=pacific).order_by("id").first().pk)
    fund.fund_apply(chair, estate_id=pacific.pk, purpose="屋面抢修", amount="9000",
               building_ids=[pacific.buildings.first().pk], emergency="roof_leak")
    audits.audit_open(yan, estate_id=pacific.pk, start=D(2026, 1, 1), end=D(2026, 3, 31))
    audits.case_open(sun, estate_id=pacific.pk, source="三审", description="票据缺失", responsible="物业经理",
                     deadline=D(2026, 12, 31))
    return pacific


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("username", PERSONA_USERNAMES)
def test_each_form_shown_is_one_the_rules_allow(login, persona, busy, username, section):
    user, pacific = persona(username), busy
    url = f"/finance/estates/{pacific.pk}/" + (f"{section}/" if section else "")
    client = login(username)
    response = client.get(url)
    if not rules.may(user, rules.MONEY_READERS, pacific):
        assert response.status_code == 404  # the books stay closed, and no form with them
        return
    assert response.status_code == 200
    forms = [f for f in post_forms(response.content.decode()) if f["url"].startswith("/finance/") or f["actions"]]
    shown = {action for form in forms for action in form["actions"]}
    assert shown <= set(RULES), f"unknown actions {shown - set(RULES)}"
    denied = [(a, f["data"]) for f in forms for a in f["actions"] if not RULES[a](user, pacific, f["data"])]
    assert denied == [], f"{username} is shown forms the rules deny"
    missing = {a for a in ESTATE_FORMS[section] if RULES[a](user, pacific, {})} - shown
    assert missing == set(), f"{username} may {missing} but the page does not offer it"
    for form in forms:
        assert form["url"] == url  # each form posts to its own section
        for action in sorted(form["actions"]):
            answer = client.post(form["url"], {**form["data"], "action": action})
            assert answer.status_code == 302 and answer["Location"] == url, (action, answer.status_code)
