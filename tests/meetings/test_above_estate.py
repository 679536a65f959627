"""Meetings and matters above the estate (issue 21, items 1 and 4): a community's or subdistrict's meeting
(每月调度会, 每季联席会, 专项推进会) with the 成员单位 and platforms that must attend, each signed in by its
own officer; matters concerning several estates; action items to departments on the officer's home page,
overdue flagged; standing meetings planned again by the periodic job; the 两议 meeting types. Who at which
level sees and runs them: the wrong place answers 404, the wrong role 403, and bad input changes nothing."""

import datetime

import pytest

from gongzhi.bodies.models import Organisation, OrgKind
from gongzhi.meetings import jobs, rules
from gongzhi.meetings import services as svc
from gongzhi.meetings.models import ActionItem, Attendance, Matter, Meeting
from gongzhi.meetings.quorum import quorum_check
from gongzhi.places.models import Community, Subdistrict
from tests.helpers import PACIFIC, YIWU, estate, race

pytestmark = pytest.mark.usefixtures("world")
API = "/api/v1"
DAY = datetime.timedelta(days=1)
MISSING = 99_999_999


def post(client, url, body=None):
    return client.post(API + url, body or {}, content_type="application/json")


def mingfu():
    return Community.objects.get(name="明福社区")


def anhe():
    return Community.objects.get(name="安和苑社区")


def sub():
    return Subdistrict.objects.get()


def unit(name):
    return Organisation.objects.get(name=name)


def when(clock, days=1):
    return (clock.now + days * DAY).isoformat()


# --- the demo ------------------------------------------------------------------------------------------
def test_the_communitys_dispatch_meetings_belong_to_the_community_not_to_an_estate():
    dispatch = Meeting.objects.filter(kind="monthly_dispatch", title__startswith="明福社区")
    assert dispatch.count() >= 13
    assert not dispatch.filter(estate__isnull=False).exists()
    assert set(dispatch.values_list("community__name", flat=True)) == {"明福社区"}


def test_the_demo_has_a_subdistrict_push_meeting_with_three_departments_each_signed_in_by_its_officer():
    push = Meeting.objects.get(kind="special_push", subdistrict__isnull=False)
    names = ["公安文峰分局", "区城管执法局", "区民政局"]
    assert sorted(push.units.values_list("name", flat=True)) == names
    signed = Attendance.objects.filter(meeting=push, party="department")
    assert sorted(signed.values_list("organisation__name", flat=True)) == names
    assert sorted(signed.values_list("user__username", flat=True)) == ["dengchengguan", "hanjingguan", "suminzheng"]
    assert push.decisions.get().passed and push.actions.count() == 3


# --- who calls a meeting at which level -----------------------------------------------------------------
@pytest.mark.parametrize(("username", "where", "kind", "units", "status"), [
    ("yanshuji", "community", "monthly_dispatch", [], 201),
    ("yanshuji", "community", "special_push", ["区住建局"], 201),
    ("wuganbu", "subdistrict", "special_push", ["区住建局", "公安文峰分局"], 201),
    ("wuganbu", "community", "quarterly_joint", [], 201),  # the subdistrict covers its communities
    ("yanshuji", "subdistrict", "special_push", ["区住建局"], 403),  # a community's secretary, not the subdistrict's
    ("zhaozhuren", "community", "monthly_dispatch", [], 403),  # an estate's chair sees the community, runs none
    ("liukezhang", "subdistrict", "special_push", ["区住建局"], 403),  # a department attends, it does not convene
    ("wangayi", "community", "monthly_dispatch", [], 403),
    ("lijing", "community", "monthly_dispatch", [], 404),  # another community's secretary
    ("yanshuji", "other_community", "monthly_dispatch", [], 404),
    ("yanshuji", "missing", "monthly_dispatch", [], 404),
])
def test_who_calls_a_meeting_above_the_estate(login, clock, username, where, kind, units, status):
    place = {"community": {"community_id": mingfu().pk}, "other_community": {"community_id": anhe().pk},
             "subdistrict": {"subdistrict_id": sub().pk}, "missing": {"community_id": MISSING}}[where]
    before = Meeting.objects.count()
    response = post(login(username), "/meetings", {**place, "kind": kind, "title": "协调会", "scheduled_at": when(clock),
                                                   "unit_ids": [unit(n).pk for n in units]})
    assert response.status_code == status, response.content
    assert Meeting.objects.count() == before + (1 if status == 201 else 0)
    if status == 201:
        made = response.json()
        assert made["estate_id"] is None and made["level"] == where
        assert sorted(made["unit_ids"]) == sorted(unit(n).pk for n in units)


