"""The device registry on a phone (375 px): the property manager sees the offline alert on his home page,
registers a device, reads its secret once, and the device's first signed events show on its page."""

import json
import os
import re

import pytest
from playwright.sync_api import expect

from gongzhi.core import clock
from gongzhi.requests.models import Device
from gongzhi.requests.services.devices import sign
from gongzhi.requests.simulator import post
from tests.portal.conftest import phone, site  # noqa: F401
from tests.portal.test_journeys import log_in, no_sideways_scroll

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM


def test_the_manager_registers_a_device_on_his_phone_and_sees_its_events(site, phone):  # noqa: F811
    log_in(phone, site, "zhangjingli")
    expect(phone.get_by_test_id("card-devices-quiet")).to_contain_text("西门水渠防溺水语音桩")
    phone.get_by_role("link", name="小区设备").first.click()
    no_sideways_scroll(phone)
    expect(phone.get_by_test_id("devices")).to_contain_text("景观水塘防溺水语音桩")
    phone.get_by_text("登记新设备").click()
    form = phone.get_by_test_id("device-register")
    form.locator("input[name=name]").fill("2号楼高空抛物摄像头")
    form.locator("select[name=kind]").select_option("camera")
    form.locator("input[name=location]").fill("2号楼北侧绿地")
    form.locator("input[value=high_throw]").check()
    with phone.expect_navigation():
        form.get_by_role("button", name="登记设备").click()
    no_sideways_scroll(phone)
    secret = phone.get_by_test_id("device-secret").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    device = Device.objects.get(name="2号楼高空抛物摄像头")

    for n in range(3):  # the device's first three detections, a minute apart, merge into one request
        raw = json.dumps({"device_id": device.uid, "event_id": f"first-{n}", "kind": "high_throw",
                          "time": clock.now().isoformat()}).encode()
        status, answer = post(site, raw, sign(secret, raw))
        assert status == 201, answer
    phone.get_by_role("link", name="查看设备").click()
    no_sideways_scroll(phone)
    expect(phone.get_by_test_id("incident-count")).to_have_text("3")
    expect(phone.get_by_test_id("device-status")).to_have_text("在线")
