"""Setting up bodies without code: organisations at estates and communities, the party tree, 物管会's
make-up, ending terms, service contracts (renewal, replacement, history), co-construction agreements;
by API and page, with the permission grids and bad input."""

import datetime
import re

import pytest

from gongzhi.bodies import services
from gongzhi.bodies.models import Membership, Organisation, OrgKind, ServiceContract
from gongzhi.core.errors import InvalidInput, NotFound, WrongState
from gongzhi.core.money import BAD_AMOUNT
from gongzhi.core.roles import Role
from gongzhi.people.models import Person
from gongzhi.places.models import Community, Subdistrict
from tests.factories import PersonFactory, user_with_role
from tests.helpers import PACIFIC, YIWU, estate, unit

DAY = datetime.timedelta(days=1)
START = datetime.date(2024, 5, 1)  # the demo's terms and contracts start here


def zh(template: str, **kw) -> str:
    """The Chinese half of a message constant, filled in."""
    return template.split(" / ")[0].format(**kw)


def org(name) -> Organisation:
    return Organisation.objects.get(name=name)


def mingfu():
    return Community.objects.get(name="明福社区")


def person_of(username) -> Person:
    return Person.objects.get(user__username=username)


def owners(estate_name, n, prefix="3-1-"):
    return [u.ownerships.get().person for u in unit(estate_name, f"{prefix}101").building.units.filter(
        code__startswith=prefix).order_by("code")[:n]]


# --- creating organisations -----------------------------------------------------------------------
def create_body(kind):
    if kind == "committee":
        return {"kind": "owners_committee", "name": "义乌城第一届业主委员会", "estate_id": estate(YIWU).pk}
    return {"kind": "community_party_committee", "name": "明福社区党委", "community_id": mingfu().pk}


CREATE = {
    ("wangayi", "committee"): 403, ("lijing", "committee"): 404, ("wuganbu", "committee"): 201,
    ("guanliyuan", "committee"): 201, ("yanshuji", "committee"): 201, ("zhaozhuren", "committee"): 404,
    ("wangayi", "party"): 403, ("lijing", "party"): 404, ("yanshuji", "party"): 201, ("guanliyuan", "party"): 201,
}


@pytest.mark.parametrize("who, kind", list(CREATE))
def test_organisation_create_grid(login, who, kind):
    payload = create_body(kind)
    response = login(who).post("/api/v1/organisations", payload, content_type="application/json")
    assert response.status_code == CREATE[(who, kind)], response.content
    assert Organisation.objects.filter(name=payload["name"]).exists() == (response.status_code == 201)


@pytest.mark.parametrize("payload", [
    {"kind": "owners_committee", "name": "x\x00", "estate_id": 1},
    {"kind": "owners_committee", "name": "x" * 121, "estate_id": 1},
    {"kind": "emperor", "name": "x", "estate_id": 1},
    {"kind": "owners_committee", "name": "x", "estate_id": "1"},
    {"kind": "owners_committee", "name": "x", "estate_id": 1, "secret": 1},
    {"kind": "property_company", "name": "x", "estate_id": 1, "credit_code": "abc"},
])
def test_organisation_create_api_bad_input_is_422(login, payload):
    payload = {**payload, "estate_id": estate(YIWU).pk if payload["estate_id"] == 1 else payload["estate_id"]}
    response = login("yanshuji").post("/api/v1/organisations", payload, content_type="application/json")
    assert response.status_code == 422
    assert not Organisation.objects.filter(name="x").exists()


def test_unknown_estate_is_404(login):
    response = login("guanliyuan").post("/api/v1/organisations", {"kind": "owners_committee", "name": "x",
                                                                  "estate_id": 10**12}, content_type="application/json")
    assert response.status_code == 404


def _kind_en(kind):
    return kind.name.lower().replace("_", " ")


