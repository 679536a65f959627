"""Meetings above the estate, the gaps closed (issue 21, item 1): the numbers count a community's, subdistrict's
and district's own meetings at their level (the window's last day in, the day after out); an above-estate
meeting's decision enters the transparency log at the meeting's place (an estate's does not, its procedure
publishes it); the convener's 代为签到 list names the required units' officers; and a step's attachment is
served only through a scoped view (a stranger gets 404), never by the storage's own URL."""

import base64
import datetime

import pytest
from django.urls import reverse

from gongzhi.core import clock as source
from gongzhi.core.errors import WrongState
from gongzhi.meetings import records, selectors
from gongzhi.meetings import services as svc
from gongzhi.meetings.models import Attendance, Decision, Meeting, MeetingStatus
from gongzhi.notices import log
from gongzhi.notices.models import LogLeaf
from tests.helpers import PACIFIC, YIWU, estate
from tests.meetings.test_above_estate import mingfu, post, sub, unit

pytestmark = pytest.mark.usefixtures("world")
API = "/api/v1"
DAY = datetime.timedelta(days=1)
PDF = base64.b64encode(b"%PDF-1.4 minutes").decode()


# --- the numbers count each level's own meetings -----------------------------------------------------------------
def test_the_numbers_count_the_communitys_own_meetings_at_its_level(persona, clock):
    dispatch = Meeting.objects.filter(community=mingfu(), kind="monthly_dispatch", status=MeetingStatus.CLOSED)
    last = max(source.local_date(m.scheduled_at) for m in dispatch)
    start = clock.today - 400 * DAY
    held = selectors.numbers(fetched_by=persona("yanshuji"), community_id=mingfu().pk, start=start, end=last)
    assert held["meetings_by_level"]["community"] == dispatch.count() >= 12
    assert held["meetings_by_type"]["monthly_dispatch"] == dispatch.count()
    assert held["meetings_by_level"]["estate"] >= 1  # 太平洋花园's, below the community, count too
    assert held["meetings_held"] == sum(held["meetings_by_level"].values())
    before = selectors.numbers(fetched_by=persona("yanshuji"), community_id=mingfu().pk, start=start,
                               end=last - DAY)  # the window ends the day before the last one
    assert before["meetings_by_level"]["community"] == dispatch.count() - 1
    # another community's secretary counts none of them
    assert selectors.numbers(fetched_by=persona("lijing"), start=start, end=last)["meetings_by_level"]["community"] == 0


def test_the_numbers_count_the_subdistricts_meetings_on_the_page_and_in_the_api(login, clock):
    start = (clock.today - 400 * DAY).isoformat()
    api = login("wuganbu").get(f"{API}/meetings/numbers?start={start}&subdistrict_id={sub().pk}").json()
    assert api["meetings_by_level"]["subdistrict"] == Meeting.objects.filter(
        subdistrict=sub(), status=MeetingStatus.CLOSED).count() >= 1
    assert api["meetings_by_type"]["special_push"] >= 1
    page = login("wuganbu").get(f"/meetings/numbers/?start={start}").content.decode()
    assert f'data-testid="held-subdistrict">{api["meetings_by_level"]["subdistrict"]}<' in page
    assert 'data-testid="held-community">' in page


# --- above-estate decisions in the transparency log -------------------------------------------------------------
@pytest.fixture
def community_push(persona, clock):
    matter = svc.matter_create(persona("yanshuji"), community_id=mingfu().pk, title="两个小区的停车协调",
                               procedure="coordination", estate_ids=[estate(PACIFIC).pk, estate(YIWU).pk])
    meeting = svc.meeting_plan(persona("yanshuji"), community_id=mingfu().pk, kind="monthly_dispatch",
                               title="明福社区停车协调会", scheduled_at=clock.now + DAY, agenda_ids=[matter.pk])
    svc.meeting_open(persona("yanshuji"), meeting_id=meeting.pk)
    return meeting, matter


def test_the_demo_subdistrict_push_meetings_decision_is_in_the_log():
    decision = Decision.objects.get(meeting__kind="special_push", meeting__subdistrict__isnull=False)
    leaf = LogLeaf.objects.get(kind=records.KIND, ref_id=decision.pk)
    assert leaf.estate_id is None and leaf.community_id is None  # filed at the subdistrict
    assert '"level":"subdistrict"' in leaf.entry and "飞线充电整治专项推进会" in leaf.entry


