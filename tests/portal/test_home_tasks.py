"""Home = my tasks: each persona's home page leads to their first tasks, with where things stand in words
(a resident's request), ages and deadlines (a handler's queue), one tap to act (an order offered), the
matters waiting for this user's step and this month's meetings. Each card comes from its app's home.py
and reads through the scope."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model

from gongzhi.core import clock as source_clock
from gongzhi.meetings.models import Matter, Meeting
from gongzhi.people.demo import PERSONA_USERNAMES
from gongzhi.requests import services
from gongzhi.requests.choices import Category, Level
from gongzhi.requests.models import Order, Request
from gongzhi.requests.rules import may_handle
from gongzhi.requests.selectors import awaiting_me, requests_listed
from tests.helpers import YIWU, estate

User = get_user_model()


def card(page: str, testid: str) -> str:
    """The HTML of one card, or "" when the page has none."""
    found = re.search(rf'<section class="card[^"]*" data-testid="{testid}">(.*?)</section>', page, re.S)
    return found.group(1) if found else ""


def test_a_residents_open_request_says_who_has_it_and_by_when_in_words(login, persona, clock):
    clock.set("2026-12-01 09:00")
    wang = persona("wangayi")
    filed = services.request_submit(wang, services.Intake(estate_id=estate(YIWU).pk, category=Category.LIGHTING,
                                                          description="5号楼2单元楼梯灯不亮\n晚上看不见台阶"))
    mine = card(login("wangayi").get("/").content.decode(), "my-requests")
    assert f"{filed.number} 5号楼2单元楼梯灯不亮" in mine  # the first line of what she wrote names it
    respond_by = source_clock.local(filed.respond_by)
    assert f"（{respond_by.month}月{respond_by.day}日 前）" in mine
    assert f'href="/requests/{filed.pk}/"' in mine


@pytest.mark.parametrize(("status", "moment", "expected"), [
    ("in_progress", "before", "已受理，预计 {day} 前办结"),
    ("in_progress", "after", "办理中，已超过办结时限 {day}"),
    ("resolved", "after", "已办结，请您确认是否解决"),
    ("closed", "after", "已关闭"),
])
def test_the_progress_in_words_turns_at_the_resolution_deadline(world, clock, status, moment, expected):
    req = Request.objects.filter(requester__username="wangayi").first()
    req.status = status
    clock.set(req.resolve_by + datetime.timedelta(seconds=-1 if moment == "before" else 1))
    due = source_clock.local(req.resolve_by)
    assert expected.format(day=f"{due.month}月{due.day}日") in req.progress


def test_a_handlers_queue_shows_each_requests_age_and_the_escalated_count(login, clock):
    officer = login("wuganbu").get("/").content.decode()
    queue = card(officer, "requests-awaiting")
    assert re.search(r"已 \d+ (天|小时|分钟)", queue)
    # the escalated ones among those he may act on (a device's emergency goes to the estate's company and
    # grid worker, not to him, though it is in his subdistrict)
    mine = awaiting_me(User.objects.get(username="wuganbu"), limit=10_000)
    escalated = sum(1 for r in mine if r.level > 1)
    assert escalated >= 1 and all(r.subdistrict.name == "光华路街道" for r in mine)
    assert f"其中上报 {escalated} 件" in queue
    assert card(login("wangayi").get("/").content.decode(), "requests-awaiting") == ""


@pytest.mark.parametrize("username", PERSONA_USERNAMES)
def test_the_queue_holds_every_open_request_the_user_may_handle(world, username):
    """The queue reads only the requests whose level and handler the user's roles could handle
    (rules.handled_by, issue 24): it still holds every open request of the list that may_handle passes,
    in the list's order, for every persona."""
    user = User.objects.get(username=username)
    listed = requests_listed(fetched_by=user, status="open", sort="deadline")
    every = [r.pk for r in listed[:10_000] if may_handle(user, r)]
    assert [r.pk for r in awaiting_me(user, limit=10_000)] == every
    for limit in (1, 2, 3):  # the card reads twice its length first, then the rest of the 200
        assert [r.pk for r in awaiting_me(user, limit=limit)] == every[:limit]


def test_a_department_officers_queue_holds_the_request_his_department_was_summoned_to(world, persona):
    from gongzhi.bodies.models import Organisation

    req = services.request_submit(persona("wangayi"), services.Intake(
        estate_id=estate(YIWU).pk, category=Category.LIGHTING, description="楼道灯不亮"))
    for who in ("zhangjingli", "shequ"):
        req = services.request_call_up(persona(who), request_id=req.pk, reason="上报")
    services.request_summon(persona("wuganbu"), request_id=req.pk,
                            department_ids=[Organisation.objects.get(name="区住建局").pk])
    req = services.request_call_up(persona("wuganbu"), request_id=req.pk, reason="上报")
    liu = persona("liukezhang")
    assert req.level == Level.DEPARTMENT and may_handle(liu, req)
    assert req.pk in [r.pk for r in awaiting_me(liu, limit=10_000)]


@pytest.mark.parametrize(("seconds", "said"), [
    (59, "0 分钟"), (60, "1 分钟"), (3599, "59 分钟"), (3600, "1 小时"), (86399, "23 小时"), (86400, "1 天"),
    (3 * 86400 + 5, "3 天"),
])
def test_an_age_is_said_in_its_largest_whole_unit(clock, seconds, said):
    assert source_clock.age(clock.now - datetime.timedelta(seconds=seconds)) == said


