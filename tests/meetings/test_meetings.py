"""Joint deliberation: each shipped procedure walked to the end on 太平洋花园, and every wrong turn
(a skipped step, the wrong role, no quorum, a missing party, a 三重一大 matter outside a joint
meeting, a meeting closed twice, two people recording the same step)."""

import datetime
import re
from decimal import Decimal

import pytest

from gongzhi.bodies.models import Membership, OrgKind
from gongzhi.core.clock import at, local_date, now
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.roles import Role
from gongzhi.meetings import quorum, selectors
from gongzhi.meetings import services as svc
from gongzhi.meetings.models import ActionItem, Matter, MatterStatus, MatterStep, Meeting
from gongzhi.meetings.procedures import BRANCH_FIRST, FOUR_DISCUSSIONS
from gongzhi.notices.models import Notice
from gongzhi.people.models import Person
from gongzhi.people.services import role_assign
from gongzhi.votes import services as votes
from gongzhi.votes.models import Ballot, RollEntry
from tests.helpers import PACIFIC, estate, race

STEP_ORDER = svc.WRONG_STEP.split("，")[1].split(" / ")[0]  # steps are not skipped or repeated, whichever step


def present(members: int, here: int) -> str:
    """The head of the quorum message: "应到 7 人，实到 3 人"."""
    return quorum.MEMBERS_PRESENT.split("（")[0].format(members=members, here=here)

def wrong_step(procedure, key: str) -> str:
    """The refusal of any step but the current one, `key`."""
    return svc.WRONG_STEP.format(label=procedure.step(key).label)


def not_your_step(procedure, key: str) -> str:
    """The refusal of a step to someone without its roles, naming the roles as the service does."""
    step = procedure.step(key)
    return svc.NOT_YOUR_STEP.format(label=step.label, roles="、".join(str(Role(r).label) for r in step.roles))

pytestmark = pytest.mark.usefixtures("world")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def property_staff(persona):
    """太平洋物业's manager: the property-staff login of the demo, given 太平洋花园 too."""
    user = persona("zhangjingli")
    role_assign(None, user_id=user.pk, role=Role.PROPERTY_STAFF, anchor_field="estate", anchor_id=estate(PACIFIC).pk)
    return user


def person(name):
    return Person.objects.create(name=name)


def members(kind):
    return [m.person for m in Membership.objects.filter(organisation__estate=estate(PACIFIC),
                                                        organisation__kind=kind, active=True)]


# Who holds each seat at 太平洋花园 (in order of preference: one login signs in once per meeting).
HOLDERS = {"community": ["yanshuji", "shequ"], "community_party": ["yanshuji"], "estate_branch": ["zhaozhuren"],
           "autonomous": ["zhaozhuren", "weiyuan"], "property": ["wangjingli"]}


def seat_in(persona, meeting, party, taken: set):
    """A seat holder signs in in person (a required seat is never signed in by the convener)."""
    username = next(u for u in HOLDERS[party] if u not in taken)
    taken.add(username)
    svc.meeting_sign_in(persona(username), meeting_id=meeting.pk, party=party)


def joint_meeting(persona, matter, kind="joint_1_3_n", parties=("community", "autonomous", "property"), passed=True):
    secretary = persona("yanshuji")
    meeting = svc.meeting_plan(secretary, estate_id=matter.estate_id, kind=kind, title="联席会议",
                               scheduled_at=now(), agenda_ids=[matter.pk])
    svc.meeting_open(secretary, meeting_id=meeting.pk)
    taken = set()
    for party in parties:
        if party in HOLDERS:
            seat_in(persona, meeting, party, taken)
        else:  # an open party (业主代表, 专家): the convener records them
            svc.meeting_sign_in(secretary, meeting_id=meeting.pk, party=party, person_id=person(f"{party}代表").pk)
    svc.decision_record(secretary, meeting_id=meeting.pk, matter_id=matter.pk, text="同意" if passed else "暂缓",
                        votes_for=len(parties) if passed else 0, votes_against=0 if passed else len(parties))
    svc.meeting_close(secretary, meeting_id=meeting.pk)
    return meeting


def members_meeting(persona, matter, kind, org_kind, present, votes_for):
    chair = persona("zhaozhuren")
    meeting = svc.meeting_plan(chair, estate_id=matter.estate_id, kind=kind, title="会议",
                               scheduled_at=now(), agenda_ids=[matter.pk])
    svc.meeting_open(chair, meeting_id=meeting.pk)
    for p in members(org_kind)[:present]:
        svc.meeting_sign_in(chair, meeting_id=meeting.pk, party="member", person_id=p.pk)
    svc.decision_record(chair, meeting_id=meeting.pk, matter_id=matter.pk, text="表决", votes_for=votes_for,
                        votes_against=present - votes_for)
    svc.meeting_close(chair, meeting_id=meeting.pk)
    return meeting


