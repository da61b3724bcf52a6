"""Clients for the API: each person of the `world` signed in with a login token, and an
external system with its API key."""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from api.models import ApiKey, AuthToken, Scope
from cases.models import CaseSource
from cases.services import report
from tests.cases import conftest as case_fixtures
from tests.factories import photo, point_in

DEMO_KEY = "test-hotline-key-0123456789abcdef"

# The cases tests' world: two grids, a person for every post, two units.
world = case_fixtures.world
resident_case = case_fixtures.resident_case


def token_client(user):
    client = APIClient()
    _token, secret = AuthToken.issue(user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def make_api_key(system="hotline", scopes=(Scope.CASES_CREATE, Scope.CASES_READ), secret=DEMO_KEY):
    api_key, _secret = ApiKey.create(name=f"{system} 平台", system=system, scopes=scopes, secret=secret)
    return api_key


@pytest.fixture
def api_key(db):
    return make_api_key()


@pytest.fixture
def key_client(api_key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=DEMO_KEY)
    return client


@pytest.fixture
def clients(world):
    """A token client per person of the world, by the world's attribute name."""
    people = [
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
    return SimpleNamespace(**{name: token_client(getattr(world, name)) for name in people})


@pytest.fixture
def file_case(world):
    """File a case in the world's home grid through the services, as a resident."""

    def file(grid=None, category=None, reporter=None, **extra):
        lon, lat = point_in(grid or world.home)
        return report(
            actor=reporter or world.resident,
            source=CaseSource.RESIDENT,
            category=category or world.garbage,
            lon=lon,
            lat=lat,
            description=extra.pop("description", "垃圾没有清运"),
            photos=extra.pop("photos", [photo()]),
            **extra,
        )

    return file
