"""Meetings, matters, action items and resolutions over /api/v1: the flows end to end through the same
services as the pages; who may call each operation (persona × operation → status, another estate's
ids answered like missing ones); bad input refused with a clear message and nothing written."""

import base64
import datetime

import pytest

from gongzhi.core.api_schema import CONTROL_CHARACTERS
from gongzhi.core.files import ATTACHMENT_TYPE
from gongzhi.core.money import AMOUNT_TOO_LARGE
from gongzhi.core.text import TEXT_TOO_LONG
from gongzhi.meetings import services as svc
from gongzhi.meetings.models import ActionItem, Attendance, Bid, DeliveryItem, Matter, MatterStep, Meeting
from gongzhi.meetings.services.matters import NOTE_MAX
from tests.helpers import PACIFIC, YIWU, estate

pytestmark = pytest.mark.usefixtures("world")
API = "/api/v1"
DAY = datetime.timedelta(days=1)
MISSING = 99_999_999
PARKING = "规范地面停车收费"
LIFTS = "更换 9 部老旧电梯"
PDF = base64.b64encode(b"%PDF-1.4 minutes").decode()


def post(client, url, body=None):
    return client.post(API + url, body or {}, content_type="application/json")


def get(client, url):
    return client.get(API + url)


@pytest.fixture
def parking():
    return Matter.objects.select_related("estate").get(title=PARKING)


@pytest.fixture
def planned(persona, clock, parking):
    return svc.meeting_plan(persona("yanshuji"), estate_id=parking.estate_id, kind="joint_1_3_n", title="1+3+N（API）",
                            scheduled_at=clock.now + DAY, agenda_ids=[parking.pk])


@pytest.fixture
def in_session(persona, planned):
    svc.meeting_open(persona("yanshuji"), meeting_id=planned.pk)
    return planned


@pytest.fixture
def quorate(persona, in_session):
    for username, party in (("yanshuji", "community"), ("zhaozhuren", "autonomous"), ("wangjingli", "property")):
        svc.meeting_sign_in(persona(username), meeting_id=in_session.pk, party=party)
    return in_session


@pytest.fixture
def closed(persona, quorate, parking):
    svc.decision_record(persona("yanshuji"), meeting_id=quorate.pk, matter_id=parking.pk, text="同意", votes_for=3)
    svc.meeting_close(persona("yanshuji"), meeting_id=quorate.pk, minutes="议定：同意规范停车收费。")
    return quorate


# --- end to end -------------------------------------------------------------------------------------------
def test_a_joint_meeting_end_to_end_over_the_api(login, clock, parking):
    when = (clock.now + 2 * DAY).isoformat()
    made = post(login("yanshuji"), "/meetings", {"estate_id": parking.estate_id, "kind": "joint_1_3_n",
                                                 "title": "停车收费联席会", "scheduled_at": when, "place": "红领工作站",
                                                 "agenda_ids": [parking.pk]})
    assert made.status_code == 201, made.content
    meeting = made.json()
    assert meeting["required_parties"] == ["community", "autonomous", "property"] and meeting["agenda_ids"] == [parking.pk]
    mid = meeting["id"]
    assert post(login("yanshuji"), f"/meetings/{mid}/open").json()["status"] == "open"
    assert set(get(login("lixiansheng"), f"/meetings/{mid}").json()["my_parties"]) == {"member", "owner_rep", "expert"}
    assert "community" in get(login("yanshuji"), f"/meetings/{mid}").json()["my_parties"]
    for username, party in (("yanshuji", "community"), ("zhaozhuren", "autonomous"), ("wangjingli", "property")):
        response = post(login(username), f"/meetings/{mid}/attendance", {"party": party})
        assert response.status_code == 201, response.content
    detail = get(login("yanshuji"), f"/meetings/{mid}").json()
    assert detail["quorum"]["ok"] and [a["party"] for a in detail["attendance"]] == ["community", "autonomous", "property"]
    decided = post(login("yanshuji"), f"/meetings/{mid}/decisions",
                   {"matter_id": parking.pk, "text": "同意规范地面停车收费", "votes_for": 3})
    assert decided.status_code == 201 and decided.json()["passed"]
    assert post(login("yanshuji"), f"/meetings/{mid}/decisions",
                {"matter_id": parking.pk, "text": "再议", "votes_for": 3}).status_code == 409
    done = post(login("yanshuji"), f"/meetings/{mid}/close", {"minutes": "议定：同意。"})
    assert done.json()["status"] == "closed" and done.json()["minutes"] == "议定：同意。"
    assert post(login("yanshuji"), f"/meetings/{mid}/decisions",  # deciding on a closed meeting
                {"matter_id": parking.pk, "text": "x", "votes_for": 1}).status_code == 409
    assert post(login("yanshuji"), f"/meetings/{mid}/minutes-approvals").json() == {"confirmed": 1, "approved": False}
    assert post(login("zhaozhuren"), f"/meetings/{mid}/minutes-approvals").json() == {"confirmed": 2, "approved": True}
    twice = post(login("zhaozhuren"), f"/meetings/{mid}/minutes-approvals")  # approving the minutes twice
    assert twice.status_code == 409 and twice.json()["detail"] == svc.MINUTES_APPROVED_ALREADY
    assert post(login("lixiansheng"), f"/meetings/{mid}/minutes-approvals").status_code == 403
    # the matter now records its joint step with this meeting, over the API too
    step = post(login("yanshuji"), f"/matters/{parking.pk}/steps", {"step_key": "joint", "meeting_id": mid})
    assert step.status_code == 201 and step.json()["current_step"] == "members"


