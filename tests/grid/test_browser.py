"""The issue's journeys in a real browser at a phone's 375 × 740, from the persona's home page, moving by
tapping: the grid worker 马丽 walks her patrol (one checkpoint by its QR code's address, the rest by tap),
records a finding with a photo and turns it into a request; she records a visit to an elderly resident
living alone who is overdue, and turns the need she found into a request."""

import os

import pytest
from playwright.sync_api import expect

from gongzhi.grid.models import Finding, Patrol, Visit
from tests.grid.helpers import grid_plan, jpeg, special
from tests.portal.test_journeys import log_in, no_sideways_scroll

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM


def test_the_grid_worker_patrols_on_her_phone_and_turns_a_finding_into_a_request(clock, site, phone, tmp_path):
    plan = grid_plan()
    log_in(phone, site, "wanggeyuan")
    with phone.expect_navigation():
        phone.get_by_test_id("card-patrols").get_by_test_id(f"due-plan-{plan.pk}").click()
    no_sideways_scroll(phone)
    with phone.expect_navigation():
        phone.get_by_test_id("start-patrol").click()
    patrol = Patrol.objects.get(plan=plan, finished_at__isnull=True)
    route = list(plan.checkpoints.order_by("position"))

    # the first stop: her camera opens the address its QR code carries
    phone.goto(f"{site}/patrol-checkpoints/{route[0].pk}/")
    expect(phone.get_by_test_id("checkpoint-name")).to_contain_text(route[0].name)
    with phone.expect_navigation():
        phone.get_by_test_id("scan-mark").click()
    expect(phone.get_by_test_id(f"marked-{route[0].pk}")).to_contain_text("扫码打卡")
    for checkpoint in route[1:]:
        with phone.expect_navigation():
            phone.get_by_test_id(f"mark-{checkpoint.pk}").click()
    expect(phone.get_by_test_id("marked-count")).to_have_text(f"{len(route)} / {len(route)}")
    no_sideways_scroll(phone)

    photo = tmp_path / "charging.jpg"
    photo.write_bytes(jpeg())
    form = phone.get_by_test_id("finding-form")
    form.locator("select[name=checkpoint_id]").select_option(str(route[3].pk))
    form.locator("textarea[name=note]").fill("充电棚有人私拉电线给电动车充电")
    form.get_by_test_id("photos").set_input_files(str(photo))
    with phone.expect_navigation():
        form.get_by_role("button", name="记录").click()
    expect(phone.locator("#messages")).to_contain_text("已记录发现")
    finding = Finding.objects.get(patrol=patrol)
    assert finding.photos.count() == 1

    item = phone.get_by_test_id(f"finding-{finding.pk}")
    item.locator("select[name=category]").select_option("flying_wire")
    with phone.expect_navigation():
        item.get_by_test_id(f"raise-{finding.pk}").click()
    finding.refresh_from_db()
    expect(phone.locator("#messages")).to_contain_text(f"已转为诉求：{finding.request_id} 号")
    assert finding.request.channel == "patrol" and finding.request.category == "flying_wire"
    assert finding.request.photos.count() == 1
    with phone.expect_navigation():
        phone.get_by_test_id("finish").click()
    expect(phone.get_by_test_id("patrol-done")).to_be_visible()
    no_sideways_scroll(phone)


def test_she_records_a_visit_to_an_elderly_resident_living_alone(clock, site, phone):
    alone = special("3-2-602")
    log_in(phone, site, "wanggeyuan")
    expect(phone.get_by_test_id("overdue-visits")).to_contain_text("有 1 位走访对象已超期未走访")
    phone.get_by_test_id("my-visits-link").click()
    expect(phone.get_by_test_id(f"special-{alone.pk}").locator("xpath=..")).to_contain_text("超期 5 天")
    no_sideways_scroll(phone)
    phone.get_by_test_id(f"special-{alone.pk}").click()
    expect(phone.get_by_test_id("special-facts")).to_contain_text("独居老人")
    form = phone.get_by_test_id("visit-form")
    form.get_by_test_id("how-home").check()
    form.locator("input[name=note]").fill("血压平稳，精神不错")
    form.locator("textarea[name=needs]").fill("六楼楼道灯不亮，老人晚上不敢下楼")
    with phone.expect_navigation():
        form.get_by_test_id("record-visit").click()
    expect(phone.locator("#messages")).to_contain_text("走访已记录")
    no_sideways_scroll(phone)
    visit = Visit.objects.filter(special=alone).latest("pk")
    assert (visit.how, visit.visitor.username, visit.on) == ("home", "wanggeyuan", clock.today)

    phone.locator("select[name=category]").select_option("lighting")
    with phone.expect_navigation():
        phone.get_by_test_id("visit-raise").click()
    visit.refresh_from_db()
    expect(phone.locator("#messages")).to_contain_text(f"已转为诉求：{visit.request_id} 号")
    assert visit.request.channel == "visit" and "独居" not in visit.request.description
    phone.goto(f"{site}/visits/mine/")
    expect(phone.get_by_test_id(f"special-{alone.pk}").locator("xpath=..")).not_to_contain_text("超期")
