"""Property-based API tests: schemathesis generates requests from our own OpenAPI schema and
checks that no input gives a server error or an answer that contradicts the schema.

Each operation gets schemathesis' boundary cases (its coverage phase) and then at least 50 generated
examples; each operation's test fails if the operation, taking input, was sent fewer than 50.
GONGZHI_FUZZ_EXAMPLES raises the 50 for a longer run by hand."""

import collections
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, not_a_server_error, response_schema_conformance

from gongzhi.core.services import api_token_create

pytestmark = pytest.mark.fuzz

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# A body over the upload limit is refused with 413 (core.middleware.ApiBodyTooLarge): a rejection too.
rejection = schema.config.checks.negative_data_rejection
rejection.expected_statuses = [*rejection.expected_statuses, "413"]
EXAMPLES = max(50, int(os.environ.get("GONGZHI_FUZZ_EXAMPLES", "50")))
SENT = collections.Counter()  # operation → requests sent to it in this process
MINIMUM = 50


def _label(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _takes_input(operation) -> bool:
    return bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))


@pytest.fixture
def sent():
    """What this operation was sent: checked once hypothesis has run every example (the fixture lives
    across them all), so the count is the operation's whole count whichever worker ran it."""
    tally = {"operation": None, "count": 0}
    yield tally
    operation = tally["operation"]
    if operation is not None and _takes_input(operation):
        assert tally["count"] >= MINIMUM, f"{_label(operation)} was sent only {tally['count']} inputs"


@pytest.fixture
def token(persona):
    return api_token_create(persona("guanliyuan"), name="fuzz")


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Requests go straight to the WSGI app, whose request_finished signal would close the
    database connection inside the test's transaction (Django's test client avoids the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_never_fails_on_any_input(case, token, settings, sent):
    settings.ALLOWED_HOSTS = ["*"]
    sent["operation"] = case.operation
    sent["count"] += 1
    SENT[_label(case.operation)] += 1
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, response_schema_conformance, negative_data_rejection],
    )


def test_the_fuzz_reaches_every_operation_of_the_schema():
    """Every operation is one fuzz test above (each counts its own inputs); the schema holds them all."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 170
    if SENT:  # the fuzz ran in this process (all of it when run alone): what it sent
        counts = sorted(SENT.values())
        print(f"\nfuzz in this process: {len(SENT)} of {len(operations)} operations, {sum(counts)} requests, "
              f"fewest {counts[0]}, median {counts[len(counts) // 2]}, most {counts[-1]}")
