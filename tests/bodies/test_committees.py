"""Owners' committee rules at their edges, autonomy coverage, 一肩挑, party share."""

import datetime
import re

import pytest

from gongzhi.bodies.forms import LINE_FORMAT, NO_SUCH_UNIT
from gongzhi.bodies.models import MemberRole, Membership, OrgKind
from gongzhi.bodies.selectors import autonomy_coverage, estate_autonomy, estate_leadership
from gongzhi.bodies.services import (
    COMMITTEE_NOT_OWNER,
    COMMITTEE_SIZE,
    COMMITTEE_TERM_TOO_LONG,
    add_years,
    committee_seat,
    organisation_create,
)
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.scoping import scope_for
from gongzhi.people.models import Person
from gongzhi.places.models import Unit
from tests.helpers import PACIFIC, YIWU, estate

SIZE_RULE = COMMITTEE_SIZE.split("，")[0].format(low=5, high=11)  # the size rule, without the count


def term_rule(years: int) -> str:
    """The stable head of the term-limit message: "任期不得超过N年"."""
    return COMMITTEE_TERM_TOO_LONG.split("（")[0].format(years=years)


START = datetime.date(2025, 3, 1)


@pytest.fixture
def committee(persona):
    return organisation_create(
        persona("yanshuji"), kind=OrgKind.OWNERS_COMMITTEE, name="义乌城第一届业委会", estate_id=estate(YIWU).pk
    )


def owners(n: int) -> list[Person]:
    units = Unit.objects.filter(estate__name=YIWU, code__startswith="2-1-")[:n]
    return [u.ownerships.get().person for u in units]


def roster(persons):
    return [(persons[0].pk, MemberRole.CHAIR)] + [(p.pk, MemberRole.MEMBER) for p in persons[1:]]


@pytest.mark.parametrize("size, ok", [(4, False), (5, True), (6, False), (7, True), (11, True), (12, False)])
def test_committee_size(persona, committee, size, ok):
    secretary = persona("yanshuji")
    members = roster(owners(size))
    end = add_years(START, 5)
    if ok:
        seated = committee_seat(secretary, organisation_id=committee.pk, members=members, term_start=START, term_end=end)
        assert len(seated) == size
    else:
        with pytest.raises(InvalidInput) as exc:
            committee_seat(secretary, organisation_id=committee.pk, members=members, term_start=START, term_end=end)
        assert exc.value.message == COMMITTEE_SIZE.format(low=5, high=11, count=size)
        assert not Membership.objects.filter(organisation=committee).exists()


def test_term_exactly_five_years_is_allowed_one_day_more_is_not(persona, committee):
    secretary = persona("yanshuji")
    members = roster(owners(5))
    committee_seat(secretary, organisation_id=committee.pk, members=members, term_start=START,
                   term_end=datetime.date(2030, 3, 1))
    with pytest.raises(InvalidInput) as exc:
        committee_seat(secretary, organisation_id=committee.pk, members=members, term_start=START,
                       term_end=datetime.date(2030, 3, 2))
    assert exc.value.message.startswith(term_rule(5))
    # the refused re-seat left the first roster in place
    assert Membership.objects.filter(organisation=committee, active=True).count() == 5


def test_term_limit_per_locality(persona, committee):
    subdistrict = estate(YIWU).community.subdistrict
    subdistrict.committee_max_term_years = 3
    subdistrict.save()
    with pytest.raises(InvalidInput, match=re.escape(term_rule(3))):
        committee_seat(persona("yanshuji"), organisation_id=committee.pk, members=roster(owners(5)),
                       term_start=START, term_end=datetime.date(2028, 3, 2))


def test_leap_day_term():
    assert add_years(datetime.date(2024, 2, 29), 5) == datetime.date(2029, 2, 28)


