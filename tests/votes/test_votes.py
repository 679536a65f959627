"""Owners' votes on the demo estate 太平洋花园: the 15-day rule, the frozen roll, one ballot per
owner (several flats, co-owners, the developer), paper ballots checked by a second person,
closing with the legal result published in the transparency log, secrecy, and races."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.notices.models import LogLeaf, Notice
from gongzhi.people.models import Ownership, Person
from gongzhi.people.services import role_assign
from gongzhi.votes import services
from gongzhi.votes.models import Ballot, BallotStatus, RollEntry, Vote, VoteStatus
from gongzhi.votes.services.ballots import CHECK_MISMATCH
from gongzhi.votes.tally import THRESHOLDS_TOO_LOW
from tests.helpers import PACIFIC, YIWU, estate, race, unit


def too_soon(days: int) -> str:
    """The stable head of the notice-period refusal: "须在投票开始前至少 N 天公告"."""
    return services.TOO_SOON.split("（")[0].format(days=days)

pytestmark = pytest.mark.usefixtures("world")
DAY = datetime.timedelta(days=1)



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
    with pytest.raises(InvalidInput, match=re.escape(too_soon(15))):
        services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    vote.refresh_from_db()
    assert vote.status == VoteStatus.DRAFT and not RollEntry.objects.filter(vote=vote).exists()


def test_a_locality_may_require_more_notice_never_less(persona, clock, settings):
    settings.GONGZHI_VOTE_NOTICE_DAYS = 20
    vote = draft(persona, clock)
    with pytest.raises(InvalidInput, match=re.escape(too_soon(20))):
        services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)


def test_bad_drafts_are_refused(persona, clock):
    before = Vote.objects.count()
    for overrides, message in [
        ({"title": " "}, services.TITLE_REQUIRED),
        ({"item": 10}, services.BAD_ITEM),
        ({"closes_at": clock.now + 15 * DAY}, services.CLOSES_BEFORE_OPENS),
        ({"ordinary": "1/3"}, THRESHOLDS_TOO_LOW),
        ({"participation": "two thirds"}, services.BAD_THRESHOLD),
        ({"building_ids": [estate(YIWU).buildings.first().pk]}, services.BUILDING_OTHER_ESTATE),
    ]:
        with pytest.raises(InvalidInput, match=re.escape(message)):
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
    with pytest.raises(WrongState, match=re.escape(services.ALREADY_VOTED)):
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
    with pytest.raises(PermissionDenied, match=re.escape(services.NOT_ON_ROLL)):
        services.ballot_cast(persona("yanshuji"), vote_id=open_vote.pk, choice="yes")  # not an owner here
    with pytest.raises(NotFound):
        services.ballot_cast(persona("wangayi"), vote_id=open_vote.pk, choice="yes")  # another estate
    with pytest.raises(InvalidInput):
        services.ballot_cast(persona("lixiansheng"), vote_id=open_vote.pk, choice="maybe")
    clock.set(open_vote.opens_at - datetime.timedelta(seconds=1))
    with pytest.raises(WrongState, match=re.escape(services.NOT_OPEN)):
        services.ballot_cast(persona("lixiansheng"), vote_id=open_vote.pk, choice="yes")
    clock.set(open_vote.closes_at)  # the closing instant is already too late
    with pytest.raises(WrongState, match=re.escape(services.NOT_OPEN)):
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
    with pytest.raises(InvalidInput, match=re.escape(CHECK_MISMATCH)):
        services.ballot_check(persona("zhaozhuren"), ballot_id=ballot.pk, choice="no")
    services.ballot_check(persona("zhaozhuren"), ballot_id=ballot.pk, choice="yes")
    assert services.vote_tally(open_vote).owners_yes == 1
    with pytest.raises(WrongState):
        services.ballot_check(persona("weiyuan"), ballot_id=ballot.pk, choice="yes")


def test_the_person_who_entered_a_ballot_cannot_check_it(persona, open_vote):
    entry = RollEntry.objects.filter(vote=open_vote).first()
    ballot = services.ballot_enter(persona("zhaozhuren"), vote_id=open_vote.pk, unit_id=entry.unit_id,
                                   voter_id=entry.persons.first().pk, choice="no")
    with pytest.raises(PermissionDenied, match=re.escape(services.SAME_PERSON_CHECK)):
        services.ballot_check(persona("zhaozhuren"), ballot_id=ballot.pk, choice="no")
    services.ballot_check(persona("weiyuan"), ballot_id=ballot.pk, choice="no")


def test_paper_ballots_are_rejected_with_the_reason(persona, open_vote):
    chair = persona("zhaozhuren")
    entry = RollEntry.objects.filter(vote=open_vote).first()
    stranger = Person.objects.create(name="路人")
    yiwu_unit = unit(YIWU, "5-1-302")
    with pytest.raises(InvalidInput, match=re.escape(services.VOTER_NOT_OWNER)):
        services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=entry.unit_id, voter_id=stranger.pk, choice="yes")
    with pytest.raises(InvalidInput, match=re.escape(services.UNIT_NOT_IN_GROUP)):
        services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=yiwu_unit.pk, voter_id=stranger.pk, choice="yes")
    with pytest.raises(InvalidInput, match=re.escape(services.PROXY_NEEDS_DOCUMENT)):
        services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=entry.unit_id, voter_id=entry.persons.first().pk,
                              choice="yes", channel="proxy")
    services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=entry.unit_id, voter_id=entry.persons.first().pk,
                          choice="yes")
    with pytest.raises(WrongState, match=re.escape(services.ALREADY_VOTED)):
        services.ballot_enter(chair, vote_id=open_vote.pk, unit_id=entry.unit_id,
                              voter_id=entry.persons.first().pk, choice="no")


def test_a_smaller_voting_group(persona, clock):
    building = estate(PACIFIC).buildings.get(code="3")
    vote = draft(persona, clock, item=5, title="3号楼电梯维修动用维修资金", building_ids=[building.pk])
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    assert set(RollEntry.objects.filter(vote=vote).values_list("unit__building_id", flat=True)) == {building.pk}
    clock.set(vote.opens_at)
    with pytest.raises(PermissionDenied, match=re.escape(services.NOT_ON_ROLL)):
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
    with pytest.raises(WrongState, match=re.escape(services.NOT_YET_CLOSED)):
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
    with pytest.raises(WrongState, match=re.escape(services.ALREADY_CLOSED)):
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
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_owners_voting_at_the_same_moment_are_all_counted(clock, world, persona):
    from django.contrib.auth import get_user_model

    now = clock.now
    vote = services.vote_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="并发投票", item=4,
                                opens_at=now + 16 * DAY, closes_at=now + 20 * DAY)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    Vote.objects.filter(pk=vote.pk).update(opens_at=now - DAY)  # open it now (the notice period is tested above)
    User = get_user_model()
    voters = []
    entries = RollEntry.objects.filter(vote=vote).exclude(owner_key="DEVELOPER").order_by("unit__code")
    seen = set()
    for i, entry in enumerate(entries.prefetch_related("persons")):
        if entry.owner_key in seen or len(voters) == 200:
            continue
        seen.add(entry.owner_key)
        person = entry.persons.first()
        if person.user_id is None:
            person.user = User.objects.create_user(f"voter{i}")
            person.save(update_fields=["user"])
            role_assign(None, user_id=person.user_id, role=Role.OWNER, anchor_field="unit", anchor_id=entry.unit_id)
        voters.append(person.user_id)
    results = race([lambda uid=uid: services.ballot_cast(User.objects.get(pk=uid), vote_id=vote.pk, choice="yes")
                    for uid in voters])
    assert len(voters) == 200
    assert all(isinstance(r, Ballot) for r in results), [r for r in results if not isinstance(r, Ballot)][:3]
    assert services.vote_tally(vote).owners_yes == 200 == Ballot.objects.filter(vote=vote).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_ballot_racing_the_close_is_counted_or_refused_never_half(clock, world, persona):
    import time

    clock.let_run()  # a real race against the closing instant: the clock must move
    now = clock.now
    chair = persona("zhaozhuren")
    vote = services.vote_create(chair, estate_id=estate(PACIFIC).pk, title="截止竞争", item=4,
                                opens_at=now + 16 * DAY, closes_at=now + 20 * DAY)
    services.vote_announce(chair, vote_id=vote.pk)
    deadline = clock.now + datetime.timedelta(milliseconds=400)
    Vote.objects.filter(pk=vote.pk).update(opens_at=now - DAY, closes_at=deadline)

    def cast():
        time.sleep(max(0, (deadline - clock.now).total_seconds() - 0.002))
        return services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="yes")

    def close():
        while True:
            try:
                return services.vote_close(persona("zhaozhuren"), vote_id=vote.pk)
            except WrongState as exc:
                if "未到" not in exc.message:
                    raise
                time.sleep(0.0005)

    results = race([cast, close])
    closed = Vote.objects.get(pk=vote.pk)
    ballots = Ballot.objects.filter(vote=vote).count()
    assert closed.status == VoteStatus.CLOSED
    assert closed.result["owners_participating"] == ballots  # counted exactly when stored
    assert isinstance(results[0], Ballot) == (ballots == 1)
    if ballots == 0:
        assert isinstance(results[0], WrongState)


# --- pages, API, secrecy through every interface ----------------------------------------------------
def test_owner_votes_on_the_web_and_sees_that_not_what(login, persona, clock):
    import re

    vote = draft(persona, clock, secret=True, allow_change=True)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    clock.set(vote.opens_at)
    client = login("lixiansheng")
    page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert "2-1-301、6-1-502" in page and 'data-testid="choice-yes"' in page
    page = client.post(f"/votes/{vote.pk}/", {"choice": "no"}).content.decode()  # choosing casts nothing
    assert 'data-testid="confirm-statement"' in page and not Ballot.objects.filter(vote=vote).exists()
    page = client.post(f"/votes/{vote.pk}/", {"choice": "no", "confirm": "1"}, follow=True).content.decode()
    assert 'data-testid="receipt-number"' in page
    assert "已投票" in client.get(f"/votes/{vote.pk}/").content.decode()
    detail = client.get(f"/api/v1/votes/{vote.pk}").json()
    assert detail["mine"][0]["voted"] is True and "choice" not in detail["mine"][0]

    def everything_others_can_see():
        organiser = login("zhaozhuren")
        urls = [f"/votes/{vote.pk}/", f"/votes/{vote.pk}/turnout/", f"/votes/{vote.pk}/turnout/?format=json",
                f"/votes/{vote.pk}/paper/", f"/api/v1/votes/{vote.pk}", f"/api/v1/votes/{vote.pk}/turnout",
                "/api/v1/votes", f"/admin/votes/vote/{vote.pk}/change/", "/audit/", "/api/v1/audit"]
        pages = {u: login("guanliyuan" if "admin" in u or "audit" in u else "zhaozhuren").get(u) for u in urls}
        assert all(r.status_code == 200 for r in pages.values()), {u: r.status_code for u, r in pages.items()}
        strip = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|"at": ")[^"]+"')
        return {u: strip.sub("", r.content.decode()) for u, r in pages.items()}, organiser

    seen_after_no, organiser = everything_others_can_see()
    services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="yes")  # changes his ballot
    seen_after_yes, _ = everything_others_can_see()
    # what organisers, administrators and auditors see does not depend on how he voted
    for url, body in seen_after_no.items():
        assert body == seen_after_yes[url] or url in ("/audit/", "/api/v1/audit"), url
    audit = [a.after for a in AuditEntry.objects.filter(subject_type="votes.vote", subject_id=str(vote.pk))]
    assert audit and all("choice" not in (after or {}) for after in audit)
    assert organiser.get(f"/api/v1/votes/{vote.pk}/choices").status_code == 404
    clock.set(vote.closes_at)
    services.vote_close(persona("zhaozhuren"), vote_id=vote.pk)
    assert organiser.get(f"/api/v1/votes/{vote.pk}/choices").status_code == 404  # secret, even after closing


def test_open_vote_publishes_each_units_choice_after_closing(login, persona, clock, open_vote):
    services.ballot_cast(persona("lixiansheng"), vote_id=open_vote.pk, choice="yes")
    client = login("lixiansheng")
    assert client.get(f"/api/v1/votes/{open_vote.pk}/choices").status_code == 404  # not while voting
    clock.set(open_vote.closes_at)
    services.vote_close(persona("zhaozhuren"), vote_id=open_vote.pk)
    rows = {r["unit"]: r["choice"] for r in client.get(f"/api/v1/votes/{open_vote.pk}/choices").json()}
    assert rows["2-1-301"] == rows["6-1-502"] == "yes" and rows["1-1-101"] is None
    page = client.get(f"/votes/{open_vote.pk}/").content.decode()
    assert "表决结果" in page and "结果公示" in page


VOTE_ACCESS = [  # (persona or None for anonymous, method, url, expected status) on an open vote
    *[(None, "get", url, 302) for url in ("/votes/{vote}/", "/votes/{vote}/turnout/", "/votes/{vote}/paper/")],
    *[("wangayi", "get", url, 404)  # another estate
      for url in ("/votes/{vote}/", "/votes/{vote}/turnout/", "/votes/{vote}/paper/")],
    ("lixiansheng", "get", "/votes/{vote}/turnout/", 403),  # an owner: no turnout lists
    ("lixiansheng", "get", "/votes/{vote}/paper/", 403),
    ("chen", "get", "/votes/{vote}/turnout/", 200),  # a building head collects in his building
    ("lixiansheng", "get", "/votes/new/", 403),
    ("lixiansheng", "post", "/votes/{vote}/close/", 403),
    (None, "get", "/api/v1/votes/{vote}", 401),
    ("wangayi", "get", "/api/v1/votes/{vote}", 404),
    ("lixiansheng", "get", "/api/v1/votes/{vote}/turnout", 403),
    ("wangayi", "post-json", "/api/v1/votes/{vote}/ballot", 404),
]


@pytest.mark.parametrize(("username", "method", "url", "status"), VOTE_ACCESS)
def test_vote_pages_and_endpoints_permission_grid(login, client, open_vote, username, method, url, status):
    who = login(username) if username else client
    url = url.format(vote=open_vote.pk)
    if method == "post-json":
        response = who.post(url, {"choice": "yes"}, content_type="application/json")
    else:
        response = getattr(who, method)(url)
    assert response.status_code == status, url


def test_an_owner_votes_once_through_the_api_and_drafts_stay_hidden(login, persona, clock, open_vote):
    response = login("lixiansheng").post(f"/api/v1/votes/{open_vote.pk}/ballot", {"choice": "yes"},
                                         content_type="application/json")
    assert response.status_code == 201
    again = login("lixiansheng").post(f"/api/v1/votes/{open_vote.pk}/ballot", {"choice": "no"},
                                      content_type="application/json")
    assert again.status_code == 409 and services.ALREADY_VOTED in again.json()["detail"]
    draft_vote = draft(persona, clock, title="草稿")
    assert login("lixiansheng").get(f"/votes/{draft_vote.pk}/").status_code == 404  # drafts: organisers only


def test_building_head_sees_only_his_buildings_missing_owners(login, persona, open_vote):
    page = login("chen").get(f"/votes/{open_vote.pk}/turnout/").content.decode()
    assert "<strong>3号楼</strong>" in page and "<strong>2号楼</strong>" not in page
    organiser = login("zhaozhuren").get(f"/votes/{open_vote.pk}/turnout/").content.decode()
    assert "<strong>2号楼</strong>" in organiser


def test_paper_ballots_by_form_import_and_check(login, persona, open_vote):
    entries = list(RollEntry.objects.filter(vote=open_vote, owner_key__startswith="p").order_by("unit__code")
                   .prefetch_related("persons")[:4])
    first = entries[0]
    chen = login("chen")
    response = chen.post(f"/votes/{open_vote.pk}/paper/", {
        "enter": "1", "unit": first.unit.code, "voter": first.persons.first().name, "choice": "yes", "channel": "door"})
    assert response.status_code == 302
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["房号", "投票人", "表决意见"])
    for e in entries[1:3]:
        book.active.append([e.unit.code, e.persons.first().name, "同意"])
    data = io.BytesIO()
    book.save(data)
    chair = login("zhaozhuren")
    response = chair.post(f"/votes/{open_vote.pk}/paper/", {"import": "1", "file": SimpleUploadedFile("选票.xlsx", data.getvalue())})
    assert response.status_code == 302
    assert Ballot.objects.filter(vote=open_vote, status=BallotStatus.PENDING_CHECK).count() == 3
    bad = Workbook()
    bad.active.append(["房号", "投票人", "表决意见"])
    bad.active.append([entries[3].unit.code, "不是业主", "同意"])
    bad.active.append(["99-9-999", "某人", "同意"])
    data = io.BytesIO()
    bad.save(data)
    response = chair.post(f"/votes/{open_vote.pk}/paper/", {"import": "1", "file": SimpleUploadedFile("b.xlsx", data.getvalue())},
                          follow=True)
    page = response.content.decode()
    row = services.IMPORT_ROW.split("（")[0]  # "第 {line} 行"
    assert row.format(line=2) in page and row.format(line=3) in page
    assert Ballot.objects.filter(vote=open_vote).count() == 3  # all or nothing
    pending = Ballot.objects.filter(vote=open_vote, entered_by=persona("chen")).get()
    chair.post(f"/votes/{open_vote.pk}/paper/", {"check": "yes", "ballot": pending.pk})
    assert Ballot.objects.get(pk=pending.pk).status == BallotStatus.COUNTED
    imported = Ballot.objects.filter(vote=open_vote, entered_by=persona("zhaozhuren")).first()
    response = chair.post(f"/votes/{open_vote.pk}/paper/", {"check": "yes", "ballot": imported.pk}, follow=True)
    assert services.SAME_PERSON_CHECK in response.content.decode()


def test_reminder_posts_the_turnout_to_the_estate(persona, open_vote):
    services.ballot_cast(persona("lixiansheng"), vote_id=open_vote.pk, choice="yes")
    notice = services.vote_remind(persona("zhaozhuren"), vote_id=open_vote.pk)
    assert notice.title.startswith("投票提醒") and "参与表决的业主 1/" in notice.body


def test_create_and_announce_through_the_api(login, clock):
    client = login("zhaozhuren")
    payload = {"estate_id": estate(PACIFIC).pk, "title": "筹集维修资金", "item": 6,
               "opens_at": (clock.now + 15 * DAY).isoformat(), "closes_at": (clock.now + 30 * DAY).isoformat()}
    response = client.post("/api/v1/votes", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    vote_id = response.json()["id"]
    assert client.post(f"/api/v1/votes/{vote_id}/announce").json()["status"] == "announced"
    assert client.post(f"/api/v1/votes/{vote_id}/announce").status_code == 409
    assert client.post(f"/api/v1/votes/{vote_id}/close").status_code == 409
    bad = client.post("/api/v1/votes", {**payload, "ordinary": "1/3"}, content_type="application/json")
    assert bad.status_code == 400 and THRESHOLDS_TOO_LOW in bad.json()["detail"]


# --- committee elections ------------------------------------------------------------------------------
ALL_CHECKS = {"dandang": True, "dangxing": True, "suzhi": True, "gongxin": True}


def _owners_of_pacific(n):
    from gongzhi.people.models import PersonKind

    return list(Person.objects.filter(ownerships__unit__estate=estate(PACIFIC), ownerships__until__isnull=True,
                                      kind=PersonKind.NATURAL).distinct().order_by("pk")[:n])


def test_election_seats_must_be_odd_between_5_and_11(persona, clock):
    for seats in (4, 13, 3):
        with pytest.raises(InvalidInput, match=re.escape(services.SEATS_REQUIRED.split("（")[0])):
            draft(persona, clock, item=3, seats=seats)
    with pytest.raises(InvalidInput, match=re.escape(services.SEATS_ONLY_FOR_ELECTIONS)):
        draft(persona, clock, item=4, seats=5)
    assert draft(persona, clock, item=3, seats=11).seats == 11


def test_nomination_review_and_announcement(persona, clock):
    vote = draft(persona, clock, item=3, seats=5, title="第三届业主委员会选举")
    chair = persona("zhaozhuren")
    mine = services.candidate_nominate(persona("lixiansheng"), vote_id=vote.pk, statement="我愿为大家服务")
    assert mine.nomination == "self" and not mine.eligible
    with pytest.raises(WrongState, match=re.escape(services.ALREADY_NOMINATED)):
        services.candidate_nominate(persona("lixiansheng"), vote_id=vote.pk)
    with pytest.raises(InvalidInput, match=re.escape(services.CANDIDATE_NOT_OWNER)):
        services.candidate_nominate(persona("yanshuji"), vote_id=vote.pk)  # not an owner here
    with pytest.raises(PermissionDenied):
        services.candidate_nominate(persona("lixiansheng"), vote_id=vote.pk, person_id=_owners_of_pacific(1)[0].pk)
    recommended = [services.candidate_nominate(chair, vote_id=vote.pk, person_id=p.pk)
                   for p in _owners_of_pacific(6) if p.user_id != persona("lixiansheng").pk][:4]
    assert all(c.nomination == "organisation" for c in recommended)
    services.candidate_review(chair, candidate_id=mine.pk, checks={**ALL_CHECKS, "gongxin": False})
    mine.refresh_from_db()
    assert not mine.eligible and mine.checks["gongxin"] is False
    with pytest.raises(PermissionDenied):
        services.candidate_review(persona("lixiansheng"), candidate_id=mine.pk, checks=ALL_CHECKS)
    for c in recommended:
        services.candidate_review(chair, candidate_id=c.pk, checks=ALL_CHECKS)
    with pytest.raises(WrongState, match=re.escape(services.TOO_FEW_CANDIDATES.format(seats=5))):
        services.vote_announce(chair, vote_id=vote.pk)  # 4 eligible for 5 seats
    services.candidate_review(chair, candidate_id=mine.pk, checks=ALL_CHECKS)
    services.vote_announce(chair, vote_id=vote.pk)
    with pytest.raises(WrongState, match=re.escape(services.NOMINATION_CLOSED)):
        services.candidate_review(chair, candidate_id=mine.pk, checks={})


def test_election_ballots_results_and_runoff(persona, clock):
    from gongzhi.votes.models import Candidate, Selection

    vote = draft(persona, clock, item=3, seats=5, title="业委会换届选举")
    chair = persona("zhaozhuren")
    candidates = []
    for p in _owners_of_pacific(7):
        c = services.candidate_nominate(chair, vote_id=vote.pk, person_id=p.pk)
        services.candidate_review(chair, candidate_id=c.pk, checks=ALL_CHECKS)
        candidates.append(c)
    services.vote_announce(chair, vote_id=vote.pk)
    clock.set(vote.opens_at)
    li = persona("lixiansheng")
    with pytest.raises(InvalidInput, match=re.escape(services.TOO_MANY_PICKS.format(seats=5))):
        services.ballot_cast(li, vote_id=vote.pk, candidate_ids=[c.pk for c in candidates[:6]])
    with pytest.raises(InvalidInput, match=re.escape(services.DUPLICATE_CANDIDATE)):
        services.ballot_cast(li, vote_id=vote.pk, candidate_ids=[candidates[0].pk, candidates[0].pk])
    with pytest.raises(InvalidInput, match=re.escape(services.NOT_A_CANDIDATE)):
        services.ballot_cast(li, vote_id=vote.pk, candidate_ids=[999999])
    ballot = services.ballot_cast(li, vote_id=vote.pk, candidate_ids=[c.pk for c in candidates[:5]])
    assert Selection.objects.filter(ballot=ballot).count() == 5
    # everyone else: A-D by all; E by half, F by the other half (a tie for the fifth seat)
    a_to_d = candidates[:4]
    entries = {}
    for e in RollEntry.objects.filter(vote=vote).exclude(owner_key=ballot.owner_key).prefetch_related("persons"):
        entries.setdefault(e.owner_key, e)
    keys = sorted(entries)
    for i, key in enumerate(keys):
        e = entries[key]
        b = Ballot.objects.create(vote=vote, owner_key=key, unit=e.unit, voter=e.persons.first(), choice="yes",
                                  entered_by=chair)
        extra = candidates[4] if i % 2 == 0 else candidates[5]
        Selection.objects.bulk_create(Selection(ballot=b, candidate=c) for c in [*a_to_d, extra])
    clock.set(vote.closes_at)
    closed = services.vote_close(chair, vote_id=vote.pk)
    election = closed.result["election"]
    names = {c["name"]: c for c in election["candidates"]}
    assert {c.person.name for c in a_to_d} <= set(election["elected"])
    e, f = (names[candidates[i].person.name] for i in (4, 5))
    rank_e, rank_f = (e["owners_yes"], Decimal(e["area_yes"])), (f["owners_yes"], Decimal(f["area_yes"]))
    if rank_e == rank_f:
        assert set(election["runoff"]) == {e["name"], f["name"]} and len(election["elected"]) == 4
    else:  # the fifth seat goes to more owners, then more area
        assert election["runoff"] == [] and (e if rank_e > rank_f else f)["name"] in election["elected"]
    assert names[candidates[6].person.name]["passed"] is False
    notice = Notice.objects.get(pk=closed.result["notice_id"])
    assert notice.table["columns"][0] == "候选人" and "当选" in notice.body
    assert Candidate.objects.filter(vote=vote).count() == 7
    with pytest.raises(DatabaseError), transaction.atomic():
        Selection.objects.filter(ballot=ballot).update(candidate=candidates[6])


def test_election_on_the_web_and_the_api(login, persona, clock):
    vote = draft(persona, clock, item=3, seats=5, title="业委会选举（网上）")
    assert login("lixiansheng").get(f"/votes/{vote.pk}/").status_code == 200  # the nomination period is open to owners
    assert login("lixiansheng").post(f"/votes/{vote.pk}/candidates/", {"statement": "愿意服务"}).status_code == 302
    assert login("wangayi").post(f"/votes/{vote.pk}/candidates/", {"statement": "x"}).status_code == 404
    assert login("lixiansheng").post(f"/votes/{vote.pk}/candidates/", {"unit": "1-1-101", "name": "赵丽华"}).status_code == 403
    others = [p for p in _owners_of_pacific(8) if p.user_id != persona("lixiansheng").pk][:5]
    for p in others:
        unit_code = p.ownerships.filter(until__isnull=True).first().unit.code
        assert login("zhaozhuren").post(f"/votes/{vote.pk}/candidates/", {"unit": unit_code, "name": p.name}).status_code == 302
    candidates = list(vote.candidates.all())
    assert len(candidates) == 6
    assert login("lixiansheng").post(f"/candidates/{candidates[0].pk}/review/", {"dandang": "on"}).status_code == 403
    for c in candidates:
        response = login("zhaozhuren").post(f"/api/v1/candidates/{c.pk}/review", dict.fromkeys(ALL_CHECKS, True),
                              content_type="application/json")
        assert response.status_code == 200 and response.json()["eligible"] is True
    assert login("zhaozhuren").post(f"/api/v1/votes/{vote.pk}/announce").status_code == 200
    clock.set(vote.opens_at)
    page = login("lixiansheng").get(f"/votes/{vote.pk}/").content.decode()
    assert f'data-testid="pick-{candidates[0].pk}"' in page
    picks = {"candidate": [candidates[0].pk, candidates[1].pk]}
    confirm = login("lixiansheng").post(f"/votes/{vote.pk}/", picks).content.decode()
    assert candidates[0].person.name in confirm and not Ballot.objects.filter(vote=vote).exists()
    response = login("lixiansheng").post(f"/votes/{vote.pk}/", {**picks, "confirm": "1"}, follow=True)
    assert candidates[1].person.name in response.content.decode()  # the receipt names the picks
    assert "已投票" in login("lixiansheng").get(f"/votes/{vote.pk}/").content.decode()
    assert sorted(Ballot.objects.get(vote=vote).selections.values_list("candidate_id", flat=True)) == sorted(
        [candidates[0].pk, candidates[1].pk])
    api = login("chen").post(f"/api/v1/votes/{vote.pk}/ballot", {"candidate_ids": [c.pk for c in candidates]},
                             content_type="application/json")
    assert api.status_code == 400 and services.TOO_MANY_PICKS.format(seats=5) in api.json()["detail"]
    api = login("chen").post(f"/api/v1/votes/{vote.pk}/ballot", {"candidate_ids": []},
                             content_type="application/json")
    assert api.status_code == 201  # a blank ballot takes part
    assert len(login("chen").get(f"/api/v1/votes/{vote.pk}/candidates").json()) == 6


def test_proxy_ballot_keeps_the_written_authorisation(persona, open_vote):
    from django.core.files.uploadedfile import SimpleUploadedFile

    entry = RollEntry.objects.filter(vote=open_vote, owner_key__startswith="p").first()
    voter = entry.persons.first()
    with pytest.raises(InvalidInput, match=re.escape(services.PROXY_NOT_A_SCAN)):
        services.ballot_enter(persona("zhaozhuren"), vote_id=open_vote.pk, unit_id=entry.unit_id, voter_id=voter.pk,
                              choice="yes", channel="proxy",
                              proxy_document=SimpleUploadedFile("委托书.pdf", b"just words"))
    scan = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    ballot = services.ballot_enter(persona("zhaozhuren"), vote_id=open_vote.pk, unit_id=entry.unit_id,
                                   voter_id=voter.pk, choice="yes", channel="proxy",
                                   proxy_document=SimpleUploadedFile("委托书.png", scan))
    assert ballot.channel == "proxy" and ballot.proxy_document.read() == scan
