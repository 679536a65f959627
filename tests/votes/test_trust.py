"""Votes people trust (issue 16, item 4): the ballot is confirmed before it is cast (units, area and
the choice in words), the voter keeps a receipt (page, API, inbox) that nobody else reads, one status
everywhere (list, page, API, home card) at the exact opening and closing instants, and reminders
to owners who have not voted, three days and one day before closing, each sent once."""

import datetime
import logging
import re
from decimal import Decimal

import pytest

from gongzhi.core.models import AuditEntry, Notification
from gongzhi.votes import jobs, services
from gongzhi.votes.choices import ReminderKind, VotePhase
from gongzhi.votes.models import Ballot, Reminder, RollEntry, Vote
from gongzhi.votes.views import BALLOT_RECORDED
from tests.helpers import PACIFIC, estate, run_command, unit

pytestmark = pytest.mark.usefixtures("world")
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
RECEIPT = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")


def announced(persona, clock, **overrides) -> Vote:
    fields = dict(estate_id=estate(PACIFIC).pk, title="加装电梯", item=7,
                  opens_at=clock.now + 15 * DAY, closes_at=clock.now + 25 * DAY)
    fields.update(overrides)
    vote = services.vote_create(persona("zhaozhuren"), **fields)
    return services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)


def li_area() -> str:
    return f"{unit(PACIFIC, '2-1-301').area + unit(PACIFIC, '6-1-502').area:.2f}"


def statement(template, choice: str, units: int = 2, area: str | None = None) -> str:
    return str(template % {"units": units, "area": area or li_area(), "choice": choice})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the confirmation step ---------------------------------------------------------------------------