def party_cases():
    yield "building group under the community", dict(
        kind=OrgKind.BUILDING_GROUP, estate=YIWU, parent="明福社区党总支"), zh(
        services.PARTY_WRONG_PARENT, kind=OrgKind.BUILDING_GROUP.label, parent=OrgKind.COMMUNITY_GENERAL_BRANCH.label,
        allowed=services._labels(services.PARTY_PARENTS[OrgKind.BUILDING_GROUP]))
    yield "estate branch without parent", dict(kind=OrgKind.ESTATE_BRANCH, estate=YIWU, parent=None), zh(
        services.PARTY_NEEDS_PARENT, kind=OrgKind.ESTATE_BRANCH.label,
        allowed=services._labels(services.PARTY_PARENTS[OrgKind.ESTATE_BRANCH]))
    yield "community committee under a branch", dict(
        kind=OrgKind.COMMUNITY_PARTY_COMMITTEE, estate=None, parent="明福社区党总支"), zh(
        services.PARTY_TOP_NO_PARENT, kind=OrgKind.COMMUNITY_PARTY_COMMITTEE.label)
    yield "building group under another estate's branch", dict(
        kind=OrgKind.BUILDING_GROUP, estate=YIWU, parent="太平洋花园小区党支部"), zh(services.PARTY_PARENT_ELSEWHERE)
    yield "household directly under the estate branch", dict(
        kind=OrgKind.PARTY_HOUSEHOLD, estate=YIWU, parent="义乌城小区党支部"), zh(
        services.PARTY_WRONG_PARENT, kind=OrgKind.PARTY_HOUSEHOLD.label, parent=OrgKind.ESTATE_BRANCH.label,
        allowed=services._labels(services.PARTY_PARENTS[OrgKind.PARTY_HOUSEHOLD]))
    yield "a committee with a parent", dict(
        kind=OrgKind.OWNERS_COMMITTEE, estate=YIWU, parent="义乌城小区党支部"), zh(services.ORG_NO_PARENT)
    yield "a committee at the community", dict(kind=OrgKind.OWNERS_COMMITTEE, estate=None, parent=None), zh(
        services.ORG_NEEDS_ESTATE, kind=OrgKind.OWNERS_COMMITTEE.label)
    yield "a general branch at an estate", dict(kind=OrgKind.COMMUNITY_GENERAL_BRANCH, estate=YIWU, parent=None), zh(
        services.ORG_AT_COMMUNITY, kind=OrgKind.COMMUNITY_GENERAL_BRANCH.label)


@pytest.mark.parametrize("case", list(party_cases()), ids=lambda c: c[0])
def test_party_tree_refusals(persona, case):
    _name, where, expected = case
    count = Organisation.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.organisation_create(
            persona("yanshuji"), kind=where["kind"], name="测试组织",
            estate_id=estate(where["estate"]).pk if where["estate"] else None,
            community_id=None if where["estate"] else mingfu().pk,
            parent_id=org(where["parent"]).pk if where["parent"] else None)
    assert exc.value.message.split(" / ")[0] == expected
    assert Organisation.objects.count() == count


def test_party_tree_down_to_a_household(persona, login):
    yan = persona("yanshuji")
    branch = org("义乌城小区党支部")
    group = services.organisation_create(yan, kind=OrgKind.BUILDING_GROUP, name="义乌城3号楼党小组",
                                         estate_id=branch.estate_id, parent_id=branch.pk)
    household = services.organisation_create(yan, kind=OrgKind.PARTY_HOUSEHOLD, name="3-2-1101党员中心户",
                                             estate_id=branch.estate_id, parent_id=group.pk)
    grid_branch = services.organisation_create(yan, kind=OrgKind.GRID_BRANCH, name="第一网格党支部",
                                               community_id=mingfu().pk, parent_id=org("明福社区党总支").pk)
    assert household.parent == group and group.parent == branch and grid_branch.estate is None
    page = login("yanshuji").get(f"/communities/{mingfu().pk}/organisations/").content.decode()
    tree = page.split('data-testid="party-tree"')[1]
    assert tree.index("明福社区党总支") < tree.index("义乌城小区党支部") < tree.index("义乌城3号楼党小组") < tree.index(
        "3-2-1101党员中心户")


def test_parent_out_of_sight_is_404(persona):
    with pytest.raises(NotFound):
        services.organisation_create(persona("lijing"), kind=OrgKind.ESTATE_BRANCH, name="x",
                                     estate_id=estate("育才新村").pk, parent_id=org("明福社区党总支").pk)