def test_a_matter_end_to_end_with_an_attachment_and_action_items(login, persona, clock):
    made = post(login("zhaozhuren"), "/matters", {"estate_id": estate(PACIFIC).pk, "title": "楼道照明改造",
                                                  "procedure": "branch_first", "amount": "1200.50",
                                                  "description": "3 号楼楼道灯不亮"})
    assert made.status_code == 201, made.content
    matter = made.json()
    assert matter["current_step"] == "propose" and not matter["major"] and matter["procedure"][0]["key"] == "propose"
    step = post(login("weiyuan"), f"/matters/{matter['id']}/steps", {
        "step_key": "propose", "note": "居民反映", "attachment": {"name": "照片说明.pdf", "data_base64": PDF}})
    assert step.status_code == 201, step.content
    recorded = step.json()["steps"][0]
    assert recorded["key"] == "propose" and recorded["note"] == "居民反映" and recorded["attachment_url"]
    skipped = post(login("weiyuan"), f"/matters/{matter['id']}/steps", {"step_key": "execute"})
    assert skipped.status_code == 409
    bad = post(login("zhaozhuren"), f"/matters/{matter['id']}/steps", {
        "step_key": "branch_review", "attachment": {"name": "x.exe", "data_base64": base64.b64encode(b"MZ").decode()}})
    assert bad.status_code == 400 and ATTACHMENT_TYPE.format(name="x.exe") in bad.json()["detail"]
    not_base64 = post(login("zhaozhuren"), f"/matters/{matter['id']}/steps", {
        "step_key": "branch_review", "attachment": {"name": "a.pdf", "data_base64": "%%%"}})
    assert not_base64.status_code == 400
    assert MatterStep.objects.filter(matter_id=matter["id"]).count() == 1
    item = post(login("zhaozhuren"), f"/matters/{matter['id']}/action-items", {
        "text": "物业出具维修报价", "due_on": (clock.today + 7 * DAY).isoformat(), "owner_id": persona("wangjingli").pk})
    assert item.status_code == 201, item.content
    assert item.json()["assignee"] == "王建伟" and not item.json()["mine"] and not item.json()["may_mark_done"]
    mine = get(login("wangjingli"), "/action-items?mine=true&open=true").json()["items"]
    assert item.json()["id"] in [i["id"] for i in mine] and all(i["mine"] for i in mine)
    assert post(login("wangjingli"), f"/action-items/{item.json()['id']}/done").json()["done_at"]
    detail = get(login("lixiansheng"), f"/matters/{matter['id']}").json()
    assert [a["text"] for a in detail["action_items"]] == ["物业出具维修报价"]
    assert [m["id"] for m in get(login("zhaozhuren"), f"/matters?estate_id={estate(PACIFIC).pk}").json()["items"]
            if m["id"] == matter["id"]] == [matter["id"]]


