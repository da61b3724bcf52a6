"""Work queues: scoped per role, ordered by urgency, constant queries per page."""

import pytest
from django.core.paginator import Paginator

from cases.selectors import queue, queues_for
from cases.services import act, report
from tests.cases.conftest import advance
from tests.factories import point_in

pytestmark = pytest.mark.django_db


def _resident_report(world, grid, text):
    lon, lat = point_in(grid)
    return report(actor=world.resident, source="resident", category=world.garbage, lon=lon, lat=lat, description=text)


def test_each_role_works_its_own_queues(world):
    assert queues_for(world.officer) == ["to_verify", "to_check"]
    assert queues_for(world.chief) == ["to_file", "to_close", "approvals", "held"]
    assert queues_for(world.dispatcher) == ["to_dispatch", "approvals"]
    assert queues_for(world.handler) == ["to_handle"]
    assert queues_for(world.resident) == []


def test_queues_hold_only_cases_in_scope(world):
    home = _resident_report(world, world.home, "本网格")
    away = _resident_report(world, world.away, "外网格")
    assert list(queue(world.officer, "to_verify")) == [home]
    assert list(queue(world.away_officer, "to_verify")) == [away]
    assert set(queue(world.chief, "to_file")) == set()

    advance(home, world, "dispatch")
    assert list(queue(world.handler, "to_handle")) == [home]
    assert list(queue(world.other_handler, "to_handle")) == []
    assert list(queue(world.dispatcher, "to_dispatch")) == []


def test_approvals_queue_shows_pending_requests_to_those_who_decide(world):
    case = advance(_resident_report(world, world.home, "需延期"), world, "accept")
    assert list(queue(world.dispatcher, "approvals")) == []
    act(case, "request_extension", world.handler, hours=3, note="等待配件")
    assert list(queue(world.dispatcher, "approvals")) == [case]
    assert list(queue(world.chief, "approvals")) == [case]
    act(case, "request_hold", world.handler, note="季节性工程")
    act(case, "approve_extension", world.dispatcher)
    assert list(queue(world.dispatcher, "approvals")) == []  # holds are the duty chief's
    assert list(queue(world.chief, "approvals")) == [case]


def test_queue_is_ordered_by_deadline(world):
    emergency = report(
        actor=world.resident,
        source="resident",
        category=world.collapse,
        lon=point_in(world.home)[0],
        lat=point_in(world.home)[1],
        description="路面塌陷",
    )
    ordinary = _resident_report(world, world.home, "垃圾")
    cases = list(queue(world.officer, "to_verify"))
    assert cases == [emergency, ordinary]  # 0.5 calendar hours to verify against 2 working hours
    assert [c.due_at for c in cases] == sorted(c.due_at for c in cases)


@pytest.mark.parametrize("count", [3, 12])
def test_a_queue_page_costs_the_same_queries_whatever_its_size(world, django_assert_num_queries, count):
    for index in range(count):
        _resident_report(world, world.home, f"问题 {index}")
    officer = type(world.officer).objects.get(pk=world.officer.pk)  # fresh: roles not cached
    with django_assert_num_queries(3):  # roles, count, page
        page = Paginator(queue(officer, "to_verify"), 50).page(1)
        rows = [(c.number, c.category.name, c.grid.name, c.community.name, c.unit) for c in page]
    assert len(rows) == count