def test_a_building_head_accepts_an_order_from_his_home_page(login, persona):
    chen = login("chen")
    offered = card(chen.get("/").content.decode(), "orders-offered")
    order_id = int(re.search(r'data-testid="accept-(\d+)"', offered).group(1))
    action = re.search(r'<form method="post" action="([^"]+)"', offered).group(1)
    assert chen.post(action, {"action": "accept"}).status_code == 302
    order = Order.objects.get(pk=order_id)
    assert order.status == "accepted" and order.accepted_by == persona("chen")
    assert f"accept-{order_id}" not in chen.get("/").content.decode()  # taken: no longer offered


def test_micro_wishes_nearby_are_for_helpers_of_the_estate_only(login):
    assert "附近的微心愿" in login("chen").get("/").content.decode()
    for username in ("wangayi", "zhangjingli", "yanshuji"):
        assert card(login(username).get("/").content.decode(), "wishes-nearby") == ""


def test_the_chair_sees_the_matters_waiting_for_her_step_and_others_do_not(login):
    waiting = card(login("zhaozhuren").get("/").content.decode(), "matters-awaiting")
    ids = [int(i) for i in re.findall(r'href="/matters/(\d+)/"', waiting)]
    assert ids and all(Matter.objects.get(pk=i).status == "in_progress" for i in ids)
    assert "下一步" in waiting
    assert card(login("wangayi").get("/").content.decode(), "matters-awaiting") == ""


def test_the_secretary_opens_this_months_meeting_from_her_home_page(login, clock):
    secretary = login("yanshuji")
    month = card(secretary.get("/").content.decode(), "meetings-this-month")
    meeting_id = int(re.search(r'href="/meetings/(\d+)/"', month).group(1))
    meeting = Meeting.objects.get(pk=meeting_id)
    assert source_clock.local(meeting.scheduled_at).month in {clock.today.month, (clock.today.month % 12) + 1}
    assert secretary.get(f"/meetings/{meeting_id}/").status_code == 200
    # a resident convenes nothing: no meetings card
    assert card(login("wangayi").get("/").content.decode(), "meetings-this-month") == ""


def test_an_owner_sees_what_he_owes_over_both_flats(login, persona):
    from gongzhi.core.money import yuan
    from gongzhi.finance.selectors import my_fees

    flats, due = my_fees(persona("lixiansheng"))
    page = login("lixiansheng").get("/").content.decode()
    if due > 0:
        assert f"{yuan(due)} 元" in card(page, "fees-due") and "/finance/my-fees/" in card(page, "fees-due")
    else:
        assert card(page, "fees-due") == ""
    assert len(flats) == 2
    assert card(login("yanshuji").get("/").content.decode(), "fees-due") == ""  # she owns nothing here


def test_the_chair_sees_the_open_votes_turnout_in_counts(login, persona):
    from gongzhi.votes.models import Ballot, RollEntry
    from gongzhi.votes.selectors import open_turnouts

    turnouts = open_turnouts(persona("zhaozhuren"))
    assert turnouts, "the demo has an open vote in her estate"
    t = turnouts[0]
    assert t.owners_total == RollEntry.objects.filter(vote=t.vote).values("owner_key").distinct().count()
    assert t.owners_voted == Ballot.objects.filter(vote=t.vote).values("owner_key").distinct().count()
    shown = card(login("zhaozhuren").get("/").content.decode(), "open-turnout")
    assert f"{t.owners_voted} / {t.owners_total}" in shown and t.vote.title in shown
    assert card(login("wangayi").get("/").content.decode(), "open-turnout") == ""


def test_the_secretary_sees_the_seals_out_and_which_are_late(login, persona, clock):
    from gongzhi.finance.choices import SealUseStatus
    from gongzhi.finance.models import SealUse

    assert card(login("yanshuji").get("/").content.decode(), "seals-out") == "" or SealUse.objects.filter(
        status=SealUseStatus.OUT).exists()
    from gongzhi.core.scoping import scope_for
    from gongzhi.finance.models import Seal
    from gongzhi.finance.services.seals import seal_use_request

    seal = Seal.objects.filter(estate__in=scope_for(persona("yanshuji")).estates()).order_by("pk").first()
    use = seal_use_request(persona("zhaozhuren"), seal_id=seal.pk, document="物业服务合同（续签）", purpose="续签")[0]
    SealUse.objects.filter(pk=use.pk).update(status=SealUseStatus.OUT, released_at=source_clock.now() - datetime.timedelta(
        hours=30))
    shown = card(login("yanshuji").get("/").content.decode(), "seals-out")
    assert use.document in shown and "已超时" in shown
    SealUse.objects.filter(pk=use.pk).update(released_at=source_clock.now() - datetime.timedelta(hours=2))
    assert "已超时" not in card(login("yanshuji").get("/").content.decode(), "seals-out")
    assert card(login("wangayi").get("/").content.decode(), "seals-out") == ""


def test_a_resident_sees_her_estates_new_notices(login, persona):
    from gongzhi.notices.models import Notice
    from gongzhi.notices.selectors import notices_visible

    recent = notices_visible(persona("lixiansheng")).filter(
        estate__isnull=False, published_at__gte=source_clock.now() - datetime.timedelta(days=14))
    shown = card(login("lixiansheng").get("/").content.decode(), "new-notices")
    assert all(n.title in shown for n in recent.order_by("-published_at", "-pk")[:5])
    assert (shown != "") == recent.exists()
    assert Notice.objects.exists()