def test_choosing_shows_units_area_and_choice_and_casts_nothing_until_confirmed(login, persona, clock):
    vote = announced(persona, clock)
    clock.set(vote.opens_at)
    client = login("lixiansheng")
    audit_before = AuditEntry.objects.count()
    page = client.post(f"/votes/{vote.pk}/", {"choice": "yes"})
    assert page.status_code == 200
    html = page.content.decode()
    assert statement(services.CONFIRM_FINAL, "同意") in html  # 以 2 套房、…m² 投 同意，提交后不可更改
    assert "2-1-301、6-1-502" in html and 'name="confirm" value="1"' in html
    assert not Ballot.objects.filter(vote=vote).exists() and AuditEntry.objects.count() == audit_before
    assert not Notification.objects.filter(user=persona("lixiansheng"), title__contains=vote.title).exists()
    done = client.post(f"/votes/{vote.pk}/", {"choice": "yes", "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == f"/votes/{vote.pk}/receipt/"
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.choice == "yes" and RECEIPT.match(ballot.receipt)
    assert BALLOT_RECORDED in messages_of(client.get(done["Location"]))


def test_a_vote_that_allows_changing_says_so_and_a_change_gets_a_new_receipt(login, persona, clock):
    vote = announced(persona, clock, allow_change=True)
    clock.set(vote.opens_at)
    client = login("lixiansheng")
    html = client.post(f"/votes/{vote.pk}/", {"choice": "abstain"}).content.decode()
    assert statement(services.CONFIRM_CHANGEABLE, "弃权") in html
    client.post(f"/votes/{vote.pk}/", {"choice": "abstain", "confirm": "1"})
    first = Ballot.objects.get(vote=vote).receipt
    html = client.post(f"/votes/{vote.pk}/", {"choice": "no"}).content.decode()
    assert statement(services.CONFIRM_CHANGEABLE, "反对") in html and "本次提交将替换您之前的投票" in html
    assert Ballot.objects.get(vote=vote).choice == "abstain"  # still: nothing changes before the confirm
    client.post(f"/votes/{vote.pk}/", {"choice": "no", "confirm": "1"})
    changed = Ballot.objects.get(vote=vote)
    assert changed.choice == "no" and RECEIPT.match(changed.receipt) and changed.receipt != first


def test_bad_or_late_choices_are_refused_at_either_step_and_change_nothing(login, persona, clock):
    vote = announced(persona, clock)
    clock.set(vote.opens_at)
    client = login("lixiansheng")
    for data in ({"choice": "maybe"}, {"choice": "maybe", "confirm": "1"}, {"choice": ""}):
        response = client.post(f"/votes/{vote.pk}/", data, follow=True)
        assert services.UNKNOWN_CHOICE in messages_of(response)
    # the confirmation page was opened a second before the deadline; the confirm arrives at it: refused
    clock.set(vote.closes_at - SECOND)
    assert client.post(f"/votes/{vote.pk}/", {"choice": "yes"}).status_code == 200
    clock.set(vote.closes_at)
    response = client.post(f"/votes/{vote.pk}/", {"choice": "yes", "confirm": "1"}, follow=True)
    assert services.NOT_OPEN in messages_of(response)
    response = client.post(f"/votes/{vote.pk}/", {"choice": "yes"}, follow=True)
    assert services.NOT_OPEN in messages_of(response)
    assert not Ballot.objects.filter(vote=vote).exists()
    # one who already voted is told so at the choice, before any confirmation is offered
    other = announced(persona, clock, title="第二项")
    clock.set(other.opens_at)
    services.ballot_cast(persona("lixiansheng"), vote_id=other.pk, choice="yes")
    response = client.post(f"/votes/{other.pk}/", {"choice": "no"}, follow=True)
    assert services.ALREADY_VOTED in messages_of(response)
    assert 'name="confirm"' not in response.content.decode()


def test_an_election_ballot_is_confirmed_with_the_names_picked(login, persona, clock):
    from gongzhi.people.models import Ownership

    vote = services.vote_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="业委会选举（确认）",
                                item=3, seats=5, opens_at=clock.now + 15 * DAY, closes_at=clock.now + 25 * DAY)
    owners = [o.person for o in Ownership.objects.filter(unit__estate=estate(PACIFIC), until__isnull=True,
                                                         person__kind="natural").select_related("person")
              .order_by("unit__code")[:40:8]]
    candidates = []
    for person in owners:
        c = services.candidate_nominate(persona("zhaozhuren"), vote_id=vote.pk, person_id=person.pk)
        services.candidate_review(persona("zhaozhuren"), candidate_id=c.pk,
                                  checks=dict.fromkeys(("dandang", "dangxing", "suzhi", "gongxin"), True))
        candidates.append(c)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    clock.set(vote.opens_at)
    client = login("lixiansheng")
    picked = {"candidate": [candidates[0].pk, candidates[2].pk]}
    html = client.post(f"/votes/{vote.pk}/", picked).content.decode()
    names = f"{owners[0].name}、{owners[2].name}"
    assert statement(services.CONFIRM_FINAL, f"{names}（共 2 人）") in html
    blank = client.post(f"/votes/{vote.pk}/", {}).content.decode()
    assert statement(services.CONFIRM_FINAL, str(services.BLANK_BALLOT)) in blank
    client.post(f"/votes/{vote.pk}/", {**picked, "confirm": "1"})
    receipt = client.get(f"/votes/{vote.pk}/receipt/").content.decode()
    assert names in receipt


# --- the receipt ------------------------------------------------------------------------------------
def test_the_receipt_shows_what_was_recorded_and_is_reachable_from_the_vote_and_the_inbox(login, persona, clock):
    vote = announced(persona, clock)
    clock.set("2031-05-06 23:59")  # a local time near midnight: shown as local, not UTC
    Vote.objects.filter(pk=vote.pk).update(opens_at=clock.now - DAY, closes_at=clock.now + DAY)
    client = login("lixiansheng")
    client.post(f"/votes/{vote.pk}/", {"choice": "yes", "confirm": "1"})
    ballot = Ballot.objects.get(vote=vote)
    page = client.get(f"/votes/{vote.pk}/receipt/")
    html = page.content.decode()
    for expected in (vote.title, "同意", "2 套", "2-1-301、6-1-502", f"{li_area()} m²", "2031-05-06 23:59:00",
                     ballot.receipt):
        assert expected in html, expected
    assert f'href="/votes/{vote.pk}/receipt/"' in client.get(f"/votes/{vote.pk}/").content.decode()
    message = Notification.objects.get(user=persona("lixiansheng"), link=f"/votes/{vote.pk}/receipt/")
    assert message.title == str(services.RECEIPT_TITLE % {"title": vote.title})
    assert message.body == str(services.RECEIPT_BODY % {"units": 2, "area": li_area(), "choice": "同意",
                                                        "when": "2031-05-06 23:59", "receipt": ballot.receipt})
    assert f'href="/votes/{vote.pk}/receipt/"' in client.get("/inbox/").content.decode()
    api = client.get(f"/api/v1/votes/{vote.pk}/receipt").json()
    assert [(r["receipt"], r["choice"], r["units"], r["area"]) for r in api] == [
        (ballot.receipt, "yes", ["2-1-301", "6-1-502"], li_area())]


def test_the_api_casts_in_one_call_and_answers_with_the_receipt(login, persona, clock):
    vote = announced(persona, clock)
    clock.set(vote.opens_at)
    response = login("lixiansheng").post(f"/api/v1/votes/{vote.pk}/ballot", {"choice": "no"},
                                         content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    ballot = Ballot.objects.get(vote=vote)
    assert body["receipt"] == ballot.receipt and body["choice_words"] == "反对" and body["area"] == li_area()
    assert Notification.objects.filter(user=persona("lixiansheng"), link=f"/votes/{vote.pk}/receipt/").count() == 1


def test_a_secret_choice_reaches_the_voter_only(login, persona, clock, client, caplog):
    vote = announced(persona, clock, secret=True)
    clock.set(vote.opens_at)
    organisers = [persona(u) for u in ("zhaozhuren", "weiyuan")]
    inbox_before = {u.pk: Notification.objects.filter(user=u).count() for u in organisers}
    with caplog.at_level(logging.INFO, logger="gongzhi.notifications"), \
            pytest.MonkeyPatch.context() as mp:
        from django.db import transaction
        mp.setattr(transaction, "on_commit", lambda fn, *a, **k: fn())  # deliver now, through every channel
        login("lixiansheng").post(f"/votes/{vote.pk}/", {"choice": "no", "confirm": "1"})
    assert Ballot.objects.filter(vote=vote).count() == 1
    channels = " ".join(r.getMessage() for r in caplog.records)
    assert vote.title in channels and "反对" not in channels  # SMS / WeChat logs carry no choice
    assert "反对" in Notification.objects.get(user=persona("lixiansheng"), link__endswith="/receipt/").body
    for organiser in organisers:
        assert Notification.objects.filter(user=organiser).count() == inbox_before[organiser.pk]
        assert login(organiser.username).get(f"/votes/{vote.pk}/receipt/").status_code == 404
        assert login(organiser.username).get(f"/api/v1/votes/{vote.pk}/receipt").status_code == 404
    assert login("wangayi").get(f"/votes/{vote.pk}/receipt/").status_code == 404  # another estate
    assert login("wangayi").get(f"/api/v1/votes/{vote.pk}/receipt").status_code == 404
    client.logout()
    assert client.get(f"/votes/{vote.pk}/receipt/").status_code == 302  # to the login
    assert client.get(f"/api/v1/votes/{vote.pk}/receipt").status_code == 401
    # an owner who has not voted has no receipt either
    assert login("chen").get(f"/votes/{vote.pk}/receipt/").status_code == 404


def test_a_co_owner_sees_that_the_unit_voted_but_not_the_voters_receipt(login, persona, clock):
    from django.contrib.auth import get_user_model

    from gongzhi.core.roles import Role
    from gongzhi.people.models import Ownership, Person
    from gongzhi.people.services import role_assign

    target = unit(PACIFIC, "3-1-201")
    first = Ownership.objects.filter(unit=target, until__isnull=True).first().person
    second = Person.objects.create(name="共有人")
    Ownership.objects.create(unit=target, person=second)  # a co-owned unit: one owner, one ballot
    users = []
    for i, person in enumerate((first, second)):
        if person.user_id is None:
            person.user = get_user_model().objects.create_user(f"coowner{i}")
            person.save(update_fields=["user"])
        role_assign(None, user_id=person.user_id, role=Role.OWNER, anchor_field="unit", anchor_id=target.pk)
        users.append(person.user)
    vote = announced(persona, clock, secret=True)
    clock.set(vote.opens_at)
    assert "+" in RollEntry.objects.get(vote=vote, unit=target).owner_key
    services.ballot_cast(users[0], vote_id=vote.pk, choice="yes", unit_id=target.pk)
    client = login(users[1].username)
    page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert "已投票" in page and 'data-testid="receipt-link"' not in page
    assert client.get(f"/votes/{vote.pk}/receipt/").status_code == 404
    assert login(users[0].username).get(f"/votes/{vote.pk}/receipt/").status_code == 200


# --- one status everywhere -------------------------------------------------------------------------
@pytest.mark.parametrize(("moment", "phase"), [
    ("before opening", VotePhase.UPCOMING),
    ("at opening", VotePhase.OPEN),
    ("just before closing", VotePhase.OPEN),
    ("at closing", VotePhase.COUNTING),
    ("counted", VotePhase.CLOSED),
])
def test_list_page_api_and_home_card_show_the_same_status_at_the_edges(login, persona, clock, moment, phase):
    vote = announced(persona, clock)
    clock.set({"before opening": vote.opens_at - SECOND, "at opening": vote.opens_at,
               "just before closing": vote.closes_at - SECOND, "at closing": vote.closes_at,
               "counted": vote.closes_at}[moment])
    if moment == "counted":
        services.vote_close(persona("zhaozhuren"), vote_id=vote.pk)
    vote.refresh_from_db()
    assert vote.phase == phase and vote.is_open() == (phase == VotePhase.OPEN)
    client = login("lixiansheng")
    label = str(phase.label)
    shown = f'data-testid="vote-status-{vote.pk}">{label}<'
    assert shown in client.get("/votes/").content.decode()
    assert f'data-testid="vote-status">{label}<' in client.get(f"/votes/{vote.pk}/").content.decode()
    api = client.get(f"/api/v1/votes/{vote.pk}").json()
    assert (api["phase"], api["phase_label"]) == (phase.value, label)
    listed = {v["id"]: v for v in client.get("/api/v1/votes?limit=200").json()["items"]}
    assert listed[vote.pk]["phase"] == phase.value
    home = client.get("/").content.decode()
    assert (shown in home) == (phase == VotePhase.OPEN)  # the home card lists votes waiting for his ballot
    if phase == VotePhase.OPEN:  # ...and only while he has not voted
        services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="yes")
        assert shown not in client.get("/").content.decode()


# --- reminders --------------------------------------------------------------------------------------
def not_voted_users(vote: Vote) -> set[int]:
    """Users of the persons on the roll whose owner has no ballot in (computed here without the job)."""
    voted = set(Ballot.objects.filter(vote=vote).values_list("owner_key", flat=True))
    return {p.user_id for e in RollEntry.objects.filter(vote=vote).prefetch_related("persons")
            if e.owner_key not in voted for p in e.persons.all() if p.user_id}


def reminders(vote: Vote) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(link=f"/votes/{vote.pk}/", title__startswith="投票提醒")
                  .values_list("user_id", "title"))


