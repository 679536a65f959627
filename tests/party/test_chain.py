"""The chain to the household: building party groups (one per building), 党员中心户 with the households
they look after (one 中心户 per household) and their visits (which earn visit points), coverage per estate
on its page, in the API and on the dashboard; with the permission grids."""

import datetime

import pytest

from gongzhi.bodies import services as bodies
from gongzhi.bodies.models import Organisation, OrgKind
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.party import selectors, services
from gongzhi.party.models import CentralHousehold, CoveredHousehold, GroupBuilding, HouseholdVisit, PointsEntry
from gongzhi.people.models import Person
from tests.helpers import PACIFIC, YIWU, estate, race, unit


def zh(template: str, **kw) -> str:
    return template.split(" / ")[0].format(**kw)


def pacific_central() -> CentralHousehold:
    return CentralHousehold.objects.get(unit=unit(PACIFIC, "3-1-201"))


def test_the_demo_chain_of_pacific_covers_every_building_and_chens_neighbours(login):
    pacific = estate(PACIFIC)
    body = login("yanshuji").get(f"/api/v1/estates/{pacific.pk}/party/chain").json()
    cov = body["coverage"]
    assert cov["buildings"] == cov["with_group"] == 11 and cov["group_rate"] == 100.0
    assert cov["covered"] == 6 and cov["households"] == 306  # 陈's own household and the five it looks after
    chen = next(c for c in body["centrals"] if c["unit"] == "3-1-201")
    assert sorted(chen["covered"]) == ["3-1-101", "3-1-102", "3-1-202", "3-1-301", "3-1-302"]
    page = login("yanshuji").get(f"/estates/{pacific.pk}/party/").content.decode()
    assert 'data-testid="group-coverage">11 / 11' in page and "3-1-302" in page


CHAIN = {"yanshuji": 200, "shequ": 200, "wuganbu": 200, "guanliyuan": 200, "chen": 403, "zhaozhuren": 403,
         "wangjingli": 403, "lijing": 404, "zuhu": 404}


@pytest.mark.parametrize("who", list(CHAIN))
def test_chain_page_grid(login, who):
    pacific = estate(PACIFIC)
    client = login(who)
    page = client.get(f"/estates/{pacific.pk}/party/")
    assert page.status_code == CHAIN[who]
    assert client.get(f"/api/v1/estates/{pacific.pk}/party/chain").status_code == CHAIN[who]
    if CHAIN[who] != 200:
        assert "3-1-302" not in page.content.decode()


def _group(name="义乌城1号楼党小组"):
    branch = Organisation.objects.get(name="义乌城小区党支部")
    return bodies.organisation_create(None, kind=OrgKind.BUILDING_GROUP, name=name, estate_id=estate(YIWU).pk,
                                      parent_id=branch.pk)


def test_a_building_has_one_group(persona):
    first, second = _group(), _group("义乌城1号楼第二党小组")
    building = unit(YIWU, "1-1-101").building
    services.group_building_set(persona("shequ"), organisation_id=first.pk, building_id=building.pk)
    with pytest.raises(WrongState) as refused:
        services.group_building_set(persona("shequ"), organisation_id=second.pk, building_id=building.pk)
    assert refused.value.message == services.BUILDING_TAKEN.format(building=building, group=first.name)
    assert GroupBuilding.objects.filter(building=building).count() == 1
    with pytest.raises(InvalidInput):  # another estate's building
        services.group_building_set(persona("shequ"), organisation_id=second.pk,
                                    building_id=unit(PACIFIC, "1-1-101").building.pk)
    with pytest.raises(InvalidInput):  # not a building group
        services.group_building_set(persona("shequ"), organisation_id=Organisation.objects.get(
            name="义乌城小区党支部").pk, building_id=building.pk)


GROUP_SET = {"shequ": 201, "yanshuji": 201, "guanliyuan": 201, "wuganbu": 403, "wangayi": 403, "lijing": 404}


