"""长辈版 (elderly mode) measured in a real browser at a phone's 375 × 812, on every kind of page a
resident reaches, against the MIIT ageing-friendly design specifications (《移动互联网应用(APP)适老化
通用设计规范》 and 《互联网网站适老化通用设计规范》, 2021):

- main text ≥ 18 pt: typographic points, 18 pt = 24 CSS px (at a device-width viewport one CSS px is
  one dp/pt, so this is stricter than 18 dp); no visible text below it;
- main functions ≥ 30 dp/pt: headings h1/h2, buttons and the resident's tabs ≥ 30 px;
- line spacing ≥ 1.3 (of text that can wrap: a select or a one-line input has no second line); text contrast ≥ 4.5:1 (computed colours, backgrounds composited up the tree);
- clickable targets ≥ 60 × 60 (a checkbox or radio may count its label) — and ≥ 44 × 44 in 标准版;
- nothing wider than the screen: no horizontal scrolling at 375 px.
Every <details> is opened first so what folds inside is measured too.
"""

import os
import time

import pytest
from playwright.sync_api import expect

from gongzhi import demo
from gongzhi.portal.context_processors import LARGE_FONT_COOKIE, RESIDENT_MENU_SIZE
from tests.portal.crawl import logged_in_context, walk

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM

WIDTH, HEIGHT = 375, 812
ELDERLY = {"text": 24, "action": 30, "target": 60}  # px; see the module docstring and site.css
STANDARD = {"text": 0, "action": 0, "target": 44}
MIN_LINE_SPACING, MIN_CONTRAST = 1.3, 4.5
HEADER_MAX = 64  # px: a staff member's header at 375 px, menu closed
RESIDENT_STARTS = ["/", "/requests/", "/votes/", "/notices/", "/inbox/", "/finance/my-fees/"]

MEASURE = """
(limits) => {
  const problems = [];
  const say = (el, what) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    problems.push(`${what}: <${el.tagName.toLowerCase()} class="${el.getAttribute('class') || ''}"> ${text}`);
  };
  const shown = el => {
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' && cs.opacity !== '0';
  };
  const rgba = c => {
    const p = c.match(/rgba?\\(([^)]+)\\)/)[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
  const backdrop = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255]);
  };
  const luminance = rgb => {
    const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const px = v => parseFloat(v);

  // text: every element holding visible text of its own, and every form control
  const texts = [...document.body.querySelectorAll('*')].filter(el =>
    !['SCRIPT', 'STYLE', 'OPTION', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName) && shown(el) &&
    ([...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) ||
     el.matches('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button')));
  for (const el of texts) {
    const cs = getComputedStyle(el), size = px(cs.fontSize);
    if (size + 0.01 < limits.text) say(el, `font ${size}px < ${limits.text}px`);
    const line = cs.lineHeight === 'normal' ? 1.2 * size : px(cs.lineHeight);
    if (!el.matches('select, input') && line / size + 0.005 < limits.line) say(el, `line spacing ${(line / size).toFixed(2)} < ${limits.line}`);
    const bg = backdrop(el), fg = over(rgba(cs.color), bg), r = ratio(fg, bg);
    if (r + 0.005 < limits.contrast) say(el, `contrast ${r.toFixed(2)} < ${limits.contrast} (${cs.color} on rgb(${bg.map(Math.round)}))`);
  }
  // main functions: headings, buttons, the tabs
  for (const el of document.querySelectorAll('main h1, main h2, main button, main .button, main input[type=submit], nav.resident-nav a')) {
    if (!shown(el)) continue;
    const size = px(getComputedStyle(el).fontSize);
    if (size + 0.01 < limits.action) say(el, `main function ${size}px < ${limits.action}px`);
  }
  // targets
  const clickable = 'a[href], button, summary, select, textarea, input:not([type=hidden]), [role=button], [tabindex]:not([tabindex="-1"])';
  let targets = 0;
  for (const el of document.querySelectorAll(clickable)) {
    if (!shown(el)) continue;
    targets += 1;
    const boxes = [el.getBoundingClientRect(), ...[...(el.labels || [])].filter(shown).map(l => l.getBoundingClientRect())];
    const ok = boxes.some(b => b.width + 0.5 >= limits.target && b.height + 0.5 >= limits.target);
    if (!ok) { const b = boxes[0]; say(el, `target ${Math.round(b.width)}×${Math.round(b.height)} < ${limits.target}×${limits.target}`); }
  }
  const width = document.scrollingElement.scrollWidth;
  if (width > innerWidth) problems.push(`scrolls sideways: ${width}px wide at ${innerWidth}px`);
  return {problems, texts: texts.length, targets};
}
"""