def test_reminders_three_days_and_one_day_before_closing_once_each_and_never_to_those_who_voted(persona, clock):
    vote = announced(persona, clock)
    clock.set(vote.opens_at)
    services.ballot_cast(persona("lixiansheng"), vote_id=vote.pk, choice="yes")  # online
    chen_entry = RollEntry.objects.filter(vote=vote, persons__user__username="chen").first()
    services.ballot_enter(persona("zhaozhuren"), vote_id=vote.pk, unit_id=chen_entry.unit_id, choice="no",
                          voter_id=chen_entry.persons.get(user__username="chen").pk)  # on paper, not yet checked
    waiting = not_voted_users(vote)
    assert waiting and not {persona("lixiansheng").pk, persona("chen").pk} & waiting

    clock.set(vote.closes_at - 3 * DAY - SECOND)
    assert jobs.send_vote_reminders() == 0 and reminders(vote) == []
    clock.set(vote.closes_at - 3 * DAY)  # exactly three days before
    assert jobs.send_vote_reminders() == len(waiting)
    title = str(jobs.REMINDER_TITLE % {"title": vote.title, "deadline": clock_stamp(vote.closes_at)})
    assert reminders(vote) == sorted((u, title) for u in waiting)
    assert jobs.send_vote_reminders() == 0  # twice: nothing twice
    assert Reminder.objects.filter(vote=vote, kind=ReminderKind.THREE_DAYS).count() == len(waiting)

    # an owner who votes meanwhile gets no second reminder
    late = next(e for e in RollEntry.objects.filter(vote=vote).prefetch_related("persons")
                if any(p.user_id in waiting for p in e.persons.all()))
    late_users = {p.user_id for p in late.persons.all() if p.user_id}
    services.ballot_enter(persona("zhaozhuren"), vote_id=vote.pk, unit_id=late.unit_id,
                          voter_id=late.persons.first().pk, choice="yes")
    clock.set(vote.closes_at - DAY - SECOND)
    assert jobs.send_vote_reminders() == 0
    clock.set(vote.closes_at - DAY)  # exactly one day before
    code, out, _err = run_command("vote_reminders")
    still = not_voted_users(vote)
    assert code == 0 and f"投票提醒 {len(still)} 条" in out and still == waiting - late_users
    assert len(reminders(vote)) == 2 * len(waiting) - len(late_users)
    assert run_command("vote_reminders")[1].startswith("投票提醒 0 条")

    clock.set(vote.closes_at)  # closed to ballots: no reminder about it any more
    Reminder.objects.filter(vote=vote).delete()  # even with no record of the earlier ones
    assert jobs.send_vote_reminders() == 0


