"""Holding service to account, the consequences: a replacement vote that passes replaces the contract in
the closing transaction (the incoming company from the start day, the old contract ending the day
before), one that fails sends the interview back to rectification; a run of complaints counts only the
company's own complaints; a confirmed 九不准 breach opens an accountability case or drafts a removal
motion (the community only), names the rule version it followed, and shows in the next election's
两讲两有 review; a published ranking is attached to the contract's renewal."""

import datetime

import pytest

from gongzhi.bodies.choices import OrgKind
from gongzhi.bodies.models import Organisation, ServiceContract
from gongzhi.core import clock as source
from gongzhi.core import registry
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.finance.models import AccountabilityCase
from gongzhi.requests.choices import Handler, Level
from gongzhi.requests.models import Request
from gongzhi.reviews import selectors, services
from gongzhi.reviews.choices import NINE_DONTS, AuditAction, InterviewStatus
from gongzhi.reviews.models import ConductCase, Interview, RenewalDecision
from gongzhi.votes import services as votes
from gongzhi.votes import tally as law
from gongzhi.votes.models import Vote
from tests.helpers import YIWU, estate, unit
from tests.reviews.helpers import after_close, company, evaluation, marks
from tests.reviews.test_interviews import interview, published_at_60

DAY = datetime.timedelta(days=1)
INCOMING = "安阳红旗物业服务有限公司"


def incoming() -> Organisation:
    found = Organisation.objects.filter(name=INCOMING).first()
    if found is None:
        found = Organisation.objects.create(kind=OrgKind.PROPERTY_COMPANY, name=INCOMING)
    return found


def failed_interview(persona, clock) -> Interview:
    """An interview of 义乌城's company whose first item failed (overdue, found not done)."""
    found = interview(persona, published_at_60(persona, clock, "70"))
    first = found.items.get(number=1)
    clock.set(first.due_at + datetime.timedelta(hours=1))
    services.rectification_check(persona("yanshuji"), item_id=first.pk, passed=False, note="逾期未整改")
    found.refresh_from_db()
    assert found.status == InterviewStatus.FAILED
    return found


def window(start_after_close: int = 10) -> dict:
    opens = source.now() + 20 * DAY
    closes = opens + 10 * DAY
    return {"opens_at": opens, "closes_at": closes,
            "start": source.local_date(closes) + datetime.timedelta(days=start_after_close)}


def proposed(persona, clock) -> Interview:
    found = failed_interview(persona, clock)
    return services.replacement_propose(persona("yanshuji"), interview_id=found.pk, company_id=incoming().pk,
                                        **window())


def close(persona, clock, interview_: Interview) -> Vote:
    vote = votes.vote_announce(persona("yanshuji"), vote_id=interview_.vote_id)
    clock.set(vote.closes_at + datetime.timedelta(minutes=1))
    return votes.vote_close(persona("yanshuji"), vote_id=vote.pk)


# --- 1. the replacement vote and the contract ------------------------------------------------------------
def test_the_vote_names_the_incoming_company_and_its_start(persona, world, clock):
    found = proposed(persona, clock)
    vote = Vote.objects.get(pk=found.vote_id)
    assert (vote.item, found.status, found.replacement_company) == (4, InterviewStatus.REPLACEMENT, incoming())
    assert INCOMING in vote.title and str(found.replacement_start) in vote.title
    assert found.replacement_start > source.local_date(vote.closes_at)


def test_proposing_with_no_failed_item_is_still_refused(persona, world, clock):
    found = interview(persona, published_at_60(persona, clock, "70"))
    with pytest.raises(WrongState) as exc:
        services.replacement_propose(persona("yanshuji"), interview_id=found.pk, company_id=incoming().pk,
                                     **window())
    assert exc.value.message == services.NO_FAILED_ITEM
    found.refresh_from_db()
    assert found.vote_id is None and found.replacement_company is None


