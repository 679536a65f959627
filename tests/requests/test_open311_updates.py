"""What changed, for a 12345 system to poll: GET /open311/v2/servicerequestupdates.json|xml (the
mySociety open311-adapter extension), one update per step on a request's timeline, filtered by
start_date and end_date (both included), within the jurisdiction, without personal data."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from gongzhi.core import clock as source_clock
from gongzhi.requests import open311
from gongzhi.requests import services as request_services
from gongzhi.requests.choices import EventKind
from gongzhi.requests.models import Request
from tests.factories import EstateFactory, SubdistrictFactory

pytestmark = pytest.mark.usefixtures("world")
BASE = "/open311/v2"
J = {"jurisdiction_id": "guanghualu"}
HOUR = datetime.timedelta(hours=1)
SECOND = datetime.timedelta(seconds=1)
PHOTO = "https://12345.anyang.gov.cn/media/light.jpg"
FIELDS = {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
          "external_status_code"}
# The statuses the mySociety extension knows (Open311::Endpoint::Service::Request::Update::mySociety).
MYSOCIETY_STATUSES = {"open", "closed", "fixed", "in_progress", "action_scheduled", "investigating", "duplicate",
                      "not_councils_responsibility", "no_further_action", "internal_referral"}


def w3(when) -> str:
    return source_clock.local(when).isoformat(timespec="seconds")


def updates(client, fmt="json", **params):
    return client.get(f"{BASE}/servicerequestupdates.{fmt}", {**J, **params})


def mine(response, req) -> list[dict]:
    assert response.status_code == 200, response.content.decode()
    return [u for u in response.json() if u["service_request_id"] == str(req.pk)]


@pytest.fixture
def history(client, persona, clock):
    """A report filed at t0 with a photo link, taken at t0 + 1 h, solved at t0 + 2 h."""
    t0 = clock.now
    answer = client.post(f"{BASE}/requests.json", {
        "jurisdiction_id": "guanghualu", "api_key": "GONGZHI-DEMO-KEY", "service_code": "lighting",
        "address_string": "义乌城小区5号楼", "description": "5号楼楼道灯不亮", "first_name": "秀兰", "last_name": "王",
        "phone": "13912345678", "media_url": PHOTO})
    req = Request.objects.get(pk=int(answer.json()[0]["service_request_id"]))
    clock.set(t0 + HOUR)
    request_services.request_respond(persona("zhangjingli"), request_id=req.pk, note="已安排电工")
    clock.set(t0 + 2 * HOUR)
    request_services.request_resolve(persona("zhangjingli"), request_id=req.pk,
                                     note="已更换灯具，回访电话13912345678")
    clock.set(t0 + 3 * HOUR)
    return req, t0


def test_every_step_is_an_update_in_the_extensions_words(client, history):
    req, t0 = history
    rows = mine(updates(client, start_date=w3(t0), end_date=w3(t0 + 2 * HOUR)), req)
    assert [r["status"] for r in rows] == ["open", "open", "in_progress", "fixed"]
    assert [r["external_status_code"] for r in rows] == ["submitted", "routed", "responded", "resolved"]
    assert all(set(r) == FIELDS for r in rows)
    assert len({r["update_id"] for r in rows}) == 4
    assert rows[0]["media_url"] == PHOTO and all(r["media_url"] == "" for r in rows[1:])
    assert [r["updated_datetime"] for r in rows] == [w3(t0), w3(t0), w3(t0 + HOUR), w3(t0 + 2 * HOUR)]
    assert rows[2]["description"].endswith("已安排电工")
    text = str(rows)
    assert "139****5678" in rows[3]["description"] and "13912345678" not in text and "王秀兰" not in text


@pytest.mark.parametrize(("start", "end", "expected"), [
    (1 * HOUR, 2 * HOUR, ["responded", "resolved"]),  # both edges included
    (1 * HOUR, 1 * HOUR, ["responded"]),
    (1 * HOUR + SECOND, 2 * HOUR - SECOND, []),  # just inside both edges: nothing happened
    (2 * HOUR + SECOND, 3 * HOUR, []),
    (0 * HOUR, 1 * HOUR - SECOND, ["submitted", "routed"]),
    (2 * HOUR, None, ["resolved"]),  # from start_date to now
    (None, 1 * HOUR, ["submitted", "routed", "responded"]),  # end_date alone: the 24 hours before it
])
def test_the_feed_is_filtered_by_its_date_edges(client, history, start, end, expected):
    req, t0 = history
    params = {}
    if start is not None:
        params["start_date"] = w3(t0 + start)
    if end is not None:
        params["end_date"] = w3(t0 + end)
    assert [r["external_status_code"] for r in mine(updates(client, **params), req)] == expected


def test_without_dates_the_last_24_hours(client, clock, history):
    req, t0 = history
    assert len(mine(updates(client), req)) == 4
    clock.set(t0 + 24 * HOUR + 90 * 60 * SECOND)  # 24 h back is t0 + 1 h 30 min
    assert [r["external_status_code"] for r in mine(updates(client), req)] == ["resolved"]


def test_updates_in_xml(client, history):
    req, t0 = history
    root = ET.fromstring(updates(client, "xml", start_date=w3(t0)).content)
    assert root.tag == "service_requests_updates"
    rows = [u for u in root.findall("request_update") if u.find("service_request_id").text == str(req.pk)]
    assert [u.find("status").text for u in rows] == ["open", "open", "in_progress", "fixed"]
    assert rows[0].find("media_url").text == PHOTO and rows[0].find("update_id").text.isdigit()


def test_only_the_jurisdictions_requests(client, history):
    req, t0 = history
    sub = SubdistrictFactory(code="qita")
    other_estate = EstateFactory(community__subdistrict=sub)
    other = request_services.request_submit(None, request_services.Intake(
        estate_id=other_estate.pk, category="lighting", description="路灯不亮", channel="open311"))
    here = updates(client, start_date=w3(t0))
    assert mine(here, req) and not mine(here, other)
    there = client.get(f"{BASE}/servicerequestupdates.json", {"jurisdiction_id": "qita", "start_date": w3(t0)})
    assert mine(there, other) and not mine(there, req)


def test_every_timeline_step_has_a_status_of_the_extension():
    assert set(open311.UPDATE_STATUS) == set(EventKind.values)
    assert set(open311.UPDATE_STATUS.values()) <= MYSOCIETY_STATUSES


@pytest.mark.parametrize(("params", "status"), [
    ({"start_date": "yesterday"}, 400),
    ({"end_date": "2026-13-01T00:00:00Z"}, 400),
    ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400),
    ({"jurisdiction_id": "nowhere"}, 404),
])
def test_bad_queries_get_the_spec_error(client, world, params, status):
    answer = updates(client, **params)
    assert answer.status_code == status and answer.json()[0]["code"] == status
    root = ET.fromstring(updates(client, "xml", **params).content)
    assert root.tag == "errors" and root.find("error/code").text == str(status)


def test_the_feed_is_read_only(client, world):
    assert client.post(f"{BASE}/servicerequestupdates.json", J).status_code == 405
    assert client.delete(f"{BASE}/servicerequestupdates.xml").status_code == 405