@pytest.mark.parametrize("kwargs, message", [
    ({"name": ""}, services.ORG_NEEDS_NAME), ({"name": "名" * 121}, services.ORG_NAME_TOO_LONG.format(n=120)),
    ({"name": "坏\x01名"}, "文字中含有不可见的控制字符 / the text contains control characters"),
    ({"kind": OrgKind.DEPARTMENT}, services.ORG_DEPARTMENT),
    ({"kind": OrgKind.PROPERTY_COMPANY, "credit_code": "123"}, services.CREDIT_CODE_BAD),
    ({"responsibilities": ["spying"]}, services.RESPONSIBILITY_UNKNOWN.format(value="spying")),
])
def test_organisation_create_bad_input(persona, kwargs, message):
    args = {"kind": OrgKind.SUPERVISORY_COMMITTEE, "name": "监督委员会", "estate_id": estate(YIWU).pk, **kwargs}
    with pytest.raises(InvalidInput) as exc:
        services.organisation_create(persona("yanshuji"), **args)
    assert exc.value.message == message


# --- 物管会's make-up and seating cadres -----------------------------------------------------------
@pytest.fixture
def new_pmc(persona):
    return services.organisation_create(persona("yanshuji"), kind=OrgKind.PROPERTY_MANAGEMENT_COMMITTEE,
                                        name="义乌城新物管会", estate_id=estate(YIWU).pk)


def seat(actor, body, people):
    roster = [(people[0].pk, "chair")] + [(p.pk, "member") for p in people[1:]]
    return services.committee_seat(actor, organisation_id=body.pk, members=roster, term_start=START,
                                   term_end=START.replace(year=2027))


@pytest.mark.parametrize("cadres, missing", [
    ((), ("subdistrict", "community")), (("yanshuji",), ("subdistrict",)), (("wuganbu",), ("community",)),
])
def test_pmc_make_up_names_what_is_missing(persona, new_pmc, cadres, missing):
    people = [person_of(c) for c in cadres] + owners(YIWU, 3)
    with pytest.raises(InvalidInput) as exc:
        seat(persona("yanshuji"), new_pmc, people)
    assert exc.value.message == services.PMC_MISSING.format(
        missing="、".join(services.PMC_PARTS[k][0] for k in missing),
        missing_en=", ".join(services.PMC_PARTS[k][1] for k in missing))
    assert not Membership.objects.filter(organisation=new_pmc).exists()


def test_pmc_without_owners_refused(persona, new_pmc):
    with pytest.raises(InvalidInput) as exc:
        seat(persona("yanshuji"), new_pmc, [person_of("wuganbu"), person_of("yanshuji")])
    assert exc.value.message.split(" / ")[0].endswith(services.PMC_PARTS["owners"][0])


def test_pmc_with_cadres_and_owners_seated(persona, new_pmc):
    seated = seat(persona("yanshuji"), new_pmc, [person_of("wuganbu"), person_of("yanshuji")] + owners(YIWU, 3))
    assert len(seated) == 5


def test_secretary_seats_a_subdistrict_cadre_she_does_not_otherwise_see(persona):
    """A new subdistrict cadre is on no body yet: the scope filter would hide them from 燕书记, but
    a community organiser may seat the cadres registered in the community or its subdistrict."""
    yan = persona("yanshuji")
    cadre_user = user_with_role(Role.SUBDISTRICT_OFFICER, Subdistrict.objects.get(name="光华路街道"))
    cadre = PersonFactory(name="新街道干部", user=cadre_user)
    stranger = PersonFactory(name="无关人员")
    pmc = services.organisation_create(yan, kind=OrgKind.PROPERTY_MANAGEMENT_COMMITTEE, name="太平洋花园物管会",
                                       estate_id=estate(PACIFIC).pk)
    with pytest.raises(NotFound):
        seat(yan, pmc, [stranger, person_of("yanshuji")] + owners(PACIFIC, 3, prefix="3-1-"))
    seated = seat(yan, pmc, [cadre, person_of("yanshuji")] + owners(PACIFIC, 3, prefix="3-1-"))
    assert cadre.pk in {m.person_id for m in seated}


# --- ending a term --------------------------------------------------------------------------------
TERM_GRID = {"wangayi": 403, "lijing": 404, "wuganbu": 200, "guanliyuan": 200, "yanshuji": 200, "zhaozhuren": 404}


@pytest.mark.parametrize("who", list(TERM_GRID))
def test_term_end_grid(login, clock, who):
    body = org("义乌城小区红色物业管理委员会")
    response = login(who).post(f"/api/v1/organisations/{body.pk}/term/end", {"on": clock.today.isoformat()},
                               content_type="application/json")
    assert response.status_code == TERM_GRID[who]
    assert body.memberships.filter(active=True).exists() == (response.status_code != 200)


