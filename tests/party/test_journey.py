"""The issue's "Done when" for 双积分, in a real browser at a phone's 375 × 740: 陈 (building head of
太平洋花园's building 3 and a party member) completes an order from his home page and sees his points
rise, with the order named as their source."""

import os

import pytest
from playwright.sync_api import expect

from tests.portal.test_journeys import log_in, no_sideways_scroll, pacific, tap_home, user

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM


def test_chen_completes_an_order_from_his_home_and_sees_his_points_rise_with_the_order_named(clock, site, phone):
    from gongzhi.party import selectors as party
    from gongzhi.requests import selectors
    from gongzhi.requests.services import orders

    chen = user("chen")
    offered = selectors.orders_offered_to(chen, limit=1)
    if offered:
        offered = offered[0]
    else:  # nothing waiting for him: the chair dispatches one
        order = orders.order_place(user("lixiansheng"), estate_id=pacific().pk, kind="service", title="帮忙搬运旧家具")
        offered = orders.order_dispatch(user("zhaozhuren"), order_id=order.pk, helper_ids=[chen.pk])
    before = party.balance(party.member_of(chen))

    log_in(phone, site, "chen")
    expect(phone.get_by_test_id("my-points-balance")).to_have_text(str(before))
    phone.get_by_test_id("orders-offered").get_by_test_id(f"accept-{offered.pk}").click()
    phone.fill("textarea[name=note]", "药已送到王奶奶家")
    phone.get_by_role("button", name="已完成").click()
    expect(phone.get_by_test_id("order-status")).to_have_text("已完成")

    tap_home(phone, site)
    expect(phone.get_by_test_id("my-points-balance")).to_have_text(str(before + 5))
    phone.get_by_test_id("my-points-link").click()
    expect(phone.get_by_test_id("points-balance")).to_have_text(str(before + 5))
    newest = phone.get_by_test_id("points-entries").locator("li").first
    expect(newest).to_contain_text("+5")
    source = newest.get_by_test_id("entry-source")
    expect(source).to_have_text(f"服务：{offered.title}")
    assert source.get_attribute("href") == f"/orders/{offered.pk}/"
    no_sideways_scroll(phone)


def test_a_passer_by_opens_building_3s_board_and_verifies_the_printed_board(site, phone):
    """No login: 太平洋花园 building 3's 亮身份 board shows 陈 with his mobile masked, and the printed
    board's verification link (what its QR code opens) confirms the published notice."""
    from gongzhi.core.masking import mask_phone
    from gongzhi.people.models import Person

    chen = Person.objects.get(user__username="chen")
    building = pacific().buildings.get(code="3")
    phone.goto(f"{site}/board/estates/{pacific().pk}/buildings/{building.pk}/party/")
    member = phone.get_by_test_id("board-member").filter(has_text=chen.name)
    expect(member.get_by_test_id("member-contact")).to_have_text(mask_phone(chen.phone))
    expect(phone.get_by_test_id("board-members")).not_to_contain_text(chen.phone)
    no_sideways_scroll(phone)
    phone.get_by_test_id("board-verify").first.click()
    expect(phone.get_by_test_id("verdict")).to_contain_text("已验证")
    expect(phone.get_by_test_id("verify-title")).to_have_text("党员亮身份公示 · 太平洋花园 3号楼")