def measure(page, limits):
    """Open every <details>, then measure; returns (problems, number of text elements, number of targets)."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    found = page.evaluate(MEASURE, {"text": limits["text"], "action": limits["action"], "target": limits["target"],
                                    "line": MIN_LINE_SPACING, "contrast": MIN_CONTRAST})
    return found["problems"], found["texts"], found["targets"]


def check_pages(browser, site, username, limits, *, elderly, starts=RESIDENT_STARTS):
    if username is None:  # a visitor: the public pages
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        if elderly:
            context.add_cookies([{"name": LARGE_FONT_COOKIE, "value": "1", "url": site}])
    else:
        context = logged_in_context(browser, site, username, width=WIDTH, height=HEIGHT, elderly=elderly)
    page = context.new_page()
    report, counts = {}, [0, 0]

    def visit(page, url):
        assert ("large" in (page.get_attribute("body", "class") or "").split()) == elderly
        problems, texts, targets = measure(page, limits)
        counts[0] += texts
        counts[1] += targets
        if problems:
            report[url.removeprefix(site)] = problems

    visited = walk(page, site, starts, visit=visit)
    context.close()
    print(f"{username or 'visitor'} ({'长辈版' if elderly else '标准版'}): {len(visited)} pages, {counts[0]} text elements, "
          f"{counts[1]} targets measured")
    return visited, report


@pytest.fixture
def site(transactional_db, live_server, world):
    return live_server.url


def _failures(report) -> str:
    return "\n".join(f"{url}\n  " + "\n  ".join(problems[:12]) + (f"\n  … {len(problems) - 12} more" if len(problems) > 12 else "")
                     for url, problems in report.items())


@pytest.mark.browser
@pytest.mark.parametrize("username", ["wangayi", "lixiansheng"])
def test_elderly_mode_meets_the_ageing_friendly_numbers_on_every_page_a_resident_reaches(site, browser, username):
    visited, report = check_pages(browser, site, username, ELDERLY, elderly=True)
    assert len(visited) >= 8  # home, the five tabs, and the detail pages behind them
    assert not report, _failures(report)


@pytest.mark.browser
def test_standard_mode_targets_are_44_px_and_text_readable(site, browser):
    visited, report = check_pages(browser, site, "wangayi", STANDARD, elderly=False)
    assert len(visited) >= 8
    assert not report, _failures(report)


@pytest.mark.browser
@pytest.mark.parametrize("elderly", [True, False])
def test_a_visitors_public_pages_meet_the_same_numbers(site, browser, elderly):
    visited, report = check_pages(browser, site, None, ELDERLY if elderly else STANDARD, elderly=elderly, starts=["/login/"])
    assert len(visited) >= 3  # the login, the public notice boards, the transparency log
    assert not report, _failures(report)


@pytest.mark.browser
def test_the_switch_is_big_obvious_and_remembered_across_logging_out_and_in(site, browser):
    from tests.portal.test_browser import log_in

    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    log_in(page, site, "wangayi")
    switch = page.get_by_test_id("large-font")
    expect(switch).to_have_text("长辈版")
    box = switch.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44 and box["y"] + box["height"] <= HEADER_MAX  # at the top
    switch.click()
    expect(page.locator("body")).to_contain_class("large")
    expect(page.get_by_test_id("large-font")).to_have_text("标准版")
    assert page.get_by_test_id("large-font").bounding_box()["height"] >= 60
    cookie = next(c for c in context.cookies() if c["name"] == LARGE_FONT_COOKIE)
    assert cookie["value"] == "1" and cookie["expires"] - time.time() > 360 * 24 * 3600  # a year
    page.goto(f"{site}/votes/")
    expect(page.locator("body")).to_contain_class("large")
    page.locator("details.menu > summary").click()  # 我的 → 退出
    page.locator("details.menu form[action='/logout/'] button").click()
    log_in(page, site, "wangayi")
    expect(page.locator("body")).to_contain_class("large")  # the same phone keeps 长辈版
    page.get_by_test_id("large-font").click()
    expect(page.locator("body")).not_to_contain_class("large")
    expect(page.get_by_test_id("large-font")).to_have_text("长辈版")
    context.close()


HEADER = """() => {
  const header = document.querySelector('header.top'), bar = header.querySelector('.bar');
  return {header: header.getBoundingClientRect().height, bar: bar.getBoundingClientRect().height,
          links: header.querySelectorAll('a[href]').length,
          shown: [...header.querySelectorAll('a[href]')].filter(a => a.checkVisibility()).length,
          wide: document.scrollingElement.scrollWidth};
}"""


@pytest.mark.browser
def test_every_personas_header_is_one_row_and_a_residents_has_at_most_five_links(site, browser):
    from django.contrib.auth import get_user_model

    from gongzhi.core.roles import STAFF_ROLES
    from gongzhi.core.scoping import scope_for

    seen = {"staff": 0, "residents": 0}
    for username in demo.PERSONA_USERNAMES:
        scope = scope_for(get_user_model().objects.get(username=username))
        staff = scope.is_root or scope.has_any(STAFF_ROLES)
        seen["staff" if staff else "residents"] += 1
        for elderly in (False, True):
            context = logged_in_context(browser, site, username, width=WIDTH, height=HEIGHT, elderly=elderly)
            page = context.new_page()
            page.goto(f"{site}/")
            found = page.evaluate(HEADER)
            where = f"{username} {'长辈版' if elderly else '标准版'}: {found}"
            assert found["bar"] <= HEADER_MAX, where
            assert found["wide"] <= WIDTH, where
            if staff:  # everything in the menu, folded: the header is the one row
                assert found["header"] <= HEADER_MAX and found["shown"] == 0, where
            else:  # the tabs, and nothing else to follow
                assert found["links"] <= RESIDENT_MENU_SIZE and found["shown"] == found["links"] >= 4, where
            context.close()
    assert seen["staff"] and seen["residents"]


@pytest.mark.browser
def test_the_staff_menu_opens_without_any_script(site, browser, persona):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(persona("yanshuji"))
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, java_script_enabled=False)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": site}])
    page = context.new_page()
    page.goto(f"{site}/")
    inbox = page.get_by_test_id("portal:inbox")
    expect(inbox).to_be_hidden()
    page.locator("details.menu > summary").click()
    expect(inbox).to_be_visible()
    box = inbox.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    inbox.click()
    expect(page).to_have_url(f"{site}/inbox/")
    context.close()


def test_a_residents_menu_has_the_five_things_they_come_for_and_staff_keep_theirs(rf, persona):
    from django.contrib.auth.models import AnonymousUser

    from gongzhi.portal.context_processors import display

    def menu(user):
        request = rf.get("/")
        request.user = user
        return display(request)

    wang = menu(persona("wangayi"))
    assert wang["simple_menu"] and [t.url for t in wang["tabs"]] == ["/", "/requests/", "/notices/", "/votes/", "/inbox/"]
    assert len(wang["nav"]) > RESIDENT_MENU_SIZE  # the other links are not in her header
    secretary = menu(persona("yanshuji"))
    assert not secretary["simple_menu"] and secretary["tabs"] == [] and len(secretary["nav"]) > RESIDENT_MENU_SIZE
    visitor = menu(AnonymousUser())
    assert visitor["simple_menu"] and 0 < len(visitor["tabs"]) <= RESIDENT_MENU_SIZE


@pytest.mark.parametrize(("mode", "cookie"), [("elderly", "1"), ("standard", "0")])
def test_the_switch_sets_the_mode_asked_for_whatever_the_cookie_said(login, mode, cookie):
    client = login("wangayi")
    for before in ("0", "1"):
        client.cookies[LARGE_FONT_COOKIE] = before
        response = client.post("/display/large-font/", {"next": "/votes/", "mode": mode})
        assert response.status_code == 302 and response["Location"] == "/votes/"
        assert response.cookies[LARGE_FONT_COOKIE].value == cookie
        assert response.cookies[LARGE_FONT_COOKIE]["max-age"] == 365 * 24 * 3600
    page = client.get("/").content.decode()
    assert ('data-testid="large-font">标准版' in page) == (mode == "elderly")
