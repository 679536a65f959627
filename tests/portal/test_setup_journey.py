"""A new estate set up from nothing in a real browser, as its community staff would: no admin, shell or
demo code — the ledger file, the committee and its term, the party branch and a building's party
group, the property contract, seals into custody, a fee rate, a month's bills, a payment and its
receipt, and the owner's own login that shows the bill paid."""

import io
import os

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from gongzhi import demo
from gongzhi.bodies.models import Organisation
from gongzhi.core import clock
from gongzhi.places.models import Estate, Unit

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM

OWNERS = [  # 楼栋, 单元, 房号, 面积, 业主, 手机
    ("1", "1", "1-1-101", "100.00", "郭建华", "13911110001"),
    ("1", "1", "1-1-102", "88.50", "何丽萍", "13911110002"),
    ("1", "1", "1-1-201", "100.00", "罗志强", "13911110003"),
    ("1", "1", "1-1-202", "88.50", "梁秀英", "13911110004"),
    ("2", "1", "2-1-101", "120.00", "宋国庆", "13911110005"),
    ("2", "1", "2-1-102", "120.00", "唐美玲", "13911110006"),
]


def ledger_file() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["小区", "楼栋", "单元", "房号", "建筑面积", "房屋类型", "业主姓名", "联系电话"])
    for building, entrance, code, area, name, phone in OWNERS:
        sheet.append(["新华苑", building, entrance, code, area, "住宅", name, phone])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def site(transactional_db, live_server, world):
    return live_server.url


def open_as(browser, site, username, password=demo.DEMO_PASSWORD):
    page = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("body")).not_to_contain_text("请输入正确")
    return page


def found_organisation(page, *, kind, name, estate, parent=None):
    """Fill and post the "设立组织" form of an estate's or a community's organisations page."""
    page.locator("summary", has_text="设立组织").first.click()
    form = page.get_by_test_id("organisation-form")
    form.locator("select[name=org-kind]").select_option(kind)
    form.locator("input[name=org-name]").fill(name)
    form.locator("select[name=org-estate]").select_option(str(estate.pk))
    if parent:
        form.locator("select[name=org-parent]").select_option(label=parent)
    form.locator("button.primary").click()
    saved(page)
    return Organisation.objects.get(name=name)


def saved(page, text=None):
    expect(page.locator(".messages .error")).to_have_count(0)
    if text:
        expect(page.locator(".messages")).to_contain_text(text)