def test_hearing_bids_and_deliveries_over_the_api(login, persona):
    lifts = Matter.objects.get(title=LIFTS)
    assert post(login("zhaozhuren"), f"/matters/{lifts.pk}/bids",
                {"supplier": "某公司", "amount": "100000"}).status_code == 409  # past the bidding step
    chosen = Bid.objects.get(matter=lifts, chosen=True)
    other = Bid.objects.filter(matter=lifts, chosen=False).first()
    assert post(login("zhaozhuren"), f"/bids/{other.pk}/choose").status_code == 409  # chosen already
    assert Bid.objects.get(matter=lifts, chosen=True) == chosen
    added = post(login("zhaozhuren"), f"/matters/{lifts.pk}/deliveries", {"label": "10号楼电梯"})
    assert added.status_code == 201 and added.json()["status"] == "pending"
    updated = post(login("zhaozhuren"), f"/matters/{lifts.pk}/deliveries", {"item_id": added.json()["id"],
                                                                           "status": "done"})
    assert updated.json()["status"] == "done"
    other_matter = Matter.objects.exclude(pk=lifts.pk).filter(deliveries__isnull=True).first()
    assert post(login("zhaozhuren"), f"/matters/{other_matter.pk}/deliveries",
                {"item_id": added.json()["id"], "status": "done"}).status_code == 404
    hearing = get(login("lixiansheng"), f"/matters/{lifts.pk}").json()
    assert len(hearing["bids"]) == 3 and len(hearing["deliveries"]) == 10


def test_resolutions_are_listed_within_the_callers_estates(login):
    mine = get(login("lixiansheng"), "/resolutions").json()
    assert mine["count"] >= 4 and {r["estate_id"] for r in mine["items"]} == {estate(PACIFIC).pk}
    assert get(login("wangayi"), f"/resolutions?estate_id={estate(PACIFIC).pk}").json()["count"] == 0
    assert get(login("lixiansheng"), "/resolutions?limit=1").json()["items"][0]["notice_kind"] in (
        "resolution", "implementation")


# --- who may call what: persona × operation → status --------------------------------------------------------
def _operation(name, persona, clock, parking, planned, in_session, closed_meeting):
    """(method, url, body) of one operation on 太平洋花园's objects."""
    when = (clock.now + 3 * DAY).isoformat()
    operations = {
        "meeting_plan": lambda: ("post", "/meetings", {"estate_id": parking.estate_id, "kind": "special", "title": "专题会",
                                               "scheduled_at": when}),
        "meeting_open": lambda: ("post", f"/meetings/{planned().pk}/open", None),
        "meeting_invite": lambda: ("post", f"/meetings/{planned().pk}/invitations", {"user_ids": [persona("liukezhang").pk]}),
        "decision_record": lambda: ("post", f"/meetings/{in_session().pk}/decisions",
                            {"matter_id": parking.pk, "text": "x", "votes_for": 1}),
        "meeting_close": lambda: ("post", f"/meetings/{in_session().pk}/close", {"minutes": "纪要"}),
        "minutes_approve": lambda: ("post", f"/meetings/{closed_meeting().pk}/minutes-approvals", None),
        "meeting_get": lambda: ("get", f"/meetings/{planned().pk}", None),
        "matter_create": lambda: ("post", "/matters", {"estate_id": parking.estate_id, "title": "议题",
                                               "procedure": "branch_first"}),
        "matter_get": lambda: ("get", f"/matters/{parking.pk}", None),
        "matter_step": lambda: ("post", f"/matters/{parking.pk}/steps", {"step_key": "joint"}),
        "action_add": lambda: ("post", f"/matters/{parking.pk}/action-items", {
            "text": "跟进", "due_on": clock.today.isoformat(), "owner_id": persona("weiyuan").pk}),
        "delivery_set": lambda: ("post", f"/matters/{Matter.objects.get(title=LIFTS).pk}/deliveries", {"label": "新增"}),
    }
    return operations[name]()


GRID = {
    # operation:       zhaozhuren yanshuji lixiansheng wangjingli wangayi  zhangjingli
    "meeting_plan":    (201,       201,     403,        403,       404,     404),
    # a 1+3+N meeting is convened by the community secretary, not by the committee's chair
    "meeting_open":    (403,       200,     403,        403,       404,     404),
    "meeting_invite":  (403,       201,     403,        403,       404,     404),
    "decision_record": (403,       409,     403,        403,       404,     404),  # no quorum yet: 409
    "meeting_close":   (403,       200,     403,        403,       404,     404),
    "minutes_approve": (201,       201,     403,        201,       404,     404),  # attendees only
    "meeting_get":     (200,       200,     200,        200,       404,     404),
    "matter_create":   (201,       201,     403,        403,       404,     404),
    "matter_get":      (200,       200,     200,        200,       404,     404),
    "matter_step":     (400,       400,     403,        400,       404,     404),  # needs its meeting: 400
    "action_add":      (201,       201,     403,        403,       404,     404),
    "delivery_set":    (201,       201,     403,        403,       404,     404),
}
PERSONAS = ("zhaozhuren", "yanshuji", "lixiansheng", "wangjingli", "wangayi", "zhangjingli")
CELLS = [(op, who, statuses[i]) for op, statuses in GRID.items() for i, who in enumerate(PERSONAS)]


