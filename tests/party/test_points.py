"""双积分: an order completed earns its helper points once (a retried completion awards once, held by the
database), priced by the community's rule and capped per month; the community awards and deducts by hand
with a reason and never below zero; the member sees their points and sources, the community ranks its
members; the dashboard counts them. With the permission grids for every page and endpoint."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from gongzhi.core import registry
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.models import AuditEntry
from gongzhi.party import selectors, services
from gongzhi.party.choices import PointsKind
from gongzhi.party.models import PointsEntry
from gongzhi.people.models import PartyMember, Person
from gongzhi.places.models import Community
from gongzhi.requests.services import orders
from tests.helpers import PACIFIC, YIWU, estate, race


def zh(template: str, **kw) -> str:
    return template.split(" / ")[0].format(**kw)


def mingfu() -> Community:
    return Community.objects.get(name="明福社区")


def member(persona, username) -> PartyMember:
    return PartyMember.objects.get(person__user=persona(username))


def person_id(persona, username) -> int:
    return Person.objects.get(user=persona(username)).pk


def done_order(persona, *, helper="chen", kind="service", title="帮忙搬运旧家具"):
    """An order placed, dispatched to `helper`, accepted and completed through the requests services."""
    if helper == "chen":
        where, requester, dispatcher = PACIFIC, "lixiansheng", "zhaozhuren"
    else:
        where, requester, dispatcher = YIWU, "wangayi", "wanggeyuan"
    order = orders.order_place(persona(requester), estate_id=estate(where).pk, kind=kind, title=title)
    orders.order_dispatch(persona(dispatcher), order_id=order.pk, helper_ids=[persona(helper).pk])
    orders.order_accept(persona(helper), order_id=order.pk)
    return orders.order_complete(persona(helper), order_id=order.pk, note="已办好")


def entries_for(order):
    return PointsEntry.objects.filter(source_type="requests.order", source_id=order.pk)


# --- awarded by the completion, once ------------------------------------------------------------------------
def test_a_completed_order_earns_its_helper_the_rules_points_named_by_the_order(persona, clock):
    chen = member(persona, "chen")
    before = selectors.balance(chen)
    order = done_order(persona, title="帮王奶奶取药")
    entry = entries_for(order).get()
    assert (entry.member, entry.kind, entry.points) == (chen, PointsKind.ORDER, 5)  # 明福's rule in the demo
    assert entry.source_label == "服务：帮王奶奶取药" and entry.on == clock.today
    assert "5 分/次" in entry.rule and entry.community == mingfu()
    assert selectors.balance(chen) == before + 5
    assert AuditEntry.objects.filter(action="points.award", subject_id=str(entry.pk)).exists()


def test_a_micro_wish_earns_the_micro_wish_rule(persona, clock):
    order = done_order(persona, kind="micro_wish", title="给孩子买课外书")
    assert entries_for(order).get().kind == PointsKind.MICRO_WISH and entries_for(order).get().points == 8


def test_a_retried_completion_awards_once(persona, clock):
    chen = member(persona, "chen")
    order = done_order(persona)
    balance = selectors.balance(chen)
    again = services.points_for_order(order, actor=persona("chen"))  # the completion hook run a second time
    registry.completed("order", order, actor=persona("chen"))
    assert again == entries_for(order).get() and selectors.balance(chen) == balance
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        PointsEntry.objects.create(member=chen, community=mingfu(), kind=PointsKind.ORDER, points=5,
                                   source_type="requests.order", source_id=order.pk, source_label="x")


def test_a_helper_who_is_no_party_member_earns_nothing(persona, clock):
    wang = persona("wangayi")
    order = orders.order_place(wang, estate_id=estate(YIWU).pk, kind="service", title="陪同买菜")
    orders.order_dispatch(persona("wanggeyuan"), order_id=order.pk, helper_ids=[persona("zuhu").pk])
    orders.order_accept(persona("zuhu"), order_id=order.pk)
    orders.order_complete(persona("zuhu"), order_id=order.pk, note="已陪同")
    assert not entries_for(order).exists()


def test_the_monthly_cap_at_its_edge(persona, clock):
    services.points_rule_set(persona("shequ"), community_id=mingfu().pk, kind="order", points=5, monthly_cap=10)
    clock.set("2031-03-31 20:00")  # a month of the chen's with no demo points in it
    first, second, third = (done_order(persona, title=f"第{n}单") for n in (1, 2, 3))
    assert [entries_for(o).get().points for o in (first, second, third)] == [5, 5, 0]
    assert "已达本月上限" in entries_for(third).get().rule and "已达本月上限" not in entries_for(second).get().rule
    clock.set("2031-04-01 08:00")  # local midnight has passed: a new month
    assert entries_for(done_order(persona, title="第4单")).get().points == 5


def test_the_ledger_is_append_only(persona, clock):
    entry = entries_for(done_order(persona)).get()
    entry.points = 500
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017,PT011 — the database's own refusal
        entry.save()
    entry.refresh_from_db()
    assert entry.points == 5


# --- the community's hand -------------------------------------------------------------------------------------
def test_a_deduction_larger_than_the_balance_is_refused_and_writes_nothing(persona, clock):
    he = member(persona, "dangyuan")
    held = selectors.balance(he)
    assert held > 0
    count = PointsEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.points_adjust(persona("shequ"), person_id=he.person_id, points=-(held + 1), reason="未履职")
    assert refused.value.message.startswith(zh(services.OVER_BALANCE, points=held + 1, name=he.person.name,
                                                     balance=held))
    assert PointsEntry.objects.count() == count
    entry = services.points_adjust(persona("shequ"), person_id=he.person_id, points=-held, reason="未履职")
    assert entry.kind == PointsKind.MANUAL_DEDUCTION and selectors.balance(he) == 0
    assert AuditEntry.objects.filter(action="points.adjust", subject_id=str(entry.pk)).exists()


@pytest.mark.parametrize("points, reason, message", [
    (0, "理由", services.POINTS_ZERO),
    (101, "理由", services.POINTS_TOO_MANY),
    (True, "理由", services.POINTS_ZERO),
    (5, "   ", services.REASON_REQUIRED),
    (5, "x" * 501, services.REASON_TOO_LONG),
])
def test_manual_adjustment_bad_input_changes_nothing(persona, points, reason, message):
    count = PointsEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.points_adjust(persona("shequ"), person_id=person_id(persona, "dangyuan"), points=points, reason=reason)
    assert refused.value.message == message.format(n=services.MAX_MANUAL_POINTS)
    assert PointsEntry.objects.count() == count


ADJUST = {"shequ": 201, "yanshuji": 201, "guanliyuan": 201, "wuganbu": 403, "dangyuan": 403, "lijing": 404,
          "chen": 404, "zhaozhuren": 404, "wangayi": 404, "liukezhang": 404}


@pytest.mark.parametrize("who", list(ADJUST))
def test_manual_adjustment_grid(login, persona, who):
    he = person_id(persona, "dangyuan")
    count = PointsEntry.objects.count()
    response = login(who).post(f"/api/v1/party/people/{he}/points", {"points": 3, "reason": "参加夜间巡逻"},
                               content_type="application/json")
    assert response.status_code == ADJUST[who], response.content
    assert PointsEntry.objects.count() == count + (response.status_code == 201)


@pytest.mark.parametrize("body", [{"points": "3", "reason": "x"}, {"points": 3, "reason": ""},
                                  {"points": 3}, {"points": 3, "reason": "x", "extra": 1},
                                  {"points": 101, "reason": "x"}, {"points": 3, "reason": "x\x00"}])
def test_manual_adjustment_api_bad_input_is_422(login, persona, body):
    he = person_id(persona, "dangyuan")
    response = login("shequ").post(f"/api/v1/party/people/{he}/points", body, content_type="application/json")
    assert response.status_code == 422


def test_an_adjustment_on_the_members_page(login, persona):
    he = member(persona, "dangyuan")
    held = selectors.balance(he)
    page = login("shequ").post(f"/party/people/{he.person_id}/points/",
                               {"direction": "deduct", "points": str(held + 1), "reason": "未履职"}, follow=True)
    assert zh(services.OVER_BALANCE, points=held + 1, name=he.person.name, balance=held) in page.content.decode()
    assert selectors.balance(he) == held
    page = login("shequ").post(f"/party/people/{he.person_id}/points/",
                               {"direction": "award", "points": "３", "reason": "x"})
    assert "阿拉伯数字" in page.content.decode() and selectors.balance(he) == held
    login("shequ").post(f"/party/people/{he.person_id}/points/", {"direction": "award", "points": "4",
                                                                  "reason": "防汛值守"})
    assert selectors.balance(he) == held + 4
    shown = login("shequ").get(f"/party/people/{he.person_id}/points/").content.decode()
    assert "防汛值守" in shown and 'data-api="points_adjust"' in shown
    # the member himself reads the same ledger without the form
    own = login("dangyuan").get(f"/party/people/{he.person_id}/points/").content.decode()
    assert "防汛值守" in own and 'data-api="points_adjust"' not in own


# --- who sees a member's points -------------------------------------------------------------------------------
SEE = {"dangyuan": 200, "shequ": 200, "yanshuji": 200, "wuganbu": 200, "guanliyuan": 200, "lijing": 404,
       "chen": 404, "zhaozhuren": 404, "wangayi": 404, "wanggeyuan": 404, "liukezhang": 404, "zhoushenji": 404}


@pytest.mark.parametrize("who", list(SEE))
def test_who_sees_a_members_points(login, persona, who):
    he = person_id(persona, "dangyuan")
    client = login(who)
    page = client.get(f"/party/people/{he}/points/")
    assert page.status_code == SEE[who]
    assert client.get(f"/api/v1/party/people/{he}/points").status_code == SEE[who]
    if SEE[who] == 404:
        assert "防汛" not in page.content.decode()


def test_a_non_member_and_an_unknown_id_answer_as_a_hidden_member(login, persona):
    client = login("shequ")
    for pk in (person_id(persona, "wangayi"), 10**12):
        assert client.get(f"/party/people/{pk}/points/").status_code == 404
        assert client.get(f"/api/v1/party/people/{pk}/points").status_code == 404


def test_the_members_branch_secretary_sees_him(login, persona):
    from gongzhi.bodies.models import Membership, Organisation

    chen = person_id(persona, "chen")
    assert login("zhaozhuren").get(f"/party/people/{chen}/points/").status_code == 404
    branch = Organisation.objects.get(name="太平洋花园小区党支部")
    Membership.objects.create(organisation=branch, person_id=chen)
    assert login("zhaozhuren").get(f"/party/people/{chen}/points/").status_code == 200
    assert login("zhaozhuren").get(f"/api/v1/party/people/{chen}/points").status_code == 200
    # an officer reads but does not adjust: that is the community's
    response = login("zhaozhuren").post(f"/api/v1/party/people/{chen}/points", {"points": 3, "reason": "x"},
                                        content_type="application/json")
    assert response.status_code == 403


def test_my_points_name_their_sources(login, persona, clock):
    order = done_order(persona, title="帮独居老人换灯泡")
    page = login("chen").get("/party/points/").content.decode()
    assert "服务：帮独居老人换灯泡" in page and f'href="/orders/{order.pk}/"' in page
    assert f'data-testid="points-balance">{selectors.balance(member(persona, "chen"))}<' in page
    mine = login("chen").get("/api/v1/party/points").json()
    assert mine["entries"][0]["source_id"] == order.pk and mine["entries"][0]["source"] == "服务：帮独居老人换灯泡"
    for nobody in ("wangayi", "shequ"):  # not party members
        assert login(nobody).get("/party/points/").status_code == 404
        assert login(nobody).get("/api/v1/party/points").status_code == 404


def test_the_home_card_shows_a_members_balance_and_nobody_elses(login, persona, clock):
    done_order(persona, title="楼道杂物清理")
    home = login("chen").get("/").content.decode()
    assert 'data-testid="my-points"' in home and "楼道杂物清理" in home
    assert 'data-testid="my-points"' not in login("wangayi").get("/").content.decode()


# --- the community's ranking and rules ---------------------------------------------------------------------
RANKING = {"shequ": 200, "yanshuji": 200, "wuganbu": 200, "guanliyuan": 200, "chen": 403, "wangayi": 403,
           "dangyuan": 403, "zhaozhuren": 403, "lijing": 404, "liukezhang": 403}


@pytest.mark.parametrize("who", list(RANKING))
def test_ranking_grid(login, who):
    client = login(who)
    community = mingfu().pk
    assert client.get(f"/communities/{community}/party/points/").status_code == RANKING[who]
    assert client.get(f"/api/v1/communities/{community}/party/ranking").status_code == RANKING[who]
    assert client.get(f"/api/v1/communities/{community}/party/rules").status_code == RANKING[who]


def test_the_ranking_orders_members_by_the_years_points(login, persona, clock):
    rows = login("yanshuji").get(f"/api/v1/communities/{mingfu().pk}/party/ranking",
                                 {"year": clock.today.year}).json()
    points = [r["points"] for r in rows]
    assert points == sorted(points, reverse=True) and len(rows) == PartyMember.objects.filter(
        registered_community=mingfu()).count()
    year = clock.today.year
    for row in rows:
        expected = sum(PointsEntry.objects.filter(member__person_id=row["person_id"], on__year=year)
                       .values_list("points", flat=True))
        assert row["points"] == expected
    assert rows[0]["rank"] == 1
    page = login("wuganbu").get(f"/communities/{mingfu().pk}/party/points/").content.decode()
    assert rows[0]["name"] in page and 'data-api="points_rule_set"' not in page  # reads, may not set


RULE_SET = {"shequ": 200, "yanshuji": 200, "guanliyuan": 200, "wuganbu": 403, "chen": 403, "lijing": 404}


@pytest.mark.parametrize("who", list(RULE_SET))
def test_rule_set_grid(login, who):
    response = login(who).post(f"/api/v1/communities/{mingfu().pk}/party/rules",
                               {"kind": "visit", "points": 4, "monthly_cap": 12}, content_type="application/json")
    assert response.status_code == RULE_SET[who], response.content
    rule = selectors.rule_for(mingfu().pk, "visit")
    assert (rule.points, rule.monthly_cap, rule.default) == ((4, 12, False) if response.status_code == 200
                                                             else (2, 20, True))


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "manual_award", "points": 3, "monthly_cap": None}, services.KIND_NOT_PRICED),
    ({"kind": "order", "points": 101, "monthly_cap": None}, services.RULE_POINTS),
    ({"kind": "order", "points": 6, "monthly_cap": 5}, services.RULE_CAP),
    ({"kind": "order", "points": 6, "monthly_cap": 1001}, services.RULE_CAP),
])
def test_rule_bad_input_changes_nothing(persona, kwargs, message):
    before = selectors.rule_for(mingfu().pk, "order")
    with pytest.raises(InvalidInput) as refused:
        services.points_rule_set(persona("shequ"), community_id=mingfu().pk, **kwargs)
    assert refused.value.message.split(" / ")[0] == message.split(" / ")[0].format(
        kind=kwargs["kind"], n=services.MAX_RULE_POINTS if message == services.RULE_POINTS else services.MAX_MONTHLY_CAP)
    assert selectors.rule_for(mingfu().pk, "order") == before


def test_a_rule_on_the_ranking_page_prices_the_next_order(login, persona, clock):
    page = login("shequ").post(f"/communities/{mingfu().pk}/party/points/",
                               {"kind": "order", "points": "7", "monthly_cap": ""}, follow=True)
    assert page.status_code == 200 and selectors.rule_for(mingfu().pk, "order").monthly_cap is None
    assert entries_for(done_order(persona)).get().points == 7


def test_services_refuse_the_wrong_role_and_place(persona):
    he = person_id(persona, "dangyuan")
    with pytest.raises(PermissionDenied):
        services.points_adjust(persona("wuganbu"), person_id=he, points=1, reason="x")
    with pytest.raises(NotFound):
        services.points_adjust(persona("lijing"), person_id=he, points=1, reason="x")
    with pytest.raises(NotFound):
        services.points_rule_set(persona("lijing"), community_id=mingfu().pk, kind="order", points=1, monthly_cap=None)


# --- the dashboard ------------------------------------------------------------------------------------------------
def test_the_dashboard_counts_registered_members_and_the_periods_points(login, persona, clock):
    from gongzhi.core import clock as source
    from gongzhi.core.figures import Place

    place, period = Place("community", mingfu()), source.period("month")
    figures = {f.key: f for f in selectors.dashboard_section(fetched_by=persona("yanshuji"), place=place,
                                                              period=period).figures}
    registered = PartyMember.objects.filter(registered_community=mingfu()).count()
    assert figures["registered"].value == registered
    done_order(persona)
    after = {f.key: f for f in selectors.dashboard_section(fetched_by=persona("yanshuji"), place=place,
                                                            period=period).figures}
    assert after["points"].value == figures["points"].value + 5
    board = login("yanshuji").get("/dashboard/", {"place": f"community:{mingfu().pk}"}).content.decode()
    assert "党员双报到与双积分" in board and "已报到党员" in board


# --- races on PostgreSQL ---------------------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_completion_retried_at_the_same_moment_awards_once(world, persona):
    order = done_order(persona)
    results = race([lambda: services.points_for_order(order, actor=None) for _ in range(4)])
    assert all(isinstance(r, PointsEntry) for r in results), results
    assert entries_for(order).count() == 1 and len({r.pk for r in results}) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deductions_at_once_never_overdraw(world, persona):
    he = member(persona, "dangyuan")
    held = selectors.balance(he)
    half = held // 2 + 1
    results = race([lambda: services.points_adjust(persona("shequ"), person_id=he.person_id, points=-half,
                                                   reason="未履职") for _ in range(2)])
    assert sum(isinstance(r, PointsEntry) for r in results) == 1
    assert sum(isinstance(r, InvalidInput) for r in results) == 1
    assert selectors.balance(he) == held - half >= 0


def test_dates_are_local(persona, clock):
    clock.set("2031-06-30 23:30")  # 15:30 UTC: the local day is the 30th
    entry = entries_for(done_order(persona)).get()
    assert entry.on == datetime.date(2031, 6, 30)


# --- attending: an activity checked in, a meeting signed in ---------------------------------------------------
def _member_of(persona, username) -> PartyMember:
    person = Person.objects.get(user=persona(username))
    return PartyMember.objects.get_or_create(person=person, defaults={"status": "in_service"})[0]


def test_checking_in_at_an_activity_earns_a_member_its_points_once_and_a_non_member_none(persona, clock):
    from gongzhi.services import services as life
    from gongzhi.services.services import activities
    from tests.services.helpers import at_ten, next_saturday, slot

    chen = member(persona, "chen")
    clock.set("2031-03-04 10:00")  # a month with no demo points: the monthly cap leaves room
    saturday = next_saturday(at_ten(clock))
    activity = life.activity_create(persona("yanshuji"), estate_id=estate(PACIFIC).pk, title="楼道清洁日",
                                    kind="health", capacity=10, place="3号楼",
                                    **slot(saturday, "09:00", "11:00"))
    PartyMember.objects.filter(person__user=persona("lixiansheng")).delete()  # a neighbour who is no member
    for who in ("chen", "lixiansheng"):
        life.activity_signup(persona(who), activity_id=activity.pk)
    clock.set(activity.starts_at)
    before = selectors.balance(chen)
    signup = life.activity_checkin(persona("chen"), activity_id=activity.pk, code=activities.checkin_code(activity))
    entry = PointsEntry.objects.get(source_type="services.signup", source_id=signup.pk)
    assert (entry.member, entry.kind, entry.points) == (chen, PointsKind.ACTIVITY, 2)
    assert entry.source_label == "参加活动：楼道清洁日" and entry.on == clock.today
    # the organiser ticking him as well (he is already in) awards nothing more
    life.attendance_mark(persona("yanshuji"), activity_id=activity.pk,
                         user_ids=[persona("chen").pk, persona("lixiansheng").pk])
    assert selectors.balance(chen) == before + 2
    signups = activity.signups.values("pk")
    assert not PointsEntry.objects.filter(source_type="services.signup", source_id__in=signups).exclude(member=chen).exists()


def test_signing_in_at_an_estates_meeting_earns_a_member_its_points_once(persona, clock):
    from gongzhi.meetings import services as meetings
    from gongzhi.meetings.models import Matter

    clock.set("2031-03-10 10:00")  # a month with no demo points: the monthly cap leaves room
    parking = Matter.objects.get(title="规范地面停车收费")
    secretary = _member_of(persona, "yanshuji")
    meeting = meetings.meeting_plan(persona("yanshuji"), estate_id=parking.estate_id, kind="joint_1_3_n",
                                    title="停车收费联席会", scheduled_at=clock.now + datetime.timedelta(days=1),
                                    agenda_ids=[parking.pk])
    meetings.meeting_open(persona("yanshuji"), meeting_id=meeting.pk)
    before = selectors.balance(secretary)
    attendance = meetings.meeting_sign_in(persona("yanshuji"), meeting_id=meeting.pk, party="community")
    again = meetings.meeting_sign_in(persona("yanshuji"), meeting_id=meeting.pk, party="community")
    assert again == attendance
    entry = PointsEntry.objects.get(source_type="meetings.attendance", source_id=attendance.pk)
    assert (entry.member, entry.kind, entry.points) == (secretary, PointsKind.MEETING, 2)
    assert entry.source_label == "参加会议：停车收费联席会"
    assert selectors.balance(secretary) == before + 2
