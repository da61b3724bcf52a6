from types import SimpleNamespace

import pytest

from accounts.roles import Role
from cases.models import CaseKind, CaseSource, Category, Unit
from cases.services import act, report
from cases.workflow import TRANSITIONS
from grid.models import Grid
from tests.factories import make_officer, make_user, photo, point_in


@pytest.fixture
def world(db):
    """Two grids in different communities, a person for every post, two units."""
    grids = list(Grid.objects.order_by("code"))
    home, away = grids[0], grids[-1]
    unit, other_unit = Unit.objects.order_by("name")[:2]
    handler, other_handler = make_user(Role.UNIT_HANDLER), make_user(Role.UNIT_HANDLER)
    unit.members.add(handler)
    other_unit.members.add(other_handler)
    return SimpleNamespace(
        home=home,
        away=away,
        officer=make_officer(home),
        away_officer=make_officer(away),
        clerk=make_user(Role.INTAKE_CLERK),
        chief=make_user(Role.DUTY_CHIEF),
        dispatcher=make_user(Role.DISPATCHER),
        supervisor=make_user(Role.SUPERVISOR),
        resident=make_user(Role.RESIDENT, phone="13900000001"),
        other_resident=make_user(Role.RESIDENT),
        admin=make_user(Role.ADMINISTRATOR),
        unit=unit,
        other_unit=other_unit,
        handler=handler,
        other_handler=other_handler,
        garbage=Category.objects.get(kind=CaseKind.EVENT, major_code="01", minor_code="02"),
        structure=Category.objects.get(kind=CaseKind.EVENT, major_code="01", minor_code="01"),
        collapse=Category.objects.get(kind=CaseKind.EVENT, major_code="04", minor_code="01"),
    )


@pytest.fixture
def resident_case(world, django_capture_on_commit_callbacks):
    lon, lat = point_in(world.home)
    with django_capture_on_commit_callbacks(execute=True):
        return report(
            actor=world.resident,
            source=CaseSource.RESIDENT,
            category=world.garbage,
            lon=lon,
            lat=lat,
            description="小区门口垃圾堆积",
            photos=[photo()],
        )


def advance(case, world, until):
    """Walk a resident case along the normal path up to (and including) `until`."""
    steps = [
        ("verify", world.officer, {}),
        ("file", world.chief, {}),
        ("dispatch", world.dispatcher, {"unit": world.unit}),
        ("accept", world.handler, {}),
        ("feedback", world.handler, {"note": "已清运", "photos": [photo("after.png")]}),
        ("check_pass", world.officer, {}),
        ("close", world.chief, {}),
    ]
    for action, actor, params in steps:
        if case.state not in TRANSITIONS[action].sources:
            continue  # already past this step
        case = act(case, action, actor, **params)
        if action == until:
            return case
    return case
