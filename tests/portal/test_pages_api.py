"""Home pages per role, display options, the JSON API's contract, the demo and the seed."""

import datetime

import pytest
from django.core.management import call_command

from gongzhi import demo
from gongzhi.api import INVALID_INPUT
from gongzhi.core.models import ApiToken
from gongzhi.core.roles import Role
from gongzhi.places.models import Estate, Unit
from tests.helpers import PACIFIC, YIWU, estate, unit


def test_login_page_and_wrong_password(client, world):
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "wangayi", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post("/login/", {"username": "wangayi", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302


def test_resident_home(login):
    page = login("wangayi").get("/").content.decode()
    assert "我的房屋" in page and "5-1-302" in page and "义乌城小区" in page
    assert "等待我签署" not in page and "自治组织覆盖情况" not in page


def test_secretary_home(login):
    page = login("yanshuji").get("/").content.decode()
    assert "等待我签署的审批单" in page and "使用业委会公章" in page
    assert "自治组织覆盖情况" in page and "太平洋花园" in page and "义乌城小区" in page
    assert "我的房屋" not in page


def test_subdistrict_officer_home_lists_estates_without_body(login):
    page = login("wuganbu").get("/").content.decode()
    assert "尚无自治组织的小区" in page and "育才新村" in page


def test_building_head_home(login):
    page = login("chen").get("/").content.decode()
    assert "我负责的楼栋" in page and "3号楼" in page


@pytest.mark.parametrize("username", demo.PERSONA_USERNAMES)
def test_every_persona_has_a_home(login, username):
    assert login(username).get("/").status_code == 200


def test_english_switch(login):
    client = login("wangayi")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "My homes" in page and "Log out" in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我的房屋" in client.get("/").content.decode()


def test_large_font_mode(login):
    client = login("wangayi")
    assert '<body class="large' not in client.get("/").content.decode()
    response = client.post("/display/large-font/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert '<body class="large' in client.get("/").content.decode()
    evil = client.post("/display/large-font/", {"next": "https://example.com/"})
    assert evil["Location"] == "/"


def test_no_asset_from_the_internet(login):
    page = login("yanshuji").get("/").content.decode()
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page
    css = login("yanshuji").get("/static/gongzhi/site.css")
    assert css.status_code == 200


def test_estate_page_facts(login):
    page = login("zhaozhuren").get(f"/estates/{estate(PACIFIC).pk}/").content.decode()
    assert "中型" in page and "业主委员会" in page
    assert "5/7" in page  # party members on the committee


def test_openapi_and_docs(client, world):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in ("/api/v1/places/estates", "/api/v1/people/persons", "/api/v1/organisations",
                 "/api/v1/people/roles", "/api/v1/approvals", "/api/v1/approvals/{approval_id}/sign"):
        assert path in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "cdn." not in docs.content.decode()


def test_token_auth(client, world):
    bad = client.post("/api/v1/auth/token", {"username": "wangayi", "password": "x"}, content_type="application/json")
    assert bad.status_code == 401
    response = client.post("/api/v1/auth/token", {"username": "wangayi", "password": demo.DEMO_PASSWORD},
                           content_type="application/json")
    assert response.status_code == 201
    token = response.json()["token"]
    assert not ApiToken.objects.filter(key_hash=token).exists()  # only the hash is kept
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "wangayi" and "owner" in me["roles"]
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer gz_forged"})
    assert forged.status_code == 401


def test_token_last_used_is_kept_to_five_minutes_and_a_deactivated_user_is_refused(client, persona, clock):
    from gongzhi.core.services import api_token_create

    wang = persona("wangayi")
    token = api_token_create(wang, name="phone")
    row = ApiToken.objects.get(user=wang, name="phone")
    assert row.last_used_at is None
    start = clock.now

    def use():
        return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert use().status_code == 200
    row.refresh_from_db()
    assert row.last_used_at == start
    clock.set(start + datetime.timedelta(minutes=5))  # exactly five minutes: not written again
    use()
    row.refresh_from_db()
    assert row.last_used_at == start
    clock.set(start + datetime.timedelta(minutes=5, seconds=1))
    use()
    row.refresh_from_db()
    assert row.last_used_at == clock.now
    wang.is_active = False
    wang.save()
    assert use().status_code == 401


def test_session_api_writes_need_csrf(persona, world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("yanshuji"))
    response = client.post("/api/v1/approvals", {"estate_id": estate(PACIFIC).pk, "title": "t",
                                                 "roles": ["auditor"]}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_role_assignment_api(login, persona):
    admin = login("guanliyuan")
    wang = persona("wangayi")
    payload = {"user_id": wang.pk, "role": Role.BUILDING_HEAD, "anchor_field": "building",
               "anchor_id": unit(YIWU, "5-1-302").building_id}
    created = admin.post("/api/v1/people/roles", payload, content_type="application/json")
    assert created.status_code == 201 and created.json()["role"] == "building_head"
    revoked = admin.post(f"/api/v1/people/roles/{created.json()['id']}/revoke")
    assert revoked.status_code == 200
    resident = login("wangayi")
    refused = resident.post("/api/v1/people/roles", payload, content_type="application/json")
    assert refused.status_code == 403
    unknown = admin.post("/api/v1/people/roles", {**payload, "role": "emperor"}, content_type="application/json")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"][-1] == "role"
    extra = admin.post("/api/v1/people/roles", {**payload, "admin": True}, content_type="application/json")
    assert extra.status_code == 422


def test_organisations_api(login):
    client = login("zhaozhuren")
    orgs = client.get(f"/api/v1/organisations?estate_id={estate(PACIFIC).pk}").json()
    committee = next(o for o in orgs if o["kind"] == "owners_committee")
    detail = client.get(f"/api/v1/organisations/{committee['id']}").json()
    assert len(detail["members"]) == 7
    autonomy = client.get(f"/api/v1/organisations/estates/{estate(PACIFIC).pk}/autonomy").json()
    assert autonomy["one_shoulder"] is True and autonomy["party_members"] == 5
    other = login("wangayi").get(f"/api/v1/organisations/{committee['id']}")
    assert other.status_code == 404


def test_demo_twice_changes_nothing(world, capsys):
    units, estates = Unit.objects.count(), Estate.objects.count()
    call_command("load_demo")
    assert (Unit.objects.count(), Estate.objects.count()) == (units, estates)
    out = capsys.readouterr().out
    assert "已存在" in out and "wangayi" in out and demo.DEMO_PASSWORD in out


def test_demo_matches_the_seeds(world):
    yiwu, pacific = estate(YIWU), estate(PACIFIC)
    assert yiwu.buildings.count() == 17 and yiwu.household_count == 3000 and yiwu.size_class == "super_large"
    assert pacific.buildings.count() == 11 and pacific.units.count() == 306
    assert yiwu.community.subdistrict.communities.count() == 8
    assert Unit.objects.filter(estate=yiwu, ownerships__person__kind="developer").exists()
    li = Unit.objects.get(estate=pacific, code="2-1-301").ownerships.get().person
    assert li.ownerships.count() == 2


def test_seed_generates_units_with_owners(world, capsys):
    before = Unit.objects.count()
    call_command("seed", units=500)
    assert Unit.objects.count() == before + 500
    new = Unit.objects.order_by("-pk")[:500]
    assert all(u.ownerships.exists() for u in new)
    assert "units_per_second" in capsys.readouterr().out


def test_buildings_in_natural_order(login):
    page = login("wangayi").get(f"/estates/{estate(YIWU).pk}/").content.decode()
    assert page.index(">2号楼") < page.index(">10号楼")


def test_approvals_awaiting_filter(login):
    data = login("sunjiancha").get("/api/v1/approvals?awaiting=true").json()
    titles = [a["title"] for a in data["items"]]
    assert titles == ["使用业委会公章：续签物业服务合同"]  # the expense one he already signed is not there


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/places/units?limit=100000",
        "/api/v1/places/units?offset=-1",
        "/api/v1/places/estates/99999999999999999999999",
        "/api/v1/places/units?estate_id=0",
    ],
)
def test_api_bad_numbers_are_422_not_500(login, url):
    response = login("guanliyuan").get(url)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid" and response.json()["detail"] == INVALID_INPUT


def test_api_malformed_json_is_a_clear_400_or_422(login):
    response = login("yanshuji").post("/api/v1/approvals", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["code"] == "invalid"


def test_estate_search_finds_units_and_owners_in_scope(login):
    client = login("yanshuji")
    pacific = estate(PACIFIC)
    page = client.get(f"/estates/{pacific.pk}/?q=李建国")
    found = page.context["found"]
    assert sorted(u.code for u, _ in found) == ["2-1-301", "6-1-502"]
    assert client.get(f"/estates/{pacific.pk}/?q=3-1-20").context["found"]
    # a resident searches only among her own units: a neighbour's name finds nothing
    resident = login("wangayi")
    neighbour = unit(YIWU, "6-1-101").ownerships.get().person.name
    assert resident.get(f"/estates/{estate(YIWU).pk}/?q={neighbour}").context["found"] == []
