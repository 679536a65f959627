"""Open311 reports as city systems send them: only an address string ("义乌城小区3号楼2单元") or only
coordinates. The report is placed in the estate (names and aliases, within the jurisdiction) and the
building; coordinates go to the nearest estate within GONGZHI_OPEN311_RADIUS_M. Only when that is
ambiguous or finds nothing is attribute[estate] required, and the error names the estates that
matched. media_url is stored and shown."""

import math
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from gongzhi.core.api_schema import CONTROL_CHARACTERS
from gongzhi.requests import open311
from gongzhi.requests.models import Open311Key, Request
from gongzhi.requests.open311 import NO_SUCH_BUILDING
from gongzhi.requests.selectors import EARTH_RADIUS_M, building_in_address, distance_m
from gongzhi.requests.services.intake import MEDIA_URL_INVALID
from tests.factories import BuildingFactory, EstateFactory, SubdistrictFactory
from tests.helpers import PACIFIC, YIWU, estate

pytestmark = pytest.mark.usefixtures("world")
BASE = "/open311/v2"
KEY = "GONGZHI-DEMO-KEY"
YIWU_GATE = (Decimal("36.097100"), Decimal("114.392300"))
PACIFIC_GATE = (Decimal("36.101500"), Decimal("114.398800"))


def post(client, fmt="json", **fields):
    """A report with no estate attribute: only what a 12345 system knows."""
    data = {"jurisdiction_id": "guanghualu", "api_key": KEY, "service_code": "lighting",
            "description": "楼道灯不亮", **fields}
    return client.post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def placed(response) -> Request:
    assert response.status_code == 201, response.content.decode()
    return Request.objects.select_related("estate", "building").get(pk=int(response.json()[0]["service_request_id"]))


def refused(response, status=400) -> str:
    assert response.status_code == status, response.content.decode()
    error = response.json()[0]
    assert error["code"] == status
    return error["description"]


def south_of(gate, metres: float) -> tuple[str, str]:
    """A point `metres` due south of a gate, written as a city system would (6 decimals)."""
    lat = gate[0] - Decimal(metres / (EARTH_RADIUS_M * math.pi / 180))
    return f"{lat:.6f}", f"{gate[1]:.6f}"


# --- by address --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("address", "estate_name", "building"), [
    ("义乌城小区3号楼2单元", YIWU, "3"),  # the estate's name
    ("义乌城3号楼", YIWU, "3"),  # its alias
    ("安阳市文峰区光华路义乌城小区 12 号楼东侧", YIWU, "12"),  # a longer address around the name
    ("太平洋花园5栋", PACIFIC, "5"),
    ("太平洋7幢1单元", PACIFIC, "7"),  # alias and 幢
    ("太平洋花园三号楼", PACIFIC, "3"),  # Chinese numerals
    ("太平洋花园１０号楼", PACIFIC, "10"),  # full-width digits
    ("义乌城小区", YIWU, None),  # the estate alone
    ("义乌城小区3楼楼道", YIWU, None),  # 3楼 is a floor, not a building
    ("义乌城小区99号楼", YIWU, None),  # a building the estate does not have: the address is kept
])
def test_an_address_alone_places_the_report(client, address, estate_name, building):
    req = placed(post(client, address_string=address))
    assert req.estate.name == estate_name
    assert (req.building.code if req.building else None) == building
    assert req.place_text == address.strip()
    assert (req.lat, req.long) == (None, None)


@pytest.mark.parametrize(("text", "code"), [
    ("3号楼", "3"), ("3栋", "3"), ("3幢", "3"), ("3号栋", "3"), ("十一号楼", "11"), ("二十号楼", "20"),
    ("二十三栋", "23"), ("3楼", ""), ("3单元", ""), ("", ""), ("十十号楼", ""),
])
def test_building_numbers_in_an_address(text, code):
    assert building_in_address(text) == code


def test_an_ambiguous_address_names_the_estates_it_matched_and_writes_nothing(client):
    before = Request.objects.count()
    message = refused(post(client, address_string="花园3号楼"))
    assert message == open311.ESTATE_AMBIGUOUS.format(names="太平洋花园、文昌花园")
    root = ET.fromstring(post(client, "xml", address_string="花园3号楼").content)
    assert root.tag == "errors" and "文昌花园" in root.find("error/description").text
    assert Request.objects.count() == before


