"""Who may do what through the API: every role against every resource, with cases in
and out of their scope. 200 allowed; 403 visible but not theirs to do; 404 outside their
scope; 401 anonymous. External systems reach only their scopes."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import CaseSource
from cases.services import report
from tests.api.conftest import DEMO_KEY, token_client
from tests.cases.conftest import advance
from tests.factories import photo, point_in

pytestmark = pytest.mark.django_db

PEOPLE = [
    "officer",
    "away_officer",
    "clerk",
    "chief",
    "dispatcher",
    "supervisor",
    "resident",
    "other_resident",
    "admin",
    "handler",
    "other_handler",
]
CALLERS = [*PEOPLE, "anonymous", "external"]


@pytest.fixture
def callers(world, api_key):
    clients = {name: token_client(getattr(world, name)) for name in PEOPLE}
    clients["anonymous"] = APIClient()
    clients["external"] = APIClient()
    clients["external"].credentials(HTTP_X_API_KEY=DEMO_KEY)
    return clients


def row(default, **overrides):
    return {caller: overrides.get(caller, default) for caller in CALLERS}


# The case is the resident's, in the officer's home grid, dispatched (from `accept` on)
# to the handler's unit.
ACTION_MATRIX = {
    # action: (step to advance to first, extra input, expected per caller)
    "verify": (None, {}, row(403, officer=200, away_officer=404, other_resident=404, handler=404, other_handler=404)),
    "file": ("verify", {}, row(403, chief=200, away_officer=404, other_resident=404, handler=404, other_handler=404)),
    "dispatch": (
        "file",
        {"unit": "UNIT"},
        row(403, dispatcher=200, away_officer=404, other_resident=404, handler=404, other_handler=404),
    ),
    "accept": ("dispatch", {}, row(403, handler=200, away_officer=404, other_resident=404, other_handler=404)),
    "feedback": (
        "accept",
        {"note": "已处理", "photos": "PHOTO"},
        row(403, handler=200, away_officer=404, other_resident=404, other_handler=404),
    ),
    "check_pass": ("feedback", {}, row(403, officer=200, away_officer=404, other_resident=404, other_handler=404)),
    "close": ("check_pass", {}, row(403, chief=200, away_officer=404, other_resident=404, other_handler=404)),
    "rate": ("close", {"score": 4}, row(403, resident=200, away_officer=404, other_resident=404, other_handler=404)),
    "evaluate": (
        "close",
        {"score": 4},
        row(403, supervisor=200, away_officer=404, other_resident=404, other_handler=404),
    ),
}
for _step, _input, _expected in ACTION_MATRIX.values():
    _expected.update(anonymous=401, external=403)


@pytest.mark.parametrize("action", list(ACTION_MATRIX))
def test_workflow_actions(world, callers, action):
    step, data, expected = ACTION_MATRIX[action]
    case = _case_after(world, step)
    url = reverse(f"api-case-{action}", args=[case.pk])
    got = {}
    # Everyone refused first: a refusal leaves the case as it is for the next caller.
    for caller in sorted(CALLERS, key=lambda caller: expected[caller] == 200):
        payload = {key: _resolve(world, value) for key, value in data.items()}
        response = callers[caller].post(url, payload, format="multipart" if "photos" in data else "json")
        got[caller] = response.status_code
        assert set(response.json()) >= ({"detail", "code"} if response.status_code >= 400 else {"id"})
    assert got == expected


def _case_after(world, step):
    """A resident's case in the home grid, advanced to just after `step`."""
    lon, lat = point_in(world.home)
    case = report(
        actor=world.resident, source=CaseSource.RESIDENT, category=world.garbage, lon=lon, lat=lat, description="矩阵"
    )
    return advance(case, world, step) if step else case


def _resolve(world, value):
    if value == "UNIT":
        return world.unit.pk
    if value == "PHOTO":
        return [photo()]
    return value


def test_case_detail_and_list(world, callers, resident_case):
    advance(resident_case, world, "dispatch")
    detail = reverse("api-case", args=[resident_case.pk])
    expected_detail = row(200, away_officer=404, other_resident=404, other_handler=404, anonymous=401, external=404)
    assert {caller: callers[caller].get(detail).status_code for caller in CALLERS} == expected_detail
    expected_count = row(1, away_officer=0, other_resident=0, other_handler=0, external=0)
    del expected_count["anonymous"]
    got = {caller: callers[caller].get(reverse("api-cases")).json()["count"] for caller in expected_count}
    assert got == expected_count
    assert callers["anonymous"].get(reverse("api-cases")).status_code == 401


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (reverse("api-me"), row(200, anonymous=401, external=403)),
        (reverse("api-notifications"), row(200, anonymous=401, external=403)),
        (reverse("api-notifications-unread"), row(200, anonymous=401, external=403)),
        (reverse("api-categories"), row(200, anonymous=401)),
        (reverse("api-units"), row(200, anonymous=401)),
        (
            reverse("api-kpis") + "?start=2026-01-01&end=2026-01-31",
            row(200, resident=403, other_resident=403, anonymous=401, external=403),
        ),
    ],
)
def test_other_resources(callers, url, expected):
    assert {caller: callers[caller].get(url).status_code for caller in CALLERS} == expected


def test_external_systems_see_only_their_own_cases(world, callers, resident_case):
    own = callers["external"].post(
        reverse("api-cases"),
        {"category": world.garbage.pk, "lon": resident_case.location.x, "lat": resident_case.location.y}
        | {"description": "外部系统上报", "external_id": "E-1"},
        format="json",
    )
    assert own.status_code == 201
    listed = callers["external"].get(reverse("api-cases")).json()
    assert [case["id"] for case in listed["results"]] == [own.json()["id"]]
    assert callers["external"].get(reverse("api-case", args=[own.json()["id"]])).status_code == 200
    assert callers["external"].get(reverse("api-case", args=[resident_case.pk])).status_code == 404