@pytest.mark.parametrize("bad", ["none", "same", "committee", "start_at_close"])
def test_a_bad_incoming_company_or_start_is_refused(persona, world, clock, bad):
    found = failed_interview(persona, clock)
    data = window() | {"company_id": incoming().pk}
    if bad == "none":
        data["company_id"] = None
    elif bad == "same":
        data["company_id"] = company().pk
    elif bad == "committee":
        data["company_id"] = Organisation.objects.filter(kind=OrgKind.PROPERTY_MANAGEMENT_COMMITTEE).first().pk
    else:
        data["start"] = source.local_date(data["closes_at"])  # the day voting closes: too early
    with pytest.raises(InvalidInput) as exc:
        services.replacement_propose(persona("yanshuji"), interview_id=found.pk, **data)
    assert exc.value.field == ("start" if bad == "start_at_close" else "company_id")
    found.refresh_from_db()
    assert found.status == InterviewStatus.FAILED and found.vote_id is None


def test_a_passed_vote_replaces_the_contract_from_the_start_day(persona, world, clock, monkeypatch):
    found = proposed(persona, clock)
    old = ServiceContract.objects.get(estate=estate(YIWU), company=company())
    monkeypatch.setattr(law.Tally, "approved", property(lambda self: True))  # the owners agreed
    close(persona, clock, found)
    found.refresh_from_db()
    old.refresh_from_db()
    new = ServiceContract.objects.get(predecessor=old)
    assert (new.company, new.start, new.origin) == (incoming(), found.replacement_start, "replacement")
    assert old.end == found.replacement_start - DAY
    assert (found.status, found.replacement_contract) == (InterviewStatus.REPLACED, new)
    assert INCOMING in found.outcome_note
    audit = AuditEntry.objects.get(action=AuditAction.REPLACEMENT_DONE, subject_id=str(found.pk))
    assert audit.after["replaced"] is True and audit.after["contract_id"] == new.pk


def test_a_failed_vote_changes_no_contract_and_rectification_goes_on(persona, world, clock):
    found = proposed(persona, clock)
    before = list(ServiceContract.objects.filter(estate=estate(YIWU)).values_list("pk", "company_id", "end"))
    vote = close(persona, clock, found)
    assert vote.result["approved"] is False
    found.refresh_from_db()
    assert list(ServiceContract.objects.filter(estate=estate(YIWU)).values_list("pk", "company_id", "end")) == before
    assert found.status == InterviewStatus.RECTIFYING and found.replacement_contract is None
    assert found.outcome_note.startswith("业主表决未通过更换")
    assert AuditEntry.objects.filter(action=AuditAction.REPLACEMENT_REJECTED, subject_id=str(found.pk)).exists()


def test_a_passed_vote_whose_contract_changed_meanwhile_still_closes(persona, world, clock, monkeypatch):
    found = proposed(persona, clock)
    old = ServiceContract.objects.get(estate=estate(YIWU), company=company())
    ServiceContract.objects.filter(pk=old.pk).update(start=found.replacement_start)  # now it cannot start later
    monkeypatch.setattr(law.Tally, "approved", property(lambda self: True))
    vote = close(persona, clock, found)
    assert vote.status == "closed"
    found.refresh_from_db()
    assert found.status == InterviewStatus.REPLACEMENT and "未能自动更换" in found.outcome_note
    assert not ServiceContract.objects.filter(predecessor=old).exists()


# --- 5. complaints against the company, not the estate -----------------------------------------------------
def test_a_run_of_complaints_counts_the_companys_own(persona, world, clock):
    yiwu = estate(YIWU)
    now = source.now()
    base = selectors.complaints(yiwu, company())
    fresh = list(Request.objects.filter(estate=yiwu, satisfaction__isnull=True).order_by("pk")[:3])
    ours, not_ours, climbed = fresh
    Request.objects.filter(pk=ours.pk).update(satisfaction=1, created_at=now, handler=Handler.PROPERTY,
                                              level=Level.ESTATE)
    Request.objects.filter(pk=not_ours.pk).update(satisfaction=2, created_at=now, handler=Handler.BUILDING_HEAD,
                                                  level=Level.ESTATE, category="neighbour_dispute")
    Request.objects.filter(pk=climbed.pk).update(satisfaction=2, created_at=now, handler=Handler.COMMUNITY,
                                                 level=Level.COMMUNITY, category="lift")
    assert selectors.complaints(yiwu, company()) == base + 2  # its own, and the lift that climbed from it
    # Another company (never under contract here) has none; nor has this one before its contract began.
    assert selectors.complaints(yiwu, incoming()) == 0
    ServiceContract.objects.filter(estate=yiwu, company=company()).update(start=source.local_date(now) + DAY)
    assert selectors.complaints(yiwu, company()) == 0


