"""Open311 GeoReport v2 at /open311/v2/: every endpoint in JSON and XML, with the specification's
example requests, good and bad keys, and errors in the specification's format."""

import xml.etree.ElementTree as ET

import pytest

from gongzhi.core.api_schema import CONTROL_CHARACTERS
from gongzhi.core.models import AuditEntry
from gongzhi.requests import services
from gongzhi.requests.models import Request
from gongzhi.requests.routing import Category
from gongzhi.requests.services.intake import DESCRIPTION_REQUIRED, PHONE_INVALID
from tests.helpers import YIWU, estate

BASE = "/open311/v2"
J = {"jurisdiction_id": "guanghualu"}
KEY = "GONGZHI-DEMO-KEY"


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def post(client, fmt="json", **fields):
    data = {"jurisdiction_id": "guanghualu", "api_key": KEY, "service_code": "lighting",
            "attribute[estate]": str(estate(YIWU).pk), "attribute[building]": "5", "lat": "36.098212",
            "long": "114.392711", "address_string": "义乌城小区5号楼", "first_name": "秀兰", "last_name": "王",
            "phone": "13912345678", "description": "5号楼1单元楼道灯不亮", **fields}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_service_list_in_json_and_xml(client, world):
    listed = client.get(f"{BASE}/services.json", J).json()
    assert {s["service_code"] for s in listed} == set(Category.values)
    light = next(s for s in listed if s["service_code"] == "lighting")
    assert light["service_name"] == "公共照明" and light["metadata"] is True and light["type"] == "realtime"
    root = xml(client.get(f"{BASE}/services.xml", J))
    assert root.tag == "services" and len(root.findall("service")) == len(Category.values)
    assert root.find("service/metadata").text == "true"
    # one jurisdiction is served: jurisdiction_id may be left out
    assert client.get(f"{BASE}/services.json").status_code == 200


def test_service_definition_with_attributes(client, world):
    body = client.get(f"{BASE}/services/lighting.json", J).json()
    codes = [a["code"] for a in body["attributes"]]
    assert body["service_code"] == "lighting" and codes == ["estate", "building", "emergency"]
    estates = {v["name"] for v in body["attributes"][0]["values"]}
    assert YIWU in estates and body["attributes"][0]["required"] is False  # address or position may place it
    root = xml(client.get(f"{BASE}/services/lighting.xml", J))
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/code").text == "estate"
    assert root.find("attributes/attribute/values/value/key") is not None
    missing = client.get(f"{BASE}/services/ufo.json", J)
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    missing_xml = xml(client.get(f"{BASE}/services/ufo.xml", J))
    assert missing_xml.tag == "errors" and missing_xml.find("error/code").text == "404"


def test_posting_a_request_with_the_key_routes_it(client, world):
    before = Request.objects.count()
    answer = post(client)
    assert answer.status_code == 201
    body = answer.json()[0]
    req = Request.objects.get(pk=int(body["service_request_id"]))
    assert body["token"] == str(req.token) and "办结" in body["service_notice"]
    assert (req.channel, req.category, req.handler, req.building.code) == ("open311", "lighting", "property", "5")
    assert (req.contact_name, req.contact_phone, req.requester) == ("王秀兰", "13912345678", None)
    assert str(req.lat) == "36.098212"
    audit = AuditEntry.objects.get(action="request.submit", subject_id=str(req.pk))
    assert audit.after["via"].startswith("open311:") and "13912345678" not in str(audit.after)
    assert Request.objects.count() == before + 1
    root = xml(post(client, "xml", description="路灯不亮", **{"attribute[emergency]": "yes"}))
    assert root.tag == "service_requests" and root.find("request/service_request_id").text.isdigit()
    assert Request.objects.get(pk=int(root.find("request/service_request_id").text)).emergency


