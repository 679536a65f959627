"""Each persona sees on a meeting's and a matter's page exactly the forms the rules (meetings.rules)
allow: every form shown posts without a 403, and a form the rules deny is not shown. One cell per
persona × page."""

import datetime
import re

import pytest

from gongzhi.core import clock
from gongzhi.meetings import rules
from gongzhi.meetings import services as svc
from gongzhi.meetings.models import ActionItem, Matter, MatterStatus, Meeting
from gongzhi.meetings.procedures import Procedure
from tests.helpers import PACIFIC, estate
from tests.votes.page_forms import submissions, submit

pytestmark = pytest.mark.usefixtures("world")

PERSONAS = ["wangayi", "lixiansheng", "zuhu", "zhaozhuren", "weiyuan", "chen", "louzhang2", "dangyuan",
            "wanggeyuan", "zhangjingli", "wangjingli", "shequ", "yanshuji", "sunjiancha", "lijing", "wuganbu",
            "liukezhang", "zhengbaobao", "zhoushenji", "guanliyuan"]
PARKING = "规范地面停车收费"  # four_discussions, waiting for its joint meeting, an overdue action item
LIFTS = "更换 9 部老旧电梯"  # hearing: bids, deliveries half done, an action item for the property manager


def meeting_in(state: str, persona) -> Meeting:
    if state == "closed":
        return Meeting.objects.get(title="电梯更换民主听证会")  # held, with minutes
    secretary = persona("yanshuji")
    meeting = svc.meeting_plan(secretary, estate_id=estate(PACIFIC).pk, kind="monthly_dispatch",
                               title=f"调度会（{state}）", scheduled_at=clock.now() + datetime.timedelta(days=2),
                               agenda_ids=[Matter.objects.get(title=PARKING).pk])
    if state == "open":
        svc.meeting_open(secretary, meeting_id=meeting.pk)
    return meeting


def meeting_action(form, name: str) -> str:
    if name == "sign_in":
        return "sign_in_other" if "person" in form.fields else "sign_in"
    return name


def meeting_rules(user, meeting: Meeting) -> dict[str, bool]:
    meeting.refresh_from_db()
    convener = rules.may_convene(user, meeting)
    return {"open": convener, "sign_in_other": convener, "decide": convener, "close": convener,
            "invite": convener and meeting.status != "closed",
            # whoever sees a meeting in session signs themself in, as a party they hold (rules.seat_for)
            "sign_in": meeting.status == "open" and not svc.attended(user, meeting),
            "approve_minutes": svc.attended(user, meeting)
            and not meeting.minutes_approvals.filter(user=user).exists()}


def offered_parties(html: str) -> list[str]:
    """The parties the 我签到 form offers."""
    start = html.find('data-api="meeting_sign_in"')
    if start < 0:
        return []
    form = html[start:html.find("</form>", start)]
    return re.findall(r'<option value="([a-z_]+)"', form)


@pytest.mark.parametrize("state", ["planned", "open", "closed"])
@pytest.mark.parametrize("username", PERSONAS)
def test_meeting_page_shows_only_the_forms_the_rules_allow(login, persona, username, state):
    meeting = meeting_in(state, persona)
    user, client, page = persona(username), login(username), f"/meetings/{meeting.pk}/"
    response = client.get(page)
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        return  # out of sight: no form at all
    rule = meeting_rules(user, meeting)
    shown = [(meeting_action(form, name), form, name, value)
             for form, name, value in submissions(response.content.decode(), page)]
    for action, *_ in shown:
        assert rule[action], f"{username} is shown “{action}”, which the rules deny"
    for party in offered_parties(response.content.decode()):  # every seat offered is one the user holds
        assert rules.seat_for(user, party, meeting) is not None, (username, party)
    for action, form, name, value in shown:
        assert submit(client, form, name, value).status_code != 403, (username, action)


def matter_action(form, name: str) -> str:
    if "step" in form.data:
        return "step"
    if "delivery" in form.data or name == "delivery":
        return "delivery"
    return name


def matter_rules(user, matter: Matter) -> dict:
    organiser = rules.may_organise_matter(user, matter.estate)
    procedure = Procedure.from_data(matter.procedure)
    current = procedure.steps[matter.step_index] if matter.status == MatterStatus.IN_PROGRESS else None
    return {"step": current is not None and rules.may_take_step(user, current, matter.estate),
            "bid": organiser, "choose": organiser, "delivery": organiser, "action": organiser,
            "done": lambda pk: rules.may_mark_action_done(user, ActionItem.objects.get(pk=pk), matter.estate)}


@pytest.mark.parametrize("title", [PARKING, LIFTS])
@pytest.mark.parametrize("username", PERSONAS)
def test_matter_page_shows_only_the_forms_the_rules_allow(login, persona, username, title):
    matter = Matter.objects.select_related("estate").get(title=title)
    user, client, page = persona(username), login(username), f"/matters/{matter.pk}/"
    response = client.get(page)
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        return
    rule = matter_rules(user, matter)
    # the advisers' section (services) posts to its own pages and is tested with them
    shown = [(matter_action(form, name), form, name, value)
             for form, name, value in submissions(response.content.decode(), page) if form.action == page]
    for action, _form, _name, value in shown:
        allowed = rule[action](int(value)) if action == "done" else rule[action]
        assert allowed, f"{username} is shown “{action}”, which the rules deny"
    for action, form, name, value in shown:
        assert submit(client, form, name, value).status_code != 403, (username, action)