# --- 2. and 3. 九不准 ---------------------------------------------------------------------------------------
def member():
    return unit(YIWU, "1-1-101").ownerships.get(until__isnull=True).person


def confirmed(persona, clock) -> ConductCase:
    yan = persona("yanshuji")
    services.conduct_rules_adopt(yan, estate_id=estate(YIWU).pk, items=list(NINE_DONTS))
    case = services.breach_report(persona("wangayi"), estate_id=estate(YIWU).pk, member_id=member().pk, item=2,
                                  evidence="收受物业公司购物卡")
    services.breach_interview(yan, case_id=case.pk, held_on=source.today(), notes="本人承认")
    return services.breach_find(yan, case_id=case.pk, confirmed=True, finding="属实，违反第2条")


def test_the_case_names_the_rule_in_force_from_the_library(persona, world, clock):
    seen = []

    def library(kind, estate_, day):
        seen.append((kind, estate_.pk, day))
        return registry.RuleInForce(version_id=77, label="《义乌城业委会委员九不准》第3版（2026-01-01施行）",
                                    url="/rules/77/")

    registry.register_rule_source(library)
    try:
        case = confirmed(persona, clock)
    finally:
        registry._rule_sources.remove(library)
    assert seen[0] == ("conduct", estate(YIWU).pk, source.today())
    assert (case.rule_label, case.rule_version_id) == ("《义乌城业委会委员九不准》第3版（2026-01-01施行）", 77)
    assert selectors.case_basis(case) == "依据：《义乌城业委会委员九不准》第3版（2026-01-01施行）"


def test_without_a_library_the_case_names_the_estates_own_list(persona, world, clock):
    case = confirmed(persona, clock)
    assert case.rule_version_id is None
    assert case.rule_label == f"《{YIWU}业主委员会委员九不准负面清单》第1版"


def test_a_confirmed_breach_opens_an_accountability_case_once(persona, world, clock):
    case = confirmed(persona, clock)
    with pytest.raises(InvalidInput):
        services.breach_case_open(persona("yanshuji"), case_id=case.pk, deadline=source.today())  # not after today
    case = services.breach_case_open(persona("yanshuji"), case_id=case.pk, deadline=source.today() + DAY)
    opened = AccountabilityCase.objects.get(pk=case.accountability_case_id)
    assert (opened.source, opened.responsible, opened.deadline) == ("九不准", member().name, source.today() + DAY)
    assert "第2条" in opened.description
    with pytest.raises(WrongState) as exc:
        services.breach_case_open(persona("yanshuji"), case_id=case.pk, deadline=source.today() + DAY)
    assert exc.value.message == services.ALREADY_CASE
    assert AccountabilityCase.objects.filter(source="九不准", estate=estate(YIWU)).count() == 1


def test_a_confirmed_breach_drafts_a_removal_motion_once(persona, world, clock):
    case = confirmed(persona, clock)
    opens = source.now() + 20 * DAY
    case = services.breach_removal_propose(persona("shequ"), case_id=case.pk, opens_at=opens,
                                           closes_at=opens + 10 * DAY)
    vote = Vote.objects.get(pk=case.removal_vote_id)
    assert (vote.item, vote.seats, vote.status) == (3, None, "draft") and member().name in vote.title
    with pytest.raises(WrongState):
        services.breach_removal_propose(persona("shequ"), case_id=case.pk, opens_at=opens, closes_at=opens + 10 * DAY)
    assert Vote.objects.filter(estate=estate(YIWU), item=3, title=vote.title).count() == 1