def owners_vote(persona, clock, approve=True):
    chair = persona("zhaozhuren")
    vote = votes.vote_create(chair, estate_id=estate(PACIFIC).pk, title="业主表决", item=5,
                             opens_at=clock.now + 15 * DAY, closes_at=clock.now + 20 * DAY)
    votes.vote_announce(chair, vote_id=vote.pk)
    owners = {}
    for e in RollEntry.objects.filter(vote=vote).prefetch_related("persons"):
        owners.setdefault(e.owner_key, e)
    for key, e in list(owners.items())[: int(len(owners) * 0.9)]:
        Ballot.objects.create(vote=vote, owner_key=key, unit=e.unit, voter=e.persons.first(),
                              choice="yes" if approve else "no", entered_by=chair)
    clock.set(vote.closes_at)
    return votes.vote_close(chair, vote_id=vote.pk)


# --- 小区版四议两公开 -----------------------------------------------------------------------------------
def test_four_discussions_two_publications_end_to_end(persona, clock, property_staff):
    chair, secretary = persona("zhaozhuren"), persona("yanshuji")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="更换地下车库照明", procedure="four_discussions",
                               amount=Decimal("86000"), description="老旧灯具 400 套，拟整体更换。")
    assert matter.major  # spending above the line makes it 三重一大
    svc.matter_step(chair, matter_id=matter.pk, step_key="propose", note="支部提议")
    meeting = joint_meeting(persona, matter)
    svc.matter_step(secretary, matter_id=matter.pk, step_key="joint", meeting_id=meeting.pk)
    party = members_meeting(persona, matter, "party_members", OrgKind.ESTATE_BRANCH, present=2, votes_for=2)
    svc.matter_step(chair, matter_id=matter.pk, step_key="members", meeting_id=party.pk)
    vote = owners_vote(persona, clock)
    svc.matter_step(chair, matter_id=matter.pk, step_key="resolve", vote_id=vote.pk)
    svc.matter_step(secretary, matter_id=matter.pk, step_key="publish_resolution")
    svc.matter_step(chair, matter_id=matter.pk, step_key="publish_result", note="已更换 400 套灯具并验收。")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.COMPLETED
    steps = list(MatterStep.objects.filter(matter=matter).values_list("key", flat=True))
    assert steps == ["propose", "joint", "members", "resolve", "publish_resolution", "publish_result"]
    kinds = list(Notice.objects.filter(title__endswith="更换地下车库照明").values_list("kind", flat=True))
    assert sorted(kinds) == ["implementation", "resolution"]  # published twice
    assert [s.notice.title for s in selectors.public_results(estate=estate(PACIFIC))][0].startswith("实施结果公示")


def test_steps_are_not_skipped_repeated_or_done_by_the_wrong_role(persona, property_staff):
    chair = persona("zhaozhuren")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="议题", procedure="four_discussions")
    with pytest.raises(WrongState, match=re.escape(wrong_step(FOUR_DISCUSSIONS, "propose"))):
        svc.matter_step(chair, matter_id=matter.pk, step_key="members")
    with pytest.raises(PermissionDenied, match=re.escape(not_your_step(FOUR_DISCUSSIONS, "propose"))):
        svc.matter_step(property_staff, matter_id=matter.pk, step_key="propose")
    svc.matter_step(chair, matter_id=matter.pk, step_key="propose")
    with pytest.raises(WrongState, match=re.escape(wrong_step(FOUR_DISCUSSIONS, "joint"))):
        svc.matter_step(chair, matter_id=matter.pk, step_key="propose")
    with pytest.raises(InvalidInput, match=re.escape(svc.NEEDS_MEETING)):
        svc.matter_step(chair, matter_id=matter.pk, step_key="joint")
    with pytest.raises(InvalidInput, match=re.escape(svc.UNKNOWN_PROCEDURE)):
        svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="x", procedure="nonexistent")


def test_a_meeting_that_says_no_sends_the_matter_back(persona):
    chair, secretary = persona("zhaozhuren"), persona("yanshuji")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="议题", procedure="four_discussions")
    svc.matter_step(chair, matter_id=matter.pk, step_key="propose")
    meeting = joint_meeting(persona, matter, passed=False)
    with pytest.raises(WrongState, match=re.escape(svc.DECISION_SAYS.format(result="未通过"))):
        svc.matter_step(secretary, matter_id=matter.pk, step_key="joint", meeting_id=meeting.pk)
    svc.matter_step(secretary, matter_id=matter.pk, step_key="joint", meeting_id=meeting.pk, outcome="back",
                    note="方案需修改")
    matter.refresh_from_db()
    assert matter.step_index == 0 and matter.status == MatterStatus.IN_PROGRESS


