"""The Open311 API's OpenAPI document (gongzhi/requests/open311.openapi.json, served at
/open311/v2/openapi.json) against the code: every documented path and method is served and every
Open311 route and method is documented; then schemathesis over the document, as over /api/v1 in
tests/portal/test_api_fuzz.py: no input gives a server error or an answer the document does not
describe, and input the document calls invalid is refused. Each operation that takes input is sent
at least 50 inputs (GONGZHI_FUZZ_EXAMPLES raises it)."""

import collections
import json
import os
import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.urls import URLResolver, resolve, reverse
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, not_a_server_error, response_schema_conformance

from gongzhi.requests import open311, urls
from gongzhi.requests.choices import Category
from gongzhi.requests.models import Request

DOCUMENT = json.loads(open311.OPENAPI.read_text(encoding="utf-8"))
BASE = "/open311/v2"
JURISDICTION, KEY = "guanghualu", "GONGZHI-DEMO-KEY"
EXAMPLES = max(50, int(os.environ.get("GONGZHI_FUZZ_EXAMPLES", "50")))
MINIMUM = 50
ANSWERS = collections.Counter()  # (operation, status) → answers in this process


def _template(path: str) -> str:
    """A path with its parameters' names blanked: "/open311/v2/services/{}.json"."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _open311_routes() -> dict[str, str]:
    """Route name → its JSON path as a template, for every Open311 URL of the requests app but the
    catch-all that answers "no such endpoint"."""
    routes = {}
    for pattern in urls.urlpatterns:
        if isinstance(pattern, URLResolver) or not str(pattern.pattern).startswith("^open311/") \
                or pattern.callback is open311.unknown:
            continue
        name = pattern.name
        assert name, f"an Open311 route without a name: {pattern.pattern}"
        groups = {g: "PARAM" for g in pattern.pattern.regex.groupindex if g != "fmt"}
        kwargs = {"fmt": "json", **groups} if "fmt" in pattern.pattern.regex.groupindex else groups
        routes[name] = _template(reverse(f"requests:{name}", kwargs=kwargs).replace("PARAM", "{p}"))
    return routes


# --- the document against the code ------------------------------------------------------------------------
def test_every_route_is_documented_and_every_documented_path_is_served():
    documented = {_template(path) for path in DOCUMENT["paths"]}
    routes = _open311_routes()
    assert len(routes) == 8
    assert set(routes.values()) == documented, "an Open311 route is undocumented, or a documented path is not served"
    for path in DOCUMENT["paths"]:
        concrete = path.replace("{service_code}", "lighting").replace("{service_request_id}", "1").replace(
            "{token}", "00000000-0000-0000-0000-000000000000")
        assert resolve(concrete).func is not open311.unknown, path
        assert resolve(concrete).url_name in routes


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_document_names_exactly_the_methods_each_path_answers(client, world, method):
    """A method the document leaves out answers 405 (as the error list); one it names never does."""
    for path, operations in DOCUMENT["paths"].items():
        concrete = path.replace("{service_code}", "lighting").replace("{service_request_id}", "1").replace(
            "{token}", "00000000-0000-0000-0000-000000000000")
        answer = getattr(client, method)(concrete)
        if method in operations:
            assert answer.status_code != 405, (method, path)
        else:
            assert answer.status_code == 405 and answer.json()[0]["code"] == 405, (method, path)


def test_the_served_document_is_the_one_in_the_repository(client):
    answer = client.get(f"{BASE}/openapi.json")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    assert answer.json() == DOCUMENT


def test_the_documented_service_codes_are_the_categories():
    assert DOCUMENT["components"]["schemas"]["ServiceCode"]["enum"] == list(Category.values)


def test_the_documented_request_fields_are_what_a_request_shows(client, world):
    """The listing's fields are exactly the document's (the schema forbids others; this checks none is missing)."""
    listed = client.get(f"{BASE}/requests.json", {"jurisdiction_id": JURISDICTION, "start_date": "2000-01-01T00:00:00Z"})
    schema = DOCUMENT["components"]["schemas"]["ServiceRequest"]
    assert listed.status_code == 200 and listed.json()
    assert all(set(row) == set(schema["properties"]) == set(schema["required"]) for row in listed.json())


def test_a_body_over_the_upload_limit_is_refused_in_the_error_list(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    answer = client.post(f"{BASE}/requests.json", {"api_key": KEY, "description": "灯" * 2000})
    assert answer.status_code == 413
    assert answer.json() == [{"code": 413, "description": open311.BODY_TOO_LARGE}]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = None, 5
    answer = client.post(f"{BASE}/requests.json", {f"f{i}": "x" for i in range(10)})
    assert answer.status_code == 400 and answer.json()[0]["description"] == open311.TOO_MANY_FIELDS


def test_an_error_quoting_a_control_character_is_still_well_formed_xml(client, world):
    """XML 1.0 cannot carry U+0001 even escaped: an error quoting its input shows U+FFFD in its place."""
    answer = client.get(f"{BASE}/requests.xml", {"jurisdiction_id": JURISDICTION, "service_code": "x\x01y"})
    root = ET.fromstring(answer.content)
    assert answer.status_code == 400 and root.tag == "errors"
    assert "x\ufffdy" in root.find("error/description").text
    answer = client.get(f"{BASE}/services/a%01b.xml", {"jurisdiction_id": JURISDICTION})
    assert answer.status_code == 404 and ET.fromstring(answer.content).find("error/code").text == "404"


# --- the fuzz ---------------------------------------------------------------------------------------------
schema = schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", get_wsgi_application())
rejection = schema.config.checks.negative_data_rejection
rejection.expected_statuses = [*rejection.expected_statuses, "413"]


def _takes_input(operation) -> bool:
    return bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))


@pytest.fixture
def sent():
    tally = {"operation": None, "count": 0}
    yield tally
    operation = tally["operation"]
    if operation is not None and _takes_input(operation):
        label = f"{operation.method.upper()} {operation.path}"
        assert tally["count"] >= MINIMUM, f"{label} was sent only {tally['count']} inputs"


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """As in the /api/v1 fuzz: the WSGI app's request_finished would close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _reach_further(case, count: int) -> None:
    """Most generated inputs would stop at an unknown jurisdiction, key, place or id: three in four name
    the demo's jurisdiction and key (where the input has them), and every other one names an estate,
    a request or a token that exists, so the fuzz reaches the parsing of dates, places, descriptions
    and the writing of a request. Schemathesis re-checks an edited case before it judges whether the
    input was invalid."""
    if count % 4 == 0:
        return
    for container in (case.query, case.body):
        if isinstance(container, dict):
            if "jurisdiction_id" in container:
                container["jurisdiction_id"] = JURISDICTION
            if isinstance(container.get("api_key"), str):
                container["api_key"] = KEY
    if count % 2 == 0:
        return
    requests = Request.objects.filter(subdistrict__code=JURISDICTION).order_by("pk")
    chosen = requests[count % requests.count()]
    if isinstance(case.body, dict):
        case.body["attribute[estate]"] = str(chosen.estate_id)
    if isinstance(case.path_parameters, dict):
        if "service_request_id" in case.path_parameters:
            case.path_parameters["service_request_id"] = str(chosen.pk)
        if "token" in case.path_parameters:
            case.path_parameters["token"] = str(chosen.token)