@pytest.mark.parametrize("who, case_ok, removal_ok", [
    ("yanshuji", True, True), ("shequ", False, True), ("zhangjingli", False, False), ("wangayi", False, False),
    ("sunjiancha", False, False), ("lijing", False, False)])
def test_who_acts_on_a_confirmed_breach(persona, world, clock, who, case_ok, removal_ok):
    case = confirmed(persona, clock)
    opens = source.now() + 20 * DAY
    for ok, call in ((case_ok, lambda: services.breach_case_open(persona(who), case_id=case.pk,
                                                                 deadline=source.today() + DAY)),
                     (removal_ok, lambda: services.breach_removal_propose(persona(who), case_id=case.pk,
                                                                          opens_at=opens, closes_at=opens + 10 * DAY))):
        if ok:
            call()
        else:
            with pytest.raises((PermissionDenied, NotFound)):
                call()
    case.refresh_from_db()
    assert (case.accountability_case_id is not None, case.removal_vote_id is not None) == (case_ok, removal_ok)


def test_the_committee_does_not_act_on_its_own_member(persona, world, clock):
    """A committee chair (太平洋花园's) holds no community role: refused on a case of that estate too."""
    from tests.helpers import PACIFIC
    yan = persona("yanshuji")
    services.conduct_rules_adopt(yan, estate_id=estate(PACIFIC).pk, items=list(NINE_DONTS))
    person = selectors.committee_members(estate(PACIFIC))[1].person
    case = services.breach_report(persona("lixiansheng"), estate_id=estate(PACIFIC).pk, member_id=person.pk,
                                  item=1, evidence="利用职务之便")
    services.breach_interview(yan, case_id=case.pk, held_on=source.today(), notes="约谈")
    services.breach_find(yan, case_id=case.pk, confirmed=True, finding="属实")
    opens = source.now() + 20 * DAY
    with pytest.raises(PermissionDenied) as exc:
        services.breach_removal_propose(persona("zhaozhuren"), case_id=case.pk, opens_at=opens,
                                        closes_at=opens + 10 * DAY)
    assert exc.value.message == services.CONSEQUENCE_ROLES_ONLY
    with pytest.raises(PermissionDenied):
        services.breach_case_open(persona("zhaozhuren"), case_id=case.pk, deadline=source.today() + DAY)


def test_only_a_confirmed_breach_has_consequences(persona, world, clock):
    yan = persona("yanshuji")
    services.conduct_rules_adopt(yan, estate_id=estate(YIWU).pk, items=list(NINE_DONTS))
    case = services.breach_report(persona("wangayi"), estate_id=estate(YIWU).pk, member_id=member().pk, item=2,
                                  evidence="收受购物卡")
    with pytest.raises(WrongState) as exc:
        services.breach_case_open(yan, case_id=case.pk, deadline=source.today() + DAY)
    assert exc.value.message == services.NOT_CONFIRMED
    services.breach_interview(yan, case_id=case.pk, held_on=source.today(), notes="约谈")
    services.breach_find(yan, case_id=case.pk, confirmed=False, finding="查无实据")
    with pytest.raises(WrongState):
        services.breach_removal_propose(yan, case_id=case.pk, opens_at=source.now() + 20 * DAY,
                                        closes_at=source.now() + 30 * DAY)
    assert not AccountabilityCase.objects.filter(source="九不准").exists()