def test_a_community_meetings_decision_enters_the_log_at_the_community(login, persona, community_push):
    meeting, matter = community_push
    assert post(login("yanshuji"), f"/meetings/{meeting.pk}/attendance", {"party": "community"}).status_code == 201
    size = log.log_size()
    decided = post(login("yanshuji"), f"/meetings/{meeting.pk}/decisions",
                   {"matter_id": matter.pk, "text": "两个小区错时共享车位", "votes_for": 1})
    assert decided.status_code == 201, decided.content
    decision = Decision.objects.get(pk=decided.json()["id"])
    leaf = LogLeaf.objects.get(kind=records.KIND, ref_id=decision.pk)
    assert leaf.index == size and log.log_size() == size + 1 and log.latest_head().tree_size == size + 1
    assert leaf.community_id == mingfu().pk and leaf.estate_id is None
    assert "两个小区错时共享车位" in leaf.entry and '"passed":true' in leaf.entry
    assert log.entries_for(log.record_kind(records.KIND), [decision.pk])[decision.pk] == leaf.entry  # verifiable
    detail = login("yanshuji").get(f"{API}/meetings/{meeting.pk}").json()
    assert [d["log_index"] for d in detail["decisions"]] == [leaf.index]
    page = login("yanshuji").get(f"/meetings/{meeting.pk}/").content.decode()
    assert f'href="{reverse("notices:notice_verify", args=[leaf.index])}" data-testid="decision-log"' in page
    # who reads the entry: those who see the meeting; the others see the leaf's hash only
    kind = log.record_kind(records.KIND)
    assert kind.visible_ids(persona("wuganbu"), [decision.pk]) == {decision.pk}
    assert kind.visible_ids(persona("lijing"), [decision.pk]) == set()
    assert kind.visible_ids(persona("wangayi"), [decision.pk]) == set()


def test_an_estate_meetings_decision_is_not_entered_by_itself(persona, clock):
    from tests.meetings.test_meetings import joint_meeting

    matter = svc.matter_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="议题",
                               procedure="four_discussions")
    svc.matter_step(persona("zhaozhuren"), matter_id=matter.pk, step_key="propose")
    meeting = joint_meeting(persona, matter)
    decision = meeting.decisions.get()
    assert not LogLeaf.objects.filter(kind=records.KIND, ref_id=decision.pk).exists()


def test_a_refused_decision_enters_nothing(login, community_push):
    meeting, matter = community_push
    size = log.log_size()
    bad = post(login("yanshuji"), f"/meetings/{meeting.pk}/decisions", {"matter_id": matter.pk, "text": "x",
                                                                        "votes_for": 5})  # more votes than present
    assert bad.status_code in (400, 409)
    assert log.log_size() == size and not Decision.objects.filter(meeting=meeting).exists()


# --- 代为签到 above the estate --------------------------------------------------------------------------------------
def test_the_proxy_list_above_the_estate_names_the_required_units_officers(login, persona, clock):
    meeting = svc.meeting_plan(persona("wuganbu"), subdistrict_id=sub().pk, kind="special_push", title="推进会",
                               scheduled_at=clock.now + DAY, unit_ids=[unit("区住建局").pk, unit("区城管执法局").pk])
    svc.meeting_open(persona("wuganbu"), meeting_id=meeting.pk)
    officers = [m.person for m in unit("区城管执法局").memberships.filter(active=True)]
    listed = svc.proxy_memberships(persona("wuganbu"), meeting)
    assert {m.organisation.name for m in listed} >= {"区住建局", "区城管执法局"}
    page = login("wuganbu").get(f"/meetings/{meeting.pk}/").content.decode()
    assert "代为签到" in page and f'<option value="{officers[0].pk}">{officers[0].name}（区城管执法局）' in page
    api = {c["person_id"]: c["organisation_name"]
           for c in login("wuganbu").get(f"{API}/meetings/{meeting.pk}").json()["proxy_candidates"]}
    assert api[officers[0].pk] == "区城管执法局"
    assert login("liukezhang").get(f"{API}/meetings/{meeting.pk}").json()["proxy_candidates"] == []
    # the convener records one of them present (as a member: a required seat is confirmed in person)
    made = post(login("wuganbu"), f"/meetings/{meeting.pk}/attendance", {"party": "member", "person_id": officers[0].pk})
    assert made.status_code == 201, made.content
    assert Attendance.objects.filter(meeting=meeting, person=officers[0], party="member").exists()
    # the list is the convener's only
    assert "代为签到" not in login("liukezhang").get(f"/meetings/{meeting.pk}/").content.decode()