@pytest.mark.parametrize(("operation", "username", "status"), CELLS)
def test_who_may_call_each_operation(login, persona, clock, parking, operation, username, status, request):
    def planned():
        return request.getfixturevalue("planned")

    def in_session():
        return request.getfixturevalue("in_session")

    def closed_meeting():
        return request.getfixturevalue("closed")

    method, url, body = _operation(operation, persona, clock, parking, planned, in_session, closed_meeting)
    client = login(username)
    response = get(client, url) if method == "get" else post(client, url, body)
    assert response.status_code == status, response.content.decode()


@pytest.mark.parametrize("url", ["/meetings", "/matters", "/action-items", "/resolutions"])
def test_lists_hold_only_the_callers_estates(login, url):
    items = get(login("wangayi"), url + "?limit=1000").json()["items"]
    pacific = estate(PACIFIC).pk
    assert all(i.get("estate_id", None) != pacific for i in items)
    if url == "/action-items":
        assert all(ActionItem.objects.get(pk=i["id"]).matter.estate_id != pacific for i in items)
    assert get(login("lixiansheng"), url).json()["count"] >= 1


# --- bad input: a clear message, nothing written -----------------------------------------------------------
@pytest.mark.parametrize(("url", "body"), [
    ("/meetings/{missing}/open", None),
    ("/meetings/{missing}/attendance", {"party": "member"}),
    ("/meetings/{missing}/decisions", {"matter_id": 1, "text": "x", "votes_for": 1}),
    ("/meetings/{missing}/close", {"minutes": ""}),
    ("/meetings/{missing}/minutes-approvals", None),
    ("/matters/{missing}/steps", {"step_key": "propose"}),
    ("/matters/{missing}/bids", {"supplier": "x", "amount": "1"}),
    ("/matters/{missing}/deliveries", {"label": "x"}),
    ("/matters/{missing}/action-items", {"text": "x", "due_on": "2030-01-01", "owner_id": 1}),
    ("/action-items/{missing}/done", None),
    ("/bids/{missing}/choose", None),
])
def test_unknown_ids_answer_404(login, url, body):
    assert post(login("guanliyuan"), url.format(missing=MISSING), body).status_code == 404


def test_another_estates_ids_answer_404_like_missing_ones(login, persona, clock):
    yiwu_meeting = svc.meeting_plan(persona("yanshuji"), estate_id=estate(YIWU).pk, kind="monthly_dispatch",
                                    title="义乌城调度会", scheduled_at=clock.now)
    missing = get(login("zhaozhuren"), f"/meetings/{MISSING}")
    for answer in (get(login("zhaozhuren"), f"/meetings/{yiwu_meeting.pk}"),
                   post(login("zhaozhuren"), f"/meetings/{yiwu_meeting.pk}/open"),
                   post(login("zhaozhuren"), f"/meetings/{yiwu_meeting.pk}/attendance", {"party": "member"})):
        assert answer.status_code == 404 and answer.json() == missing.json()
    parking = Matter.objects.get(title=PARKING)
    other_agenda = post(login("yanshuji"), "/meetings", {"estate_id": estate(YIWU).pk, "kind": "monthly_dispatch",
                                                         "title": "x", "scheduled_at": clock.now.isoformat(),
                                                         "agenda_ids": [parking.pk]})
    assert other_agenda.status_code == 404 and not Meeting.objects.filter(title="x").exists()