def test_the_organiser_reads_the_notes_in_the_api_and_an_owner_does_not(persona, world, clock, client):
    confirmed(persona, clock)
    opens = source.now() + 20 * DAY
    election = votes.vote_create(persona("yanshuji"), estate_id=estate(YIWU).pk, title="选举业委会", item=3,
                                 opens_at=opens, closes_at=opens + 10 * DAY, seats=5)
    candidate = votes.candidate_nominate(persona("yanshuji"), vote_id=election.pk, person_id=member().pk)
    client.force_login(persona("yanshuji"))
    (listed,) = client.get(f"/api/v1/votes/{election.pk}/candidates").json()
    assert listed["id"] == candidate.pk and "第2条" in listed["notes"][0]["text"]
    reviewed = client.post(f"/api/v1/candidates/{candidate.pk}/review", {"dandang": True},
                           content_type="application/json").json()
    assert "第2条" in reviewed["notes"][0]["text"]
    votes.candidate_review(persona("yanshuji"), candidate_id=candidate.pk,
                           checks={"dandang": True, "dangxing": True, "suzhi": True, "gongxin": True})
    client.force_login(persona("wangayi"))  # an owner of 义乌城 sees the eligible candidate, not the notes
    (seen,) = client.get(f"/api/v1/votes/{election.pk}/candidates").json()
    assert seen["id"] == candidate.pk and seen["notes"] == []


def test_the_election_review_shows_a_confirmed_breach_within_the_term(persona, world, clock):
    case = confirmed(persona, clock)
    opens = source.now() + 20 * DAY
    election = votes.vote_create(persona("yanshuji"), estate_id=estate(YIWU).pk, title="选举业委会", item=3,
                                 opens_at=opens, closes_at=opens + 10 * DAY, seats=5)
    candidate = votes.candidate_nominate(persona("yanshuji"), vote_id=election.pk, person_id=member().pk)
    notes = votes.candidate_notes_of(candidate)
    assert [(n.day, "第2条" in n.text) for n in notes] == [(source.local_date(case.decided_at), True)]
    reviewed = votes.candidate_review(persona("yanshuji"), candidate_id=candidate.pk, checks={})
    audit = AuditEntry.objects.filter(action="candidate.review", subject_id=str(reviewed.pk)).latest("pk")
    assert any("第2条" in n for n in audit.after["notes"])
    # Outside the term (the estate's longest committee term before today) it no longer shows.
    years = services.bodies.max_term_years(estate(YIWU))
    ConductCase.objects.filter(pk=case.pk).update(
        decided_at=source.at(services.bodies.add_years(source.today(), -years) - DAY))
    assert votes.candidate_notes_of(candidate) == []
    ConductCase.objects.filter(pk=case.pk).update(
        decided_at=source.at(services.bodies.add_years(source.today(), -years)))
    assert len(votes.candidate_notes_of(candidate)) == 1  # the first day of the term exactly


# --- 4. the ranking attached to the contract ---------------------------------------------------------------
def ranked(persona, clock):
    ev = evaluation(persona, survey_weight=100, requests_weight=0, threshold="70")
    services.offline_enter(persona("yanshuji"), evaluation_id=ev.pk, name="业主代表", kind="representatives",
                           weight=20, forms=10, scores=marks(ev, "5", "5", "4"))
    after_close(clock, ev)
    ev = services.evaluation_publish(persona("yanshuji"), evaluation_id=ev.pk)
    ranking = services.ranking_publish(persona("yanshuji"), place=f"community:{ev.estate.community_id}",
                                       year=ev.period_end.year)
    contract = ServiceContract.objects.get(estate=estate(YIWU), company=company())
    ServiceContract.objects.filter(pk=contract.pk).update(end=source.today() + 60 * DAY)
    return ranking, ServiceContract.objects.get(pk=contract.pk)


def test_renewal_on_the_ranking_renews_the_contract(persona, world, clock):
    ranking, contract = ranked(persona, clock)
    end = contract.end + 3 * 365 * DAY
    decision = services.renewal_decide(persona("yanshuji"), estate_id=estate(YIWU).pk, ranking_id=ranking.pk,
                                       renew=True, end=end)
    new = decision.new_contract
    assert (new.company, new.start, new.end, new.predecessor) == (company(), contract.end + DAY, end, contract)
    assert decision.rank == 1 and f"{ranking.year}年度" in decision.reason and "第1名" in decision.reason
    with pytest.raises(WrongState) as exc:  # the renewal runs now; the same ranking cannot decide it again
        services.renewal_decide(persona("yanshuji"), estate_id=estate(YIWU).pk, ranking_id=ranking.pk, renew=False,
                                reason="再议")
    assert exc.value.message == services.ALREADY_DECIDED
    assert RenewalDecision.objects.filter(estate=estate(YIWU)).count() == 1


