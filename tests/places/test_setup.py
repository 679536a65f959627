"""Setting up places without code: grids, communities, subdistricts, estates' facts (aliases, gate
position, grid), by API and page, with the permission grid and bad input."""

import pytest

from gongzhi.core.api_schema import CONTROL_CHARACTERS
from gongzhi.core.errors import InvalidInput
from gongzhi.core.models import AuditEntry
from gongzhi.places import services
from gongzhi.places.models import Community, District, Estate, Grid, Subdistrict
from tests.helpers import PACIFIC, YIWU, estate

MINGFU = "明福社区"


def mingfu():
    return Community.objects.get(name=MINGFU)


def place(kind):
    return {
        "grid": lambda: {"kind": "grid", "name": "第九网格", "parent_id": mingfu().pk},
        "estate": lambda: {"kind": "estate", "name": "新建小区", "parent_id": mingfu().pk},
        "community": lambda: {"kind": "community", "name": "新社区", "parent_id": mingfu().subdistrict_id},
        "subdistrict": lambda: {"kind": "subdistrict", "name": "新街道", "parent_id": District.objects.get().pk},
    }[kind]()


# persona × place kind → status. A resident sees her community (403); another community's secretary
# does not see 明福社区 (404) but sees the subdistrict her community is in (403 for a new community).
CREATE_GRID = {
    ("wangayi", "grid"): 403, ("lijing", "grid"): 404, ("wuganbu", "grid"): 201, ("guanliyuan", "grid"): 201,
    ("yanshuji", "grid"): 201, ("shequ", "estate"): 201, ("wangayi", "estate"): 403, ("lijing", "estate"): 404,
    ("wangayi", "community"): 404, ("lijing", "community"): 403, ("yanshuji", "community"): 403,
    ("wuganbu", "community"): 201, ("guanliyuan", "community"): 201,
    ("wangayi", "subdistrict"): 404, ("wuganbu", "subdistrict"): 403, ("guanliyuan", "subdistrict"): 201,
}


@pytest.mark.parametrize("who, kind", list(CREATE_GRID))
def test_place_create_permission_grid(login, who, kind):
    response = login(who).post("/api/v1/places/places", place(kind), content_type="application/json")
    assert response.status_code == CREATE_GRID[(who, kind)], response.content
    created = response.status_code == 201
    model = {"grid": Grid, "estate": Estate, "community": Community, "subdistrict": Subdistrict}[kind]
    assert model.objects.filter(name=place(kind)["name"]).exists() == created


UPDATE_GRID = {
    ("wangayi", YIWU): 403, ("lijing", YIWU): 404, ("wuganbu", YIWU): 200, ("guanliyuan", YIWU): 200,
    ("shequ", YIWU): 200, ("yanshuji", YIWU): 200, ("lijing", PACIFIC): 404, ("wangayi", PACIFIC): 404,
}


@pytest.mark.parametrize("who, name", list(UPDATE_GRID))
def test_estate_update_permission_grid(login, who, name):
    target = estate(name)
    response = login(who).patch(f"/api/v1/places/estates/{target.pk}", {"aliases": ["新别名"]},
                                content_type="application/json")
    assert response.status_code == UPDATE_GRID[(who, name)]
    target.refresh_from_db()
    assert ("新别名" in target.aliases) == (response.status_code == 200)