def test_quorum_and_parties(clock, persona):
    chair, secretary = persona("zhaozhuren"), persona("yanshuji")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="议题", procedure="four_discussions")
    meeting = svc.meeting_plan(secretary, estate_id=matter.estate_id, kind="joint_1_3_n", title="1+3+N",
                               scheduled_at=clock.now, agenda_ids=[matter.pk])
    with pytest.raises(WrongState, match=re.escape(svc.MEETING_NOT_OPEN)):
        svc.decision_record(secretary, meeting_id=meeting.pk, matter_id=matter.pk, text="x", votes_for=1)
    svc.meeting_open(secretary, meeting_id=meeting.pk)
    # each required seat signs in in person (the new control: the convener cannot sign 社区/业委会/物业 in)
    svc.meeting_sign_in(secretary, meeting_id=meeting.pk, party="community")
    svc.meeting_sign_in(chair, meeting_id=meeting.pk, party="autonomous")
    with pytest.raises(WrongState, match=re.escape(quorum.PARTY_ABSENT.split(" /")[0].format(names="物业企业"))):
        svc.decision_record(secretary, meeting_id=meeting.pk, matter_id=matter.pk, text="x", votes_for=2)
    svc.meeting_sign_in(persona("wangjingli"), meeting_id=meeting.pk, party="property")
    with pytest.raises(InvalidInput, match=re.escape(svc.BAD_COUNTS)):
        svc.decision_record(secretary, meeting_id=meeting.pk, matter_id=matter.pk, text="x", votes_for=4)
    decision = svc.decision_record(secretary, meeting_id=meeting.pk, matter_id=matter.pk, text="x", votes_for=2,
                                   votes_against=1)
    assert decision.passed
    with pytest.raises(WrongState, match=re.escape(svc.ALREADY_DECIDED)):
        svc.decision_record(secretary, meeting_id=meeting.pk, matter_id=matter.pk, text="y", votes_for=3)
    other = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="不在议程", procedure="four_discussions")
    with pytest.raises(InvalidInput, match=re.escape(svc.NOT_ON_AGENDA)):
        svc.decision_record(secretary, meeting_id=meeting.pk, matter_id=other.pk, text="x", votes_for=2)
    svc.meeting_close(secretary, meeting_id=meeting.pk)
    with pytest.raises(WrongState, match=re.escape(svc.MEETING_CLOSED_ALREADY)):
        svc.meeting_close(secretary, meeting_id=meeting.pk)
    with pytest.raises(PermissionDenied):
        svc.meeting_plan(persona("lixiansheng"), estate_id=estate(PACIFIC).pk, kind="joint_1_3_n", title="x",
                         scheduled_at=clock.now)


def test_member_quorums_committee_and_party_members(clock, persona):
    chair = persona("zhaozhuren")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="议题", procedure="branch_first")
    committee = members(OrgKind.OWNERS_COMMITTEE)
    assert len(committee) == 7
    meeting = svc.meeting_plan(chair, estate_id=matter.estate_id, kind="owners_committee", title="业委会会议",
                               scheduled_at=clock.now, agenda_ids=[matter.pk])
    svc.meeting_open(chair, meeting_id=meeting.pk)
    for p in committee[:3]:
        svc.meeting_sign_in(chair, meeting_id=meeting.pk, party="member", person_id=p.pk)
    with pytest.raises(WrongState, match=re.escape(present(7, 3))):  # 3 of 7 is not more than half
        svc.decision_record(chair, meeting_id=meeting.pk, matter_id=matter.pk, text="x", votes_for=3)
    svc.meeting_sign_in(chair, meeting_id=meeting.pk, party="member", person_id=committee[3].pk)
    # 4 present; 3 in favour is a majority of those present but not of all 7 members
    assert not svc.decision_record(chair, meeting_id=meeting.pk, matter_id=matter.pk, text="x", votes_for=3,
                                   votes_against=1).passed
    branch = members(OrgKind.ESTATE_BRANCH)
    assert len(branch) == 3
    party = svc.meeting_plan(chair, estate_id=matter.estate_id, kind="party_members", title="党员大会",
                             scheduled_at=clock.now, agenda_ids=[matter.pk])
    svc.meeting_open(chair, meeting_id=party.pk)
    svc.meeting_sign_in(chair, meeting_id=party.pk, party="member", person_id=branch[0].pk)
    with pytest.raises(WrongState, match=re.escape(quorum.TWO_THIRDS)):
        svc.decision_record(chair, meeting_id=party.pk, matter_id=matter.pk, text="x", votes_for=1)
    svc.meeting_sign_in(chair, meeting_id=party.pk, party="member", person_id=branch[1].pk)
    assert svc.decision_record(chair, meeting_id=party.pk, matter_id=matter.pk, text="x", votes_for=2).passed