def test_not_renewing_needs_a_reason_and_changes_no_contract(persona, world, clock):
    ranking, contract = ranked(persona, clock)
    with pytest.raises(InvalidInput) as exc:
        services.renewal_decide(persona("yanshuji"), estate_id=estate(YIWU).pk, ranking_id=ranking.pk, renew=False)
    assert exc.value.message == services.RENEWAL_REASON
    decision = services.renewal_decide(persona("yanshuji"), estate_id=estate(YIWU).pk, ranking_id=ranking.pk,
                                       renew=False, reason="满意度连续下降")
    assert decision.new_contract is None and "满意度连续下降" in decision.reason
    assert not ServiceContract.objects.filter(predecessor=contract).exists()
    with pytest.raises(WrongState) as exc:
        services.renewal_decide(persona("yanshuji"), estate_id=estate(YIWU).pk, ranking_id=ranking.pk, renew=True)
    assert exc.value.message == services.ALREADY_DECIDED


def test_renewal_refuses_a_ranking_without_the_company_and_the_wrong_people(persona, world, clock):
    ranking, contract = ranked(persona, clock)
    with pytest.raises(InvalidInput) as exc:
        services.renewal_decide(persona("yanshuji"), estate_id=estate(YIWU).pk, ranking_id=ranking.pk + 999,
                                renew=True)
    assert exc.value.message == services.RANKING_NOT_FOR_CONTRACT
    for who in ("wangayi", "zhangjingli"):
        with pytest.raises(PermissionDenied):
            services.renewal_decide(persona(who), estate_id=estate(YIWU).pk, ranking_id=ranking.pk, renew=True)
    assert not RenewalDecision.objects.exists()
    assert not ServiceContract.objects.filter(predecessor=contract).exists()


# --- pages and API twins, by persona ---------------------------------------------------------------------
JSON = "application/json"
CASE_PAGE = {"yanshuji": (200, True, True), "shequ": (200, False, True), "sunjiancha": (200, False, False),
             "zhangjingli": (404, False, False), "lijing": (404, False, False)}


@pytest.mark.parametrize("who", list(CASE_PAGE))
def test_the_case_page_offers_each_consequence_to_whom_may_take_it(login, persona, world, clock, who):
    case = confirmed(persona, clock)
    status, offers_case, offers_removal = CASE_PAGE[who]
    page = login(who).get(f"/conduct/cases/{case.pk}/")
    assert page.status_code == status
    if status == 200:
        html = page.content.decode()
        assert ('data-testid="case-accountability-form"' in html) == offers_case
        assert ('data-testid="case-removal-form"' in html) == offers_removal
        assert f"依据：《{YIWU}业主委员会委员九不准负面清单》第1版" in html


