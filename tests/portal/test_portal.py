"""The portal: a home page built from each app's cards, the header each app contributes, and what
every page owes its readers (a skip link, messages read out, a label for every input, pagination
that keeps the filters)."""

import re
import types
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import pytest

from gongzhi.core.cards import TASKS, Card
from gongzhi.core.models import AuditEntry
from gongzhi.core.registry import audit_actions
from gongzhi.portal import cards
from tests.helpers import crawl


def test_a_new_app_adds_a_card_without_editing_core_or_the_portal(login, monkeypatch):
    resident = login("wangayi")
    assert "等待我签署的审批单" not in resident.get("/").content.decode()
    newcomer = types.SimpleNamespace(
        cards=lambda request, scope: [Card("core/cards/awaiting.html", {"approvals": []}, order=TASKS - 5)])
    installed = cards._home_modules()
    monkeypatch.setattr(cards, "_home_modules", lambda: [*installed, newcomer])
    page = resident.get("/").content.decode()
    assert "等待我签署的审批单" in page
    assert page.index("等待我签署的审批单") < page.index("我的房屋"), "cards come in their order: tasks first"


def _nav(page: str) -> list[str]:
    nav = re.search(r'<nav[^>]* aria-label="[^"]+">(.*?)</nav>', page, re.S).group(1)  # the header's, first
    labels = [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)]
    return [re.sub(r"\s+\d+$", "", label) for label in labels]  # the unread count beside 消息


@pytest.mark.parametrize(("username", "expected"), [
    ("wangayi", ["首页", "诉求", "公示", "表决", "消息"]),  # a resident's five (portal.context_processors.RESIDENT_MENU)
    ("sunjiancha", ["首页", "诉求", "数据看板", "审批", "公示", "表决", "议事", "监督", "社区生活", "评议与整改",
                    "消息"]),
    (None, ["公示栏", "透明日志", "登录"]),
])
def test_the_header_is_what_the_apps_contribute_for_this_user(client, login, username, expected):
    reader = login(username) if username else client
    path = "/" if username else "/board/"
    assert _nav(reader.get(path).content.decode()) == expected


@pytest.mark.parametrize("path", ["/", "/requests/", "/notices/", "/votes/", "/approvals/"])
def test_every_page_has_a_skip_link_and_reads_out_its_messages(login, path):
    page = login("yanshuji").get(path).content.decode()
    assert '<a class="skip" href="#main">' in page and '<main id="main"' in page
    assert 'aria-live="polite"' in page


def test_the_audit_trails_next_page_keeps_the_filters(login):
    counts = Counter(AuditEntry.objects.values_list("action", flat=True))
    action, count = counts.most_common(1)[0]
    assert count > 50, "the demo records more than one page (50) of its commonest action"
    page = login("guanliyuan").get(f"/audit/?action={action}").content.decode()
    link = re.search(r'<a rel="next" href="\?([^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(link) == {"action": [action], "page": ["2"]}
    second = login("guanliyuan").get(f"/audit/?{link}").content.decode()
    assert "第 2 /" in second and set(re.findall(r'data-action="([^"]+)"', second)) == {action}


def test_every_audit_action_the_demo_recorded_has_a_name(world):
    named = audit_actions()
    recorded = set(AuditEntry.objects.values_list("action", flat=True).distinct())
    assert recorded and recorded <= set(named), sorted(recorded - set(named))


def test_the_audit_trail_names_each_action_in_chinese(login):
    page = login("guanliyuan").get("/audit/?action=approval.create").content.decode()
    assert "发起审批单" in page


# --- every input has a label ----------------------------------------------------------------------
class _Inputs(HTMLParser):
    """Inputs a person fills in, and the labels on the page."""

    SILENT = {"hidden", "submit", "button", "image", "reset"}

    def __init__(self):
        super().__init__()
        self.inputs, self.label_for, self.in_label = [], set(), 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type", "text") not in self.SILENT:
            self.inputs.append((tag, a, self.in_label > 0))

    def handle_endtag(self, tag):
        if tag == "label" and self.in_label:
            self.in_label -= 1

    def unlabelled(self) -> list[str]:
        return [f'<{tag} name="{a.get("name")}">' for tag, a, wrapped in self.inputs
                if not (wrapped or a.get("aria-label") or a.get("aria-labelledby") or a.get("id") in self.label_for)]


@pytest.mark.parametrize("username", ["wangayi", "zhaozhuren", "yanshuji", "zhangjingli", "sunjiancha", "guanliyuan"])
def test_every_input_on_every_page_a_persona_reaches_has_a_label(login, username):
    failures, pages = [], 0
    for kind, html in crawl(login(username)):
        pages += 1
        parser = _Inputs()
        parser.feed(html)
        failures += [f"{kind}: {item}" for item in parser.unlabelled()]
    assert pages > 10
    assert failures == [], "\n".join(failures)


def test_a_visitors_login_link_brings_them_back_to_the_page_with_its_query(client, world):
    page = client.get("/board/?q=lift&page=2").content.decode()
    link = re.search(r'<a href="(/login/\?next=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(link).query) == {"next": ["/board/?q=lift&page=2"]}
