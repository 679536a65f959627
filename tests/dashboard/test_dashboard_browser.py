"""The subdistrict officer's dashboard in a real browser: the charts are drawn (SVG), nothing is asked
of the internet, no script error; the meeting-room screen; a figure leads to its records."""

import os
import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from gongzhi import demo
from gongzhi.core import clock

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def site(transactional_db, live_server, world):
    return live_server.url


def test_the_officer_reads_the_dashboard_on_a_wide_screen_and_follows_a_figure(site, page):
    page.set_viewport_size({"width": 1600, "height": 900})
    errors, foreign = [], []
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: foreign.append(r.url) if urlparse(r.url).hostname not in ("127.0.0.1", "localhost")
            and not r.url.startswith("data:") else None)
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", "wuganbu")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.get_by_test_id("menu").locator("summary").click()
    page.get_by_test_id("nav-dashboard").click()
    year = str(clock.today().year)
    page.fill("#dash-period", year)
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    drawn = page.locator("[data-chart][data-drawn='1']")
    expect(drawn.first).to_be_visible()
    charts = page.locator("[data-chart]").count()
    assert charts >= 4 and drawn.count() == charts
    assert page.locator("[data-chart] svg").count() == charts  # ECharts drew each one as SVG
    page.get_by_test_id("screen-mode").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\bscreen\b"))
    expect(page.locator("header.top")).to_be_hidden()
    page.get_by_test_id("leave-screen").click()
    received = page.get_by_test_id("figure-requests-received")
    count = received.inner_text()
    received.click()
    expect(page).to_have_url(re.compile(r"/requests/\?"))
    expect(page.get_by_test_id("total")).to_have_text(count)
    assert errors == [] and foreign == []