@pytest.mark.parametrize(("body", "message"), [
    ({"subdistrict_id": "sub", "kind": "special_push"}, svc.UNITS_REQUIRED.format(name="专项推进会")),
    ({"estate_id": "pacific", "kind": "special_push"}, "不在小区一级召开"),
    ({"community_id": "mingfu", "kind": "joint_1_3_n"}, "不在社区一级召开"),
    ({"community_id": "mingfu", "kind": "resident_consultation"}, "不在社区一级召开"),
    ({"community_id": "mingfu", "estate_id": "pacific", "kind": "monthly_dispatch"}, svc.ONE_PLACE),
    ({"kind": "monthly_dispatch"}, svc.ONE_PLACE),
])
def test_a_meeting_at_the_wrong_level_or_without_its_units_is_refused_and_nothing_is_made(login, clock, body, message):
    ids = {"sub": sub().pk, "pacific": estate(PACIFIC).pk, "mingfu": mingfu().pk}
    body = {k: ids.get(v, v) for k, v in body.items()}
    before = Meeting.objects.count()
    response = post(login("guanliyuan"), "/meetings", {**body, "title": "会", "scheduled_at": when(clock)})
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert Meeting.objects.count() == before


def test_a_unit_from_another_district_or_unknown_answers_as_missing(login, clock):
    response = post(login("yanshuji"), "/meetings", {"community_id": mingfu().pk, "kind": "special_push",
                                                      "title": "会", "scheduled_at": when(clock), "unit_ids": [MISSING]})
    assert response.status_code == 404
    platform = unit("明福社区局长驻点工作室")  # 明福社区's platform: not one 安和苑社区 can require
    before = Meeting.objects.count()
    assert post(login("lijing"), "/meetings", {"community_id": anhe().pk, "kind": "special_push", "title": "会",
                                               "scheduled_at": when(clock), "unit_ids": [platform.pk]}).status_code == 404
    assert Meeting.objects.count() == before


# --- who sees a meeting and a matter above the estate ------------------------------------------------------
@pytest.fixture
def community_meeting(persona, clock):
    return svc.meeting_plan(persona("yanshuji"), community_id=mingfu().pk, kind="special_push", title="楼道堆物专项推进会",
                            scheduled_at=clock.now + DAY, unit_ids=[unit("区住建局").pk])


@pytest.fixture
def community_matter(persona):
    return svc.matter_create(persona("yanshuji"), community_id=mingfu().pk, title="两个小区的停车协调",
                             procedure="coordination", estate_ids=[estate(PACIFIC).pk, estate(YIWU).pk])


@pytest.mark.parametrize(("username", "status"), [
    ("yanshuji", 200), ("shequ", 200), ("wuganbu", 200), ("sunjiancha", 200),
    ("liukezhang", 200),  # a required unit's officer, and the district's department officer
    ("zhaozhuren", 404), ("wangayi", 404), ("lijing", 404), ("zhengbaobao", 404),
])
def test_who_sees_a_community_meeting(login, community_meeting, username, status):
    response = login(username).get(f"{API}/meetings/{community_meeting.pk}")
    assert response.status_code == status
    page = login(username).get(f"/meetings/{community_meeting.pk}/")
    assert page.status_code == status
    listed = {m["id"] for m in login(username).get(f"{API}/meetings?level=community").json()["items"]}
    assert (community_meeting.pk in listed) == (status == 200)