def test_major_matter_only_at_a_joint_meeting(clock, persona):
    from gongzhi.meetings.models import ProcedureTemplate
    from gongzhi.meetings.procedures import BRANCH_FIRST

    chair = persona("zhaozhuren")
    small = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="小额", procedure="branch_first",
                              amount=Decimal("49999.99"))
    assert not small.major
    # a community's own variant of 四步法 without any joint meeting cannot carry a 三重一大 matter
    data = BRANCH_FIRST.as_data()
    data["steps"][1]["meeting_types"] = ["branch"]
    ProcedureTemplate.objects.create(community_id=estate(PACIFIC).community_id, code="branch_first",
                                     definition={"name": data["name"], "steps": data["steps"]})
    with pytest.raises(InvalidInput, match=re.escape(svc.MAJOR_PROCEDURE)):
        svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="大额支出", procedure="branch_first",
                          amount=Decimal("50000"))  # exactly the line is 三重一大
    assert svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="小额", procedure="branch_first",
                             amount=Decimal("100")).procedure["steps"][1]["meeting_types"] == ["branch"]

    major = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="重大", procedure="four_discussions",
                              major=True)
    meeting = svc.meeting_plan(chair, estate_id=major.estate_id, kind="owners_committee", title="业委会会议",
                               scheduled_at=clock.now, agenda_ids=[major.pk])
    svc.meeting_open(chair, meeting_id=meeting.pk)
    for p in members(OrgKind.OWNERS_COMMITTEE):
        svc.meeting_sign_in(chair, meeting_id=meeting.pk, party="member", person_id=p.pk)
    with pytest.raises(WrongState, match=re.escape(svc.MAJOR_NEEDS_JOINT)):  # outside its procedure
        svc.decision_record(chair, meeting_id=meeting.pk, matter_id=major.pk, text="x", votes_for=7)


def test_major_matter_under_branch_first_needs_the_joint_meeting_at_branch_review(clock, persona):
    chair = persona("zhaozhuren")
    major = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="外墙翻新", procedure="branch_first",
                              amount=Decimal("300000"))
    assert major.major
    svc.matter_step(persona("weiyuan"), matter_id=major.pk, step_key="propose")
    branch = svc.meeting_plan(chair, estate_id=major.estate_id, kind="branch", title="支部委员会",
                              scheduled_at=clock.now, agenda_ids=[major.pk])
    svc.meeting_open(chair, meeting_id=branch.pk)
    for p in members(OrgKind.ESTATE_BRANCH):
        svc.meeting_sign_in(chair, meeting_id=branch.pk, party="estate_branch", person_id=p.pk)
    with pytest.raises(WrongState, match=re.escape(svc.MAJOR_NEEDS_JOINT)):
        svc.decision_record(chair, meeting_id=branch.pk, matter_id=major.pk, text="同意", votes_for=3)
    four = joint_meeting(persona, major, kind="four_party",
                         parties=("community_party", "estate_branch", "autonomous", "property"))
    svc.matter_step(chair, matter_id=major.pk, step_key="branch_review", meeting_id=four.pk)


def test_emergency_meeting_opens_at_once_others_do_not(clock, persona):
    chair = persona("zhaozhuren")
    meeting = svc.meeting_plan(chair, estate_id=estate(PACIFIC).pk, kind="emergency", title="暴雨积水紧急会议",
                               scheduled_at=clock.now, open_now=True)
    assert meeting.status == "open"
    with pytest.raises(InvalidInput, match=re.escape(svc.NOT_IMMEDIATE)):
        svc.meeting_plan(chair, estate_id=estate(PACIFIC).pk, kind="special", title="x", scheduled_at=clock.now,
                         open_now=True)


# --- 支部先议四步法 ---------------------------------------------------------------------------------
def test_branch_first_playground_renovation(clock, persona, property_staff):
    chair, member = persona("zhaozhuren"), persona("weiyuan")
    matter = svc.matter_create(member, estate_id=estate(PACIFIC).pk, title="儿童游乐场改造",
                               procedure="branch_first", amount=Decimal("28000"))
    svc.matter_step(member, matter_id=matter.pk, step_key="propose")
    branch = svc.meeting_plan(chair, estate_id=matter.estate_id, kind="branch", title="支部委员会",
                              scheduled_at=clock.now, agenda_ids=[matter.pk])
    svc.meeting_open(chair, meeting_id=branch.pk)
    for p in members(OrgKind.ESTATE_BRANCH):
        svc.meeting_sign_in(chair, meeting_id=branch.pk, party="estate_branch", person_id=p.pk)
    svc.decision_record(chair, meeting_id=branch.pk, matter_id=matter.pk, text="同意提交业委会", votes_for=3)
    svc.matter_step(chair, matter_id=matter.pk, step_key="branch_review", meeting_id=branch.pk)
    committee = members_meeting(persona, matter, "owners_committee", OrgKind.OWNERS_COMMITTEE, present=6, votes_for=5)
    svc.matter_step(member, matter_id=matter.pk, step_key="committee_resolve", meeting_id=committee.pk)
    with pytest.raises(PermissionDenied, match=re.escape(not_your_step(BRANCH_FIRST, "execute"))):
        svc.matter_step(chair, matter_id=matter.pk, step_key="execute")
    svc.matter_step(property_staff, matter_id=matter.pk, step_key="execute", note="已完工")
    svc.matter_step(chair, matter_id=matter.pk, step_key="publish_result")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.COMPLETED


