"""Owners' votes on the demo estate 太平洋花园: the 15-day rule, the frozen roll, one ballot per
owner (several flats, co-owners, the developer), paper ballots checked by a second person,
closing with the legal result published in the transparency log, secrecy, and races."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.notices.models import LogLeaf, Notice
from gongzhi.people.models import Ownership, Person
from gongzhi.people.services import role_assign
from gongzhi.votes import services
from gongzhi.votes.models import Ballot, BallotStatus, RollEntry, Vote, VoteStatus
from tests.helpers import PACIFIC, YIWU, estate, race, unit

pytestmark = pytest.mark.usefixtures("world")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def clock(monkeypatch):
    """Move the clock: clock.set(t) makes timezone.now() return t."""

    class Clock:
        now = timezone.now().replace(microsecond=0)

        def set(self, when):
            self.now = when

    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


def draft(persona, clock, **overrides):
    fields = dict(estate_id=estate(PACIFIC).pk, title="续聘物业服务企业", item=4,
                  opens_at=clock.now + 15 * DAY, closes_at=clock.now + 25 * DAY)
    fields.update(overrides)
    return services.vote_create(persona("zhaozhuren"), **fields)


@pytest.fixture
def open_vote(persona, clock):
    vote = draft(persona, clock)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    clock.set(vote.opens_at)
    return vote


# --- announcing ------------------------------------------------------------------------------------
def test_announce_at_exactly_fifteen_days_freezes_the_roll_and_publishes_a_notice(persona, clock):
    vote = draft(persona, clock)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    vote.refresh_from_db()
    assert vote.status == VoteStatus.ANNOUNCED
    pacific_units = estate(PACIFIC).units.count()
    assert RollEntry.objects.filter(vote=vote).count() == pacific_units
    notice = Notice.objects.get(title="表决公告：续聘物业服务企业")
    assert LogLeaf.objects.filter(kind="notice", ref_id=notice.pk).exists()
    # an ownership recorded after the announcement does not change the frozen roll
    newcomer = Person.objects.create(name="新业主")
    Ownership.objects.create(unit=unit(PACIFIC, "3-1-201"), person=newcomer)
    assert not RollEntry.objects.filter(vote=vote, persons=newcomer).exists()


def test_announcing_a_minute_too_late_is_refused(persona, clock):
    vote = draft(persona, clock, opens_at=clock.now + 15 * DAY - datetime.timedelta(minutes=1))
    with pytest.raises(InvalidInput, match="至少 15 天"):
        services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    vote.refresh_from_db()
    assert vote.status == VoteStatus.DRAFT and not RollEntry.objects.filter(vote=vote).exists()


def test_a_locality_may_require_more_notice_never_less(persona, clock, settings):
    settings.GONGZHI_VOTE_NOTICE_DAYS = 20
    vote = draft(persona, clock)
    with pytest.raises(InvalidInput, match="至少 20 天"):
        services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)


def test_bad_drafts_are_refused(persona, clock):
    before = Vote.objects.count()
    for overrides, message in [
        ({"title": " "}, "表决事项"),
        ({"item": 10}, "1-9"),
        ({"closes_at": clock.now + 15 * DAY}, "截止时间"),
        ({"ordinary": "1/3"}, "不能降低"),
        ({"participation": "two thirds"}, "分数"),
        ({"building_ids": [estate(YIWU).buildings.first().pk]}, "楼栋"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            draft(persona, clock, **overrides)
    with pytest.raises(PermissionDenied):
        services.vote_create(persona("lixiansheng"), estate_id=estate(PACIFIC).pk, title="x", item=4,
                             opens_at=clock.now + 15 * DAY, closes_at=clock.now + 16 * DAY)
    with pytest.raises(NotFound):
        draft(persona, clock, estate_id=estate(YIWU).pk)
    assert Vote.objects.count() == before


# --- ballots -----------------------------------------------------------------------------------------
def test_an_owner_of_two_flats_votes_once_for_both(persona, open_vote):
    li = persona("lixiansheng")
    ballot = services.ballot_cast(li, vote_id=open_vote.pk, choice="yes")
    result = services.vote_tally(open_vote)
    assert result.owners_yes == 1
    assert result.area_yes == unit(PACIFIC, "2-1-301").area + unit(PACIFIC, "6-1-502").area
    with pytest.raises(WrongState, match="已经投过票"):
        services.ballot_cast(li, vote_id=open_vote.pk, choice="no")
    assert Ballot.objects.get(pk=ballot.pk).choice == "yes"


def test_changing_a_ballot_only_where_the_vote_allows_it(persona, clock):
    vote = draft(persona, clock, allow_change=True)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    clock.set(vote.opens_at)
    services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="yes")
    services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="no")
    assert Ballot.objects.get(vote=vote).choice == "no"
    assert services.vote_tally(vote).owners_no == 1


def test_who_may_vote_and_when(persona, clock, open_vote):
    with pytest.raises(PermissionDenied, match="名册"):
        services.ballot_cast(persona("yanshuji"), vote_id=open_vote.pk, choice="yes")  # not an owner here
    with pytest.raises(NotFound):
        services.ballot_cast(persona("wangayi"), vote_id=open_vote.pk, choice="yes")  # another estate
    with pytest.raises(InvalidInput):
        services.ballot_cast(persona("lixiansheng"), vote_id=open_vote.pk, choice="maybe")
    clock.set(open_vote.opens_at - datetime.timedelta(seconds=1))
    with pytest.raises(WrongState, match="不接受"):
        services.ballot_cast(persona("lixiansheng"), vote_id=open_vote.pk, choice="yes")
    clock.set(open_vote.closes_at)  # the closing instant is already too late
    with pytest.raises(WrongState, match="不接受"):
        services.ballot_cast(persona("lixiansheng"), vote_id=open_vote.pk, choice="yes")
    clock.set(open_vote.closes_at - datetime.timedelta(seconds=1))
    services.ballot_cast(persona("lixiansheng"), vote_id=open_vote.pk, choice="yes")


def test_a_draft_is_not_voted_on(persona, clock):
    vote = draft(persona, clock)
    clock.set(vote.opens_at)
    with pytest.raises(WrongState):
        services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="yes")


def test_paper_ballot_counts_only_after_a_second_person_checks_it(persona, open_vote):
    chen = persona("chen")  # building head of 3号楼, collecting door to door
    target = RollEntry.objects.filter(vote=open_vote, unit__code__startswith="3-").exclude(
        unit__code="3-1-201").first()
    owner = target.persons.first()
    ballot = services.ballot_enter(chen, vote_id=open_vote.pk, unit_id=target.unit_id, voter_id=owner.pk,
                                   choice="yes", channel="door")
    assert ballot.status == BallotStatus.PENDING_CHECK
    assert services.vote_tally(open_vote).owners_participating == 0
    with pytest.raises(PermissionDenied):
        services.ballot_check(chen, ballot_id=ballot.pk, choice="yes")  # building heads do not check
    with pytest.raises(InvalidInput, match="不一致"):
        services.ballot_check(persona("zhaozhuren"), ballot_id=ballot.pk, choice="no")
    services.ballot_check(persona("zhaozhuren"), ballot_id=ballot.pk, choice="yes")
    assert services.vote_tally(open_vote).owners_yes == 1
    with pytest.raises(WrongState):
        services.ballot_check(persona("weiyuan"), ballot_id=ballot.pk, choice="yes")


def test_the_person_who_entered_a_ballot_cannot_check_it(persona, open_vote):
    entry = RollEntry.objects.filter(vote=open_vote).first()
    ballot = services.ballot_enter(persona("zhaozhuren"), vote_id=open_vote.pk, unit_id=entry.unit_id,
                                   voter_id=entry.persons.first().pk, choice="no")
    with pytest.raises(PermissionDenied, match="复核"):
        services.ballot_check(persona("zhaozhuren"), ballot_id=ballot.pk, choice="no")
    services.ballot_check(persona("weiyuan"), ballot_id=ballot.pk, choice="no")


def test_paper_ballots_are_rejected_with_the_reason(persona, open_vote):
    chair = persona("zhaozhuren")
    entry = RollEntry.objects.filter(vote=open_vote).first()
    stranger = Person.objects.create(name="路人")
    yiwu_unit = unit(YIWU, "5-1-302")
    with pytest.raises(InvalidInput, match="不是该房屋的业主"):
        services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=entry.unit_id, voter_id=stranger.pk, choice="yes")
    with pytest.raises(InvalidInput, match="不在表决范围"):
        services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=yiwu_unit.pk, voter_id=stranger.pk, choice="yes")
    with pytest.raises(InvalidInput, match="委托书"):
        services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=entry.unit_id, voter_id=entry.persons.first().pk,
                              choice="yes", channel="proxy")
    services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=entry.unit_id, voter_id=entry.persons.first().pk,
                          choice="yes")
    with pytest.raises(WrongState, match="已经投过票"):
        services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=entry.unit_id,
                              voter_id=entry.persons.first().pk, choice="no")


def test_a_smaller_voting_group(persona, clock):
    building = estate(PACIFIC).buildings.get(code="3")
    vote = draft(persona, clock, item=5, title="3号楼电梯维修动用维修资金", building_ids=[building.pk])
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    assert set(RollEntry.objects.filter(vote=vote).values_list("unit__building_id", flat=True)) == {building.pk}
    clock.set(vote.opens_at)
    with pytest.raises(PermissionDenied, match="名册"):
        services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="yes")  # his flats are in 2 and 6
    services.ballot_cast(persona("chen"), vote_id=vote.pk, choice="yes")


# --- closing ------------------------------------------------------------------------------------
def _vote_everyone(vote, share_yes: float, share_voting: float):
    """Owners vote through paper ballots entered and checked (fast path for big counts)."""
    entries = list(RollEntry.objects.filter(vote=vote).order_by("unit__code").prefetch_related("persons"))
    owners = {}
    for e in entries:
        owners.setdefault(e.owner_key, e)
    keys = list(owners)[: int(len(owners) * share_voting)]
    yes = int(len(keys) * share_yes)
    for i, key in enumerate(keys):
        e = owners[key]
        Ballot.objects.create(vote=vote, owner_key=key, unit=e.unit, voter=e.persons.first(),
                              choice="yes" if i < yes else "no", entered_by=vote.created_by)


def test_close_counts_publishes_the_result_and_freezes_everything(persona, clock, open_vote):
    _vote_everyone(open_vote, share_yes=0.8, share_voting=0.9)
    with pytest.raises(WrongState, match="未到"):
        services.vote_close(persona("zhaozhuren"), vote_id=open_vote.pk)
    clock.set(open_vote.closes_at)
    with pytest.raises(PermissionDenied):
        services.vote_close(persona("lixiansheng"), vote_id=open_vote.pk)
    vote = services.vote_close(persona("zhaozhuren"), vote_id=open_vote.pk)
    assert vote.status == VoteStatus.CLOSED and vote.result["participation_met"] and vote.result["approved"]
    notice = Notice.objects.get(pk=vote.result["notice_id"])
    assert notice.kind == "vote_result" and notice.table["rows"][2][0] == "同意"
    assert notice.attachments.get().name.endswith("各户意见.xlsx")  # an open ballot publishes each unit's choice
    assert LogLeaf.objects.filter(kind="notice", ref_id=notice.pk).exists()
    with pytest.raises(WrongState, match="已经结束"):
        services.vote_close(persona("zhaozhuren"), vote_id=vote.pk)
    with pytest.raises(WrongState):
        services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="yes")
    for statement in (lambda: Vote.objects.filter(pk=vote.pk).update(result={"approved": False}),
                      lambda: Ballot.objects.filter(vote=vote).update(choice="no"),
                      lambda: Ballot.objects.create(vote=vote, owner_key="p0", unit=unit(PACIFIC, "1-1-101"),
                                                    voter=Person.objects.first(), choice="yes",
                                                    entered_by=vote.created_by)):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            Ballot.objects.filter(vote=vote).delete()


def test_secret_ballot_choices_never_reach_the_audit_trail_or_the_published_result(persona, clock):
    vote = draft(persona, clock, secret=True)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    clock.set(vote.opens_at)
    services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="no")
    entries = AuditEntry.objects.filter(action="ballot.cast", subject_id=str(vote.pk))
    assert entries.count() == 1 and "choice" not in entries.get().after
    clock.set(vote.closes_at)
    closed = services.vote_close(persona("zhaozhuren"), vote_id=vote.pk)
    notice = Notice.objects.get(pk=closed.result["notice_id"])
    assert not notice.attachments.exists()
    assert closed.result["owners_no"] == 1 and not closed.result["participation_met"]


# --- races ------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_many_owners_voting_at_the_same_moment_are_all_counted(world, persona):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers itself")
    from django.contrib.auth import get_user_model

    now = timezone.now()
    vote = services.vote_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="并发投票", item=4,
                                opens_at=now + 16 * DAY, closes_at=now + 20 * DAY)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    Vote.objects.filter(pk=vote.pk).update(opens_at=now - DAY)  # open it now (the notice period is tested above)
    User = get_user_model()
    voters = []
    for i, entry in enumerate(RollEntry.objects.filter(vote=vote).exclude(owner_key="DEVELOPER")
                              .prefetch_related("persons")[:60]):
        person = entry.persons.first()
        if person.user_id is None:
            person.user = User.objects.create_user(f"voter{i}")
            person.save(update_fields=["user"])
            role_assign(None, user_id=person.user_id, role=Role.OWNER, anchor_field="unit", anchor_id=entry.unit_id)
        voters.append(person.user_id)
    results = race([lambda uid=uid: services.ballot_cast(User.objects.get(pk=uid), vote_id=vote.pk, choice="yes")
                    for uid in voters])
    assert all(isinstance(r, Ballot) for r in results), [r for r in results if not isinstance(r, Ballot)][:3]
    assert services.vote_tally(vote).owners_yes == len({r.owner_key for r in results}) == Ballot.objects.filter(
        vote=vote).count()