def test_an_invited_chair_sees_the_community_meeting(login, persona, community_meeting):
    assert login("zhaozhuren").get(f"{API}/meetings/{community_meeting.pk}").status_code == 404
    svc.meeting_invite(persona("yanshuji"), meeting_id=community_meeting.pk, user_ids=[persona("zhaozhuren").pk])
    assert login("zhaozhuren").get(f"{API}/meetings/{community_meeting.pk}").status_code == 200


@pytest.mark.parametrize(("username", "status"), [
    ("yanshuji", 200), ("wuganbu", 200), ("liukezhang", 200),
    ("zhaozhuren", 200), ("wangjingli", 200),  # serving an estate the matter concerns
    ("zhangjingli", 200),  # 义乌城's property staff: 义乌城 is concerned too
    ("wangayi", 404), ("lijing", 404), ("zhengbaobao", 404),
])
def test_who_sees_a_matter_concerning_several_estates(login, community_matter, username, status):
    response = login(username).get(f"{API}/matters/{community_matter.pk}")
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["level"] == "community" and body["place_name"] == "明福社区"
        assert sorted(body["concern_ids"]) == sorted([estate(PACIFIC).pk, estate(YIWU).pk])


def test_a_concerned_chair_reads_the_matter_but_does_not_run_it(login, community_matter, clock):
    client = login("zhaozhuren")
    assert post(client, f"/matters/{community_matter.pk}/steps", {"step_key": "propose"}).status_code == 403
    assert post(client, f"/matters/{community_matter.pk}/action-items", {
        "text": "统计", "due_on": clock.today.isoformat(), "organisation_id": unit("区住建局").pk}).status_code == 403
    assert post(login("yanshuji"), f"/matters/{community_matter.pk}/steps", {"step_key": "propose"}).status_code == 201


@pytest.mark.parametrize(("username", "body", "status", "message"), [
    ("guanliyuan", {"estate_ids": ["yucai"]}, 400, svc.CONCERNS_OUTSIDE),  # 育才新村 is in 安和苑社区
    ("yanshuji", {"estate_ids": ["yucai"]}, 404, ""),  # and out of her sight
    ("yanshuji", {"procedure": "four_discussions"}, 400, svc.ABOVE_PROCEDURE),  # an owners' vote needs an estate
    ("yanshuji", {"estate_ids": [MISSING]}, 404, ""),
    ("zhaozhuren", {}, 403, ""),
    ("lijing", {}, 404, ""),
])
def test_a_matter_above_the_estate_is_checked_and_nothing_is_made(login, username, body, status, message):
    ids = {"yucai": estate("育才新村").pk}
    body = {"community_id": mingfu().pk, "title": "协调", "procedure": "coordination",
            **{k: [ids.get(x, x) for x in v] if isinstance(v, list) else v for k, v in body.items()}}
    client = login(username)
    before = Matter.objects.count()
    response = post(client, "/matters", body)
    assert response.status_code == status, response.content
    if message:
        assert message in response.json()["detail"]
    assert Matter.objects.count() == before


def test_an_estates_matter_names_no_other_estates(login):
    response = post(login("zhaozhuren"), "/matters", {"estate_id": estate(PACIFIC).pk, "title": "x",
                                                       "procedure": "branch_first", "estate_ids": [estate(YIWU).pk]})
    assert response.status_code == 400 and svc.CONCERNS_ESTATE in response.json()["detail"]


# --- each department's officer signs in for it ---------------------------------------------------------------
@pytest.fixture
def push(persona, clock):
    matter = svc.matter_create(persona("wuganbu"), subdistrict_id=sub().pk, title="电动车进楼整治",
                               procedure="coordination", estate_ids=[estate(YIWU).pk])
    svc.matter_step(persona("wuganbu"), matter_id=matter.pk, step_key="propose")
    meeting = svc.meeting_plan(persona("wuganbu"), subdistrict_id=sub().pk, kind="special_push", title="电动车整治推进会",
                               scheduled_at=clock.now + DAY, agenda_ids=[matter.pk],
                               unit_ids=[unit("区住建局").pk, unit("区城管执法局").pk])
    svc.meeting_open(persona("wuganbu"), meeting_id=meeting.pk)
    return meeting


