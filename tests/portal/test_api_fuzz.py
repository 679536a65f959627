"""Property-based API tests: schemathesis generates requests from our own OpenAPI schema and
checks that no input gives a server error or an answer that contradicts the schema.

Each operation gets schemathesis' boundary cases (its coverage phase) and then at least 50 generated
examples; the last test counts what every operation was sent. GONGZHI_FUZZ_EXAMPLES raises the 50
for a longer run by hand."""

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

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
EXAMPLES = max(50, int(os.environ.get("GONGZHI_FUZZ_EXAMPLES", "50")))
SENT = collections.Counter()  # operation → requests sent to it in this session


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
def test_api_never_fails_on_any_input(case, token, settings):
    settings.ALLOWED_HOSTS = ["*"]
    SENT[f"{case.operation.method.upper()} {case.operation.path}"] += 1
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, response_schema_conformance, negative_data_rejection],
    )


def _takes_input(operation) -> bool:
    return bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))


def test_every_operation_was_sent_at_least_50_inputs():
    """Runs after the fuzz above (file order): every operation with parameters or a body was sent 50
    inputs or more; one without any input has a single request to send."""
    if not SENT:
        pytest.skip("the fuzz above did not run in this session")
    operations = [result.ok() for result in schema.get_all_operations()]
    short = {f"{op.method.upper()} {op.path}": SENT[f"{op.method.upper()} {op.path}"] for op in operations
             if _takes_input(op) and SENT[f"{op.method.upper()} {op.path}"] < 50}
    assert len(operations) >= 170
    assert short == {}
    counts = sorted(SENT.values())
    print(f"\nfuzz: {len(operations)} operations, {sum(counts)} requests, "
          f"fewest {counts[0]}, median {counts[len(counts) // 2]}, most {counts[-1]}")