def test_the_reminder_due_at_each_edge(persona, clock):
    vote = announced(persona, clock)
    due = {at: jobs.reminder_due(vote, at) for at in (
        vote.opens_at - SECOND, vote.closes_at - 3 * DAY - SECOND, vote.closes_at - 3 * DAY,
        vote.closes_at - DAY - SECOND, vote.closes_at - DAY, vote.closes_at - SECOND, vote.closes_at)}
    assert list(due.values()) == [None, None, ReminderKind.THREE_DAYS, ReminderKind.THREE_DAYS,
                                  ReminderKind.ONE_DAY, ReminderKind.ONE_DAY, None]


def test_a_job_first_run_inside_the_last_day_sends_only_the_one_day_reminder(persona, clock):
    vote = announced(persona, clock)
    clock.set(vote.closes_at - 12 * datetime.timedelta(hours=1))
    sent = jobs.send_vote_reminders()
    assert sent == len(not_voted_users(vote)) > 0
    assert set(Reminder.objects.filter(vote=vote).values_list("kind", flat=True)) == {ReminderKind.ONE_DAY}
    assert jobs.send_vote_reminders() == 0


def clock_stamp(when) -> str:
    from gongzhi.core import clock

    return clock.stamp(when)


def test_area_in_the_statement_is_the_sum_of_the_owners_units(persona, clock):
    vote = announced(persona, clock)
    clock.set(vote.opens_at)
    plan = services.ballot_preview(persona("lixiansheng"), vote_id=vote.pk, choice="yes")
    assert plan.units == ["2-1-301", "6-1-502"]
    assert plan.area == unit(PACIFIC, "2-1-301").area + unit(PACIFIC, "6-1-502").area
    assert isinstance(plan.area, Decimal)