def test_each_required_department_signs_in_through_its_own_officer_before_the_meeting_decides(login, persona, push):
    matter_id = push.agenda.get().pk
    assert not quorum_check(push).ok and "区住建局" in quorum_check(push).message
    me = post(login("liukezhang"), f"/meetings/{push.pk}/attendance", {"party": "department"})
    assert me.status_code == 201 and me.json()["organisation_id"] == unit("区住建局").pk
    # 公安文峰分局 is not required here: its officer holds no seat at this meeting
    police = post(login("hanjingguan"), f"/meetings/{push.pk}/attendance", {"party": "department"})
    assert police.status_code == 403 and rules.SEAT_HOLDERS["department"][0] in police.json()["detail"]
    # the convener cannot sign a department in for it
    officer = Organisation.objects.get(name="区城管执法局").memberships.get(active=True).person
    for_them = post(login("wuganbu"), f"/meetings/{push.pk}/attendance", {"party": "department", "person_id": officer.pk})
    assert for_them.status_code == 403
    check = quorum_check(Meeting.objects.get(pk=push.pk))
    assert not check.ok and "区城管执法局" in check.message and "区住建局" not in check.message
    refused = post(login("wuganbu"), f"/meetings/{push.pk}/decisions", {"matter_id": matter_id, "text": "同意",
                                                                        "votes_for": 1})
    assert refused.status_code == 409
    assert post(login("dengchengguan"), f"/meetings/{push.pk}/attendance", {"party": "department"}).status_code == 201
    detail = login("wuganbu").get(f"{API}/meetings/{push.pk}").json()
    assert detail["quorum"]["ok"] and all(u["present"] for u in detail["required_units"])
    assert detail["required_parties"] == ["department"]
    decided = post(login("wuganbu"), f"/meetings/{push.pk}/decisions", {"matter_id": matter_id, "text": "分工落实",
                                                                        "votes_for": 2})
    assert decided.status_code == 201 and decided.json()["passed"]


def test_the_meeting_page_lists_the_units_and_who_signed_in(login, push):
    post(login("liukezhang"), f"/meetings/{push.pk}/attendance", {"party": "department"})
    page = login("liukezhang").get(f"/meetings/{push.pk}/").content.decode()
    assert "光华路街道" in page and 'data-testid="units"' in page
    assert "区城管执法局" in page and "未签到" in page and "已签到" in page


# --- action items to departments, on the officer's home page ---------------------------------------------------
def test_the_department_officer_sees_his_departments_items_on_his_home_page_the_late_one_flagged(login):
    late = ActionItem.objects.get(text="完成三个小区充电桩选址方案")
    page = login("liukezhang").get("/").content.decode()
    assert "完成三个小区充电桩选址方案" in page and 'data-testid="overdue"' in page
    assert "清理楼道飞线并张贴告知书" not in page  # 区城管执法局's, not his
    mine = login("liukezhang").get(f"{API}/action-items?mine=true&open=true").json()["items"]
    assert [(i["id"], i["overdue"], i["mine"]) for i in mine] == [(late.pk, True, True)]
    other = login("dengchengguan").get("/").content.decode()
    assert "清理楼道飞线并张贴告知书" in other and 'data-testid="overdue"' not in other
    assert "完成三个小区充电桩选址方案" not in login("lijing").get("/").content.decode()


def test_only_the_departments_officer_marks_its_item_done(login):
    late = ActionItem.objects.get(text="完成三个小区充电桩选址方案")
    assert post(login("dengchengguan"), f"/action-items/{late.pk}/done").status_code == 403
    assert post(login("lijing"), f"/action-items/{late.pk}/done").status_code == 403  # reads it: 育才新村 is hers
    assert post(login("zhaozhuren"), f"/action-items/{late.pk}/done").status_code == 404
    done = post(login("liukezhang"), f"/action-items/{late.pk}/done")
    assert done.status_code == 200 and done.json()["done_at"] and not done.json()["overdue"]


