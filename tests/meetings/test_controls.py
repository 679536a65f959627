"""The two controls of joint deliberation that one person must not be able to defeat:

- a seat at a meeting (社区, 社区党组织, 小区党支部, 业委会, 物业, 职能部门) is taken only by one who holds it,
  and a seat the meeting requires is confirmed by its holder in person — a resident cannot sign in as
  社区, the convener cannot sign the 物业 in, another estate's property staff is not 物业 here;
- an action item is assigned to the person or body responsible (not to whoever typed it), who sees it
  on their home page and in `?mine=true`, and is the one who marks it done.
Each cell of a grid is one test."""

import datetime
import re

import pytest

from gongzhi.bodies import services as bodies
from gongzhi.bodies.models import MemberRole, Membership, Organisation, OrgKind
from gongzhi.core.errors import NotFound, PermissionDenied, WrongState
from gongzhi.core.roles import Role
from gongzhi.meetings import quorum, rules, selectors
from gongzhi.meetings import services as svc
from gongzhi.meetings.models import ActionItem, Attendance, Matter, Meeting
from gongzhi.meetings.quorum import quorum_check
from gongzhi.people.models import Person
from gongzhi.people.services import role_assign
from tests.helpers import PACIFIC, YIWU, estate, unit

pytestmark = pytest.mark.usefixtures("world")
DAY = datetime.timedelta(days=1)
PARKING = "规范地面停车收费"


def open_meeting(persona, clock, kind="joint_1_3_n", estate_name=PACIFIC, convener="yanshuji"):
    user = persona(convener)
    matter = Matter.objects.get(title=PARKING) if estate_name == PACIFIC else None
    meeting = svc.meeting_plan(user, estate_id=estate(estate_name).pk, kind=kind, title="联席会议（测试）",
                               scheduled_at=clock.now, agenda_ids=[matter.pk] if matter else [])
    svc.meeting_open(user, meeting_id=meeting.pk)
    return meeting


@pytest.fixture
def joint(persona, clock):
    return open_meeting(persona, clock)


# --- the seat grid: persona × party at a 1+3+N meeting of 太平洋花园 ----------------------------------------
SEATS = [
    ("yanshuji", "community", 201),  # the community secretary
    ("shequ", "community", 201),  # community staff (a login without a person record)
    ("lixiansheng", "community", 403),  # a resident cannot sign in as 社区
    ("zhaozhuren", "community", 403),
    ("wangjingli", "community", 403),
    ("wuganbu", "community", 403),  # a subdistrict cadre is not the community
    ("lijing", "community", 404),  # another community's secretary does not see the meeting
    ("zhaozhuren", "autonomous", 201),  # chair of the committee (a member, current term)
    ("weiyuan", "autonomous", 201),
    ("lixiansheng", "autonomous", 403),
    ("chen", "autonomous", 403),  # a building head is not the committee
    ("yanshuji", "autonomous", 403),
    ("wangjingli", "property", 201),  # property staff of the estate, company under contract
    ("zhaozhuren", "property", 403),
    ("shequ", "property", 403),
    ("zhangjingli", "property", 404),  # 义乌城's property staff: another estate
    ("liukezhang", "department", 403),  # a department's officer not summoned
    ("lixiansheng", "department", 403),
    ("zhaozhuren", "estate_branch", 201),  # the branch secretary
    ("lixiansheng", "estate_branch", 403),
    ("yanshuji", "community_party", 201),
    ("lixiansheng", "community_party", 403),
    ("lixiansheng", "owner_rep", 201),  # open parties are anyone's who sees the meeting
    ("wangayi", "member", 404),  # 义乌城's resident does not see 太平洋花园's meeting
]


@pytest.mark.parametrize(("username", "party", "status"), SEATS)
def test_who_may_sign_in_as_which_seat_api(login, joint, username, party, status):
    response = login(username).post(f"/api/v1/meetings/{joint.pk}/attendance", {"party": party},
                                     content_type="application/json")
    assert response.status_code == status, response.content.decode()
    if status == 403:
        assert rules.SEAT_HOLDERS[party][0] in response.json()["detail"]
        assert not Attendance.objects.filter(meeting=joint).exists()