def _xml_twin(case):
    """The same input to the operation's .xml path (the document describes the JSON; each path answers
    in XML too, through the same code): no server error, well-formed XML, errors as the error list.
    Only inputs Django's test client sends as schemathesis does: a query or a form of plain values."""
    head, _, tail = case.formatted_path.rpartition(".json")
    path, client = f"{head}.xml{tail}", Client()
    plain = (str, int, float)
    if case.method.upper() == "GET":
        query = case.query or {}
        if not all(isinstance(v, plain) for v in query.values()):
            return None
        answer = client.get(path, query)
    else:
        if not isinstance(case.body, dict) or not all(isinstance(v, plain) for v in case.body.values()):
            return None
        answer = client.post(path, urllib.parse.urlencode(case.body), content_type="application/x-www-form-urlencoded")
    # Django's test client connects close_old_connections again when it is done; schemathesis' next WSGI
    # call would then close the test's connection (on PostgreSQL: "the connection is closed").
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    assert answer.status_code < 500, (path, answer.status_code)
    assert answer["Content-Type"].startswith("text/xml"), (path, answer["Content-Type"])
    root = ET.fromstring(answer.content)
    assert (root.tag == "errors") == (answer.status_code >= 400), (path, answer.status_code, root.tag)
    return answer.status_code


@pytest.mark.fuzz
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_open311_never_fails_on_any_input(case, world, settings, sent):
    settings.ALLOWED_HOSTS = ["*"]
    sent["operation"] = case.operation
    sent["count"] += 1
    _reach_further(case, sent["count"])
    response = case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, negative_data_rejection])
    label = f"{case.operation.method.upper()} {case.operation.path}"
    ANSWERS[label, response.status_code] += 1
    if case.operation.path != f"{BASE}/openapi.json" and case.method.upper() == case.operation.method.upper():
        xml_status = _xml_twin(case)
        if xml_status is not None:
            ANSWERS[f"{label} as .xml", xml_status] += 1


def test_the_fuzz_reaches_every_operation_of_the_document():
    """Every operation but the document itself (which schemathesis leaves out, being where it read the schema)."""
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {f"{o.method.upper()} {o.path}" for o in operations}
    documented = {f"{m.upper()} {p}" for p, ops in DOCUMENT["paths"].items() for m in ops}
    assert labels == documented - {f"GET {BASE}/openapi.json"}
    assert len(labels) == 8
    if ANSWERS:  # the fuzz ran in this process: what it was answered
        print("\nOpen311 fuzz answers:", ", ".join(f"{op} {status}: {n}" for (op, status), n in sorted(ANSWERS.items())))



@pytest.mark.parametrize("path, params", [
    ("/open311/v2/services.json", {"jurisdiction_id": "guang\x00hualu"}),
    ("/open311/v2/requests.json", {"jurisdiction_id": "guanghualu", "status": "open\x00"}),
    ("/open311/v2/requests.xml", {"service_code\x00": "lighting"}),
])
def test_a_nul_in_any_parameter_is_the_error_list_not_a_server_error(client, world, path, params):
    """Found by the fuzz on PostgreSQL, which cannot compare a NUL: a 500 before this."""
    answer = client.get(path, params)
    assert answer.status_code == 400
    assert open311.NUL_IN_PARAMETER in answer.content.decode()


def test_a_posted_jurisdiction_with_a_nul_is_the_error_list_and_nothing_is_written(client, world):
    before = Request.objects.count()
    answer = client.post("/open311/v2/requests.json", {"jurisdiction_id": "guanghualu\x00", "api_key": "x",
                                                       "service_code": "lighting", "description": "灯不亮"})
    assert answer.status_code == 400 and open311.NUL_IN_PARAMETER in answer.content.decode()
    assert Request.objects.count() == before
