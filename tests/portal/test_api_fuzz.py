"""Property-based API tests: schemathesis generates requests from our own OpenAPI schema and
checks that no input gives a server error or an answer that contradicts the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, not_a_server_error, response_schema_conformance

from gongzhi.core.services import api_token_create

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


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
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_never_fails_on_any_input(case, token, settings):
    settings.ALLOWED_HOSTS = ["*"]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, response_schema_conformance, negative_data_rejection],
    )