def test_term_end_twice_is_409_and_history_stays(persona, login, clock):
    body = org("义乌城小区红色物业管理委员会")
    seated = body.memberships.filter(active=True).count()
    services.organisation_term_end(persona("yanshuji"), organisation_id=body.pk, on=clock.today)
    with pytest.raises(WrongState) as exc:
        services.organisation_term_end(persona("yanshuji"), organisation_id=body.pk, on=clock.today)
    assert exc.value.message == services.TERM_ALREADY_ENDED
    ended = body.memberships.filter(active=False, term_end=clock.today).count()
    assert ended == seated
    api = login("yanshuji").get(f"/api/v1/organisations/{body.pk}/terms").json()
    assert api["count"] == seated and api["items"][0]["term_end"] == clock.today.isoformat()
    assert login("yanshuji").post(f"/api/v1/organisations/{body.pk}/term/end", {"on": clock.today.isoformat()},
                                  content_type="application/json").status_code == 409


@pytest.mark.parametrize("on, message", [
    (START - DAY, zh(services.TERM_END_BEFORE_START, start=START)), ("tomorrow", "日期不能晚于今天"),
])
def test_term_end_bad_dates(persona, clock, on, message):
    body = org("义乌城小区红色物业管理委员会")
    day = clock.today + DAY if on == "tomorrow" else on
    with pytest.raises(InvalidInput) as exc:
        services.organisation_term_end(persona("yanshuji"), organisation_id=body.pk, on=day)
    assert exc.value.message.startswith(message)
    assert body.memberships.filter(active=True).exists()


def test_term_end_api_impossible_date_is_422(login):
    body = org("义乌城小区红色物业管理委员会")
    response = login("yanshuji").post(f"/api/v1/organisations/{body.pk}/term/end", {"on": "2026-02-30"},
                                      content_type="application/json")
    assert response.status_code == 422


def test_term_end_on_the_page(login, clock):
    body = org("义乌城小区红色物业管理委员会")
    client = login("yanshuji")
    page = client.get(f"/organisations/{body.pk}/")
    assert b'data-api="organisation_term_end"' in page.content and b'data-api="committee_seat"' in page.content
    done = client.post(f"/organisations/{body.pk}/", {"action": "term_end", "end-on": clock.today.isoformat()})
    assert done.status_code == 302
    page = client.get(f"/organisations/{body.pk}/").content.decode()
    assert 'data-testid="history"' in page and "吴泽省" in page.split('data-testid="history"')[1]
    assert login("wangayi").post(f"/organisations/{body.pk}/", {"action": "term_end"}).status_code == 403


# --- service contracts ----------------------------------------------------------------------------
@pytest.fixture
def service_company(persona):
    return services.organisation_create(persona("yanshuji"), kind=OrgKind.COMMUNITY_SERVICE_COMPANY,
                                        name="明福社区为民服务有限公司", community_id=mingfu().pk)


def yiwu_contract():
    return ServiceContract.objects.get(estate__name=YIWU)


def test_replacement_ends_the_old_contract_the_day_before_and_keeps_history(persona, login, service_company):
    old = yiwu_contract()
    start = datetime.date(2026, 7, 1)
    new = services.service_contract_replace(
        persona("yanshuji"), contract_id=old.pk, company_id=service_company.pk, start=start,
        end=datetime.date(2029, 6, 30), services=["cleaning", "waste", "order"], fee="0.80", fee_note="另收车位费")
    old.refresh_from_db()
    assert old.end == datetime.date(2026, 6, 30) and new.predecessor == old and new.origin == "replacement"
    assert new.fee_fen_per_m2 == 80 and new.services == ["cleaning", "waste", "order"]
    assert estate(YIWU).property_service == "community_service_company"
    listed = login("wangayi").get(f"/api/v1/organisations/contracts?estate_id={estate(YIWU).pk}").json()
    assert [c["id"] for c in listed["items"]] == [new.pk, old.pk]
    assert listed["items"][0]["fee_yuan_per_m2"] == "0.80" and listed["items"][1]["end"] == "2026-06-30"
    with pytest.raises(WrongState) as exc:
        services.service_contract_replace(persona("yanshuji"), contract_id=old.pk, company_id=service_company.pk,
                                          start=datetime.date(2027, 1, 1))
    assert exc.value.message == services.CONTRACT_FOLLOWED
    renewed = services.service_contract_renew(persona("yanshuji"), contract_id=new.pk, end=datetime.date(2032, 6, 30))
    assert renewed.start == datetime.date(2029, 7, 1) and renewed.company == service_company
    assert renewed.fee_fen_per_m2 == 80 and renewed.origin == "renewal"


