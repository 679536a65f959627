"""包保 cadres: the subdistrict assigns a cadre to estates with dates (above the configured number it
warns and still assigns; an estate outside the cadre's subdistrict is refused, nothing written); the
team; the cadre's field visits, a finding one click from a request through the requests intake; the
cadre's page with open requests and their age and this month's work; the permission grids."""

import datetime

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.party import services
from gongzhi.party.models import CadreAssignment, CadreTeamMember, FieldVisit
from gongzhi.people.models import Person, RoleAssignment
from gongzhi.places.models import Community, Estate, Subdistrict
from gongzhi.requests.models import Request
from tests.helpers import PACIFIC, estate


def zheng(persona):
    return persona("zhengbaobao")


def test_the_demo_cadre_page_of_zheng(login, persona):
    client = login("zhengbaobao")
    body = client.get(f"/api/v1/party/cadres/{zheng(persona).pk}").json()
    names = {Estate.objects.get(pk=e["assignment"]["estate_id"]).name: e for e in body["estates"]}
    assert set(names) == {"育才新村", "老纺织厂家属院"}
    yucai = names["育才新村"]
    assert {t["role"] for t in yucai["team"]} == {"bureau_chief", "police", "grid_head", "unit_head"}
    assert body["visits_this_month"] >= 2 and body["raised_this_month"] == 1
    fangzhi = names["老纺织厂家属院"]
    raised = next(v for v in fangzhi["visits_this_month"] if v["request_id"])
    request = Request.objects.get(pk=raised["request_id"])
    assert request.channel == "visit" and request.description == "院内路灯两盏不亮，夜间出行不便"
    assert any(r["id"] == request.pk and r["age_days"] == 0 for r in fangzhi["open_requests"])
    oldest = fangzhi["open_requests"][0]  # oldest first, aged from the day it came in
    assert oldest["age_days"] == max(r["age_days"] for r in fangzhi["open_requests"])
    page = client.get(f"/party/cadres/{zheng(persona).pk}/").content.decode()
    assert "育才新村" in page and "王建设" in page and f"#{request.pk}" in page


PAGE = {"zhengbaobao": 200, "wuganbu": 200, "guanliyuan": 200, "yanshuji": 404, "lijing": 404, "chen": 404}


@pytest.mark.parametrize("who", list(PAGE))
def test_cadre_page_grid(login, persona, who):
    client = login(who)
    page = client.get(f"/party/cadres/{zheng(persona).pk}/")
    assert page.status_code == PAGE[who]
    assert client.get(f"/api/v1/party/cadres/{zheng(persona).pk}").status_code == PAGE[who]
    if PAGE[who] == 404:
        assert "王建设" not in page.content.decode()


def test_a_user_who_is_no_cadre_has_no_page(login, persona):
    assert login("wuganbu").get(f"/party/cadres/{persona('chen').pk}/").status_code == 404


ASSIGN = {"wuganbu": 201, "guanliyuan": 201, "yanshuji": 403, "zhaozhuren": 403, "lijing": 404, "zhengbaobao": 404}


@pytest.mark.parametrize("who", list(ASSIGN))
def test_assign_grid(login, persona, who, clock):
    before = CadreAssignment.objects.count()
    got = login(who).post("/api/v1/party/cadre-assignments", {
        "user_id": zheng(persona).pk, "estate_id": estate(PACIFIC).pk, "start": clock.today.isoformat()},
        content_type="application/json")
    assert got.status_code == ASSIGN[who]
    assert CadreAssignment.objects.count() == before + (ASSIGN[who] == 201)
    if ASSIGN[who] == 201:
        assert got.json()["warning"] is None  # the third estate: at the default limit of 3, no warning
        assert RoleAssignment.objects.current().filter(user=zheng(persona), role=Role.CADRE,
                                                       estate=estate(PACIFIC)).exists()


def test_above_the_limit_warns_and_still_assigns(persona, settings, clock):
    settings.GONGZHI_CADRE_MAX_ESTATES = 2
    assignment, warning = services.cadre_assign(persona("wuganbu"), user_id=zheng(persona).pk,
                                                estate_id=estate(PACIFIC).pk, start=clock.today)
    assert warning == services.OVER_CADRE_MAX.format(name="郑永红", n=3, most=2)
    assert assignment.pk and AuditEntry.objects.filter(action="cadre.assign", subject_id=str(assignment.pk)).exists()
    settings.GONGZHI_CADRE_MAX_ESTATES = 3
    other = Estate.objects.filter(community__name="安和苑社区").exclude(
        pk__in=CadreAssignment.objects.values("estate_id")).first()
    _, warning = services.cadre_assign(None, user_id=zheng(persona).pk, estate_id=other.pk, start=clock.today)
    assert warning == services.OVER_CADRE_MAX.format(name="郑永红", n=4, most=3)


def test_an_estate_outside_the_cadres_subdistrict_is_refused(persona, clock):
    pacific = estate(PACIFIC)
    far_sub = Subdistrict.objects.create(name="北关街道", district=pacific.community.subdistrict.district)
    far = Estate.objects.create(name="北关小区", community=Community.objects.create(name="北关社区", subdistrict=far_sub),
                                household_count=10)
    with pytest.raises(InvalidInput) as exc:
        services.cadre_assign(persona("guanliyuan"), user_id=zheng(persona).pk, estate_id=far.pk, start=clock.today)
    assert exc.value.message == services.OUTSIDE_SUBDISTRICT.format(estate="北关小区", name="郑永红",
                                                                    subdistrict=pacific.community.subdistrict.name)
    assert not CadreAssignment.objects.filter(estate=far).exists()
    assert not RoleAssignment.objects.filter(estate=far).exists()
    with pytest.raises(NotFound):  # the subdistrict does not even see another subdistrict's estate
        services.cadre_assign(persona("wuganbu"), user_id=zheng(persona).pk, estate_id=far.pk, start=clock.today)