@pytest.mark.parametrize(("field", "value", "status"), [
    ("title", "会议\x00名称", 422),  # control characters
    ("title", "长" * 201, 422),  # over-long
    ("title", "", 422),
    ("place", "\x07", 422),
    ("scheduled_at", "2026-02-30T09:00:00", 422),  # impossible date
    ("scheduled_at", "2099-01-01T09:00:00+08:00", 400),  # absurdly far
    ("scheduled_at", "1999-01-01T09:00:00+08:00", 400),
    ("kind", "no_such_kind", 400),
    ("repeat_months", 13, 422),
    ("agenda_ids", [MISSING], 404),
    ("estate_id", MISSING, 404),
    ("estate_id", "1", 422),  # a JSON number, not text
    ("extra", 1, 422),
])
def test_meeting_plan_refuses_bad_input(login, clock, field, value, status):
    body = {"estate_id": estate(PACIFIC).pk, "kind": "special", "title": "专题会（坏输入）",
            "scheduled_at": (clock.now + DAY).isoformat(), field: value}
    before = Meeting.objects.count()
    response = post(login("zhaozhuren"), "/meetings", body)
    assert response.status_code == status, response.content.decode()
    assert response.json()["detail"] and Meeting.objects.count() == before


@pytest.mark.parametrize(("body", "status"), [
    ({"title": "议题\x1b", "procedure": "branch_first"}, 422),
    ({"title": "议" * 201, "procedure": "branch_first"}, 422),
    ({"title": "议题", "procedure": "nonexistent"}, 400),
    ({"title": "议题", "procedure": "branch_first", "amount": "1e9"}, 422),
    ({"title": "议题", "procedure": "branch_first", "amount": "0"}, 422),
    ({"title": "议题", "procedure": "branch_first", "amount": "-5"}, 422),
    ({"title": "议题", "procedure": "branch_first", "amount": "1.001"}, 422),
    ({"title": "议题", "procedure": "branch_first", "source": "rumour"}, 422),
    ({"title": "议题", "procedure": "branch_first", "description": "说" * 5001}, 422),
])
def test_matter_create_refuses_bad_input(login, body, status):
    before = Matter.objects.count()
    response = post(login("zhaozhuren"), "/matters", {"estate_id": estate(PACIFIC).pk, **body})
    assert response.status_code == status, response.content.decode()
    assert Matter.objects.count() == before


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"text": "x", "due_on": "2026-02-30", "owner_id": "weiyuan"}, 422, None),
    ({"text": "x\x00", "due_on": "today", "owner_id": "weiyuan"}, 422, None),
    ({"text": "x" * 301, "due_on": "today", "owner_id": "weiyuan"}, 422, None),
    ({"text": "x", "due_on": "yesterday", "owner_id": "weiyuan"}, 400, svc.ACTION_DUE_PAST),
    ({"text": "x", "due_on": "far", "owner_id": "weiyuan"}, 400, svc.ACTION_DUE_FAR),
    ({"text": "x", "due_on": "today"}, 400, svc.ASSIGNEE_REQUIRED),
    ({"text": "x", "due_on": "today", "owner_id": "weiyuan", "organisation_id": "company"}, 400, svc.ASSIGNEE_REQUIRED),
    ({"text": "x", "due_on": "today", "owner_id": "wangayi"}, 404, svc.ASSIGNEE_UNKNOWN),
    ({"text": "x", "due_on": "today", "owner_id": "weiyuan", "meeting_id": MISSING}, 404, None),
])
def test_action_add_refuses_bad_input(login, persona, clock, parking, body, status, message):
    from gongzhi.bodies.models import Organisation, OrgKind

    days = {"today": clock.today, "yesterday": clock.today - DAY, "far": clock.today + 6 * 366 * DAY}
    body = dict(body)
    if body["due_on"] in days:
        body["due_on"] = days[body["due_on"]].isoformat()
    if isinstance(body.get("owner_id"), str):
        body["owner_id"] = persona(body["owner_id"]).pk
    if body.get("organisation_id") == "company":
        body["organisation_id"] = Organisation.objects.get(estate=parking.estate, kind=OrgKind.PROPERTY_COMPANY).pk
    before = ActionItem.objects.count()
    response = post(login("zhaozhuren"), f"/matters/{parking.pk}/action-items", body)
    assert response.status_code == status, response.content.decode()
    if message:
        assert response.json()["detail"] == message
    assert ActionItem.objects.count() == before


def test_sign_in_refuses_bad_input(login, in_session):
    client = login("yanshuji")
    assert post(client, f"/meetings/{in_session.pk}/attendance", {"party": "mayor"}).status_code == 422
    assert post(client, f"/meetings/{in_session.pk}/attendance", {"party": "member", "person_id": MISSING}).status_code == 404
    assert post(client, f"/meetings/{in_session.pk}/attendance", {"party": "member", "person_id": "1"}).status_code == 422
    assert not Attendance.objects.filter(meeting=in_session).exists()