@pytest.mark.parametrize("who", list(GROUP_SET))
def test_group_building_grid(login, who):
    group = _group()
    building = unit(YIWU, "2-1-101").building
    response = login(who).post("/api/v1/party/group-buildings", {"organisation_id": group.pk,
                                                                 "building_id": building.pk},
                               content_type="application/json")
    assert response.status_code == GROUP_SET[who], response.content
    assert GroupBuilding.objects.filter(building=building).exists() == (response.status_code == 201)


def _he():
    return Person.objects.get(user__username="dangyuan")


def _designate(actor, home="9-1-805", covered=("9-1-804", "9-1-803")):
    return services.central_household_designate(actor, estate_id=estate(YIWU).pk, person_id=_he().pk,
                                                unit_id=unit(YIWU, home).pk,
                                                covered_unit_ids=[unit(YIWU, c).pk for c in covered])


def test_a_household_is_looked_after_by_one_central_household(persona):
    central = _designate(persona("shequ"))
    assert {c.unit.code for c in central.covered.all()} == {"9-1-804", "9-1-803"}
    assert AuditEntry.objects.filter(action="central_household.designate", subject_id=str(central.pk)).exists()
    with pytest.raises(WrongState):  # the same home twice
        _designate(persona("shequ"), covered=("9-1-802",))
    count = CoveredHousehold.objects.count()
    with pytest.raises(InvalidInput) as refused:  # not the member's home
        _designate(persona("shequ"), home="9-1-801", covered=("9-1-803",))
    assert refused.value.message == services.HOME_NOT_THEIRS
    assert CoveredHousehold.objects.count() == count


@pytest.mark.parametrize("case, message", [
    ("none", services.HOUSEHOLDS_REQUIRED), ("elsewhere", services.HOUSEHOLD_ELSEWHERE),
    ("not_member", services.NOT_A_RESIDENT_MEMBER),
])
def test_central_household_refusals(persona, case, message):
    count = CentralHousehold.objects.count()
    with pytest.raises(InvalidInput) as refused:
        if case == "none":
            _designate(persona("shequ"), covered=())
        elif case == "elsewhere":
            services.central_household_designate(persona("shequ"), estate_id=estate(YIWU).pk, person_id=_he().pk,
                                                unit_id=unit(YIWU, "9-1-805").pk,
                                                covered_unit_ids=[unit(PACIFIC, "1-1-101").pk])
        else:
            wang = Person.objects.get(user__username="wangayi")
            services.central_household_designate(persona("shequ"), estate_id=estate(YIWU).pk, person_id=wang.pk,
                                                unit_id=unit(YIWU, "5-1-302").pk,
                                                covered_unit_ids=[unit(YIWU, "5-1-301").pk])
    assert refused.value.message.split(" / ")[0] == message.split(" / ")[0].format(n=services.MAX_COVERED)
    assert CentralHousehold.objects.count() == count


def test_designating_needs_the_community(persona):
    with pytest.raises(PermissionDenied):
        _designate(persona("wuganbu"))
    with pytest.raises(NotFound):
        _designate(persona("lijing"))


def test_a_visit_earns_visit_points_named_by_the_household(persona, login, clock):
    central = pacific_central()
    chen = persona("chen")
    before = selectors.balance(central.member)
    visit = services.household_visit_record(chen, central_id=central.pk, unit_id=unit(PACIFIC, "3-1-202").pk,
                                            on=clock.today, note="老人身体好，家中无隐患")
    entry = PointsEntry.objects.get(source_type="party.householdvisit", source_id=visit.pk)
    assert (entry.kind, entry.points, entry.source_label) == ("visit", 2, "走访：3-1-202")
    assert selectors.balance(central.member) == before + 2
    page = login("chen").get("/party/points/").content.decode()
    assert "走访：3-1-202" in page and 'href="/party/household/"' in page


