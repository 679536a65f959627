"""Shared by the display and accessibility tests: log a persona into a browser context without the
login form, and walk the pages they can reach (each kind of page once)."""

import re
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

# Never followed: the API, files, downloads and the pages that only post.
SKIP = re.compile(r"^/(api|static|media|admin|i18n|logout|display)/|\.(csv|pdf|xlsx|png|jpg|svg|json|zip|txt|pem|asc|sig)$|/export|/download")


def open_page(page, url: str) -> bool:
    """Go to `url`; True when it is an HTML page that answered 200 (False for a download, an error or a
    file that is not a page)."""
    try:
        response = page.goto(url)
    except PlaywrightError:  # a download, not a page
        return False
    return response is not None and response.status == 200 and "text/html" in response.headers.get("content-type", "")


def logged_in_context(browser, site, username, *, width=375, height=812, elderly=False):
    """A browser context with the persona's session (and the 长辈版 cookie if asked)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    host = urlsplit(site).hostname
    # bypass_csp: the accessibility test injects axe-core, which the site's own policy would refuse
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host, "path": "/"}]
    if elderly:
        cookies.append({"name": "gz_large", "value": "1", "domain": host, "path": "/"})
    context.add_cookies(cookies)
    return context


def kind(url: str) -> str:
    """A page's kind: its path with the numbers taken out, and the names of its query parameters."""
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(sorted({k for k, _ in parse_qsl(parts.query)}))


def links(page, site, selector="header a[href], main a[href]") -> list[str]:
    found = page.eval_on_selector_all(selector, "els => els.map(a => a.href)")
    return [url.split("#")[0] for url in found if url.startswith(site) and not SKIP.search(urlsplit(url).path)]


def walk(page, site, starts, *, depth=2, limit=80, visit=None):
    """Breadth first from `starts`, following the header's and main's links `depth` deep, each kind of
    page once; calls visit(page, url) on every HTML page that answered 200. Returns the urls visited."""
    seen_kinds, visited = set(), []
    frontier = [site + path for path in starts]
    for level in range(depth + 1):
        following = []
        for url in frontier:
            if kind(url) in seen_kinds or len(visited) >= limit:
                continue
            seen_kinds.add(kind(url))
            if not open_page(page, url):
                continue
            visited.append(url)
            if visit is not None:
                visit(page, url)
            if level < depth:
                following += links(page, site)
        frontier = following
    return visited
