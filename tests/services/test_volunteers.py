"""Volunteers: teams and members (an estate's, or the community's own association), hours recorded from an activity the volunteer attended and confirmed
by its organiser, refused twice for one activity (by the service and by the database), a volunteer's own
record, and the figures the party-points ledger may draw on; hours claimed by a volunteer's completed
三单制 order (the completion hook) and confirmed once by its dispatcher."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from gongzhi.core import registry
from gongzhi.core.clock import local_date
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.requests.services import orders
from gongzhi.services import selectors, services
from gongzhi.services.models import VolunteerHours, VolunteerTeam
from gongzhi.services.services import volunteers as vol
from tests.helpers import PACIFIC, YIWU, estate, race
from tests.services.helpers import at_ten, next_saturday, slot, zh

JSON = "application/json"


@pytest.fixture
def team(world, persona):
    return services.volunteer_team_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, name="助老服务队",
                                          services="上门探访、代买代办")


@pytest.fixture
def held(persona, clock, team):
    """An activity of next week: chen (a team member) and the property manager (not one) came, 李 (a member
    of a demo team) signed up but stayed away; the clock at its end."""
    day = next_saturday(at_ten(clock))
    activity = services.activity_create(persona("yanshuji"), estate_id=estate(PACIFIC).pk, title="助老上门服务",
                                        kind="volunteering", capacity=10, place="3号楼", **slot(day, "09:00", "11:30"))
    services.volunteer_join(persona("chen"), team_id=team.pk, skills="理发")
    for who in ("chen", "lixiansheng", "wangjingli"):
        services.activity_signup(persona(who), activity_id=activity.pk)
    clock.set(activity.starts_at)
    services.attendance_mark(persona("yanshuji"), activity_id=activity.pk,
                             user_ids=[persona("chen").pk, persona("wangjingli").pk])
    clock.set(activity.ends_at)
    return activity


def test_who_sets_up_a_team_and_who_joins(persona, team):
    with pytest.raises(PermissionDenied):
        services.volunteer_team_create(persona("lixiansheng"), estate_id=estate(PACIFIC).pk, name="x")
    with pytest.raises(NotFound):
        services.volunteer_team_create(persona("wangayi"), estate_id=estate(PACIFIC).pk, name="x")
    with pytest.raises(WrongState):
        services.volunteer_team_create(persona("yanshuji"), estate_id=estate(PACIFIC).pk, name="助老服务队")
    services.volunteer_join(persona("lixiansheng"), team_id=team.pk)
    with pytest.raises(WrongState, match="已是“助老服务队”的队员"):
        services.volunteer_join(persona("lixiansheng"), team_id=team.pk)
    with pytest.raises(NotFound):
        services.volunteer_join(persona("wangayi"), team_id=team.pk)
    with pytest.raises(PermissionDenied):  # a resident adds only themself
        services.volunteer_join(persona("lixiansheng"), team_id=team.pk, user_id=persona("chen").pk)
    with pytest.raises(InvalidInput, match=zh(vol.NOT_IN_ESTATE)):
        services.volunteer_join(persona("zhaozhuren"), team_id=team.pk, user_id=persona("wangayi").pk)
    assert VolunteerTeam.objects.get(pk=team.pk).members.count() == 1


def test_hours_from_an_attended_activity_confirmed_by_the_organiser_once(persona, held):
    chen = persona("chen")
    with pytest.raises(PermissionDenied):
        services.volunteer_hours_confirm(chen, activity_id=held.pk, user_ids=[chen.pk])
    with pytest.raises(InvalidInput, match="不是本小区志愿服务队队员"):
        services.volunteer_hours_confirm(persona("yanshuji"), activity_id=held.pk, user_ids=[persona("wangjingli").pk])
    with pytest.raises(InvalidInput, match="未在本活动签到"):
        services.volunteer_hours_confirm(persona("yanshuji"), activity_id=held.pk, user_ids=[persona("lixiansheng").pk])
    [row] = services.volunteer_hours_confirm(persona("yanshuji"), activity_id=held.pk, user_ids=[chen.pk])
    assert row.minutes == 150 and row.confirmed_by.username == "yanshuji"
    with pytest.raises(WrongState, match="服务时长已记录，不能重复记录"):
        services.volunteer_hours_confirm(persona("yanshuji"), activity_id=held.pk, user_ids=[chen.pk], minutes=30)
    assert VolunteerHours.objects.filter(activity=held).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        VolunteerHours.objects.create(activity=held, user=chen, minutes=30, confirmed_at=held.ends_at)


def test_hours_are_confirmed_after_the_activity_and_within_its_length(persona, clock, held):
    chen = persona("chen")
    clock.set(held.ends_at - datetime.timedelta(seconds=1))
    with pytest.raises(WrongState, match=zh(vol.NOT_OVER)):
        services.volunteer_hours_confirm(persona("yanshuji"), activity_id=held.pk, user_ids=[chen.pk])
    clock.set(held.ends_at)
    with pytest.raises(InvalidInput, match=zh(vol.MINUTES_RANGE)):
        services.volunteer_hours_confirm(persona("yanshuji"), activity_id=held.pk, user_ids=[chen.pk], minutes=151)
    assert services.volunteer_hours_confirm(persona("yanshuji"), activity_id=held.pk, user_ids=[chen.pk],
                                            minutes=150)[0].minutes == 150


def test_a_volunteers_own_record_and_the_ledgers_figure(persona, held):
    chen = persona("chen")
    before = selectors.my_record(chen)[2]
    services.volunteer_hours_confirm(persona("yanshuji"), activity_id=held.pk, user_ids=[chen.pk])
    teams, hours, minutes, _waiting = selectors.my_record(chen)
    assert "助老服务队" in [m.team.name for m in teams] and hours[0].activity == held and minutes == before + 150
    day = local_date(held.starts_at)
    assert selectors.volunteer_hours_of([chen.pk], start=day, end=day) == {chen.pk: 150}


# --- the community's association and hours from orders ------------------------------------------------
def test_a_community_association_team_takes_members_from_any_of_its_estates(persona, world):
    yiwu = estate(YIWU)
    with pytest.raises(PermissionDenied, match="只有社区可以成立社区志愿服务队"):
        services.volunteer_team_create(persona("zhaozhuren"), community_id=yiwu.community_id, name="助残队")
    with pytest.raises(NotFound):
        services.volunteer_team_create(persona("lijing"), community_id=yiwu.community_id, name="助残队")
    with pytest.raises(InvalidInput, match=zh(vol.ONE_PLACE)):
        services.volunteer_team_create(persona("yanshuji"), community_id=yiwu.community_id, estate_id=yiwu.pk,
                                       name="助残队")
    team = services.volunteer_team_create(persona("yanshuji"), community_id=yiwu.community_id, name="助残队")
    assert team.estate is None and VolunteerTeam.objects.get(pk=team.pk).community == yiwu.community
    services.volunteer_join(persona("wangayi"), team_id=team.pk)  # 义乌城
    services.volunteer_join(persona("chen"), team_id=team.pk)  # 太平洋花园, the same community
    with pytest.raises(NotFound):
        services.volunteer_join(persona("lijing"), team_id=team.pk)
    assert team.members.count() == 2
    names = [t.name for t in selectors.team_list(fetched_by=persona("chen"))]
    assert "助残队" in names and "助残队" not in [t.name for t in selectors.team_list(fetched_by=persona("lijing"))]


def _completed_order(persona, clock, helper="zuhu", minutes=90, requester="dangyuan"):
    at_ten(clock)
    order = orders.order_place(persona(requester), estate_id=estate(YIWU).pk, kind="service", title="帮忙修水龙头")
    orders.order_dispatch(persona("yanshuji"), order_id=order.pk, helper_ids=[persona(helper).pk])
    orders.order_accept(persona(helper), order_id=order.pk)
    clock.set(clock.now + datetime.timedelta(minutes=minutes))
    return orders.order_complete(persona(helper), order_id=order.pk, note="修好了")


def test_a_volunteers_completed_order_claims_hours_the_dispatcher_confirms_once(persona, world, clock):
    order = _completed_order(persona, clock)
    helper = persona("zuhu")
    row = VolunteerHours.objects.get(order=order, user=helper)
    assert row.minutes == 90 and row.confirmed_at is None
    day = local_date(order.done_at)
    assert selectors.volunteer_hours_of([helper.pk], start=day, end=day) == {}  # not before it is confirmed
    assert [h.pk for h in selectors.hours_to_confirm(persona("yanshuji"))].count(row.pk) == 1
    with pytest.raises(PermissionDenied):
        services.order_hours_confirm(persona("wangayi"), hours_id=row.pk)
    with pytest.raises(NotFound):
        services.order_hours_confirm(persona("lijing"), hours_id=row.pk)
    with pytest.raises(InvalidInput, match="服务时长须为 1 至 480 分钟"):
        services.order_hours_confirm(persona("yanshuji"), hours_id=row.pk, minutes=481)
    confirmed = services.order_hours_confirm(persona("yanshuji"), hours_id=row.pk, minutes=60)
    assert confirmed.minutes == 60 and confirmed.confirmed_by.username == "yanshuji"
    with pytest.raises(WrongState, match="在本单的服务时长已确认，不能重复确认"):
        services.order_hours_confirm(persona("yanshuji"), hours_id=row.pk, minutes=30)
    assert VolunteerHours.objects.get(pk=row.pk).minutes == 60
    assert selectors.volunteer_hours_of([helper.pk], start=day, end=day) == {helper.pk: 60}
    registry.completed("order", order, actor=helper)  # a retried completion claims nothing twice
    assert VolunteerHours.objects.filter(order=order).count() == 1


def test_an_order_done_by_someone_in_no_team_claims_nothing(persona, world, clock):
    order = _completed_order(persona, clock, helper="dangyuan", requester="wangayi")
    assert not VolunteerHours.objects.filter(order=order).exists()


def test_the_record_page_and_the_confirmation_form(login, persona, world, clock):
    order = _completed_order(persona, clock)
    row = VolunteerHours.objects.get(order=order)
    page = login("yanshuji").get("/volunteering/").content.decode()
    assert 'data-api="order_hours_confirm"' in page
    assert 'data-api="order_hours_confirm"' not in login("zuhu").get("/volunteering/").content.decode()
    assert login("wangayi").post("/volunteering/", {"action": "confirm", "hours_id": row.pk}).status_code == 403
    assert login("yanshuji").post("/volunteering/", {"action": "confirm", "hours_id": row.pk,
                                                     "minutes": "75"}).status_code == 302
    record = login("zuhu").get("/volunteering/record/").content.decode()
    assert "帮忙修水龙头" in record and 'data-testid="record-total"' in record
    mine = login("zuhu").get("/api/v1/volunteer-hours/mine").json()
    assert {(h["order_id"], h["minutes"]) for h in mine} >= {(order.pk, 75)}
    again = login("yanshuji").post(f"/api/v1/volunteer-hours/{row.pk}/confirm", {}, content_type=JSON)
    assert again.status_code == 409


def test_the_api_confirms_an_orders_hours(login, persona, world, clock):
    order = _completed_order(persona, clock)
    row = VolunteerHours.objects.get(order=order)
    assert login("lijing").post(f"/api/v1/volunteer-hours/{row.pk}/confirm", {}, content_type=JSON).status_code == 404
    assert [h["id"] for h in login("yanshuji").get("/api/v1/volunteer-hours/to-confirm").json()].count(row.pk) == 1
    done = login("yanshuji").post(f"/api/v1/volunteer-hours/{row.pk}/confirm", {"minutes": 45}, content_type=JSON)
    assert done.status_code == 200 and done.json()["minutes"] == 45 and done.json()["confirmed_at"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_orders_hours_confirmed_twice_at_once_are_recorded_once(world, persona, clock):
    order = _completed_order(persona, clock)
    row = VolunteerHours.objects.get(order=order)
    results = race([lambda: services.order_hours_confirm(persona("yanshuji"), hours_id=row.pk, minutes=60),
                    lambda: services.order_hours_confirm(persona("shequ"), hours_id=row.pk, minutes=30)])
    won = [r for r in results if isinstance(r, VolunteerHours)]
    lost = [r for r in results if isinstance(r, WrongState)]
    assert len(won) == 1 and len(lost) == 1, results
    assert VolunteerHours.objects.get(pk=row.pk).minutes == won[0].minutes
