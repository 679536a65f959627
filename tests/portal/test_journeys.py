"""The issue's "Done when" journeys, each in a real browser at a phone's 375 × 740, each from the persona's
home page and moving only by tapping links and buttons (no typed addresses after the login). Data the
other side of a journey provides (the handler resolving, a dispatcher dispatching, a meeting being
called) is set up through the services between the taps."""

import io
import os
import random
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from gongzhi import demo
from gongzhi.core.money import yuan

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM

MB = 1024 * 1024
AMOUNT = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d{2}$")  # 元: thousands separators and two decimals


def user(username):
    return get_user_model().objects.get(username=username)


def pacific():
    from gongzhi.places.models import Estate

    return Estate.objects.get(name="太平洋花园")


def log_in(page, site, username):
    """The login form is the only address typed; it lands on the persona's home page."""
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/")


def tap_home(page, site):
    """首页: the resident's tab bar, or for staff the header's menu."""
    tabs = page.locator("nav.resident-nav")
    if tabs.count():
        tabs.get_by_role("link", name="首页").click()
    else:
        page.get_by_test_id("menu").locator("summary").click()
        page.get_by_test_id("menu").get_by_role("link", name="首页").click()
    page.wait_for_url(f"{site}/")


def no_sideways_scroll(page):
    """The page is no wider than the phone. A tap a moment ago may still be loading the next page,
    so measure once a document is there (a few tries while the navigation settles)."""
    width = None
    for _ in range(5):
        try:
            page.wait_for_load_state()
            width = page.evaluate("document.documentElement ? document.documentElement.scrollWidth : null")
        except PlaywrightError:  # the old page's context went away mid-measure
            width = None
        if width is not None:
            break
        page.wait_for_timeout(200)
    assert width is not None and width <= 375


def heic_12mb() -> bytes:
    """A phone's HEIC of about 12 MB: noise does not compress."""
    from PIL import Image

    from gongzhi.core import images  # noqa: F401  (registers the HEIF opener)

    size = (3200, 2200)
    picture = Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    picture.save(out, "HEIF", quality=100, enc_params={"preset": "ultrafast"})
    data = out.getvalue()
    assert 10 * MB < len(data) < 20 * MB
    return data


def test_wang_ayi_in_elderly_mode_files_a_request_with_a_heic_photo_then_confirms_and_rates_it(clock, site, phone):
    from PIL import Image

    from gongzhi.requests import services
    from gongzhi.requests.choices import Status
    from gongzhi.requests.models import Request

    photo = heic_12mb()
    log_in(phone, site, "wangayi")
    phone.get_by_test_id("large-font").click()  # the header's switch: 长辈版
    expect(phone.locator("body")).to_contain_class("large")
    expect(phone.get_by_test_id("my-units")).to_be_visible()  # still her home

    phone.locator("nav.resident-nav").get_by_role("link", name="诉求").click()
    phone.get_by_test_id("new-request").click()
    phone.select_option("select[name=category]", "lighting")
    phone.fill("textarea[name=description]", "5号楼1单元楼道灯不亮，晚上看不见台阶")
    phone.get_by_test_id("photos").set_input_files(
        files=[{"name": "IMG_0001.HEIC", "mimeType": "image/heic", "buffer": photo}])
    phone.get_by_test_id("submit-request").click()
    expect(phone.get_by_test_id("status")).to_contain_text(str(Status.NEW.label), timeout=30_000)
    req = Request.objects.get(pk=int(re.search(r"/requests/(\d+)/$", phone.url).group(1)))
    assert req.requester_id == user("wangayi").pk
    no_sideways_scroll(phone)

    # stored as a JPEG of at most 2048 px, and shown on the page
    stored = req.photos.get()
    with stored.file.open("rb") as file:
        picture = Image.open(io.BytesIO(file.read()))
    assert picture.format == "JPEG" and max(picture.size) == 2048
    shown = phone.get_by_test_id("photo-report")
    expect(shown).to_be_visible()
    assert phone.evaluate("document.querySelector('[data-testid=photo-report]').naturalWidth") == picture.size[0]

    # back home: her card lists it with where it stands
    tap_home(phone, site)
    mine = phone.get_by_test_id("my-requests")
    card_link = mine.locator(f"a[href='/requests/{req.pk}/']")
    expect(card_link).to_be_visible()
    before = card_link.get_by_test_id("progress").inner_text()
    # and on her requests list
    phone.locator("nav.resident-nav").get_by_role("link", name="诉求").click()
    expect(phone.locator(f"main a[href='/requests/{req.pk}/']").first).to_be_visible()

    services.request_resolve(user("zhangjingli"), request_id=req.pk, note="已更换声控灯具，测试正常")

    tap_home(phone, site)
    card_link = phone.get_by_test_id("my-requests").locator(f"a[href='/requests/{req.pk}/']")
    expect(card_link.get_by_test_id("progress")).not_to_have_text(before)  # the words moved on
    expect(card_link).to_contain_text("去确认并评价")
    card_link.click()
    expect(phone.get_by_test_id("status")).to_contain_text(str(Status.RESOLVED.label))
    expect(phone.locator("body")).to_contain_class("large")  # 长辈版 stays on
    phone.get_by_test_id("rate-5").check()
    phone.get_by_test_id("confirm").click()
    expect(phone.get_by_test_id("status")).to_contain_text(str(Status.CLOSED.label))
    expect(phone.get_by_test_id("satisfaction")).to_contain_text("5/5")
    req.refresh_from_db()
    assert req.status == Status.CLOSED and req.satisfaction == 5
    no_sideways_scroll(phone)