@pytest.mark.parametrize(("username", "party", "status"), SEATS)
def test_who_may_sign_in_as_which_seat_page(login, joint, username, party, status):
    response = login(username).post(f"/meetings/{joint.pk}/", {"sign_in": "1", "party": party})
    assert response.status_code == (302 if status == 201 else status)
    if status == 403:
        assert rules.SEAT_HOLDERS[party][0] in response.content.decode()


def test_the_resident_who_signs_in_as_the_community_is_refused_naming_the_seat(login, joint):
    page = login("lixiansheng").get(f"/meetings/{joint.pk}/").content.decode()
    assert 'value="community"' not in page and 'value="owner_rep"' in page  # the page offers no such seat
    response = login("lixiansheng").post(f"/api/v1/meetings/{joint.pk}/attendance", {"party": "community"},
                                         content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == rules.seat_message(rules.SEAT_DENIED, "community")
    assert "“社区”" in response.json()["detail"]
    assert not Attendance.objects.filter(meeting=joint).exists()


def test_the_page_offers_each_persona_only_the_seats_they_hold(login, joint):
    page = login("yanshuji").get(f"/meetings/{joint.pk}/").content.decode()
    mine = page[page.index('data-api="meeting_sign_in"'):page.index("我签到")]
    assert 'value="community"' in mine and 'value="community_party"' in mine and 'value="property"' not in mine
    page = login("wangjingli").get(f"/meetings/{joint.pk}/").content.decode()
    mine = page[page.index('data-api="meeting_sign_in"'):page.index("我签到")]
    assert 'value="property"' in mine and 'value="community"' not in mine and 'value="autonomous"' not in mine


def test_the_convener_cannot_sign_a_required_seat_in_for_someone(persona, joint):
    secretary = persona("yanshuji")
    manager = Person.objects.get(user=persona("wangjingli"))  # who really is the property's staff
    with pytest.raises(PermissionDenied, match=re.escape(rules.seat_message(rules.SEAT_IN_PERSON, "property"))):
        svc.meeting_sign_in(secretary, meeting_id=joint.pk, party="property", person_id=manager.pk)
    with pytest.raises(PermissionDenied, match=re.escape(rules.seat_message(rules.SEAT_IN_PERSON, "community"))):
        svc.meeting_sign_in(secretary, meeting_id=joint.pk, party="community", person_id=Person.objects.create(name="x").pk)
    assert not Attendance.objects.filter(meeting=joint).exists()


def test_the_convener_alone_cannot_make_a_joint_meeting_quorate(persona, joint):
    """Before: the secretary signed in three made-up people as 社区, 业委会 and 物业 and decided alone."""
    secretary = persona("yanshuji")
    svc.meeting_sign_in(secretary, meeting_id=joint.pk, party="community")
    for party in ("autonomous", "property"):
        with pytest.raises(PermissionDenied):
            svc.meeting_sign_in(secretary, meeting_id=joint.pk, party=party, person_id=Person.objects.create(name=party).pk)
    assert not quorum_check(joint).ok
    with pytest.raises(WrongState, match=re.escape(quorum.PARTY_ABSENT.split("：")[0])):
        svc.decision_record(secretary, meeting_id=joint.pk, matter_id=Matter.objects.get(title=PARKING).pk,
                            text="同意", votes_for=1)
    svc.meeting_sign_in(persona("zhaozhuren"), meeting_id=joint.pk, party="autonomous")
    svc.meeting_sign_in(persona("wangjingli"), meeting_id=joint.pk, party="property")
    assert quorum_check(joint).ok
    decision = svc.decision_record(secretary, meeting_id=joint.pk, matter_id=Matter.objects.get(title=PARKING).pk,
                                   text="同意", votes_for=3)
    assert decision.passed
    seated = dict(Attendance.objects.filter(meeting=joint).values_list("party", "organisation__kind"))
    assert seated == {"community": None, "autonomous": OrgKind.OWNERS_COMMITTEE, "property": OrgKind.PROPERTY_COMPANY}


def test_the_convener_records_an_open_party_or_a_seat_holder_at_a_meeting_that_does_not_require_it(persona, clock):
    dispatch = open_meeting(persona, clock, kind="monthly_dispatch")
    secretary = persona("yanshuji")
    chair_person = Person.objects.get(user=persona("zhaozhuren"))
    assert svc.meeting_sign_in(secretary, meeting_id=dispatch.pk, party="autonomous", person_id=chair_person.pk)
    expert = Person.objects.create(name="外请专家")
    assert svc.meeting_sign_in(secretary, meeting_id=dispatch.pk, party="expert", person_id=expert.pk)
    stranger = Person.objects.get(user=persona("lixiansheng"))
    refusal = rules.seat_message(rules.PERSON_NOT_SEATED, "property", name=stranger.name)
    with pytest.raises(PermissionDenied, match=re.escape(refusal)):
        svc.meeting_sign_in(secretary, meeting_id=dispatch.pk, party="property", person_id=stranger.pk)
    other_community = Person.objects.filter(ownerships__unit__estate=estate("安和苑1号院")).first()  # out of sight
    with pytest.raises(NotFound):
        svc.meeting_sign_in(secretary, meeting_id=dispatch.pk, party="owner_rep", person_id=other_community.pk)


def test_property_staff_of_another_estate_is_not_the_property_here(persona, joint):
    """义乌城's manager, who can see 太平洋花园 (he also lives there), is not 太平洋物业's staff."""
    zhang = persona("zhangjingli")
    role_assign(None, user_id=zhang.pk, role=Role.RESIDENT, anchor_field="unit", anchor_id=unit(PACIFIC, "2-1-301").pk)
    with pytest.raises(PermissionDenied, match=re.escape(rules.seat_message(rules.SEAT_DENIED, "property"))):
        svc.meeting_sign_in(zhang, meeting_id=joint.pk, party="property")


def test_property_staff_anchored_over_many_estates_is_not_the_contracted_company(persona, joint, world):
    """A property role anchored at the community covers 太平洋花园 but is not its contracted company's."""
    zhang = persona("zhangjingli")
    role_assign(None, user_id=zhang.pk, role=Role.PROPERTY_STAFF, anchor_field="community",
                anchor_id=estate(PACIFIC).community_id)
    with pytest.raises(PermissionDenied):
        svc.meeting_sign_in(zhang, meeting_id=joint.pk, party="property")
    # a member of the contracted company's staff list is
    company = Organisation.objects.get(estate=estate(PACIFIC), kind=OrgKind.PROPERTY_COMPANY)
    person = Person.objects.create(name="张海涛", user=zhang)
    Membership.objects.create(organisation=company, person=person, role=MemberRole.STAFF)
    assert svc.meeting_sign_in(zhang, meeting_id=joint.pk, party="property").organisation == company


def test_a_former_committee_member_no_longer_holds_the_seat(persona, joint, clock):
    membership = Membership.objects.get(organisation__estate=estate(PACIFIC), organisation__kind=OrgKind.OWNERS_COMMITTEE,
                                        person__user=persona("weiyuan"), active=True)
    Membership.objects.filter(pk=membership.pk).update(term_end=clock.today - DAY)  # the term has ended
    with pytest.raises(PermissionDenied, match=re.escape(rules.seat_message(rules.SEAT_DENIED, "autonomous"))):
        svc.meeting_sign_in(persona("weiyuan"), meeting_id=joint.pk, party="autonomous")


def test_a_summoned_departments_officer_takes_the_department_seat(persona, login, joint):
    officer = persona("liukezhang")
    with pytest.raises(PermissionDenied, match=re.escape(rules.seat_message(rules.SEAT_DENIED, "department"))):
        svc.meeting_sign_in(officer, meeting_id=joint.pk, party="department")
    page = login("yanshuji").get(f"/meetings/{joint.pk}/").content.decode()
    assert 'data-api="meeting_invite"' in page and f'value="{officer.pk}"' in page
    assert login("yanshuji").post(f"/meetings/{joint.pk}/", {"invite": "1", "user": [officer.pk]}).status_code == 302
    attendance = svc.meeting_sign_in(officer, meeting_id=joint.pk, party="department")
    assert attendance.user == officer and attendance.name == "刘建军" and attendance.organisation is None


def test_only_the_convener_invites_and_only_people_who_serve_the_estate(persona, joint):
    with pytest.raises(PermissionDenied):
        svc.meeting_invite(persona("lixiansheng"), meeting_id=joint.pk, user_ids=[persona("liukezhang").pk])
    with pytest.raises(NotFound):  # 义乌城's owner does not serve 太平洋花园
        svc.meeting_invite(persona("yanshuji"), meeting_id=joint.pk, user_ids=[persona("wangayi").pk])
    assert svc.meeting_invite(persona("yanshuji"), meeting_id=joint.pk, user_ids=[persona("liukezhang").pk]) == 1
    assert svc.meeting_invite(persona("yanshuji"), meeting_id=joint.pk, user_ids=[persona("liukezhang").pk]) == 0


def test_seat_predicates_at_their_edges(persona, joint, clock):
    """rules.seat_for: an ended role no longer holds; a committee without a current term has no seat."""
    shequ = persona("shequ")
    assert rules.seat_for(shequ, "community", joint) is not None
    from gongzhi.people.models import RoleAssignment

    RoleAssignment.objects.filter(user=shequ).update(valid_until=clock.today - DAY)
    assert rules.seat_for(shequ, "community", joint) is None
    committee = Organisation.objects.get(estate=estate(PACIFIC), kind=OrgKind.OWNERS_COMMITTEE)
    Organisation.objects.filter(pk=committee.pk).update(term_end=clock.today - DAY)
    assert rules.seat_for(persona("zhaozhuren"), "autonomous", joint) is None
    assert rules.seat_for(None, "community", joint) is None
    assert rules.seat_for(persona("lixiansheng"), "expert", joint) is not None


# --- action items: assigned to the one responsible ----------------------------------------------------------
@pytest.fixture
def parking():
    return Matter.objects.select_related("estate").get(title=PARKING)


def test_an_item_assigned_to_someone_else_shows_on_their_home_not_the_typists(persona, login, parking, clock):
    response = login("zhaozhuren").post(f"/matters/{parking.pk}/", {
        "action": "1", "text": "出具停车收费方案", "assignee": f"user:{persona('weiyuan').pk}",
        "due_on": (clock.today + 7 * DAY).isoformat()})
    assert response.status_code == 302
    item = ActionItem.objects.get(text="出具停车收费方案")
    assert item.owner == persona("weiyuan") and item.created_by == persona("zhaozhuren")
    home = login("weiyuan").get("/").content.decode()
    assert 'data-testid="my-action-items"' in home and "出具停车收费方案" in home
    typist = login("zhaozhuren").get("/").content.decode()
    # not among her own tasks (her home's overview of this month's meetings lists it under 黄志强)
    mine = re.search(r'data-testid="my-action-items">(.*?)</section>', typist, re.S)
    assert mine is None or "出具停车收费方案" not in mine.group(1)
    assert "出具停车收费方案</a> <small>黄志强" in typist
    mine = login("weiyuan").get("/api/v1/action-items?mine=true").json()["items"]
    assert [i["text"] for i in mine if i["id"] == item.pk] == ["出具停车收费方案"]
    assert item.pk not in [i["id"] for i in login("zhaozhuren").get("/api/v1/action-items?mine=true").json()["items"]]
    everyone = login("lixiansheng").get(f"/api/v1/action-items?matter_id={parking.pk}").json()["items"]
    assert item.pk in [i["id"] for i in everyone]  # others in scope read it


def test_an_item_assigned_to_a_body_is_seen_by_whoever_acts_for_it(persona, login, parking):
    """The demo's parking item is assigned to 太平洋物业 (the company), not to a person."""
    item = ActionItem.objects.get(matter=parking, text="物业统计外来车辆停放情况")
    assert item.organisation.kind == OrgKind.PROPERTY_COMPANY and item.owner is None
    assert persona("wangjingli").pk in rules.action_assignees(item)
    assert "物业统计外来车辆停放情况" in login("wangjingli").get("/").content.decode()
    assert item in selectors.my_open_action_items(persona("wangjingli"))
    assert item not in selectors.my_open_action_items(persona("zhaozhuren"))


@pytest.mark.parametrize(("username", "status"), [
    ("weiyuan", 200),  # the one responsible
    ("zhaozhuren", 403),  # who typed it
    ("yanshuji", 403),  # an organiser
    ("lixiansheng", 403),  # a resident in scope
    ("wangayi", 404),  # another estate
])
def test_who_marks_an_item_done(persona, login, parking, clock, username, status):
    item = svc.action_add(persona("zhaozhuren"), matter_id=parking.pk, text="报价", owner_id=persona("weiyuan").pk,
                          due_on=clock.today + DAY)
    response = login(username).post(f"/api/v1/action-items/{item.pk}/done")
    assert response.status_code == status
    item.refresh_from_db()
    assert (item.done_at is not None) == (status == 200)
    if status == 200:
        assert item.done_by == persona("weiyuan")
        assert login(username).post(f"/api/v1/action-items/{item.pk}/done").status_code == 409


def test_the_body_item_is_marked_done_by_its_staff_not_by_the_typist(persona, login, parking):
    item = ActionItem.objects.get(matter=parking, text="物业统计外来车辆停放情况")
    page = login("zhaozhuren").get(f"/matters/{parking.pk}/").content.decode()
    assert f'name="done" value="{item.pk}"' not in page
    assert login("zhaozhuren").post(f"/matters/{parking.pk}/", {"done": item.pk}).status_code == 403
    page = login("wangjingli").get(f"/matters/{parking.pk}/").content.decode()
    assert f'name="done" value="{item.pk}"' in page
    assert login("wangjingli").post(f"/matters/{parking.pk}/", {"done": item.pk}).status_code == 302
    item.refresh_from_db()
    assert item.done_by == persona("wangjingli")


def test_a_body_without_logins_is_followed_up_by_the_organisers(persona, parking, clock):
    body = bodies.organisation_create(None, kind=OrgKind.PARTNER_UNIT, name="共建单位（无账号）",
                                      community_id=parking.estate.community_id)
    item = svc.action_add(persona("zhaozhuren"), matter_id=parking.pk, text="联系共建单位", organisation_id=body.pk,
                          due_on=clock.today + DAY)
    assert rules.action_assignees(item) == set()
    assert rules.may_mark_action_done(persona("zhaozhuren"), item)
    assert not rules.may_mark_action_done(persona("lixiansheng"), item)


def test_assignees_outside_the_estate_answer_as_missing(persona, parking, clock):
    chair = persona("zhaozhuren")
    with pytest.raises(NotFound):  # 义乌城's owner serves nothing at 太平洋花园
        svc.action_add(chair, matter_id=parking.pk, text="x", owner_id=persona("wangayi").pk, due_on=clock.today)
    with pytest.raises(NotFound):  # 义乌城's property company
        svc.action_add(chair, matter_id=parking.pk, text="x", due_on=clock.today, organisation_id=Organisation.objects.get(
            estate=estate(YIWU), kind=OrgKind.PROPERTY_COMPANY).pk)
    with pytest.raises(NotFound):  # a meeting of another estate
        svc.action_add(chair, matter_id=parking.pk, text="x", owner_id=persona("weiyuan").pk, due_on=clock.today,
                       meeting_id=Meeting.objects.filter(estate__isnull=False).exclude(estate=parking.estate)
                       .values_list("pk", flat=True).first()
                       or 99_999_999)
    assert not ActionItem.objects.filter(text="x").exists()


def test_overdue_reminders_go_to_the_body_that_is_responsible(persona, parking, clock,
                                                              django_capture_on_commit_callbacks):
    from gongzhi.core.models import Notification
    from gongzhi.meetings.jobs import send_reminders

    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(clock.now)
    assert Notification.objects.filter(user=persona("wangjingli"), title="行动事项已逾期：物业统计外来车辆停放情况").exists()
    assert not Notification.objects.filter(user=persona("zhaozhuren"),
                                           title="行动事项已逾期：物业统计外来车辆停放情况").exists()
