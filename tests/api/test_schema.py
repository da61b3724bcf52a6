"""Property-based run of schemathesis against our own OpenAPI schema: for every operation,
inputs generated from the schema (valid and not) must never cause a 500, and every
response must match what the schema says (status code, content type, body, headers).
Bounded in examples and derandomized, so it takes the same few seconds in every run."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.roles import Role
from api.models import AuthToken
from cases.models import CaseSource, Category
from cases.services import report
from grid.models import Grid
from notifications.services import notify
from tests.factories import make_user, point_in

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_OPERATION = 8


# Loaded from the schema view itself, so the run checks the document clients get.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Explicit examples and property-based fuzzing (valid and invalid inputs), bounded by
# max_examples; the exhaustive coverage phase would take minutes.
schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture
def in_process_requests(db):
    """Requests go through the WSGI handler in this thread, inside the test's transaction:
    like Django's test client, keep the end of a request from closing the connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def district(in_process_requests):
    """An administrator's token (the whole district in scope), and a case and notification
    that generated ids are pointed at half of the time, so real objects are exercised."""
    admin = make_user(Role.ADMINISTRATOR)
    lon, lat = point_in(Grid.objects.order_by("code").first())
    category = Category.objects.get(kind="event", major_code="01", minor_code="02")
    case = report(actor=admin, source=CaseSource.RESIDENT, category=category, lon=lon, lat=lat, description="测试")
    notify([admin], "测试通知")
    _token, secret = AuthToken.issue(admin)
    return {"token": secret, "case": case.pk, "notification": admin.notifications.get().pk}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, district):
    object_id = (case.path_parameters or {}).get("id")
    if isinstance(object_id, int) and object_id % 2 == 0:
        existing = "notification" if "/notifications/" in case.path else "case"
        case.path_parameters["id"] = district[existing]
    case.call_and_validate(headers={"Authorization": f"Bearer {district['token']}"}, checks=CHECKS)


def test_the_schema_documents_every_action_and_the_error_shape(db):
    document = APIClient().get(reverse("api-schema"), {"format": "json"}).json()
    paths = document["paths"]
    from cases.workflow import TRANSITIONS

    for action in TRANSITIONS:
        operation = paths[f"/api/v1/cases/{{id}}/{action}/"]["post"]
        assert {"200", "400", "401", "403", "404", "409", "429"} <= set(operation["responses"])
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {"detail", "code", "fields"}
    assert {"tokenAuth", "apiKeyAuth"} <= set(document["components"]["securitySchemes"])
