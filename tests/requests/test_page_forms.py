"""Each persona × page: the request page (new, accepted, resolved, at the subdistrict with a summons,
reported) and the order page (ordered, dispatched, accepted, done) show exactly the forms the rules
allow that persona — every shown form posts without a 403, and a form the rules deny is not shown."""

from html.parser import HTMLParser

import pytest
from django.db import transaction

from gongzhi.bodies.models import Organisation
from gongzhi.requests import rules, services
from gongzhi.requests.choices import Category, Level
from gongzhi.requests.models import Order, Request
from tests.helpers import YIWU, estate

PERSONAS = ["wangayi", "zuhu", "dangyuan", "chen", "zhaozhuren", "wanggeyuan", "zhangjingli", "wangjingli", "shequ",
            "yanshuji", "sunjiancha", "lijing", "wuganbu", "liukezhang", "zhengbaobao", "zhoushenji", "guanliyuan"]


class _PostForms(HTMLParser):
    """The hidden fields of every <form method="post"> that names an action."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._current = {}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attrs.get("type") == "hidden" \
                and attrs.get("name") != "csrfmiddlewaretoken":
            self._current[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def shown_forms(html: str) -> list[dict]:
    parser = _PostForms()
    parser.feed(html)
    return [form for form in parser.forms if "action" in form]


class _Undo(Exception):
    def __init__(self, status):
        super().__init__(status)
        self.status = status


def post_and_undo(client, url, data) -> int:
    """The status a post answers, with whatever it changed rolled back."""
    try:
        with transaction.atomic():
            raise _Undo(client.post(url, data).status_code)
    except _Undo as undo:
        return undo.status


# --- the request page ----------------------------------------------------------------------------------
def _housing():
    return Organisation.objects.get(name="区住建局")


def _request_in(state: str, persona) -> Request:
    yiwu = estate(YIWU)
    req = services.request_submit(persona("wangayi"), services.Intake(
        estate_id=yiwu.pk, building_id=yiwu.buildings.get(code="5").pk, category=Category.LIGHTING,
        description="楼道灯不亮"))
    if state == "accepted":
        services.request_respond(persona("zhangjingli"), request_id=req.pk)
    elif state == "resolved":
        services.request_resolve(persona("zhangjingli"), request_id=req.pk, note="已修好")
    elif state in ("summoned", "reported"):
        for who in ("zhangjingli", "shequ"):
            services.request_call_up(persona(who), request_id=req.pk, reason="上报")
        [summons] = services.request_summon(persona("wuganbu"), request_id=req.pk, department_ids=[_housing().pk])
        if state == "reported":
            services.summons_report(persona("liukezhang"), summons_id=summons.pk)
    return Request.objects.get(pk=req.pk)


def _request_fill(action: str) -> dict:
    return {"note": "已处理", "reason": "需要上一级协调", "satisfaction": "5", "comment": "",
            "departments": [_housing().pk]} if action else {}


def _allowed_on_request(user, req) -> set[str]:
    allowed = rules.request_actions(user, req)
    for summons in req.summonses.all():
        allowed |= rules.summons_actions(user, summons)
    return allowed


@pytest.mark.parametrize("state", ["new", "accepted", "resolved", "summoned", "reported"])
@pytest.mark.parametrize("username", PERSONAS)
def test_the_request_page_shows_only_forms_the_rules_allow(username, state, persona, login, clock):
    req = _request_in(state, persona)
    if state in ("summoned", "reported"):
        assert req.level == Level.SUBDISTRICT
    client = login(username)
    url = f"/requests/{req.pk}/"
    page = client.get(url)
    if page.status_code == 404:  # out of sight: no page, no forms
        return
    assert page.status_code == 200
    forms = shown_forms(page.content.decode())
    shown = {form["action"] for form in forms}
    assert shown == _allowed_on_request(persona(username), req), (username, state)
    for form in forms:
        status = post_and_undo(client, url, {**_request_fill(form["action"]), **form})
        assert status != 403, (username, state, form)
        assert status != 404, (username, state, form)


# --- the order page ------------------------------------------------------------------------------------
def _order_in(state: str, persona) -> Order:
    order = services.order_place(persona("wangayi"), estate_id=estate(YIWU).pk, kind="micro_wish", title="帮忙换灯泡")
    if state in ("dispatched", "accepted", "done"):
        services.order_dispatch(persona("wanggeyuan"), order_id=order.pk,
                                helper_ids=[persona("dangyuan").pk, persona("zuhu").pk])
    if state in ("accepted", "done"):
        services.order_accept(persona("dangyuan"), order_id=order.pk)
    if state == "done":
        services.order_complete(persona("dangyuan"), order_id=order.pk, note="已换好")
    return Order.objects.get(pk=order.pk)


def _order_fill(persona) -> dict:
    return {"helpers": [persona("dangyuan").pk], "note": "已完成", "satisfaction": "5"}


@pytest.mark.parametrize("state", ["ordered", "dispatched", "accepted", "done"])
@pytest.mark.parametrize("username", PERSONAS)
def test_the_order_page_shows_only_forms_the_rules_allow(username, state, persona, login, clock):
    order = _order_in(state, persona)
    client = login(username)
    url = f"/orders/{order.pk}/"
    page = client.get(url)
    if page.status_code == 404:
        return
    assert page.status_code == 200
    forms = shown_forms(page.content.decode())
    shown = {form["action"] for form in forms}
    assert shown == rules.order_actions(persona(username), order), (username, state)
    for form in forms:
        status = post_and_undo(client, url, {**_order_fill(persona), **form})
        assert status not in (403, 404), (username, state, form)


# --- the rules and the services agree ----------------------------------------------------------------------
REQUEST_POSTS = {"respond", "resolve", "call_up", "summon", "confirm", "reopen"}


@pytest.mark.parametrize("state", ["new", "accepted", "resolved"])
@pytest.mark.parametrize("username", ["wangayi", "zhangjingli", "shequ", "wuganbu", "sunjiancha", "guanliyuan"])
def test_a_form_the_rules_deny_answers_403_when_posted_anyway(username, state, persona, login, clock):
    """The other side of the rule: what the page does not offer for lack of a role is refused."""
    req = _request_in(state, persona)
    client = login(username)
    url = f"/requests/{req.pk}/"
    if client.get(url).status_code == 404:
        return
    user = persona(username)
    allowed = rules.request_actions(user, req)
    denied = {"respond", "resolve"} if not rules.may_handle(user, req) else set()
    denied |= {"confirm", "reopen"} if not rules.may_confirm(user, req) else set()
    denied |= {"summon"} if not rules.may_summon(user, req) else set()
    denied |= {"call_up"} if not rules.may_escalate(user, req) else set()
    assert not denied & allowed
    for action in sorted(denied & REQUEST_POSTS):
        status = post_and_undo(client, url, {**_request_fill(action), "action": action})
        assert status == 403, (username, state, action, status)


# --- and the forms are there for who should have them (the tables above are not empty) ---------------
@pytest.mark.parametrize("username,state,expected", [
    ("wangayi", "new", set()),
    ("wangayi", "resolved", {"confirm", "reopen"}),
    ("zhangjingli", "new", {"respond", "resolve", "call_up"}),
    ("zhangjingli", "accepted", {"resolve", "call_up"}),
    ("zhangjingli", "resolved", set()),
    ("shequ", "new", {"call_up"}),
    ("wuganbu", "summoned", {"respond", "resolve", "call_up", "summon"}),
    ("liukezhang", "summoned", {"report"}),
    ("liukezhang", "reported", {"act"}),
    ("guanliyuan", "new", {"respond", "resolve", "call_up"}),
])
def test_the_request_page_offers_each_persona_its_own_steps(username, state, expected, persona, login, clock):
    req = _request_in(state, persona)
    page = login(username).get(f"/requests/{req.pk}/")
    assert {form["action"] for form in shown_forms(page.content.decode())} == expected


@pytest.mark.parametrize("username,state,expected", [
    ("wanggeyuan", "ordered", {"dispatch"}),
    ("wanggeyuan", "dispatched", set()),
    ("dangyuan", "dispatched", {"accept"}),
    ("zuhu", "dispatched", {"accept"}),
    ("dangyuan", "accepted", {"complete"}),
    ("wangayi", "ordered", set()),
    ("wangayi", "done", {"rate"}),
])
def test_the_order_page_offers_each_persona_its_own_steps(username, state, expected, persona, login, clock):
    order = _order_in(state, persona)
    page = login(username).get(f"/orders/{order.pk}/")
    assert {form["action"] for form in shown_forms(page.content.decode())} == expected