def test_renewing_an_open_ended_contract_is_409(persona):
    with pytest.raises(WrongState) as exc:
        services.service_contract_renew(persona("yanshuji"), contract_id=yiwu_contract().pk)
    assert exc.value.message == services.CONTRACT_NO_END


def test_a_second_running_contract_is_409(persona):
    company = org("安阳义乌城物业服务有限公司")
    with pytest.raises(WrongState):
        services.service_contract_create(persona("yanshuji"), estate_id=estate(YIWU).pk, company_id=company.pk,
                                         start=datetime.date(2026, 1, 1))
    assert ServiceContract.objects.filter(estate__name=YIWU).count() == 1


REPLACE_GRID = {("wangayi", YIWU): 403, ("lijing", YIWU): 404, ("wuganbu", YIWU): 201, ("guanliyuan", YIWU): 201,
                ("yanshuji", YIWU): 201, ("wangayi", PACIFIC): 404, ("zhaozhuren", PACIFIC): 403}


@pytest.mark.parametrize("who, estate_name", list(REPLACE_GRID))
def test_replace_grid(login, who, estate_name):
    old = ServiceContract.objects.get(estate__name=estate_name)
    company = org("太平洋物业服务有限公司")  # seen by every organiser of 明福社区
    response = login(who).post(f"/api/v1/organisations/contracts/{old.pk}/replace",
                               {"company_id": company.pk, "start": "2026-07-01", "services": ["greening"]},
                               content_type="application/json")
    assert response.status_code == REPLACE_GRID[(who, estate_name)], response.content
    old.refresh_from_db()
    assert (old.end is not None) == (response.status_code == 201)


@pytest.mark.parametrize("kwargs, message", [
    ({"fee": "1e9"}, BAD_AMOUNT), ({"fee": "0"}, BAD_AMOUNT), ({"fee": "-1"}, BAD_AMOUNT),
    ({"fee": "1.234"}, BAD_AMOUNT), ({"fee": "60"}, services.FEE_TOO_HIGH.format(limit=50)),
    ({"end": datetime.date(2026, 6, 1)}, services.CONTRACT_DATES_ORDER),
    ({"services": ["spa"]}, services.SERVICE_UNKNOWN.format(value="spa")),
    ({"services": ["cleaning", "cleaning"]}, services.SERVICE_TWICE.format(value="保洁")),
    ({"fee_note": "说\x00明"}, "文字中含有不可见的控制字符 / the text contains control characters"),
    ({"start": START}, services.CONTRACT_REPLACE_BEFORE.format(start=START)),
])
def test_contract_bad_input_changes_nothing(persona, service_company, kwargs, message):
    old = yiwu_contract()
    args = {"start": datetime.date(2026, 7, 1), **kwargs}
    with pytest.raises(InvalidInput) as exc:
        services.service_contract_replace(persona("yanshuji"), contract_id=old.pk, company_id=service_company.pk,
                                          **args)
    assert exc.value.message == message
    old.refresh_from_db()
    assert old.end is None and ServiceContract.objects.filter(estate__name=YIWU).count() == 1


@pytest.mark.parametrize("body", [{"fee": "60"}, {"fee": 1e9}, {"services": ["spa"]}, {"start": "2026-13-01"},
                                  {"company_id": "1"}, {"extra": 1}])
def test_contract_api_bad_input_is_422(login, body):
    payload = {"company_id": org("安和苑社区为民服务有限责任公司").pk, "start": "2026-07-01", **body}
    response = login("yanshuji").post(f"/api/v1/organisations/contracts/{yiwu_contract().pk}/replace", payload,
                                      content_type="application/json")
    assert response.status_code == 422


def test_contracts_on_the_estate_page(login, service_company):
    yiwu = estate(YIWU)
    client = login("yanshuji")
    page = client.get(f"/estates/{yiwu.pk}/organisations/").content.decode()
    for api in ("organisation_create", "service_contract_create", "service_contract_replace"):
        assert f'data-api="{api}"' in page
    done = client.post(f"/estates/{yiwu.pk}/organisations/", {
        "action": "replace", "contract_id": yiwu_contract().pk, "replace-company": service_company.pk,
        "replace-start": "2026-07-01", "replace-services": ["cleaning", "greening"], "replace-fee": "0.90"})
    assert done.status_code == 302
    page = client.get(f"/estates/{yiwu.pk}/organisations/").content.decode()
    assert "保洁、绿化" in page and "0.90" in page and "2026-06-30" in page
    resident = login("wangayi")
    assert "data-api" not in resident.get(f"/estates/{yiwu.pk}/organisations/").content.decode()
    assert resident.post(f"/estates/{yiwu.pk}/organisations/", {"action": "contract"}).status_code == 403
    assert login("lijing").get(f"/estates/{yiwu.pk}/organisations/").status_code == 404