def test_the_case_page_and_the_api_take_the_consequences(login, persona, world, clock):
    case = confirmed(persona, clock)
    staff = login("shequ")
    assert staff.post(f"/conduct/cases/{case.pk}/", {"action": "accountability",
                                                     "deadline": str(source.today() + DAY)}).status_code == 403
    done = staff.post(f"/conduct/cases/{case.pk}/", {"action": "removal", "opens_at": "2099-01-01T09:00",
                                                     "closes_at": "2099-01-10T18:00"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.removal_vote_id is not None and case.accountability_case_id is None
    api = login("yanshuji")
    answer = api.post(f"/api/v1/conduct-cases/{case.pk}/accountability",
                      {"deadline": str(source.today() + DAY)}, content_type=JSON)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["accountability_case_id"] and body["removal_vote_id"] == case.removal_vote_id
    assert body["basis"] == f"依据：《{YIWU}业主委员会委员九不准负面清单》第1版" and body["rule_version_id"] is None
    again = api.post(f"/api/v1/conduct-cases/{case.pk}/removal", {"opens_at": "2099-01-01T09:00:00",
                                                                 "closes_at": "2099-01-10T18:00:00"},
                     content_type=JSON)
    assert again.status_code == 409
    refused = login("sunjiancha").post(f"/api/v1/conduct-cases/{case.pk}/removal",
                                       {"opens_at": "2099-01-01T09:00:00", "closes_at": "2099-01-10T18:00:00"},
                                       content_type=JSON)
    assert refused.status_code == 403
    assert login("lijing").post(f"/api/v1/conduct-cases/{case.pk}/accountability",
                                {"deadline": str(source.today() + DAY)}, content_type=JSON).status_code == 404


def test_the_interview_page_proposes_with_the_incoming_company_and_the_api_too(login, persona, world, clock):
    found = failed_interview(persona, clock)
    incoming()
    page = login("yanshuji").get(f"/interviews/{found.pk}/")
    assert 'data-testid="replace-form"' in page.content.decode() and INCOMING in page.content.decode()
    assert 'data-testid="replace-form"' not in login("zhangjingli").get(f"/interviews/{found.pk}/").content.decode()
    data = window()
    missing = login("yanshuji").post(f"/api/v1/interviews/{found.pk}/replacement", {
        "opens_at": data["opens_at"].isoformat(), "closes_at": data["closes_at"].isoformat()}, content_type=JSON)
    assert missing.status_code == 422
    answer = login("yanshuji").post(f"/api/v1/interviews/{found.pk}/replacement", {
        "opens_at": data["opens_at"].isoformat(), "closes_at": data["closes_at"].isoformat(),
        "company_id": incoming().pk, "start": str(data["start"])}, content_type=JSON)
    assert answer.status_code == 200, answer.content
    assert (answer.json()["replacement_company_id"], answer.json()["replacement_start"]) == (
        incoming().pk, str(data["start"]))


RENEWAL_PAGE = {"yanshuji": (200, True), "zhangjingli": (200, False), "wangayi": (200, False),
                "lijing": (404, False)}


@pytest.mark.parametrize("who", list(RENEWAL_PAGE))
def test_the_estate_page_offers_the_renewal_to_the_deciders(login, persona, world, clock, who):
    ranked(persona, clock)
    status, offered = RENEWAL_PAGE[who]
    page = login(who).get(f"/estates/{estate(YIWU).pk}/reviews/")
    assert page.status_code == status
    if status == 200:
        assert ('data-testid="renewal-form"' in page.content.decode()) == offered


def test_renewal_on_the_page_and_the_api(login, persona, world, clock):
    ranking, contract = ranked(persona, clock)
    assert login("zhangjingli").post(f"/estates/{estate(YIWU).pk}/reviews/", {
        "action": "renewal", "ranking_id": ranking.pk, "renew": "no", "reason": "x"}).status_code == 403
    assert login("lijing").post(f"/api/v1/estates/{estate(YIWU).pk}/renewal-decisions", {
        "ranking_id": ranking.pk, "renew": False, "reason": "x"}, content_type=JSON).status_code == 404
    assert login("wangayi").post(f"/api/v1/estates/{estate(YIWU).pk}/renewal-decisions", {
        "ranking_id": ranking.pk, "renew": False, "reason": "x"}, content_type=JSON).status_code == 403
    assert not RenewalDecision.objects.exists()
    done = login("yanshuji").post(f"/estates/{estate(YIWU).pk}/reviews/", {
        "action": "renewal", "ranking_id": ranking.pk, "renew": "no", "reason": "投诉增多"})
    assert done.status_code == 302
    listed = login("yanshuji").get(f"/api/v1/estates/{estate(YIWU).pk}/renewal-decisions")
    assert [(d["renewed"], d["contract_id"]) for d in listed.json()] == [(False, contract.pk)]
    assert login("wangayi").get(f"/api/v1/estates/{estate(YIWU).pk}/renewal-decisions").status_code == 404
    page = login("yanshuji").get(f"/estates/{estate(YIWU).pk}/reviews/").content.decode()
    assert "投诉增多" in page and 'data-testid="renewal-form"' not in page