# --- 民主听证 -----------------------------------------------------------------------------------------
def test_lift_replacement_hearing(persona, clock, property_staff):
    chair = persona("zhaozhuren")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="更换 9 部老旧电梯", procedure="hearing",
                               amount=Decimal("2700000"), major=True)
    svc.matter_step(chair, matter_id=matter.pk, step_key="form_group", note="业主代表 5 人、业委会 2 人、物业 1 人、专家 2 人")
    for supplier, amount in (("甲电梯", "2650000"), ("乙电梯", "2710000")):
        svc.bid_add(chair, matter_id=matter.pk, supplier=supplier, amount=Decimal(amount))
    with pytest.raises(WrongState, match=re.escape(svc.TOO_FEW_BIDS)):
        svc.matter_step(chair, matter_id=matter.pk, step_key="bids")
    third = svc.bid_add(chair, matter_id=matter.pk, supplier="丙电梯", amount=Decimal("2590000"))
    svc.matter_step(chair, matter_id=matter.pk, step_key="bids")
    with pytest.raises(WrongState, match=re.escape(svc.NOT_A_BID_STEP)):
        svc.bid_add(chair, matter_id=matter.pk, supplier="丁", amount=Decimal("1"))
    hearing = joint_meeting(persona, matter, kind="hearing",
                            parties=("owner_rep", "autonomous", "property", "expert"))
    svc.matter_step(chair, matter_id=matter.pk, step_key="hearing", meeting_id=hearing.pk)
    vote = owners_vote(persona, clock)
    svc.matter_step(chair, matter_id=matter.pk, step_key="owners_choose", vote_id=vote.pk)
    svc.bid_choose(chair, bid_id=third.pk)
    svc.matter_step(chair, matter_id=matter.pk, step_key="publish_award", note="丙电梯中标，合同已签订。")
    lifts = [svc.delivery_set(chair, matter_id=matter.pk, label=f"{n}号楼电梯") for n in range(1, 10)]
    for lift in lifts[:4]:
        svc.delivery_set(chair, matter_id=matter.pk, label="", item_id=lift.pk, status="done")
    with pytest.raises(WrongState, match=re.escape(svc.DELIVERY_OPEN.format(done=4, total=9))):
        svc.matter_step(chair, matter_id=matter.pk, step_key="delivery")
    for lift in lifts[4:]:
        svc.delivery_set(chair, matter_id=matter.pk, label="", item_id=lift.pk, status="done")
    svc.matter_step(property_staff, matter_id=matter.pk, step_key="delivery")
    svc.matter_step(chair, matter_id=matter.pk, step_key="publish_result")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.COMPLETED and matter.bids.get(chosen=True).supplier == "丙电梯"


# --- action items and numbers ----------------------------------------------------------------------
def test_overdue_action_items_and_numbers(persona, clock):
    chair = persona("zhaozhuren")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="议题", procedure="four_discussions")
    svc.matter_step(chair, matter_id=matter.pk, step_key="propose")
    meeting = joint_meeting(persona, matter)
    item = svc.action_add(chair, matter_id=matter.pk, text="物业出具维修方案", owner_id=chair.pk,
                          due_on=clock.today + DAY, meeting_id=meeting.pk)
    with pytest.raises(InvalidInput, match=re.escape(svc.ACTION_DUE_PAST)):
        svc.action_add(chair, matter_id=matter.pk, text="x", owner_id=chair.pk,
                       due_on=clock.today - DAY)
    today = clock.today
    period = dict(start=today - 30 * DAY, end=today)
    numbers = selectors.numbers(fetched_by=persona("yanshuji"), community_id=estate(PACIFIC).community_id, **period)
    assert numbers["meetings_by_type"].get("joint_1_3_n", 0) >= 1 and numbers["matters_decided"] >= 1
    already = numbers["overdue_actions"]  # the demo's own overdue item
    clock.set(clock.now + 2 * DAY)
    later = selectors.numbers(fetched_by=persona("yanshuji"), community_id=estate(PACIFIC).community_id, **period)
    assert later["overdue_actions"] == already + 1
    svc.action_done(chair, item_id=item.pk)
    assert ActionItem.objects.get(pk=item.pk).done_at is not None
    assert selectors.numbers(fetched_by=persona("yanshuji"), **period)["overdue_actions"] == already
    assert selectors.numbers(fetched_by=persona("lijing"), **period)["meetings_held"] == 0  # another community


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_recording_the_same_step_at_once(world, persona):
    from django.contrib.auth import get_user_model

    matter = svc.matter_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="并发",
                               procedure="four_discussions")
    users = [get_user_model().objects.get(username=u) for u in ("zhaozhuren", "zhaozhuren")]
    results = race([lambda u=u: svc.matter_step(u, matter_id=matter.pk, step_key="propose") for u in users])
    assert sum(isinstance(r, MatterStep) for r in results) == 1
    assert sum(isinstance(r, WrongState) for r in results) == 1
    assert MatterStep.objects.filter(matter=matter).count() == 1