def test_estate_aliases_position_and_grid(login):
    yiwu = estate(YIWU)
    grid2 = Grid.objects.get(name="第二网格")
    response = login("shequ").patch(
        f"/api/v1/places/estates/{yiwu.pk}",
        {"aliases": ["义乌城", "益屋", "义乌城"], "latitude": "36.1", "longitude": "114.4", "grid_id": grid2.pk},
        content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["aliases"] == ["义乌城", "益屋"] and body["grid_id"] == grid2.pk
    yiwu.refresh_from_db()
    assert str(yiwu.latitude) == "36.100000" and yiwu.grid == grid2
    entry = AuditEntry.objects.filter(action="estate.update").latest("pk")
    assert entry.after["aliases"] == ["义乌城", "益屋"] and entry.actor_name == "shequ"


@pytest.mark.parametrize("changes, message", [
    ({"latitude": "36.1"}, services.POSITION_BOTH),
    ({"latitude": "36.1234567", "longitude": "114"}, services.LATITUDE_RANGE),
    ({"latitude": "36", "longitude": "181"}, services.LONGITUDE_RANGE),
    ({"latitude": "NaN", "longitude": "1"}, services.LATITUDE_RANGE),
    ({"aliases": ["x" * 65]}, services.ALIAS_TOO_LONG.format(n=64)),
    ({"aliases": [f"别名{i}" for i in range(21)]}, services.ALIAS_TOO_MANY.format(n=20)),
    ({"aliases": ["坏\x00名"]}, CONTROL_CHARACTERS),
    ({"household_count": -1}, services.HOUSEHOLDS_RANGE),
    ({"household_count": 10**9}, services.HOUSEHOLDS_RANGE),
    ({"name": ""}, services.PLACE_NEEDS_NAME),
    ({"name": "太平洋花园"}, services.PLACE_EXISTS.format(name="太平洋花园")),
])
def test_estate_update_bad_input_changes_nothing(persona, changes, message):
    yiwu = estate(YIWU)
    count = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.estate_update(persona("shequ"), estate_id=yiwu.pk, **changes)
    assert exc.value.message == message
    assert AuditEntry.objects.count() == count
    fresh = Estate.objects.get(pk=yiwu.pk)
    assert (fresh.aliases, fresh.latitude, fresh.name) == (yiwu.aliases, yiwu.latitude, yiwu.name)


def test_grid_of_another_community_refused(persona):
    other = Grid.objects.create(community=Community.objects.get(name="安和苑社区"), name="安和苑网格")
    with pytest.raises(InvalidInput) as exc:
        services.estate_update(persona("shequ"), estate_id=estate(YIWU).pk, grid_id=other.pk)
    assert exc.value.message == services.GRID_ELSEWHERE


@pytest.mark.parametrize("name, message", [
    ("", services.PLACE_NEEDS_NAME), ("   ", services.PLACE_NEEDS_NAME),
    ("网" * 65, services.PLACE_NAME_TOO_LONG.format(n=64)), ("第\x07网格", CONTROL_CHARACTERS),
    ("第一网格", services.PLACE_EXISTS.format(name="第一网格")),
])
def test_place_create_bad_names(persona, name, message):
    with pytest.raises(InvalidInput) as exc:
        services.place_create(persona("yanshuji"), kind="grid", name=name, parent_id=mingfu().pk)
    assert exc.value.message == message
    assert not Grid.objects.filter(community=mingfu(), name=name.strip()).exclude(name="第一网格").exists()


@pytest.mark.parametrize("payload, status", [
    ({"kind": "grid", "name": "x", "parent_id": 10**12}, 404),
    ({"kind": "grid", "name": "x", "parent_id": "1"}, 422),
    ({"kind": "planet", "name": "x", "parent_id": 1}, 422),
    ({"kind": "grid", "name": "x\x00", "parent_id": 1}, 422),
    ({"kind": "grid", "name": "x" * 65, "parent_id": 1}, 422),
    ({"kind": "grid", "name": "x", "parent_id": 1, "admin": True}, 422),
    ({"kind": "subdistrict", "name": "坏代码街道", "parent_id": 1, "code": "Bad Code"}, 422),
])
def test_place_create_api_bad_input(login, payload, status):
    if payload.get("parent_id") == 1:
        payload["parent_id"] = mingfu().pk
    response = login("guanliyuan").post("/api/v1/places/places", payload, content_type="application/json")
    assert response.status_code == status
    assert not Grid.objects.filter(name="x").exists()


def test_subdistrict_code_is_an_open311_slug(persona):
    made = services.place_create(persona("guanliyuan"), kind="subdistrict", name="文峰路街道",
                                 parent_id=District.objects.get().pk, code="wenfenglu")
    assert made.code == "wenfenglu"
    with pytest.raises(InvalidInput) as exc:
        services.place_create(persona("guanliyuan"), kind="subdistrict", name="另一个街道",
                              parent_id=District.objects.get().pk, code="wenfenglu")
    assert exc.value.field == "code"


def test_grid_list_is_scoped(login):
    anhe = Community.objects.get(name="安和苑社区")
    Grid.objects.create(community=anhe, name="安和苑网格")
    names = {g["name"] for g in login("yanshuji").get("/api/v1/places/grids").json()["items"]}
    assert {"第一网格", "第二网格"} <= names and "安和苑网格" not in names


# --- pages ----------------------------------------------------------------------------------------
def test_community_page_links_to_setup_only_for_keepers(login):
    community = mingfu()
    assert b'data-testid="community-setup"' in login("yanshuji").get(f"/communities/{community.pk}/").content
    assert login("lijing").get(f"/communities/{community.pk}/").status_code == 404
    assert login("sunjiancha").get(f"/communities/{community.pk}/setup/").status_code == 403


def test_secretary_opens_a_grid_and_puts_an_estate_into_it_on_the_pages(login):
    client = login("yanshuji")
    community = mingfu()
    page = client.get(f"/communities/{community.pk}/setup/")
    assert page.status_code == 200 and b'data-api="place_create"' in page.content
    made = client.post(f"/communities/{community.pk}/setup/", {"action": "grid", "grid-name": "第三网格"})
    assert made.status_code == 302
    grid = Grid.objects.get(community=community, name="第三网格")
    yiwu = estate(YIWU)
    form = {"name": yiwu.name, "household_count": 3000, "address": "文峰区光华路", "grid": grid.pk,
            "aliases": "义乌城\n益屋", "latitude": "36.097100", "longitude": "114.392300"}
    saved = client.post(f"/estates/{yiwu.pk}/setup/", form)
    assert saved.status_code == 302
    yiwu.refresh_from_db()
    assert yiwu.grid == grid and yiwu.aliases == ["义乌城", "益屋"]


def test_estate_setup_page_refusals(login):
    yiwu = estate(YIWU)
    assert login("wangayi").get(f"/estates/{yiwu.pk}/setup/").status_code == 403
    assert login("lijing").get(f"/estates/{yiwu.pk}/setup/").status_code == 404
    client = login("shequ")
    response = client.post(f"/estates/{yiwu.pk}/setup/", {"name": yiwu.name, "household_count": 3000,
                                                           "latitude": "36.1"}, follow=True)
    assert services.POSITION_BOTH in response.content.decode()
    assert Estate.objects.get(pk=yiwu.pk).latitude == yiwu.latitude


# --- the division page (区划设置): districts, subdistricts, communities from a page --------------------
DIVISION = "/places/setup/"


@pytest.mark.parametrize("who, status", [("guanliyuan", 200), ("wuganbu", 200), ("yanshuji", 403),
                                         ("lijing", 403), ("wangayi", 403), ("zhangjingli", 403)])
def test_who_opens_the_division_page(login, who, status):
    assert login(who).get(DIVISION).status_code == status


def test_the_page_offers_only_the_places_its_user_may_open(login):
    sub = mingfu().subdistrict
    admin = login("guanliyuan").get(DIVISION).content.decode()
    assert f'data-testid="subdistrict-form-{sub.district_id}"' in admin
    assert f'data-testid="community-form-{sub.pk}"' in admin
    assert 'data-testid="district-form"' not in admin  # a district only the deployment's root opens
    officer = login("wuganbu").get(DIVISION).content.decode()
    assert f'data-testid="community-form-{sub.pk}"' in officer and "subdistrict-form-" not in officer
    assert MINGFU in officer


def test_a_subdistrict_officer_opens_a_community_and_an_administrator_a_subdistrict(login):
    sub = mingfu().subdistrict
    done = login("wuganbu").post(DIVISION, {"action": "community", "parent": sub.pk, "name": "新苑社区"})
    assert done.status_code == 302
    assert Community.objects.get(name="新苑社区").subdistrict_id == sub.pk
    entry = AuditEntry.objects.filter(action="community.create").latest("pk")
    assert entry.actor.username == "wuganbu"
    login("guanliyuan").post(DIVISION, {"action": "subdistrict", "parent": sub.district_id, "name": "东风路街道",
                                        "code": "dongfeng"})
    assert Subdistrict.objects.get(name="东风路街道").code == "dongfeng"


def test_the_page_refuses_the_wrong_place_and_bad_names_and_writes_nothing(login):
    sub = mingfu().subdistrict
    before = (Community.objects.count(), Subdistrict.objects.count())
    officer = login("wuganbu")
    assert officer.post(DIVISION, {"action": "subdistrict", "parent": sub.district_id, "name": "越权街道"}).status_code == 403
    assert officer.post(DIVISION, {"action": "community", "parent": 999999, "name": "无处社区"}).status_code == 404
    page = officer.post(DIVISION, {"action": "community", "parent": sub.pk, "name": MINGFU}, follow=True)
    assert services.PLACE_EXISTS.split("{")[0] in page.content.decode()
    page = officer.post(DIVISION, {"action": "community", "parent": sub.pk, "name": "控制\x07字符"}, follow=True)
    assert CONTROL_CHARACTERS.split(" / ")[0] in page.content.decode()
    page = officer.post(DIVISION, {"action": "community", "parent": sub.pk, "name": ""}, follow=True)
    assert page.status_code == 200
    assert (Community.objects.count(), Subdistrict.objects.count()) == before