# --- co-construction agreements --------------------------------------------------------------------
AGREE_GRID = {"wangayi": 403, "lijing": 404, "yanshuji": 201, "wuganbu": 201, "guanliyuan": 201}


@pytest.mark.parametrize("who", list(AGREE_GRID))
def test_agreement_sign_grid(login, who):
    payload = {"party_organisation_id": org("明福社区党总支").pk, "partner_id": org("国网文峰供电服务中心").pk,
               "signed_on": "2026-01-01", "content": "共建新协议"}
    response = login(who).post("/api/v1/organisations/agreements", payload, content_type="application/json")
    assert response.status_code == AGREE_GRID[who], response.content


def test_agreements_listed_per_community(login):
    client = login("yanshuji")
    items = client.get(f"/api/v1/organisations/agreements?community_id={mingfu().pk}").json()["items"]
    assert {a["party_organisation"] for a in items} == {"明福社区党总支"} and len(items) == 3
    anhe = Community.objects.get(name="安和苑社区")
    assert client.get(f"/api/v1/organisations/agreements?community_id={anhe.pk}").status_code == 404


@pytest.mark.parametrize("kwargs, message", [
    ({"expires_on": datetime.date(2025, 12, 31)}, services.AGREEMENT_DATES_ORDER),
    ({"partner": "明福社区党总支"}, services.AGREEMENT_WITH_ITSELF),
    ({"party": "国网文峰供电服务中心", "partner": "明福社区党总支"}, services.AGREEMENT_NEEDS_PARTY),
    ({"content": "x" * 2001}, "内容最多 2000 字 / The text is at most 2000 characters"),
])
def test_agreement_bad_input(persona, kwargs, message):
    party = org(kwargs.pop("party", "明福社区党总支"))
    partner = org(kwargs.pop("partner", "国网文峰供电服务中心"))
    with pytest.raises(InvalidInput) as exc:
        services.agreement_sign(persona("yanshuji"), party_organisation_id=party.pk, partner_id=partner.pk,
                                signed_on=datetime.date(2026, 1, 1), **kwargs)
    assert exc.value.message == message


def test_agreement_on_the_community_page(login):
    client = login("yanshuji")
    url = f"/communities/{mingfu().pk}/organisations/"
    assert b'data-api="agreement_sign"' in client.get(url).content
    done = client.post(url, {"action": "agreement", "agr-party_organisation": org("明福社区党总支").pk,
                             "agr-partner": org("太平洋物业服务有限公司").pk, "agr-signed_on": "2026-03-01",
                             "agr-content": "红色物业共建"})
    assert done.status_code == 302
    assert "红色物业共建" in org("明福社区党总支").agreements.latest("pk").content
    assert login("wangayi").get(url).status_code == 404


# --- every POST form on these pages has its API twin ------------------------------------------------
def test_setup_pages_post_forms_name_api_operations(login):
    client = login("guanliyuan")
    operations = {op.get("operationId") for path in client.get("/api/v1/openapi.json").json()["paths"].values()
                  for op in path.values()}
    yiwu = estate(YIWU)
    pages = [f"/communities/{mingfu().pk}/setup/", f"/estates/{yiwu.pk}/setup/",
             f"/communities/{mingfu().pk}/organisations/", f"/estates/{yiwu.pk}/organisations/",
             f"/organisations/{org('义乌城小区党支部').pk}/", f"/organisations/{org('义乌城小区红色物业管理委员会').pk}/",
             f"/communities/{mingfu().pk}/roles/", f"/units/{unit(YIWU, '1-1-102').pk}/ownership/"]
    for page in pages:
        html = client.get(page).content.decode()
        forms = re.findall(r"<form[^>]*>", html)
        posts = [f for f in forms if 'method="post"' in f and "data-no-api" not in f]  # the layout's logout
        assert posts, page
        for form in posts:
            api = re.search(r'data-api="([^"]+)"', form)
            assert api and api.group(1) in operations, (page, form)
