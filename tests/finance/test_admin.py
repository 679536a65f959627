"""The finance back office: every model's list and change page answers an administrator, scoped like
every admin (another estate's row is like a missing one, other staff are turned away), and the ledger
— journal transactions, their entries, audit sign-offs — cannot be changed or deleted there."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core.roles import Role
from gongzhi.finance.models import (
    AccountabilityCase,
    AuditSignoff,
    Entry,
    Expense,
    Seal,
    Transaction,
)
from gongzhi.finance.services import audits
from gongzhi.people.services import role_assign
from tests.helpers import PACIFIC, YIWU, estate

pytestmark = pytest.mark.usefixtures("world")
MODELS = ["ledgeraccount", "transaction", "entry", "bankline", "auditperiod", "auditsignoff", "accountabilitycase",
          "expense", "seal", "sealuse", "feerate", "feebill", "feepayment", "fundapplication", "fundreview"]


@pytest.fixture
def admin_client(client, persona):
    client.force_login(persona("guanliyuan"))
    return client


@pytest.fixture
def signed(persona):
    """A 三审 period with the residents' committee's sign-off, and an accountability case."""
    pacific = estate(PACIFIC)
    period = audits.audit_open(persona("yanshuji"), estate_id=pacific.pk, start=datetime.date(2020, 1, 1),
                               end=datetime.date(2020, 3, 31))
    audits.audit_sign(persona("yanshuji"), period_id=period.pk, party="residents_committee")
    audits.audit_sign(persona("zhoushenji"), period_id=period.pk, party="audit_firm",
                      document=SimpleUploadedFile("报告.pdf", b"%PDF-1.4"))
    audits.case_open(persona("sunjiancha"), estate_id=pacific.pk, source="三审", description="票据缺失",
                     responsible="物业经理", deadline=datetime.date(2030, 1, 1))
    return period


@pytest.mark.parametrize("model", MODELS)
def test_each_list_answers(admin_client, signed, model):
    assert admin_client.get(f"/admin/finance/{model}/").status_code == 200


@pytest.mark.parametrize("model", ["transaction", "entry", "auditperiod", "auditsignoff", "expense", "seal",
                                   "accountabilitycase"])
def test_each_change_page_answers(admin_client, signed, model):
    from django.apps import apps

    row = apps.get_model("finance", model).objects.filter(**_in_pacific(model)).first()
    assert row is not None
    assert admin_client.get(f"/admin/finance/{model}/{row.pk}/change/").status_code == 200


def _in_pacific(model):
    path = {"entry": "transaction__estate", "auditsignoff": "period__estate", "sealuse": "seal__estate"}
    return {f"{path.get(model, 'estate')}__name": PACIFIC}


@pytest.mark.parametrize("model", ["transaction", "entry", "auditsignoff", "auditperiod"])
def test_a_ledger_row_cannot_be_changed_or_deleted(admin_client, signed, model):
    from django.apps import apps

    row = apps.get_model("finance", model).objects.filter(**_in_pacific(model)).first()
    base = f"/admin/finance/{model}/{row.pk}"
    assert admin_client.post(f"{base}/change/", {"memo": "改过", "signer_name": "改过", "debit": 1}).status_code == 403
    assert admin_client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(f"/admin/finance/{model}/add/").status_code == 403
    row.refresh_from_db()
    assert getattr(row, "memo", "") != "改过" and getattr(row, "signer_name", "") != "改过"


def test_nothing_posted_changes_through_the_admin(admin_client, signed):
    before = (Transaction.objects.count(), Entry.objects.count(), AuditSignoff.objects.count())
    tx = Transaction.objects.filter(estate__name=PACIFIC).first()
    admin_client.post("/admin/finance/transaction/", {"action": "delete_selected", "_selected_action": [tx.pk],
                                                      "post": "yes"})
    assert (Transaction.objects.count(), Entry.objects.count(), AuditSignoff.objects.count()) == before


def test_an_expense_is_corrected_through_record_save_but_its_sum_stays(admin_client, persona):
    from gongzhi.core.models import AuditEntry

    expense = Expense.objects.filter(estate__name=PACIFIC).first()
    amount, status = expense.amount, expense.status
    url = f"/admin/finance/expense/{expense.pk}/change/"
    response = admin_client.post(url, {"purpose": "小区路灯维修（更正）", "payee": expense.payee, "quotes": "",
                                       "amount": "1", "status": "paid"})
    assert response.status_code == 302, response.content[:500]
    expense.refresh_from_db()
    assert expense.purpose == "小区路灯维修（更正）"
    assert (expense.amount, expense.status) == (amount, status)  # the sum and the state are not the admin's
    assert AuditEntry.objects.filter(action="expense.update", subject_id=str(expense.pk)).exists()


def test_another_estates_row_is_like_a_missing_one(client, persona):
    yiwu_admin = get_user_model().objects.create_user("yiwu-finance-admin", password="x", is_staff=True)
    role_assign(None, user_id=yiwu_admin.pk, role=Role.ADMINISTRATOR, anchor_field="estate", anchor_id=estate(YIWU).pk)
    client.force_login(yiwu_admin)
    tx = Transaction.objects.filter(estate__name=PACIFIC).first()
    hidden = client.get(f"/admin/finance/transaction/{tx.pk}/change/")
    missing = client.get("/admin/finance/transaction/987654321/change/")
    assert hidden.status_code == missing.status_code == 302 and hidden["Location"] == missing["Location"]
    listed = client.get("/admin/finance/transaction/")
    assert listed.status_code == 200 and {t.estate.name for t in listed.context["cl"].result_list} <= {YIWU}
    seal = Seal.objects.filter(estate__name=PACIFIC).first()
    assert client.post(f"/admin/finance/seal/{seal.pk}/change/", {"kept_by_community": ""}).status_code == 302
    seal.refresh_from_db()
    assert seal.kept_by_community is True


@pytest.mark.parametrize("username", ["yanshuji", "sunjiancha", "wangayi"])
def test_the_finance_admin_is_closed_to_other_staff(login, username):
    assert login(username).get("/admin/finance/transaction/").status_code == 302  # to the admin login


def test_a_case_is_corrected_but_not_closed_there(admin_client, signed):
    case = AccountabilityCase.objects.get(description="票据缺失")
    admin_client.post(f"/admin/finance/accountabilitycase/{case.pk}/change/", {
        "source": "三审", "description": "票据缺失", "responsible": "物业经理 王某", "deadline": "2030-02-01",
        "status": "closed", "outcome": "x"})
    case.refresh_from_db()
    assert case.responsible == "物业经理 王某" and case.status == "open" and case.outcome == ""