def test_assign_refusals(persona, clock):
    yucai = Estate.objects.get(name="育才新村")
    with pytest.raises(WrongState) as exc:
        services.cadre_assign(persona("wuganbu"), user_id=zheng(persona).pk, estate_id=yucai.pk, start=clock.today)
    assert exc.value.message == services.ALREADY_ASSIGNED.format(name="郑永红", estate="育才新村")
    with pytest.raises(InvalidInput) as exc:
        services.cadre_assign(persona("wuganbu"), user_id=zheng(persona).pk, estate_id=estate(PACIFIC).pk,
                              start=clock.today, end=clock.today - datetime.timedelta(days=1))
    assert exc.value.message == services.CADRE_DATES
    with pytest.raises(NotFound):
        services.cadre_assign(persona("wuganbu"), user_id=999999, estate_id=estate(PACIFIC).pk, start=clock.today)
    assert not CadreAssignment.objects.filter(estate=estate(PACIFIC)).exists()


def _yucai_assignment() -> CadreAssignment:
    return CadreAssignment.objects.get(estate__name="育才新村", cadre__username="zhengbaobao")


def test_a_visits_finding_becomes_a_request_once(login, persona, clock):
    client = login("zhengbaobao")
    got = client.post(f"/api/v1/party/cadre-assignments/{_yucai_assignment().pk}/visits",
                      {"on": clock.today.isoformat(), "findings": "单元门禁损坏"}, content_type="application/json")
    assert got.status_code == 201
    visit = got.json()["id"]
    raised = client.post(f"/api/v1/party/field-visits/{visit}/request", {"category": "minor_repair"},
                         content_type="application/json")
    assert raised.status_code == 201
    request = Request.objects.get(pk=raised.json()["request_id"])
    assert (request.estate.name, request.category, request.description) == ("育才新村", "minor_repair", "单元门禁损坏")
    again = client.post(f"/api/v1/party/field-visits/{visit}/request", {"category": "minor_repair"},
                        content_type="application/json")
    assert again.status_code == 409 and Request.objects.filter(description="单元门禁损坏").count() == 1


RAISE = {"wuganbu": 403, "lijing": 403, "chen": 404}


@pytest.mark.parametrize("who", list(RAISE))
def test_only_the_cadre_records_and_raises(login, who, clock):
    client = login(who)
    visits = FieldVisit.objects.count()
    got = client.post(f"/api/v1/party/cadre-assignments/{_yucai_assignment().pk}/visits",
                      {"on": clock.today.isoformat(), "findings": "x"}, content_type="application/json")
    assert got.status_code == RAISE[who] and FieldVisit.objects.count() == visits
    open_visit = FieldVisit.objects.filter(request__isnull=True, estate__name="育才新村").first()
    got = client.post(f"/api/v1/party/field-visits/{open_visit.pk}/request", {"category": "cleaning"},
                      content_type="application/json")
    assert got.status_code == RAISE[who]
    open_visit.refresh_from_db()
    assert open_visit.request_id is None


def test_visit_refusals(persona, clock):
    a = _yucai_assignment()
    for on, findings, message in (
            (clock.today + datetime.timedelta(days=1), "x", services.VISIT_OUTSIDE_TERM.format(start=a.start)),
            (a.start - datetime.timedelta(days=1), "x", services.VISIT_OUTSIDE_TERM.format(start=a.start)),
            (clock.today, "  ", services.FINDINGS_REQUIRED)):
        with pytest.raises(InvalidInput) as exc:
            services.field_visit_record(persona("zhengbaobao"), assignment_id=a.pk, on=on, findings=findings)
        assert exc.value.message == message


def test_team_refusals(persona):
    a = _yucai_assignment()
    with pytest.raises(InvalidInput):
        services.cadre_team_add(persona("wuganbu"), assignment_id=a.pk, person_id=1, role="boss")
    wang = Person.objects.get(name="王建设")
    with pytest.raises(WrongState):
        services.cadre_team_add(persona("wuganbu"), assignment_id=a.pk, person_id=wang.pk, role="bureau_chief")
    with pytest.raises(PermissionDenied):
        services.cadre_team_add(persona("lijing"), assignment_id=a.pk, person_id=wang.pk, role="police")
    assert CadreTeamMember.objects.filter(assignment=a).count() == 4


def test_zheng_raises_a_finding_on_his_page(login, persona, clock):
    client = login("zhengbaobao")
    client.post(f"/party/cadres/{zheng(persona).pk}/", {"action": "visit", "visit-assignment": _yucai_assignment().pk,
                                                      "visit-on": clock.today.isoformat(), "visit-findings": "井盖松动"})
    visit = FieldVisit.objects.get(findings="井盖松动")
    client.post(f"/party/cadres/{zheng(persona).pk}/", {"action": "raise", "visit_id": visit.pk, "category": "roads"})
    visit.refresh_from_db()
    assert visit.request.category == "roads"
