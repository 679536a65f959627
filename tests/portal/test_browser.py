"""Real browser: Playwright drives Debian's Chromium against a live server, at phone width."""

import os
import re

import pytest
from playwright.sync_api import expect

from gongzhi import demo
from gongzhi.notices.documents import RECORD_ALTERED
from gongzhi.places.models import Estate

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM


def log_in(page, site, username):
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_resident_sees_her_home_and_not_the_secretarys(site, phone):
    log_in(phone, site, "wangayi")
    expect(phone.get_by_test_id("my-units")).to_contain_text("5-1-302")
    expect(phone.get_by_test_id("my-units")).to_contain_text("义乌城小区")
    expect(phone.get_by_test_id("awaiting")).to_have_count(0)
    expect(phone.get_by_test_id("coverage")).to_have_count(0)
    # nothing wider than the phone: no horizontal scrolling on the home page
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_test_id("large-font").click()
    expect(phone.locator("body")).to_contain_class("large")
    pacific = Estate.objects.get(name="太平洋花园")
    response = phone.goto(f"{site}/estates/{pacific.pk}/")
    assert response.status == 404
    expect(phone.locator("main")).to_contain_text("未找到")
    response = phone.goto(f"{site}/approvals/{pacific.approvals.first().pk}/")
    assert response.status == 404


def test_secretary_sees_her_inbox_and_signs(site, phone):
    log_in(phone, site, "yanshuji")
    awaiting = phone.get_by_test_id("awaiting")
    expect(awaiting).to_contain_text("使用业委会公章：续签物业服务合同")
    expect(phone.get_by_test_id("coverage")).to_contain_text("明福社区")
    expect(phone.get_by_test_id("my-units")).to_have_count(0)
    phone.screenshot(path=os.environ.get("GONGZHI_SCREENSHOT", "/tmp/gongzhi-secretary.png"), full_page=True)
    awaiting.get_by_text("使用业委会公章：续签物业服务合同").click()
    phone.fill("textarea[name=comment]", "同意，按程序公示")
    phone.click("button[name=action][value=sign]")
    expect(phone.locator(".messages")).to_contain_text("已记录您的意见")
    expect(phone.get_by_test_id("signatures").locator(".sig.signed")).to_have_count(1)
    # a resident's flat is not hers to see: another community's estate answers 404
    other = Estate.objects.get(name="育才新村")
    assert phone.goto(f"{site}/estates/{other.pk}/").status == 404


