"""A money form that did nothing never says 已完成: a bank import without a file, an unknown action, a
building that is not a number each come back with their message and change nothing."""

import pytest

from gongzhi.core.web import UNKNOWN_ACTION
from gongzhi.finance import rules
from gongzhi.finance.models import BankLine, FundApplication
from gongzhi.finance.services.fund import BUILDINGS_REQUIRED
from gongzhi.finance.views import BANK_FILE_REQUIRED, DONE
from gongzhi.people.demo import PERSONA_USERNAMES
from tests.helpers import PACIFIC, estate

pytestmark = pytest.mark.usefixtures("world")


def someone(persona, rule, pacific):
    return next(name for name in PERSONA_USERNAMES if rule(persona(name), pacific))


def test_a_bank_import_without_a_file_says_so(login, persona):
    pacific = estate(PACIFIC)
    username = someone(persona, rules.may_reconcile_bank, pacific)
    lines = BankLine.objects.count()
    page = login(username).post(f"/finance/estates/{pacific.pk}/", {"action": "bank"}, follow=True)
    html = page.content.decode()
    assert BANK_FILE_REQUIRED in html and str(DONE) not in html
    assert BankLine.objects.count() == lines
    page = login(username).post(f"/finance/estates/{pacific.pk}/", {"action": "nonsense"}, follow=True)
    assert UNKNOWN_ACTION in page.content.decode() and str(DONE) not in page.content.decode()


def test_a_fund_application_with_a_building_that_is_not_a_number_is_refused(login, persona):
    pacific = estate(PACIFIC)
    username = someone(persona, rules.may_apply_fund, pacific)
    building = pacific.buildings.first()
    applications = FundApplication.objects.count()
    page = login(username).post(f"/finance/estates/{pacific.pk}/fund/", {
        "action": "fund", "purpose": "3号楼屋面防水", "amount": "12000", "building": [building.pk, "xyz"]}, follow=True)
    assert BUILDINGS_REQUIRED in page.content.decode() and str(DONE) not in page.content.decode()
    assert FundApplication.objects.count() == applications