@pytest.mark.parametrize("fields,status,text", [
    ({"api_key": "WRONG"}, 403, "api_key"),
    ({"api_key": None}, 403, "api_key"),
    ({"service_code": "ufo"}, 400, "service_code"),
    ({"service_code": None}, 400, "service_code"),
    ({"attribute[estate]": "999999"}, 400, "attribute[estate]"),
    ({"attribute[estate]": None, "address_string": None, "lat": None, "long": None}, 400, "attribute[estate]"),
    ({"attribute[building]": "99"}, 400, "99"),
    ({"description": ""}, 400, DESCRIPTION_REQUIRED),
    ({"lat": "north"}, 400, "lat"),
    ({"lat": "1e999"}, 400, "lat"),
    ({"description": "灯坏了\x00"}, 400, CONTROL_CHARACTERS),
    ({"phone": "call me"}, 400, PHONE_INVALID),
    ({"jurisdiction_id": "nowhere"}, 404, "jurisdiction_id"),
])
def test_bad_posts_get_the_spec_error_and_change_nothing(client, world, fields, status, text):
    before = Request.objects.count()
    answer = post(client, **fields)
    assert answer.status_code == status
    error = answer.json()[0]
    assert error["code"] == status and text in error["description"]
    root = xml(post(client, "xml", **fields))
    assert root.tag == "errors" and root.find("error/code").text == str(status)
    assert Request.objects.count() == before


def test_reading_requests_with_filters(client, persona, world):
    mine = int(post(client).json()[0]["service_request_id"])
    listed = client.get(f"{BASE}/requests.json", J).json()
    assert any(r["service_request_id"] == str(mine) for r in listed)
    one = client.get(f"{BASE}/requests.json", {**J, "service_request_id": f"{mine},1"}).json()
    assert str(mine) in {r["service_request_id"] for r in one}
    row = next(r for r in one if r["service_request_id"] == str(mine))
    assert row["status"] == "open" and row["service_code"] == "lighting" and row["address"] == "义乌城小区 5号楼"
    assert "王" not in str(row) and "13912345678" not in str(row)  # no personal data
    by_code = client.get(f"{BASE}/requests.json", {**J, "service_code": "lighting,pipes"}).json()
    assert {r["service_code"] for r in by_code} <= {"lighting", "pipes"} and by_code
    services.request_resolve(persona("zhangjingli"), request_id=mine, note="已更换灯具，联系人电话13912345678")
    closed = client.get(f"{BASE}/requests.json", {**J, "status": "closed"}).json()
    mine_closed = next(r for r in closed if r["service_request_id"] == str(mine))
    assert mine_closed["status_notes"].endswith("139****5678")
    assert all(r["status"] == "closed" for r in closed)
    assert all(r["status"] == "open" for r in client.get(f"{BASE}/requests.json", {**J, "status": "open"}).json())
    spec_dates = client.get(f"{BASE}/requests.json", {**J, "start_date": "2010-05-24T00:00:00Z",
                                                       "end_date": "2010-06-24T00:00:00Z", "status": "open"})
    assert spec_dates.status_code == 200 and spec_dates.json() == []
    root = xml(client.get(f"{BASE}/requests.xml", {**J, "service_request_id": str(mine)}))
    assert root.tag == "service_requests" and root.find("request/status").text == "closed"
    for bad in ({"start_date": "yesterday"}, {"status": "pending"}, {"service_code": "ufo"},
                {"service_request_id": "abc"},
                {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}):
        answer = client.get(f"{BASE}/requests.json", {**J, **bad})
        assert answer.status_code == 400 and answer.json()[0]["code"] == 400, bad


def test_one_request_and_tokens(client, world):
    body = post(client).json()[0]
    one = client.get(f"{BASE}/requests/{body['service_request_id']}.json", J).json()
    assert len(one) == 1 and one[0]["service_request_id"] == body["service_request_id"]
    root = xml(client.get(f"{BASE}/requests/{body['service_request_id']}.xml", J))
    assert root.find("request/service_code").text == "lighting"
    assert client.get(f"{BASE}/requests/99999999.json", J).status_code == 404
    assert xml(client.get(f"{BASE}/requests/nope.xml", J)).find("error/code").text == "404"
    token = client.get(f"{BASE}/tokens/{body['token']}.json", J).json()
    assert token == [{"service_request_id": body["service_request_id"], "token": body["token"]}]
    assert xml(client.get(f"{BASE}/tokens/{body['token']}.xml", J)).find("request/token").text == body["token"]
    assert client.get(f"{BASE}/tokens/not-a-token.json", J).status_code == 404


def test_methods_and_unknown_paths(client, world):
    assert client.put(f"{BASE}/services.json").status_code == 405
    assert client.delete(f"{BASE}/requests.json").status_code == 405
    assert client.get(f"{BASE}/nothing.json").status_code == 404
    assert client.get(f"{BASE}/discovery.json").json()["endpoints"][0]["specification"].endswith("GeoReport_v2")