def test_mr_li_votes_for_both_flats_then_reads_his_fee_bill(clock, site, phone):
    from gongzhi.votes.choices import Choice
    from gongzhi.votes.models import Vote

    vote = Vote.objects.get(title="续聘太平洋物业服务有限公司")
    log_in(phone, site, "lixiansheng")
    phone.get_by_test_id("votes-awaiting").get_by_role("link", name=vote.title).click()
    expect(phone.get_by_test_id("my-ballot")).to_contain_text("2-1-301、6-1-502")
    phone.get_by_test_id("choice-yes").click()
    statement = phone.get_by_test_id("confirm-statement")
    expect(statement).to_contain_text("以 2 套房")
    expect(statement).to_contain_text(str(Choice.YES.label))
    assert not vote.ballots.filter(voter__user__username="lixiansheng").exists()  # choosing casts nothing
    no_sideways_scroll(phone)
    phone.get_by_test_id("confirm").click()
    expect(phone.get_by_test_id("receipt-choice")).to_have_text(str(Choice.YES.label))
    expect(phone.get_by_test_id("receipt-number")).to_have_text(re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$"))

    # his fee bill, from home
    tap_home(phone, site)
    phone.get_by_test_id("my-units").get_by_role("link", name="物业费").first.click()
    flats = phone.get_by_test_id("flat")
    expect(flats).to_have_count(2)
    assert sorted(f.get_attribute("data-unit") for f in flats.all()) == ["2-1-301", "6-1-502"]
    for flat in flats.all():
        for testid in ("flat-billed", "flat-paid", "flat-arrears"):
            assert AMOUNT.match(flat.get_by_test_id(testid).inner_text().strip()), testid
    expect(flats.first).to_contain_text("欠费合计")
    total = phone.get_by_test_id("total-due").inner_text()
    assert "应缴合计" in total and total.strip().endswith("元")
    amount = re.search(r"(-?[\d,]+\.\d{2})", total).group(1)
    assert AMOUNT.match(amount)
    arrears = sum(int(flat.get_by_test_id("flat-arrears").inner_text().replace(",", "").replace(".", ""))
                  for flat in flats.all())
    assert amount == yuan(arrears)  # the total is the flats' arrears added up
    no_sideways_scroll(phone)


def test_chen_accepts_an_order_from_his_home_and_sees_the_neighbours_who_have_not_voted(clock, site, phone):
    from gongzhi.requests import selectors
    from gongzhi.requests.choices import OrderStatus
    from gongzhi.requests.services import orders

    chen = user("chen")
    offered = selectors.orders_offered_to(chen, limit=1)
    if offered:
        offered = offered[0]
    else:  # nothing waiting for him: the chair dispatches one
        order = orders.order_place(user("lixiansheng"), estate_id=pacific().pk, kind="service",
                                   title="帮忙搬运旧家具", description="楼下独居老人家的旧柜子")
        offered = orders.order_dispatch(user("zhaozhuren"), order_id=order.pk, helper_ids=[chen.pk])

    log_in(phone, site, "chen")
    card = phone.get_by_test_id("orders-offered")
    expect(card).to_contain_text(offered.title)
    card.get_by_test_id(f"accept-{offered.pk}").click()
    expect(phone.get_by_test_id("order-status")).to_have_text(str(OrderStatus.ACCEPTED.label))
    offered.refresh_from_db()
    assert offered.status == OrderStatus.ACCEPTED and offered.accepted_by_id == chen.pk
    no_sideways_scroll(phone)

    tap_home(phone, site)
    neighbours = phone.get_by_test_id("neighbours-not-voted")
    expect(neighbours).to_contain_text("本楼尚未投票")
    call = neighbours.get_by_test_id("call").first
    expect(call).to_be_visible()
    assert call.get_attribute("href").startswith("tel:")
    expect(phone.get_by_test_id("orders-offered").get_by_test_id(f"accept-{offered.pk}")).to_have_count(0)


def test_the_committee_chair_signs_an_approval_from_her_home(clock, site, phone):
    from gongzhi.core.models import Approval

    approval = Approval.objects.get(title="使用业委会公章：续签物业服务合同")
    log_in(phone, site, "zhaozhuren")
    awaiting = phone.get_by_test_id("awaiting")
    awaiting.get_by_role("link", name=approval.title).click()
    phone.fill("textarea[name=comment]", "同意续签，按程序公示")
    phone.click("button[name=action][value=sign]")
    expect(phone.locator(".messages")).to_contain_text("已记录您的意见")
    signed = phone.get_by_test_id("signatures").locator(".sig.signed")
    expect(signed).to_have_count(1)
    expect(signed).to_contain_text("同意续签，按程序公示")
    expect(signed).to_contain_text(user("zhaozhuren").get_full_name())
    assert approval.signatures.filter(signer__username="zhaozhuren", decision="signed").exists()
    no_sideways_scroll(phone)


def test_the_community_secretary_opens_this_months_meeting_from_her_home(clock, site, phone):
    from gongzhi.meetings import services

    # a meeting called for now: this month's whatever the day (the demo's is two days ahead)
    meeting = services.meeting_plan(user("yanshuji"), estate_id=pacific().pk, kind="joint_1_3_n",
                                    title="1+3+N 联席会议（电动车充电）", scheduled_at=clock.now)
    log_in(phone, site, "yanshuji")
    card = phone.get_by_test_id("meetings-this-month")
    card.get_by_role("link", name=re.compile(re.escape(meeting.title))).click()
    phone.wait_for_url(f"{site}/meetings/{meeting.pk}/")
    expect(phone.locator("h1")).to_contain_text(meeting.title)
    no_sideways_scroll(phone)