def test_an_item_above_the_estate_goes_only_to_a_unit_there(login, community_matter, clock):
    client = login("yanshuji")
    body = {"text": "清点车位", "due_on": (clock.today + 3 * DAY).isoformat()}
    assert post(client, f"/matters/{community_matter.pk}/action-items",
                {**body, "organisation_id": unit("区住建局").pk}).status_code == 201
    yard = Organisation.objects.filter(kind=OrgKind.YARD_COMMITTEE).first()  # 安和苑's
    assert post(client, f"/matters/{community_matter.pk}/action-items",
                {**body, "organisation_id": yard.pk}).status_code == 404
    late = post(client, f"/matters/{community_matter.pk}/action-items",
                {**body, "due_on": (clock.today - DAY).isoformat(), "organisation_id": unit("区住建局").pk})
    assert late.status_code == 400


# --- standing meetings: the next one planned by the periodic job ----------------------------------------------
def test_a_standing_meeting_gets_its_next_one_once_when_it_comes_due(persona, clock):
    soon = clock.now + datetime.timedelta(hours=2)
    monthly = svc.meeting_plan(persona("yanshuji"), community_id=mingfu().pk, kind="monthly_dispatch",
                               title="明福社区例会", scheduled_at=soon, unit_ids=[unit("明福社区三社联动服务站").pk])
    quarterly = svc.meeting_plan(persona("wuganbu"), subdistrict_id=sub().pk, kind="quarterly_joint",
                                 title="街道联席会", scheduled_at=soon)
    once = svc.meeting_plan(persona("yanshuji"), community_id=mingfu().pk, kind="monthly_dispatch", title="不重复",
                            scheduled_at=soon, repeat="")
    assert (monthly.repeat, quarterly.repeat, once.repeat) == ("monthly", "quarterly", "")
    jobs.plan_next_meetings()
    assert not Meeting.objects.filter(previous__in=[monthly, quarterly, once]).exists()  # not due yet
    clock.now = soon  # due at its very minute
    jobs.plan_next_meetings()
    jobs.plan_next_meetings()  # again, or on a second machine: nothing more
    following = Meeting.objects.get(previous=monthly)
    assert following.community_id == mingfu().pk and following.estate_id is None and following.repeat == "monthly"
    assert following.scheduled_at == svc.add_months(soon, 1) and following.title == "明福社区例会"
    assert list(following.units.all()) == list(monthly.units.all())
    assert following.invitations.exists()
    assert Meeting.objects.get(previous=quarterly).scheduled_at == svc.add_months(soon, 3)
    assert not Meeting.objects.filter(previous=once).exists()
    assert Meeting.objects.filter(previous=following).count() == 0


def test_a_long_missed_standing_meeting_is_followed_by_the_first_day_still_ahead(persona, clock):
    monthly = svc.meeting_plan(persona("yanshuji"), community_id=mingfu().pk, kind="monthly_dispatch",
                               title="久未召开", scheduled_at=clock.now - 75 * DAY)
    following = svc.meeting_plan_next(None, meeting_id=monthly.pk)
    assert clock.now < following.scheduled_at <= clock.now + 31 * DAY
    assert svc.meeting_plan_next(None, meeting_id=monthly.pk) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_of_the_job_at_once_plan_one_next_meeting(world, persona, clock):
    monthly = svc.meeting_plan(persona("yanshuji"), community_id=mingfu().pk, kind="monthly_dispatch",
                               title="并发例会", scheduled_at=clock.now - DAY)
    results = race([jobs.plan_next_meetings, jobs.plan_next_meetings])
    assert not any(isinstance(r, Exception) for r in results), results
    assert Meeting.objects.filter(previous=monthly).count() == 1


# --- 两议 -------------------------------------------------------------------------------------------------
def test_the_two_joint_meetings_of_liang_yi_ship_with_their_required_parties():
    assert rules.MEETING_TYPES["resident_consultation"].name == "居民协商议事联合会议"
    assert rules.MEETING_TYPES["resident_consultation"].required == ("community", "grid", "property", "owner_rep")
    assert rules.MEETING_TYPES["grid_branch_joint"].name == "小区网格党支部联席会议"
    assert rules.MEETING_TYPES["grid_branch_joint"].required == ("grid_branch", "grid", "property")