@pytest.mark.parametrize("case, message", [
    ("future", services.VISIT_IN_FUTURE), ("not_covered", services.NOT_COVERED), ("empty", services.VISIT_NOTE_REQUIRED),
])
def test_visit_refusals(persona, clock, case, message):
    central = pacific_central()
    kw = {"unit_id": unit(PACIFIC, "3-1-202").pk, "on": clock.today, "note": "走访"}
    if case == "future":
        kw["on"] = clock.today + datetime.timedelta(days=1)
    elif case == "not_covered":
        kw["unit_id"] = unit(PACIFIC, "5-1-101").pk
    else:
        kw["note"] = " "
    count = HouseholdVisit.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.household_visit_record(persona("chen"), central_id=central.pk, **kw)
    assert refused.value.message.split(" / ")[0] == message.split(" / ")[0].format(unit=kw["unit_id"])
    assert HouseholdVisit.objects.count() == count


VISIT = {"chen": 201, "shequ": 201, "wuganbu": 403, "zhaozhuren": 404, "louzhang6": 404, "lijing": 404}


@pytest.mark.parametrize("who", list(VISIT))
def test_visit_grid(login, who, clock):
    central = pacific_central()
    response = login(who).post(f"/api/v1/party/central-households/{central.pk}/visits",
                               {"unit_id": unit(PACIFIC, "3-1-301").pk, "on": clock.today.isoformat(),
                                "note": "送去防诈骗宣传册"}, content_type="application/json")
    assert response.status_code == VISIT[who], response.content


def test_chen_records_a_visit_on_his_household_page(login, clock):
    client = login("chen")
    page = client.get("/party/household/").content.decode()
    assert 'data-api="household_visit_record"' in page and "3-1-101" in page
    client.post("/party/household/", {"visit-unit": unit(PACIFIC, "3-1-102").pk, "visit-on": clock.today.isoformat(),
                                      "visit-note": "帮忙联系了维修"})
    assert HouseholdVisit.objects.filter(unit=unit(PACIFIC, "3-1-102"), note="帮忙联系了维修").exists()
    assert login("wangayi").get("/party/household/").status_code == 404  # no 中心户 of hers


def test_coverage_on_the_dashboard(persona, clock):
    from gongzhi.core import clock as source
    from gongzhi.core.figures import Place

    figures = {f.key: f.value for f in selectors.dashboard_section(
        fetched_by=persona("yanshuji"), place=Place("estate", estate(PACIFIC)), period=source.period("month")).figures}
    assert figures["group_coverage"] == 100.0 and figures["household_coverage"] == round(100 * 6 / 306, 1)


def test_designate_on_the_estate_page(login):
    page = login("shequ").post(f"/estates/{estate(YIWU).pk}/party/", {
        "action": "central", "central-member": PartyMemberId.of("dangyuan"), "central-home": "9-1-805",
        "central-covered": "9-1-804，9-1-803 9-1-999"}, follow=True)
    assert "9-1-999" in page.content.decode() and not CentralHousehold.objects.filter(
        unit=unit(YIWU, "9-1-805")).exists()
    login("shequ").post(f"/estates/{estate(YIWU).pk}/party/", {
        "action": "central", "central-member": PartyMemberId.of("dangyuan"), "central-home": "9-1-805",
        "central-covered": "9-1-804，9-1-803"})
    assert CentralHousehold.objects.get(unit=unit(YIWU, "9-1-805")).covered.count() == 2


class PartyMemberId:
    @staticmethod
    def of(username):
        from gongzhi.people.models import PartyMember

        return PartyMember.objects.get(person__user__username=username).pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_central_households_claiming_one_household_at_once(world, persona):
    wang = Person.objects.get(user__username="wangayi")
    from gongzhi.people import services as people
    from gongzhi.people.choices import MemberStatus

    people.party_member_register(None, person_id=wang.pk, status=MemberStatus.RETIRED)
    target = unit(YIWU, "9-1-804").pk
    results = race([
        lambda: services.central_household_designate(None, estate_id=estate(YIWU).pk, person_id=_he().pk,
                                                     unit_id=unit(YIWU, "9-1-805").pk, covered_unit_ids=[target]),
        lambda: services.central_household_designate(None, estate_id=estate(YIWU).pk, person_id=wang.pk,
                                                     unit_id=unit(YIWU, "5-1-302").pk, covered_unit_ids=[target]),
    ])
    assert sum(isinstance(r, CentralHousehold) for r in results) == 1, results
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    assert CoveredHousehold.objects.filter(unit_id=target).count() == 1