def test_a_stranger_is_not_on_the_proxy_list_and_answers_as_missing(login, persona, clock):
    from gongzhi.people.models import Person

    meeting = svc.meeting_plan(persona("yanshuji"), community_id=mingfu().pk, kind="monthly_dispatch", title="调度会",
                               scheduled_at=clock.now + DAY)
    svc.meeting_open(persona("yanshuji"), meeting_id=meeting.pk)
    stranger = Person.objects.filter(ownerships__unit__estate__name="育才新村").first()
    assert stranger is not None
    assert stranger.pk not in {m.person_id for m in svc.proxy_memberships(persona("yanshuji"), meeting)}
    response = post(login("yanshuji"), f"/meetings/{meeting.pk}/attendance", {"party": "member",
                                                                              "person_id": stranger.pk})
    assert response.status_code == 404
    assert not Attendance.objects.filter(meeting=meeting, person=stranger).exists()


# --- a step's attachment through a scoped view ---------------------------------------------------------------------
@pytest.fixture
def attached(login):
    made = post(login("zhaozhuren"), "/matters", {"estate_id": estate(PACIFIC).pk, "title": "楼道照明改造",
                                                  "procedure": "branch_first"}).json()
    step = post(login("weiyuan"), f"/matters/{made['id']}/steps", {
        "step_key": "propose", "note": "居民反映", "attachment": {"name": "照片说明.pdf", "data_base64": PDF}})
    assert step.status_code == 201, step.content
    return made["id"], step.json()["steps"][0]["attachment_url"]


ATTACHMENT = {"zhaozhuren": 200, "weiyuan": 200, "yanshuji": 200,
              "lijing": 404, "zhangjingli": 404, "zhengbaobao": 404}


@pytest.mark.parametrize("who", list(ATTACHMENT))
def test_a_steps_attachment_is_served_only_to_those_who_read_the_matter(login, attached, who):
    matter_id, url = attached
    assert url.startswith("/matters/steps/") and "?" not in url  # no storage (presigned) link
    client = login(who)
    readable = client.get(f"{API}/matters/{matter_id}").status_code == 200
    response = client.get(url)
    assert response.status_code == ATTACHMENT[who]
    assert readable == (ATTACHMENT[who] == 200)
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == b"%PDF-1.4 minutes"
        assert response["Content-Disposition"].startswith("attachment")
    else:
        assert b"%PDF" not in response.content


def test_the_attachment_is_not_served_to_nobody_and_a_missing_one_is_404(login, attached):
    from django.test import Client

    _, url = attached
    assert Client().get(url).status_code == 302  # to the login page
    assert login("zhaozhuren").get("/matters/steps/99999999/attachment/").status_code == 404


def test_the_matter_page_links_the_scoped_view(login, attached):
    matter_id, url = attached
    page = login("zhaozhuren").get(f"/matters/{matter_id}/").content.decode()
    assert f'href="{url}" data-testid="step-attachment"' in page and "/media/" not in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_decisions_of_one_matter_at_once_make_one_decision_and_one_log_entry(world, persona, clock):
    from tests.helpers import race

    matter = svc.matter_create(persona("yanshuji"), community_id=mingfu().pk, title="并发决定", procedure="coordination")
    meeting = svc.meeting_plan(persona("yanshuji"), community_id=mingfu().pk, kind="monthly_dispatch",
                               title="并发调度会", scheduled_at=clock.now + DAY, agenda_ids=[matter.pk])
    svc.meeting_open(persona("yanshuji"), meeting_id=meeting.pk)
    svc.meeting_sign_in(persona("yanshuji"), meeting_id=meeting.pk, party="community")
    size = log.log_size()
    results = race([lambda: svc.decision_record(persona("yanshuji"), meeting_id=meeting.pk, matter_id=matter.pk,
                                                text="同意", votes_for=1)] * 2)
    assert sum(isinstance(r, Decision) for r in results) == 1, results
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    decision = Decision.objects.get(meeting=meeting)
    assert LogLeaf.objects.filter(kind=records.KIND).count() == LogLeaf.objects.filter(
        kind=records.KIND, ref_id__in=Decision.objects.values("pk")).count()
    assert LogLeaf.objects.filter(kind=records.KIND, ref_id=decision.pk).count() == 1
    assert log.log_size() == size + 1