# --- pages -------------------------------------------------------------------------------------------
@pytest.fixture
def committee_meeting(clock, persona):
    chair = persona("zhaozhuren")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="楼道照明改造", procedure="branch_first")
    meeting = svc.meeting_plan(chair, estate_id=matter.estate_id, kind="owners_committee", title="业委会例会",
                               scheduled_at=clock.now, agenda_ids=[matter.pk])
    return matter, meeting


PAGES = {"matter": "/matters/{matter}/", "meeting": "/meetings/{meeting}/", "resolutions": "/estates/{estate}/resolutions/"}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize(("username", "status"), [(None, 302), ("wangayi", 404), ("lixiansheng", 200)])
def test_meeting_and_matter_pages_by_persona(login, client, committee_meeting, page, username, status):
    matter, meeting = committee_meeting
    url = PAGES[page].format(matter=matter.pk, meeting=meeting.pk, estate=matter.estate_id)
    assert (login(username) if username else client).get(url).status_code == status


def test_meeting_and_matter_pages_with_permissions(login, committee_meeting):
    matter, meeting = committee_meeting
    assert login("lixiansheng").post(f"/meetings/{meeting.pk}/", {"open": "1"}).status_code == 403
    assert login("zhaozhuren").post(f"/meetings/{meeting.pk}/", {"open": "1"}).status_code == 302
    for p in members(OrgKind.OWNERS_COMMITTEE)[:4]:
        login("zhaozhuren").post(f"/meetings/{meeting.pk}/", {"sign_in": "1", "party": "member", "person": p.pk})
    page = login("zhaozhuren").get(f"/meetings/{meeting.pk}/").content.decode()
    assert present(7, 4) in page
    assert login("lixiansheng").post(f"/meetings/{meeting.pk}/", {"decide": matter.pk, "text": "x",
                                                                   "votes_for": 4}).status_code == 403
    response = login("zhaozhuren").post(f"/meetings/{meeting.pk}/", {"decide": matter.pk, "text": "同意改造",
                                                                      "votes_for": "4"}, follow=True)
    assert "同意改造" in response.content.decode()
    bad = login("zhaozhuren").post(f"/meetings/{meeting.pk}/", {"decide": matter.pk, "text": "again",
                                                                "votes_for": "x"}, follow=True)
    assert svc.ALREADY_DECIDED in bad.content.decode() or svc.BAD_COUNTS in bad.content.decode()
    assert login("lixiansheng").post(f"/matters/{matter.pk}/", {"step": "propose"}).status_code == 403
    response = login("weiyuan").post(f"/matters/{matter.pk}/", {"step": "propose", "note": "居民反映楼道太暗"},
                                     follow=True)
    assert "居民反映楼道太暗" in response.content.decode()
    skipped = login("weiyuan").post(f"/matters/{matter.pk}/", {"step": "execute"}, follow=True)
    assert STEP_ORDER in skipped.content.decode()
    numbers = login("yanshuji").get("/meetings/numbers/").content.decode()
    assert 'data-testid="numbers"' in numbers