def test_the_position_chooses_between_the_estates_an_address_matched(client):
    lat, long = south_of(PACIFIC_GATE, 50)
    req = placed(post(client, address_string="花园3号楼", lat=lat, long=long))
    assert (req.estate.name, req.building.code) == (PACIFIC, "3")


def test_the_attribute_still_decides_when_given(client):
    req = placed(post(client, address_string="太平洋花园3号楼", **{"attribute[estate]": str(estate(YIWU).pk)}))
    assert (req.estate.name, req.building.code) == (YIWU, "3")  # the building is read from the address
    assert refused(post(client, address_string="义乌城小区", **{"attribute[building]": "99"})).startswith(NO_SUCH_BUILDING.format(code="99"))


@pytest.fixture
def elsewhere():
    """An estate of another jurisdiction, with a position and an Open311 key of its own."""
    sub = SubdistrictFactory(code="qita")
    other = EstateFactory(community__subdistrict=sub, name="育红小区", aliases=["育红"],
                          latitude=Decimal("36.120000"), longitude=Decimal("114.350000"))
    BuildingFactory(estate=other, code="1")
    Open311Key.objects.create(name="其他街道", key_hash=Open311Key.hash("OTHER-KEY"), subdistrict=sub)
    return other


def test_an_estate_outside_the_jurisdiction_is_not_placed(client, elsewhere):
    before = Request.objects.count()
    assert refused(post(client, address_string="育红小区1号楼")) == open311.ESTATE_UNPLACED
    lat, long = f"{elsewhere.latitude}", f"{elsewhere.longitude}"
    assert refused(post(client, lat=lat, long=long)) == open311.ESTATE_UNPLACED
    assert refused(post(client, **{"attribute[estate]": str(elsewhere.pk)})) == open311.ESTATE_UNKNOWN
    assert Request.objects.count() == before
    # its own jurisdiction places it
    req = placed(post(client, jurisdiction_id="qita", api_key="OTHER-KEY", address_string="育红1号楼"))
    assert (req.estate, req.building.code) == (elsewhere, "1")


# --- by position ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("metres", "inside"), [(0, True), (499, True), (501, False), (5000, False)])
def test_coordinates_alone_place_the_report_within_the_radius(client, settings, metres, inside):
    settings.GONGZHI_OPEN311_RADIUS_M = 500
    lat, long = south_of(YIWU_GATE, metres)
    assert (distance_m(lat, long, *YIWU_GATE) <= 500) is inside  # still on its side once written to 6 places
    response = post(client, lat=lat, long=long)
    if inside:
        req = placed(response)
        assert (req.estate.name, req.building, str(req.lat)) == (YIWU, None, lat)
    else:
        assert refused(response) == open311.ESTATE_UNPLACED


def test_the_radius_is_a_setting(client, settings):
    lat, long = south_of(YIWU_GATE, 300)
    settings.GONGZHI_OPEN311_RADIUS_M = 250
    assert refused(post(client, lat=lat, long=long)) == open311.ESTATE_UNPLACED
    settings.GONGZHI_OPEN311_RADIUS_M = 350
    assert placed(post(client, lat=lat, long=long)).estate.name == YIWU


def test_the_nearest_estate_wins_when_several_are_within_reach(client, settings):
    settings.GONGZHI_OPEN311_RADIUS_M = 5000  # both gates are within reach of every point below
    near_pacific = south_of(PACIFIC_GATE, 100)
    near_yiwu = south_of(YIWU_GATE, 100)
    assert placed(post(client, lat=near_pacific[0], long=near_pacific[1])).estate.name == PACIFIC
    assert placed(post(client, lat=near_yiwu[0], long=near_yiwu[1])).estate.name == YIWU


def test_an_unknown_address_falls_back_to_the_position(client):
    lat, long = south_of(YIWU_GATE, 100)
    req = placed(post(client, address_string="光华路东段路灯", lat=lat, long=long))
    assert req.estate.name == YIWU and req.place_text == "光华路东段路灯"


