"""axe-core (vendored in gongzhi/static/vendor/axe-core, never fetched from the internet) on every main
page of every demo persona, at a phone's width: no violation of impact serious or critical.

One browser, one context per persona, each page once: for every persona its home and every link of
its header (the resident's tabs or the staff menu); then the pages its home links to, each kind of page
once over all personas (a kind: the path without its numbers). axe is loaded from the live server's
copy of the vendored file (same origin, so the browser's code cache parses it once, not per page)."""

import os
import time
from pathlib import Path

import pytest

from gongzhi import demo
from tests.portal.crawl import kind, links, logged_in_context, open_page

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM

AXE = Path(__file__).resolve().parents[2] / "gongzhi" / "static" / "vendor" / "axe-core" / "axe.min.js"
AXE_URL = "/static/vendor/axe-core/axe.min.js"
SERIOUS = ("serious", "critical")
RUN_AXE = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary)}));
}
"""


def axe_violations(page, site) -> list[dict]:
    page.add_script_tag(url=site + AXE_URL)
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in SERIOUS]


def check(page, site, seen_before: set) -> tuple[int, dict]:
    """This persona's home and header pages, then its home's links of a kind not checked before."""
    page.goto(site + "/")
    main = [site + "/"] + links(page, site, "header a[href]")
    further = links(page, site, "main a[href]")
    mine, checked, report = set(), 0, {}
    for url in main + further:
        if kind(url) in mine or (url not in main and kind(url) in seen_before):
            continue
        mine.add(kind(url))
        if not open_page(page, url):
            continue
        checked += 1
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # what folds, too
        found = axe_violations(page, site)
        if found:
            report[url.removeprefix(site)] = found
    seen_before |= mine
    return checked, report


@pytest.fixture
def site(transactional_db, live_server, world):
    return live_server.url


def test_axe_finds_nothing_serious_on_any_main_page_of_any_persona(site, browser):
    assert AXE.exists()
    probe = browser.new_context(bypass_csp=True).new_page()  # the check itself can fail: a nameless button
    probe.goto(site + "/login/")
    probe.evaluate("document.querySelector('main').append(document.createElement('button'))")
    assert "button-name" in {v["id"] for v in axe_violations(probe, site)}
    probe.context.close()
    started, checked, report, seen = time.monotonic(), 0, {}, set()
    for username in demo.PERSONA_USERNAMES:
        context = logged_in_context(browser, site, username)
        count, found = check(context.new_page(), site, seen)
        context.close()
        checked += count
        report.update({f"{username} {url}": v for url, v in found.items()})
    visitor = browser.new_context(viewport={"width": 375, "height": 812}, bypass_csp=True)
    count, found = check(visitor.new_page(), site, seen)  # the public pages, logged out
    visitor.close()
    checked += count
    report.update({f"(visitor) {url}": v for url, v in found.items()})
    print(f"axe-core: {checked} pages checked for {len(demo.PERSONA_USERNAMES)} personas and a visitor "
          f"in {time.monotonic() - started:.0f} s")
    assert checked > 3 * len(demo.PERSONA_USERNAMES)
    assert not report, "\n".join(f"{where}: {v['impact']} {v['id']} ({v['help']}) {v['nodes']}"
                                 for where, found in report.items() for v in found)