# --- invitations, recurrence, reminders, minutes -------------------------------------------------
def test_invitations_recurrence_and_reminders(persona, property_staff, django_capture_on_commit_callbacks):
    from gongzhi.core.models import Notification
    from gongzhi.meetings.jobs import send_reminders
    from gongzhi.meetings.services import add_months

    secretary = persona("yanshuji")
    first = at(datetime.datetime(2027, 1, 31, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        meeting = svc.meeting_plan(secretary, estate_id=estate(PACIFIC).pk, kind="monthly_dispatch",
                                   title="月度调度会", scheduled_at=first, repeat_months=2)
    series = list(Meeting.objects.filter(title="月度调度会").order_by("scheduled_at").values_list("scheduled_at", flat=True))
    assert [local_date(t) for t in series] == [datetime.date(2027, 1, 31), datetime.date(2027, 2, 28),
                                                               datetime.date(2027, 3, 31)]
    assert local_date(add_months(first, 13)) == datetime.date(2028, 2, 29)
    invited = set(meeting.invitations.values_list("user__username", flat=True))
    assert {"zhaozhuren", "weiyuan", "wangjingli", "shequ", "yanshuji"} <= invited
    assert "lixiansheng" not in invited and "wangayi" not in invited
    assert Notification.objects.filter(user=persona("zhaozhuren"), title="会议通知：月度调度会").count() == 3
    day_before = first - datetime.timedelta(hours=20)
    with django_capture_on_commit_callbacks(execute=True):
        sent, _ = send_reminders(day_before)
        again, _ = send_reminders(day_before)  # a second run (or a concurrent one) sends nothing more
    assert sent == len(invited) and again == 0
    assert Notification.objects.filter(user=persona("zhaozhuren"), title="会议提醒：月度调度会").count() == 1
    with pytest.raises(InvalidInput, match=re.escape(svc.BAD_REPEAT)):
        svc.meeting_plan(secretary, estate_id=estate(PACIFIC).pk, kind="monthly_dispatch", title="x",
                         scheduled_at=first, repeat_months=13)


def test_overdue_follow_up_notifies_the_owner_once_a_day(persona, clock, django_capture_on_commit_callbacks):
    from gongzhi.core.models import Notification
    from gongzhi.meetings.jobs import send_reminders

    chair = persona("zhaozhuren")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="议题", procedure="four_discussions")
    svc.action_add(chair, matter_id=matter.pk, text="出具维修方案", owner_id=persona("weiyuan").pk,
                   due_on=clock.today)
    clock.set(clock.now + 2 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(clock.now)
        send_reminders(clock.now)
    assert Notification.objects.filter(user=persona("weiyuan"), title="行动事项已逾期：出具维修方案").count() == 1
    clock.set(clock.now + DAY)
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(clock.now)
    assert Notification.objects.filter(user=persona("weiyuan"), title="行动事项已逾期：出具维修方案").count() == 2


def test_minutes_are_confirmed_by_attendees(clock, persona, login):
    chair = persona("zhaozhuren")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="议题", procedure="branch_first")
    meeting = svc.meeting_plan(chair, estate_id=matter.estate_id, kind="special", title="专题会",
                               scheduled_at=clock.now, agenda_ids=[matter.pk])
    svc.meeting_open(chair, meeting_id=meeting.pk)
    svc.meeting_sign_in(chair, meeting_id=meeting.pk, party="autonomous")  # herself
    svc.meeting_sign_in(persona("weiyuan"), meeting_id=meeting.pk, party="autonomous")
    svc.meeting_sign_in(chair, meeting_id=meeting.pk, party="owner_rep", person_id=person("业主代表").pk)
    with pytest.raises(WrongState, match=re.escape(svc.NO_MINUTES)):
        svc.minutes_approve(chair, meeting_id=meeting.pk)
    svc.meeting_close(chair, meeting_id=meeting.pk, minutes="议定：先做方案。")
    with pytest.raises(PermissionDenied, match=re.escape(svc.NOT_AN_ATTENDEE)):
        svc.minutes_approve(persona("lixiansheng"), meeting_id=meeting.pk)
    assert svc.minutes_approve(chair, meeting_id=meeting.pk) == 1
    assert not svc.minutes_approved(meeting)  # 1 of 3
    login("weiyuan").post(f"/meetings/{meeting.pk}/", {"approve_minutes": "1"})
    assert svc.minutes_approved(meeting)  # 2 of 3
    assert "纪要已确认" in login("weiyuan").get(f"/meetings/{meeting.pk}/").content.decode()


def test_a_community_adds_its_own_meeting_type(clock, persona, login):
    from gongzhi.meetings.models import MeetingTypeConfig

    MeetingTypeConfig.objects.create(community_id=estate(PACIFIC).community_id, code="building_council",
                                     name="楼栋议事会", conveners=["committee_chair"],
                                     required=["autonomous", "owner_rep"])
    chair = persona("zhaozhuren")
    matter = svc.matter_create(chair, estate_id=estate(PACIFIC).pk, title="楼道堆物清理", procedure="branch_first")
    meeting = svc.meeting_plan(chair, estate_id=estate(PACIFIC).pk, kind="building_council", title="3号楼议事会",
                               scheduled_at=clock.now, agenda_ids=[matter.pk])
    svc.meeting_open(chair, meeting_id=meeting.pk)
    svc.meeting_sign_in(chair, meeting_id=meeting.pk, party="autonomous")
    with pytest.raises(WrongState, match=re.escape(quorum.PARTY_ABSENT.split(" /")[0].format(names="业主代表"))):
        svc.decision_record(chair, meeting_id=meeting.pk, matter_id=matter.pk, text="x", votes_for=1)
    svc.meeting_sign_in(chair, meeting_id=meeting.pk, party="owner_rep", person_id=person("楼栋业主").pk)
    assert svc.decision_record(chair, meeting_id=meeting.pk, matter_id=matter.pk, text="清理", votes_for=2).passed
    with pytest.raises(InvalidInput, match=re.escape(svc.UNKNOWN_TYPE)):  # 安和苑社区 has no such type
        svc.meeting_plan(persona("lijing"), estate_id=estate("安和苑1号院").pk, kind="building_council",
                         title="x", scheduled_at=clock.now)
    assert "楼栋议事会" in login("zhaozhuren").get("/matters/").content.decode()


def test_the_inbox_shows_messages_and_marks_them_read(login, persona, django_capture_on_commit_callbacks):
    from gongzhi.core.notifications import INBOX_PAGE, notify, unread_count

    before = unread_count(persona("weiyuan"))  # the demo's own meeting notices
    with django_capture_on_commit_callbacks(execute=True):
        notify([persona("weiyuan")], title="会议通知：测试", link="/matters/")
    assert unread_count(persona("weiyuan")) == before + 1
    page = login("weiyuan").get("/inbox/").content.decode()
    assert "会议通知：测试" in page
    assert unread_count(persona("weiyuan")) == max(0, before + 1 - INBOX_PAGE), "the page's messages are read"
    assert "会议通知：测试" not in login("lixiansheng").get("/inbox/").content.decode()


def test_impossible_dates_and_the_wrong_role_on_the_matter_and_meeting_forms(login):
    estate_id = estate(PACIFIC).pk
    assert login("zhaozhuren").get("/meetings/numbers/?start=2026-02-30&end=x").status_code == 200
    response = login("zhaozhuren").post("/meetings/new/", {"estate": estate_id, "kind": "special", "title": "t",
                                                           "scheduled_at": "2026-02-30T09:00"})
    assert response.status_code == 400 and svc.WHEN_REQUIRED in response.content.decode()
    assert login("lixiansheng").post("/matters/", {"estate": estate_id, "title": "x",
                                                   "procedure": "branch_first"}).status_code == 403
    assert login("lixiansheng").post("/meetings/new/", {"estate": estate_id, "kind": "joint_1_3_n", "title": "x",
                                                        "scheduled_at": "2026-12-01T09:00"}).status_code == 403
    assert login("wangayi").post("/matters/", {"estate": estate_id, "title": "x",
                                               "procedure": "branch_first"}).status_code == 404


def test_a_refused_form_comes_back_open_with_what_was_typed_and_nothing_is_made(login):
    """A wrong amount or a matter number that is not a number: the same page, the message, the typed
    title and place kept; no matter or meeting is made and nothing says it was done."""
    estate_id = estate(PACIFIC).pk
    matters, meetings = Matter.objects.count(), Meeting.objects.count()
    page = login("zhaozhuren").post("/matters/", {
        "estate": estate_id, "title": "二期外墙渗水维修", "description": "5栋西侧", "procedure": "branch_first",
        "amount": "三万"})
    html = page.content.decode()
    assert page.status_code == 400 and svc.BAD_AMOUNT in html
    assert 'value="二期外墙渗水维修"' in html and "5栋西侧</textarea>" in html and 'value="三万"' in html
    assert "议题已建立" not in html
    page = login("zhaozhuren").post("/meetings/new/", {
        "estate": estate_id, "kind": "special", "title": "十二月联席会", "place": "红色议事厅",
        "scheduled_at": "2027-01-20T09:00", "agenda": ["xyz"]})
    html = page.content.decode()
    assert page.status_code == 400 and svc.AGENDA_UNKNOWN in html
    assert 'value="十二月联席会"' in html and 'value="红色议事厅"' in html and 'value="2027-01-20T09:00"' in html
    assert "会议已通知" not in html
    assert (Matter.objects.count(), Meeting.objects.count()) == (matters, meetings)


def test_an_invitee_that_is_not_a_number_is_refused_not_dropped(login, persona):
    """Inviting "xyz" with a real invitee used to invite the one and report 已邀请 as if all were done."""
    meeting = Meeting.objects.filter(estate=estate(PACIFIC)).exclude(status="closed").first()
    invited = meeting.invitations.count()
    page = login("zhaozhuren").post(f"/meetings/{meeting.pk}/", {"invite": "1", "user": [persona("dangyuan").pk, "xyz"]},
                                    follow=True)
    assert svc.NOT_AN_INVITEE in page.content.decode() and "已邀请" not in page.content.decode()
    assert meeting.invitations.count() == invited