def test_haversine_distance():
    assert distance_m(36, 114, 36, 114) == 0
    one_degree = EARTH_RADIUS_M * math.pi / 180
    assert distance_m(0, 0, 1, 0) == pytest.approx(one_degree)
    assert distance_m(36, 114, 36, 115) == pytest.approx(one_degree * math.cos(math.radians(36)), rel=1e-4)


# --- bad input ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fields", "message"), [
    ({}, open311.LOCATION_REQUIRED),
    ({"address_string": "   "}, open311.LOCATION_REQUIRED),
    ({"address_string": "3号楼"}, open311.ESTATE_UNPLACED),
    ({"address_string": "不存在的地方"}, open311.ESTATE_UNPLACED),
    ({"lat": "36.097100"}, open311.LAT_LONG_TOGETHER),
    ({"long": "114.392300"}, open311.LAT_LONG_TOGETHER),
    ({"lat": "95", "long": "114.392300"}, "lat"),
    ({"lat": "NaN", "long": "114.392300"}, "lat"),
    ({"address_string": "义乌城小区" + "号" * 200}, open311.ADDRESS_TOO_LONG),
    ({"address_string": "义乌城小区\x003号楼"}, CONTROL_CHARACTERS),
    ({"attribute[estate]": "abc", "address_string": "义乌城小区"}, open311.ESTATE_UNKNOWN),
    ({"attribute[estate]": "9" * 30, "address_string": "义乌城小区"}, open311.ESTATE_UNKNOWN),
])
def test_bad_locations_are_refused_and_nothing_is_written(client, fields, message):
    before = Request.objects.count()
    assert message in refused(post(client, **fields))
    assert Request.objects.count() == before


# --- media_url ------------------------------------------------------------------------------------------------
PHOTO = "https://12345.anyang.gov.cn/media/2026/11/light.jpg?size=large&id=7"


def test_media_url_is_stored_read_back_and_shown_on_the_request_page(client, login):
    req = placed(post(client, address_string="义乌城小区5号楼", media_url=PHOTO))
    assert req.media_url == PHOTO
    listed = client.get(f"{BASE}/requests/{req.pk}.json", {"jurisdiction_id": "guanghualu"}).json()[0]
    assert listed["media_url"] == PHOTO
    root = ET.fromstring(client.get(f"{BASE}/requests/{req.pk}.xml", {"jurisdiction_id": "guanghualu"}).content)
    assert root.find("request/media_url").text == PHOTO
    page = login("zhangjingli").get(f"/requests/{req.pk}/").content.decode()
    assert 'data-testid="media-url"' in page and PHOTO.replace("&", "&amp;") in page
    assert 'rel="noopener noreferrer nofollow"' in page
    assert login("zhangjingli").get(f"/api/v1/requests/{req.pk}").json()["media_url"] == PHOTO
    without = placed(post(client, address_string="义乌城小区5号楼"))
    assert client.get(f"{BASE}/requests/{without.pk}.json", {"jurisdiction_id": "guanghualu"}).json()[0][
        "media_url"] is None
    assert 'data-testid="media-url"' not in login("zhangjingli").get(f"/requests/{without.pk}/").content.decode()


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "ftp://example.cn/a.jpg", "data:image/png;base64,AAAA", "not a link", "//example.cn/a.jpg",
    "https://example.cn/" + "a" * 500, "https://example.cn/a\x00.jpg", " https://example.cn/a.jpg",
])
def test_bad_media_urls_are_refused_and_nothing_is_written(client, url):
    before = Request.objects.count()
    assert refused(post(client, address_string="义乌城小区5号楼", media_url=url)) == MEDIA_URL_INVALID
    assert Request.objects.count() == before


def test_media_url_through_the_json_api(login):
    body = {"estate_id": estate(YIWU).pk, "category": "lighting", "description": "路灯不亮", "media_url": PHOTO}
    created = login("wangayi").post("/api/v1/requests", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["media_url"] == PHOTO
    bad = login("wangayi").post("/api/v1/requests", {**body, "media_url": "javascript:alert(1)"},
                                content_type="application/json")
    assert bad.status_code == 400 and bad.json()["detail"] == MEDIA_URL_INVALID