def test_a_passer_by_scans_a_notice_and_sees_it_verified_then_a_tampered_one_rejected(site, phone):
    from gongzhi.notices.models import LogLeaf, Notice
    from tests.helpers import behind_the_applications_back

    pacific = Estate.objects.get(name="太平洋花园")
    phone.goto(f"{site}/board/estates/{pacific.pk}/")  # no login: the public board
    current = phone.get_by_test_id("current")
    expect(current).to_contain_text("【更正】太平洋花园2026年第三季度公共收益收支公示")
    expect(current).not_to_contain_text("关于续聘")  # for the estate's residents only
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    current.get_by_text("【更正】太平洋花园2026年第三季度公共收益收支公示").first.click()
    expect(phone.get_by_test_id("notice-table")).to_contain_text("绿化补植")
    expect(phone.get_by_test_id("corrects")).to_be_visible()
    assert phone.evaluate("document.querySelector('img.qr').naturalWidth") > 0  # the QR code renders
    phone.get_by_test_id("verify-link").click()
    expect(phone.get_by_test_id("verdict")).to_contain_text("已验证")
    expect(phone.get_by_test_id("checks").locator("li.bad")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    notice = Notice.objects.get(title="【更正】太平洋花园2026年第三季度公共收益收支公示")
    with behind_the_applications_back() as cursor:  # someone edits the amounts in the database
        cursor.execute("UPDATE notices_notice SET \"table\" = %s WHERE id = %s", ['{"columns":[],"rows":[]}', notice.pk])
    phone.reload()
    expect(phone.get_by_test_id("verdict")).to_contain_text("验证失败")
    expect(phone.get_by_test_id("checks")).to_contain_text(RECORD_ALTERED.split("，")[0])
    leaf = LogLeaf.objects.get(kind="notice", ref_id=notice.pk)
    phone.goto(f"{site}/v/{leaf.index}/?h={'ab' * 32}")  # a forged printout's QR code
    expect(phone.get_by_test_id("verdict")).to_contain_text("验证失败")


def test_an_owner_votes_on_a_phone_while_the_organiser_watches_turnout_move(clock, site, phone, browser):
    import datetime

    from django.contrib.auth import get_user_model

    from gongzhi.votes import services
    from gongzhi.votes.models import Vote

    chair = get_user_model().objects.get(username="zhaozhuren")
    pacific = Estate.objects.get(name="太平洋花园")
    now = clock.now
    vote = services.vote_create(chair, estate_id=pacific.pk, title="增设电动车充电棚", item=8,
                                opens_at=now + datetime.timedelta(days=16), closes_at=now + datetime.timedelta(days=30))
    services.vote_announce(chair, vote_id=vote.pk)
    Vote.objects.filter(pk=vote.pk).update(opens_at=now - datetime.timedelta(hours=1))  # the 15 days have passed

    organiser = browser.new_context().new_page()
    log_in(organiser, site, "zhaozhuren")
    organiser.goto(f"{site}/votes/{vote.pk}/turnout/")
    expect(organiser.get_by_test_id("owners-participating")).to_have_text("0")

    log_in(phone, site, "lixiansheng")
    phone.goto(f"{site}/votes/")
    phone.get_by_text("增设电动车充电棚").click()
    expect(phone.get_by_test_id("my-ballot")).to_contain_text("2-1-301、6-1-502")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_test_id("choice-yes").click()
    # choosing casts nothing: the owner first reads what the ballot covers, then confirms
    expect(phone.get_by_test_id("confirm-statement")).to_contain_text("以 2 套房")
    expect(phone.get_by_test_id("confirm-statement")).to_contain_text("提交后不可更改")
    assert not vote.ballots.exists()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_test_id("confirm").click()
    expect(phone.get_by_test_id("receipt-choice")).to_have_text("同意")
    expect(phone.get_by_test_id("receipt-number")).to_have_text(re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$"))
    phone.get_by_role("link", name="返回表决").click()
    expect(phone.get_by_test_id("voted")).to_contain_text("已投票")
    expect(phone.get_by_test_id("choice-yes")).to_have_count(0)
    expect(phone.get_by_test_id("receipt-link")).to_be_visible()

    # the organiser's page refreshes itself: one owner (two flats) has now taken part
    expect(organiser.get_by_test_id("owners-participating")).to_have_text("1", timeout=12_000)
    organiser.context.close()


def test_a_committee_chair_signs_in_at_a_meeting_on_a_phone_and_records_a_decision(clock, site, phone):
    from django.contrib.auth import get_user_model

    from gongzhi.bodies.models import Membership, OrgKind
    from gongzhi.meetings import services

    chair = get_user_model().objects.get(username="zhaozhuren")
    pacific = Estate.objects.get(name="太平洋花园")
    matter = services.matter_create(chair, estate_id=pacific.pk, title="增设非机动车充电桩", procedure="branch_first")
    meeting = services.meeting_plan(chair, estate_id=pacific.pk, kind="owners_committee", title="业委会月度会议",
                                    scheduled_at=clock.now, agenda_ids=[matter.pk])
    services.meeting_open(chair, meeting_id=meeting.pk)
    others = Membership.objects.filter(organisation__estate=pacific, organisation__kind=OrgKind.OWNERS_COMMITTEE,
                                       active=True).exclude(person__user=chair)
    for membership in others[:3]:  # three members are already here
        services.meeting_sign_in(chair, meeting_id=meeting.pk, party="member", person_id=membership.person_id)

    log_in(phone, site, "zhaozhuren")
    phone.goto(f"{site}/meetings/{meeting.pk}/")
    expect(phone.get_by_test_id("quorum")).to_contain_text("实到 3 人")
    phone.get_by_test_id("sign-in").locator("select[name=party]").first.select_option("member")
    phone.get_by_test_id("sign-in-me").click()
    expect(phone.get_by_test_id("quorum")).to_contain_text("实到 4 人")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    item = phone.get_by_test_id("agenda-item")
    item.locator("input[name=text]").fill("同意在北门增设充电桩")
    item.get_by_test_id("votes-for").fill("4")
    item.get_by_test_id("decide").click()
    expect(phone.get_by_test_id("decision")).to_contain_text("同意在北门增设充电桩")
    expect(phone.get_by_test_id("decision")).to_contain_text("通过")


def test_an_expense_from_request_through_three_signatures_to_payment_and_the_published_statement(site, browser):
    from gongzhi.finance.models import Expense

    pacific = Estate.objects.get(name="太平洋花园")

    def as_user(username):
        page = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
        log_in(page, site, username)
        return page

    member = as_user("weiyuan")  # a committee member asks; the three who approve are others
    member.goto(f"{site}/finance/estates/{pacific.pk}/expenses/")
    member.get_by_text("新的支出申请").click()
    form = member.get_by_test_id("expense-form")
    form.locator("input[name=purpose]").fill("更换单元门禁")
    form.locator("input[name=payee]").fill("某门禁公司")
    form.locator("input[name=amount]").fill("1200.00")
    form.locator("select[name=category]").select_option("facilities")
    form.locator("button[name=action]").click()
    expect(member.get_by_test_id("expenses")).to_contain_text("更换单元门禁")
    expense = Expense.objects.get(purpose="更换单元门禁")

    for username in ("zhaozhuren", "wangjingli", "yanshuji"):
        page = as_user(username)
        page.goto(f"{site}/approvals/{expense.approval_id}/")
        page.evaluate("window.notReloaded = true")
        page.click("button[name=action][value=sign]")
        expect(page.locator(".messages")).to_contain_text("已记录您的意见")
        assert page.evaluate("window.notReloaded") is True  # signed in place (htmx), not a new page
    expect(page.get_by_test_id("status")).to_contain_text("已通过")

    bookkeeper = page  # the community secretary keeps the books
    bookkeeper.goto(f"{site}/finance/estates/{pacific.pk}/expenses/")
    balance = bookkeeper.get_by_test_id("balance").inner_text()
    bookkeeper.evaluate("window.notReloaded = true")
    bookkeeper.get_by_test_id("pay").click()
    expect(bookkeeper.get_by_test_id("expense-status").first).to_contain_text("已支付")
    expect(bookkeeper.locator(".messages")).not_to_be_empty()
    expect(bookkeeper.get_by_test_id("balance")).not_to_have_text(balance)  # the balance moved with the section
    assert bookkeeper.evaluate("window.notReloaded") is True
    bookkeeper.goto(f"{site}/finance/estates/{pacific.pk}/")
    bookkeeper.get_by_test_id("publish-statement").click()
    expect(bookkeeper.locator(".messages")).to_contain_text("已完成")

    owner = as_user("lixiansheng")
    owner.goto(f"{site}/board/estates/{pacific.pk}/")
    expect(owner.get_by_test_id("current")).to_contain_text("太平洋花园公共收益收支公示")
    owner.get_by_text("太平洋花园公共收益收支公示").first.click()
    expect(owner.get_by_test_id("notice-table")).to_contain_text("设施设备")
    expect(owner.get_by_test_id("notice-table")).to_contain_text("1,200.00")


def test_a_resident_files_a_request_with_a_photo_staff_resolve_it_she_confirms_and_rates(site, phone, browser):
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(picture, "JPEG")

    log_in(phone, site, "wangayi")
    phone.goto(f"{site}/requests/")
    phone.get_by_test_id("new-request").click()
    phone.select_option("select[name=category]", "lighting")
    phone.fill("textarea[name=description]", "5号楼1单元3楼楼道灯不亮，晚上看不见台阶")
    phone.get_by_test_id("photos").set_input_files(
        files=[{"name": "楼道.jpg", "mimeType": "image/jpeg", "buffer": picture.getvalue()}])
    phone.get_by_test_id("submit-request").click()
    expect(phone.get_by_test_id("status")).to_contain_text("待响应")
    expect(phone.get_by_test_id("photo-report")).to_be_visible()
    assert phone.evaluate("document.querySelector('[data-testid=photo-report]').naturalWidth") == 64
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    address = phone.url

    staff = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    log_in(staff, site, "zhangjingli")
    staff.goto(f"{site}/requests/")
    expect(staff.get_by_test_id("awaiting-requests")).to_contain_text("公共照明")
    staff.goto(address)
    staff.get_by_test_id("respond").click()
    expect(staff.get_by_test_id("status")).to_contain_text("办理中")
    staff.get_by_test_id("resolution-note").fill("已更换声控灯具，测试正常")
    staff.get_by_test_id("resolve").click()
    expect(staff.get_by_test_id("status")).to_contain_text("已办结待确认")

    phone.goto(address)
    expect(phone.get_by_test_id("confirm-box")).to_contain_text("问题解决了吗")
    phone.get_by_test_id("rate-5").check()
    phone.fill("input[name=comment]", "师傅很及时")
    phone.get_by_test_id("confirm").click()
    expect(phone.get_by_test_id("status")).to_contain_text("已关闭")
    expect(phone.get_by_test_id("satisfaction")).to_contain_text("5/5 师傅很及时")
    expect(phone.get_by_test_id("timeline")).to_contain_text("确认并评价")