def test_community_staff_set_up_a_new_estate_and_its_owner_sees_the_bill_paid(site, browser):
    today = clock.today()
    secretary = open_as(browser, site, "yanshuji")  # 燕娇, secretary of 明福社区

    # 1. the estate, its buildings, units and owners, from the community's ledger file
    secretary.goto(f"{site}/ledger/import/")
    secretary.select_option("select[name=community]", label="明福社区")
    secretary.set_input_files("input[name=file]", files=[{
        "name": "新华苑台账.xlsx", "buffer": ledger_file(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    secretary.click("form[data-api=ledger_import] button")
    saved(secretary, "导入完成：6套房屋，6位业主")
    estate = Estate.objects.get(name="新华苑")
    assert estate.buildings.count() == 2

    # 2. the owners' committee and its term: five owners, the chair first
    secretary.goto(f"{site}/estates/{estate.pk}/organisations/")
    committee = found_organisation(secretary, kind="owners_committee", name="新华苑第一届业主委员会", estate=estate)
    secretary.goto(f"{site}/organisations/{committee.pk}/")
    seat = secretary.get_by_test_id("seat-form")
    seat.locator("textarea[name=members]").fill("1-1-101 主任\n1-1-102 副主任\n1-1-201 委员\n1-1-202 委员\n2-1-101 委员")
    seat.locator("input[name=term_start]").fill(today.isoformat())
    seat.locator("input[name=term_end]").fill(today.replace(year=today.year + 3).isoformat())
    seat.locator("button.primary").click()
    saved(secretary, "新一届成员已确认")
    expect(secretary.locator("body")).to_contain_text("郭建华")

    # 3. the estate's party branch under the community's, and the party group of building 1 under it
    secretary.goto(f"{site}/communities/{estate.community_id}/organisations/")
    branch = found_organisation(secretary, kind="estate_branch", name="新华苑小区党支部", estate=estate,
                                parent="明福社区党总支")
    secretary.goto(f"{site}/organisations/{branch.pk}/")
    child = secretary.get_by_test_id("child-form")
    child.locator("select[name=child-kind]").select_option("building_group")
    child.locator("input[name=child-name]").fill("新华苑1号楼党小组")
    child.locator("button").click()
    saved(secretary)
    secretary.goto(f"{site}/communities/{estate.community_id}/organisations/")
    tree = secretary.get_by_test_id("party-tree")
    under_branch = tree.locator("li:has(> a:text-is('新华苑小区党支部')) > ul > li")
    expect(under_branch).to_contain_text("新华苑1号楼党小组")
    expect(tree.locator("li:has(> a:text-is('明福社区党总支')) > ul > li", has_text="新华苑小区党支部")).to_have_count(1)

    # 4. the property company and its contract: scope of services and fee standard
    secretary.goto(f"{site}/estates/{estate.pk}/organisations/")
    found_organisation(secretary, kind="property_company", name="新华物业服务有限公司", estate=estate)
    secretary.locator("summary", has_text="登记服务合同").first.click()
    contract = secretary.get_by_test_id("contract-form")
    contract.locator("select[name=new-company]").select_option(label="新华物业服务有限公司")
    contract.locator("input[name=new-start]").fill(today.isoformat())
    contract.locator("input[name=new-end]").fill(today.replace(year=today.year + 2).isoformat())
    contract.locator("input[value=cleaning]").check()
    contract.locator("input[name=new-fee]").fill("1.50")
    contract.locator("button.primary").click()
    saved(secretary)
    expect(secretary.get_by_test_id("contracts")).to_contain_text("新华物业服务有限公司")
    expect(secretary.get_by_test_id("contracts")).to_contain_text("1.50")

    # 5. the committee's seal into custody, kept by community staff in the community's 代管箱
    secretary.goto(f"{site}/finance/estates/{estate.pk}/seals/")
    secretary.locator("summary", has_text="登记印章").first.click()
    register = secretary.get_by_test_id("seal-register-form")
    register.locator("select[name=kind]").select_option("committee")
    register.locator("select[name=custodian]").select_option(label="杨静（shequ）")
    register.locator("button").click()
    saved(secretary)
    expect(secretary.get_by_test_id("seals")).to_contain_text("杨静")
    secretary.goto(f"{site}/finance/communities/{estate.community_id}/seals/")
    expect(secretary.locator("body")).to_contain_text("新华苑")

    # 6. a fee rate from this month, this month's bills, a cash payment and its receipt
    secretary.goto(f"{site}/finance/estates/{estate.pk}/fees/")
    rate = secretary.get_by_test_id("rate-form")
    rate.locator("select[name=unit_kind]").select_option("residential")
    rate.locator("input[name=rate]").fill("1.50")
    rate.locator("input[name=effective_from]").fill(f"{today:%Y-%m}")
    rate.locator("button").click()
    saved(secretary)
    expect(secretary.get_by_test_id("fee-rates")).to_contain_text("1.5")
    secretary.locator("form[data-api=bills_issue] button").click()
    saved(secretary)
    bill = secretary.get_by_test_id("bills").locator("li", has_text="1-1-101")
    expect(bill).to_contain_text("150.00")
    bill.locator("summary", has_text="收款").click()
    bill.locator("input[name$=amount]").fill("150.00")
    bill.locator("select[name$=method]").select_option("cash")
    bill.locator("form[data-api=fee_pay] button").click()
    saved(secretary)
    receipt = secretary.get_by_test_id("payments").locator("a", has_text=f"{today:%Y}").first
    answer = secretary.request.get(site + receipt.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")

    # 7. the owner's login, opened by the community, and her own page: the bill is paid
    flat = Unit.objects.get(estate=estate, code="1-1-101")
    secretary.goto(f"{site}/units/{flat.pk}/ownership/")
    secretary.get_by_test_id("open-account").click()
    username = secretary.get_by_test_id("opened-username").inner_text()
    password = secretary.get_by_test_id("opened-password").inner_text()
    assert username == "13911110001"
    owner = open_as(browser, site, username, password)
    owner.goto(f"{site}/finance/my-fees/")
    row = owner.get_by_test_id("flat").filter(has_text="新华苑 1-1-101").locator("tr", has_text=f"{today:%Y-%m}")
    expect(row).to_contain_text("150.00")
    expect(row.get_by_test_id("paid")).to_contain_text("已缴清")
    assert owner.evaluate("document.documentElement.scrollWidth") <= 375