def test_non_owner_refused(persona, committee):
    outsider = Unit.objects.filter(estate__name=PACIFIC).first().ownerships.get().person
    members = roster(owners(4) + [outsider])
    with pytest.raises(InvalidInput) as exc:
        committee_seat(persona("yanshuji"), organisation_id=committee.pk, members=members, term_start=START,
                       term_end=add_years(START, 5))
    assert exc.value.message == COMMITTEE_NOT_OWNER.format(name=outsider.name)


def test_only_organisers_seat(persona, committee):
    with pytest.raises(PermissionDenied):
        committee_seat(persona("zhangjingli"), organisation_id=committee.pk, members=roster(owners(5)),
                       term_start=START, term_end=add_years(START, 5))


def test_api_seat_reports_rule_in_chinese(login, committee):
    client = login("yanshuji")
    response = client.post(
        f"/api/v1/organisations/{committee.pk}/seat",
        {"members": roster(owners(4)), "term_start": "2025-03-01", "term_end": "2030-03-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(SIZE_RULE)


def test_pacific_leadership(persona):
    lead = estate_leadership(fetched_by=persona("zhaozhuren"), estate_id=estate(PACIFIC).pk)
    assert lead.one_shoulder
    assert lead.committee_size == 7 and lead.party_members == 5
    assert lead.party_share == 71.4
    assert {p.name for p in lead.cross_appointed} >= {"赵丽华"}


def test_expected_body_by_size(world):
    items = {i.estate.name: i for i in estate_autonomy([estate(YIWU), estate(PACIFIC), estate("安和苑1号院")])}
    assert items[YIWU].expected_kind == OrgKind.PROPERTY_MANAGEMENT_COMMITTEE and items[YIWU].matches
    assert items[PACIFIC].expected_kind == OrgKind.OWNERS_COMMITTEE and items[PACIFIC].matches
    assert items["安和苑1号院"].expected_kind == OrgKind.YARD_COMMITTEE and items["安和苑1号院"].matches


def test_size_thresholds_are_configurable(settings, world):
    settings.GONGZHI_SIZE_SUPER_LARGE_MIN_HOUSEHOLDS = 300
    assert estate(PACIFIC).size_class == "super_large"
    settings.GONGZHI_SIZE_SUPER_LARGE_MIN_HOUSEHOLDS = 307
    assert estate(PACIFIC).size_class == "medium"


@pytest.mark.parametrize(("micro", "super_large"), [(306, 3000), (305, 307), (3000, 306)],
                         ids=["at-both-edges", "around-pacific", "overlapping"])
@pytest.mark.parametrize("by", ["community", "subdistrict"])
def test_coverage_counted_by_the_database_is_the_estates_rule(persona, settings, by, micro, super_large):
    """The coverage rows are counted in the database (issue 24); they equal the rule applied estate by
    estate (estate_autonomy), with estates exactly at the size thresholds (太平洋 has 306 households,
    义乌城 3,000) and with thresholds that overlap."""
    settings.GONGZHI_SIZE_MICRO_MAX_HOUSEHOLDS, settings.GONGZHI_SIZE_SUPER_LARGE_MIN_HOUSEHOLDS = micro, super_large
    assert {estate(PACIFIC).household_count, estate(YIWU).household_count} == {306, 3000}
    for username in ("wuganbu", "guanliyuan", "shequ", "zhangjingli"):
        user = persona(username)
        expected = {}
        for item in estate_autonomy(scope_for(user).estates().select_related("community__subdistrict")):
            place = item.estate.community if by == "community" else item.estate.community.subdistrict
            counts = expected.setdefault(place.name, [0, 0, 0])
            counts[0], counts[1], counts[2] = counts[0] + 1, counts[1] + item.has_body, counts[2] + item.matches
        counted = {r.name: [r.estates, r.covered, r.matching] for r in autonomy_coverage(fetched_by=user, by=by)}
        assert counted == expected and counted, username


def test_coverage_per_community(persona):
    rows = {r.name: r for r in autonomy_coverage(fetched_by=persona("wuganbu"))}
    assert len(rows) == 6  # communities of 光华路街道 that have estates
    mingfu = rows["明福社区"]
    assert (mingfu.estates, mingfu.covered, mingfu.matching) == (2, 2, 2)
    anhe = rows["安和苑社区"]
    assert (anhe.estates, anhe.covered) == (5, 3)
    by_sub = autonomy_coverage(fetched_by=persona("wuganbu"), by="subdistrict")
    assert [(r.name, r.estates) for r in by_sub] == [("光华路街道", 11)]


def seat_lines(codes, first="主任"):
    return "\n".join(f"{code} {first if i == 0 else '委员'}" for i, code in enumerate(codes))


def test_secretary_seats_committee_on_the_web(login, committee):
    client = login("yanshuji")
    codes = ["2-1-101", "2-1-102", "2-1-103", "2-1-104", "2-1-105"]
    response = client.post(f"/organisations/{committee.pk}/", {
        "members": seat_lines(codes), "term_start": "2025-03-01", "term_end": "2030-03-01"})
    assert response.status_code == 302
    page = client.get(f"/organisations/{committee.pk}/").content.decode()
    owner = Unit.objects.get(estate__name=YIWU, code="2-1-101").ownerships.get().person
    assert f"{owner.name} · 主任" in page
    assert Membership.objects.filter(organisation=committee, active=True).count() == 5


@pytest.mark.parametrize(
    "members, end, message",
    [
        (seat_lines(["2-1-101", "2-1-102", "2-1-103", "2-1-104"]), "2030-03-01", SIZE_RULE),
        (seat_lines(["2-1-101", "2-1-102", "2-1-103", "2-1-104", "2-1-105"]), "2030-03-02", term_rule(5)),
        ("2-1-101 主任\n2-1-102", "2030-03-01", LINE_FORMAT.split("：")[0].format(line=2)),
        ("2-1-101 主任\n99-9-999 委员", "2030-03-01", NO_SUCH_UNIT.format(code="99-9-999", whose="")),
    ],
)
def test_web_seat_refusals_change_nothing(login, committee, members, end, message):
    client = login("yanshuji")
    response = client.post(f"/organisations/{committee.pk}/", {
        "members": members, "term_start": "2025-03-01", "term_end": end})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Membership.objects.filter(organisation=committee).exists()


def test_seat_form_only_for_organisers(login, committee):
    client = login("zhangjingli")  # property staff of the same estate: may look, may not seat
    page = client.get(f"/organisations/{committee.pk}/").content.decode()
    assert 'data-testid="seat-form"' not in page
    client.post(f"/organisations/{committee.pk}/", {
        "members": seat_lines(["2-1-101", "2-1-102", "2-1-103", "2-1-104", "2-1-105"]),
        "term_start": "2025-03-01", "term_end": "2030-03-01"})
    assert not Membership.objects.filter(organisation=committee).exists()
    assert login("lixiansheng").get(f"/organisations/{committee.pk}/").status_code == 404


def test_members_listed_chair_first(login):
    client = login("zhaozhuren")
    committee = estate(PACIFIC).organisations.get(kind=OrgKind.OWNERS_COMMITTEE)
    roles = [m["role"] for m in client.get(f"/api/v1/organisations/{committee.pk}").json()["members"]]
    assert roles[:2] == ["chair", "vice_chair"] and set(roles[2:]) == {"member"}


def test_cannot_seat_someone_outside_ones_scope(persona):
    from gongzhi.core.errors import NotFound

    pmc = organisation_create(persona("yanshuji"), kind=OrgKind.PROPERTY_MANAGEMENT_COMMITTEE,
                              name="临时物管会", estate_id=estate(YIWU).pk)
    outsider = Unit.objects.filter(estate__name="安和苑1号院").first().ownerships.get().person
    members = roster(owners(2)) + [(outsider.pk, MemberRole.MEMBER)]
    with pytest.raises(NotFound):
        committee_seat(persona("yanshuji"), organisation_id=pmc.pk, members=members, term_start=START,
                       term_end=add_years(START, 3))
    assert not Membership.objects.filter(organisation=pmc).exists()