def test_the_grid_worker_calls_the_residents_consultation_and_signs_in_as_the_grid(login, persona, clock):
    made = post(login("wanggeyuan"), "/meetings", {"estate_id": estate(YIWU).pk, "kind": "resident_consultation",
                                                  "title": "居民协商议事联合会议", "scheduled_at": when(clock)})
    assert made.status_code == 201, made.content
    assert made.json()["required_parties"] == ["community", "grid", "property", "owner_rep"]
    assert post(login("wanggeyuan"), "/meetings", {
        "estate_id": estate(YIWU).pk, "kind": "grid_branch_joint", "title": "x", "scheduled_at": when(clock)
    }).status_code == 403
    mid = made.json()["id"]
    assert post(login("wanggeyuan"), f"/meetings/{mid}/open").status_code == 200
    assert post(login("zhaozhuren"), f"/meetings/{mid}/attendance", {"party": "grid"}).status_code in (403, 404)
    assert "网格员" in quorum_check(Meeting.objects.get(pk=mid)).message
    assert post(login("wanggeyuan"), f"/meetings/{mid}/attendance", {"party": "grid"}).status_code == 201
    assert "网格员" not in quorum_check(Meeting.objects.get(pk=mid)).message


# --- the pages ---------------------------------------------------------------------------------------------------
def test_the_secretary_calls_the_communitys_meeting_from_the_page(login, clock):
    client = login("yanshuji")
    page = client.get("/matters/").content.decode()
    assert f'value="community:{mingfu().pk}"' in page and 'data-testid="meeting-units"' in page
    response = client.post("/meetings/new/", {
        "estate": estate(PACIFIC).pk, "above": f"community:{mingfu().pk}", "kind": "special_push",
        "title": "楼道清理推进会", "scheduled_at": (clock.now + DAY).strftime("%Y-%m-%dT%H:%M"),
        "unit": [unit("区城管执法局").pk], "repeat": "auto"})
    assert response.status_code == 302
    made = Meeting.objects.get(title="楼道清理推进会")
    assert made.community_id == mingfu().pk and made.estate_id is None
    assert list(made.units.values_list("name", flat=True)) == ["区城管执法局"]
    refused = client.post("/meetings/new/", {"estate": estate(PACIFIC).pk, "above": f"community:{mingfu().pk}",
                                             "kind": "special_push", "title": "没有单位",
                                             "scheduled_at": (clock.now + DAY).strftime("%Y-%m-%dT%H:%M")})
    assert refused.status_code == 400 and "专项推进会须指定" in refused.content.decode()
    assert not Meeting.objects.filter(title="没有单位").exists()


def test_the_secretary_puts_a_matter_concerning_two_estates_on_the_communitys_table(login):
    response = login("yanshuji").post("/matters/", {
        "estate": estate(PACIFIC).pk, "above": f"community:{mingfu().pk}", "title": "两小区之间的围墙",
        "procedure": "coordination", "source": "proposal", "concerns": [estate(PACIFIC).pk, estate(YIWU).pk]})
    assert response.status_code == 302
    matter = Matter.objects.get(title="两小区之间的围墙")
    assert matter.community_id == mingfu().pk and matter.concerns.count() == 2
    page = login("zhaozhuren").get(f"/matters/{matter.pk}/").content.decode()
    assert 'data-testid="concerns"' in page and "明福社区" in page


@pytest.mark.parametrize(("username", "organiser"), [("wuganbu", True), ("liukezhang", False), ("yanshuji", False)])
def test_the_subdistricts_matter_page_offers_its_follow_up_only_to_the_subdistrict(login, username, organiser):
    matter = Matter.objects.get(title="无物管小区飞线充电整治")
    response = login(username).get(f"/matters/{matter.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "光华路街道" in page and 'data-testid="concerns"' in page and "育才新村" in page
    assert ('data-api="action_add"' in page) == organiser
    if organiser:  # the departments are offered as the bodies responsible
        assert "区住建局" in page.split('data-api="action_add"')[1]
