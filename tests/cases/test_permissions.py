"""Every role × every action × in scope / out of scope, and what each user can see."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from cases.selectors import visible_cases
from cases.services import act, report
from cases.workflow import TRANSITIONS
from tests.cases.conftest import advance
from tests.factories import photo, point_in

pytestmark = pytest.mark.django_db

ACTORS = [
    "officer",
    "away_officer",
    "clerk",
    "chief",
    "dispatcher",
    "handler",
    "other_handler",
    "supervisor",
    "resident",
    "other_resident",
    "admin",
]

# Who may take each action on a case in the home grid, dispatched to `unit`,
# reported by `resident` (worked out from domain.md, not read from the table).
ALLOWED = {
    "verify": {"officer"},
    "request_verification": {"clerk", "chief"},
    "file": {"chief"},
    "void": {"chief"},
    "merge": {"clerk", "chief"},
    "dispatch": {"dispatcher"},
    "accept": {"handler"},
    "return": {"handler"},
    "feedback": {"handler"},
    "request_extension": {"handler"},
    "approve_extension": {"dispatcher", "chief"},
    "reject_extension": {"dispatcher", "chief"},
    "request_hold": {"handler", "dispatcher"},
    "approve_hold": {"chief"},
    "reject_hold": {"chief"},
    "release": {"chief"},
    "check_pass": {"officer"},
    "check_fail": {"officer"},
    "close": {"chief"},
    "rework": {"chief"},
    "rate": {"resident"},
    "evaluate": {"supervisor"},
}


class Rollback(Exception):
    pass


def _prepare(world, case, action):
    """Bring the case to a state where `action` is allowed; return the action's input."""
    before = {
        "verify": None,
        "request_verification": "verify",
        "file": "verify",
        "void": "verify",
        "merge": "verify",
        "dispatch": "file",
        "accept": "dispatch",
        "return": "dispatch",
        "feedback": "accept",
        "request_extension": "accept",
        "approve_extension": "accept",
        "reject_extension": "accept",
        "request_hold": "accept",
        "approve_hold": "accept",
        "reject_hold": "accept",
        "release": "accept",
        "check_pass": "feedback",
        "check_fail": "feedback",
        "close": "check_pass",
        "rework": "check_pass",
        "rate": "close",
        "evaluate": "close",
    }[action]
    if before:
        case = advance(case, world, before)
    if action in ("approve_extension", "reject_extension"):
        case = act(case, "request_extension", world.handler, hours=2, note="需要时间")
    if action in ("approve_hold", "reject_hold", "release"):
        case = act(case, "request_hold", world.handler, note="季节性")
    if action == "release":
        case = act(case, "approve_hold", world.chief)
    params = {
        "void": {"note": "x"},
        "request_verification": {"note": "x"},
        "merge": {"duplicate_of": _another_open_case(world)},
        "dispatch": {"unit": world.unit},
        "return": {"note": "x"},
        "feedback": {"note": "x", "photos": [photo()]},
        "check_fail": {"note": "x"},
        "rework": {"note": "x"},
        "request_extension": {"hours": 2, "note": "x"},
        "request_hold": {"note": "x"},
        "reject_extension": {"note": "x"},
        "reject_hold": {"note": "x"},
        "rate": {"score": 4},
        "evaluate": {"score": 4},
    }.get(action, {})
    return case, params


def _another_open_case(world):
    lon, lat = point_in(world.home)
    return report(
        actor=world.resident, source="resident", category=world.garbage, lon=lon, lat=lat, description="另一件"
    )


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_permission_matrix(world, resident_case, action):
    assert set(ALLOWED) == set(TRANSITIONS)
    case, params = _prepare(world, resident_case, action)
    allowed = set()
    for name in ACTORS:
        try:
            with transaction.atomic():
                act(case, action, getattr(world, name), **params)
                raise Rollback
        except Rollback:
            allowed.add(name)
        except PermissionDenied:
            pass
    assert allowed == ALLOWED[action]


def test_visibility_is_scoped(world, resident_case):
    def sees(name):
        return visible_cases(getattr(world, name)).filter(pk=resident_case.pk).exists()

    assert {name for name in ACTORS if sees(name)} == {
        "officer",
        "clerk",
        "chief",
        "dispatcher",
        "supervisor",
        "resident",
        "admin",
    }
    advance(resident_case, world, "dispatch")
    assert sees("handler") and not sees("other_handler")


def test_anonymous_sees_nothing(world, resident_case):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_cases(AnonymousUser()).exists()


def test_public_reporter_rates_with_the_phone_number(world):
    lon, lat = point_in(world.home)
    case = report(
        actor=None,
        source="resident",
        category=world.garbage,
        lon=lon,
        lat=lat,
        description="匿名",
        reporter_phone="13811112222",
    )
    case = advance(case, world, "close")
    with pytest.raises(PermissionDenied):
        act(case, "rate", None, score=5, reporter_phone="13800000000")
    case = act(case, "rate", None, score=5, reporter_phone="13811112222")
    assert case.satisfaction == 5
    assert case.events.get(action="rate").actor_role == "public"
