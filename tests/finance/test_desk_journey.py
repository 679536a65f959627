"""The issue's supervisor journey in a real browser at a phone's 375 × 740: the discipline supervisor opens
the desk from the menu, follows an alert to its voucher, comes back, follows another alert to the estate's
money page and its balance to the audit rows that produced it — moving only by tapping links."""

import datetime
import os

import pytest
from playwright.sync_api import expect

from gongzhi import demo
from gongzhi.places.models import Estate

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM

PACIFIC = "太平洋花园"



def test_the_supervisor_follows_an_alert_to_its_voucher_and_a_figure_to_its_audit_rows(clock, site, phone, persona):
    from gongzhi.finance.services import expenses, journal

    pacific = Estate.objects.get(name=PACIFIC)
    ask = dict(estate_id=pacific.pk, category="repair", payee="某维修部")
    expenses.expense_request(persona("weiyuan"), amount="3000", purpose="修补围墙", **ask)
    expenses.expense_request(persona("weiyuan"), amount="2500", purpose="修补围墙二期", **ask)
    income = journal.income_record(persona("yanshuji"), estate_id=pacific.pk, category="parking", amount="1234.56",
                                   date=clock.today - datetime.timedelta(days=10), memo="十天前的停车费")

    phone.goto(f"{site}/login/")
    phone.fill("input[name=username]", "sunjiancha")
    phone.fill("input[name=password]", demo.DEMO_PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{site}/")
    phone.get_by_test_id("menu").locator("summary").click()
    phone.get_by_test_id("menu").get_by_role("link", name="监督").click()
    phone.wait_for_url(f"{site}/finance/supervisor/")

    split = phone.locator("[data-testid=alerts] li", has_text="修补围墙二期")
    expect(split).to_contain_text(PACIFIC)
    split.get_by_test_id("alert-link").click()
    expect(phone.locator("h1")).to_contain_text("修补围墙二期")  # the voucher's approval: 2,500.00 元, 某维修部
    expect(phone.locator("h1")).to_contain_text("2,500.00")

    phone.go_back()
    phone.wait_for_url(f"{site}/finance/supervisor/")
    deposit = phone.locator("[data-testid=alerts] li", has_text=f"凭证 {income.pk}")
    expect(deposit).to_contain_text(PACIFIC)
    deposit.get_by_test_id("alert-link").click()
    expect(phone.locator(f"#gap-tx-{income.pk}")).to_contain_text("1,234.56")

    phone.get_by_test_id("trace-balance").click()
    phone.wait_for_url("**/audit/**")
    rows = phone.get_by_test_id("audit-row")
    expect(rows.filter(has_text="十天前的停车费")).to_have_count(1)
    assert rows.count() == rows.filter(has_text=PACIFIC).count()  # only 太平洋花园's rows