def test_a_closed_meeting_refuses_what_belongs_to_a_meeting_in_session(login, closed):
    client = login("yanshuji")
    assert post(client, f"/meetings/{closed.pk}/attendance", {"party": "member"}).status_code == 409
    assert post(client, f"/meetings/{closed.pk}/close", {"minutes": "again"}).status_code == 409
    assert post(client, f"/meetings/{closed.pk}/close", {"minutes": "纪" * 20001}).status_code == 422
    assert post(client, f"/meetings/{closed.pk}/open").status_code == 409
    assert post(client, f"/meetings/{closed.pk}/invitations", {"user_ids": []}).status_code == 422


def test_decisions_refuse_bad_counts_and_text(login, quorate, parking):
    client = login("yanshuji")
    for body, status in (({"text": "x", "votes_for": 4}, 400), ({"text": "x", "votes_for": -1}, 422),
                         ({"text": "x\x00", "votes_for": 1}, 422), ({"text": "x" * 2001, "votes_for": 1}, 422),
                         ({"text": "x", "votes_for": "3"}, 422), ({"text": "x", "votes_for": 1, "matter_id": MISSING}, 400)):
        response = post(client, f"/meetings/{quorate.pk}/decisions", {"matter_id": parking.pk, **body})
        assert response.status_code == status, (body, response.content)
    assert not quorate.decisions.exists()


def test_bids_refuse_bad_amounts(login, persona):
    matter = svc.matter_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="听证", procedure="hearing")
    svc.matter_step(persona("zhaozhuren"), matter_id=matter.pk, step_key="form_group")
    client = login("zhaozhuren")
    for body, status in (({"supplier": "甲", "amount": "1e9"}, 422), ({"supplier": "甲", "amount": "0"}, 422),
                         ({"supplier": "", "amount": "10"}, 422), ({"supplier": "甲\x00", "amount": "10"}, 422),
                         ({"supplier": "甲", "amount": "100000000.01"}, 422)):
        assert post(client, f"/matters/{matter.pk}/bids", body).status_code == status, body
    assert post(client, f"/matters/{matter.pk}/bids", {"supplier": "甲", "amount": "99999.99"}).status_code == 201
    assert list(Bid.objects.filter(matter=matter).values_list("supplier", flat=True)) == ["甲"]


def test_pages_refuse_the_same_bad_input(login, persona, parking):
    """The page forms call the same services: a message on the page, nothing written."""
    client = login("zhaozhuren")
    response = client.post("/matters/", {"estate": estate(PACIFIC).pk, "title": "议题", "procedure": "branch_first",
                                         "source": "proposal", "amount": "1e9"}, follow=True)
    assert AMOUNT_TOO_LARGE in response.content.decode() and not Matter.objects.filter(title="议题").exists()
    response = client.post("/matters/", {"estate": estate(PACIFIC).pk, "title": "议\x00题",
                                         "procedure": "branch_first"}, follow=True)
    assert CONTROL_CHARACTERS in response.content.decode()
    response = client.post(f"/matters/{parking.pk}/", {"action": "1", "text": "x", "assignee": "user:abc",
                                                       "due_on": "2030-01-01"}, follow=True)
    assert svc.ASSIGNEE_REQUIRED in response.content.decode()
    assert client.post(f"/matters/{parking.pk}/", {"action": "1", "text": "x", "due_on": "2030-01-01",
                                                   "assignee": f"user:{persona('wangayi').pk}"}).status_code == 404
    assert not ActionItem.objects.filter(text="x").exists()
    response = client.post(f"/matters/{parking.pk}/", {"step": "joint", "note": "n" * 5001}, follow=True)
    too_long = TEXT_TOO_LONG.format(n=NOTE_MAX)
    assert too_long in response.content.decode() and MatterStep.objects.filter(matter=parking).count() == 1
    lifts = Matter.objects.get(title=LIFTS)
    items = DeliveryItem.objects.count()  # (PostgreSQL cannot even be asked about a NUL in a query)
    response = client.post(f"/matters/{lifts.pk}/", {"delivery": "1", "label": "\x00"}, follow=True)
    assert CONTROL_CHARACTERS in response.content.decode() and DeliveryItem.objects.count() == items
