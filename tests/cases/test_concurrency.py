"""Two people acting on the same case at once: exactly one succeeds."""

import threading

import pytest
from django.db import connection

from cases.errors import ActionNotAllowed
from cases.models import CaseState
from cases.services import act
from tests.cases.conftest import advance

pytestmark = pytest.mark.usefixtures("committed_db")


def _race(function, *argument_lists):
    barrier = threading.Barrier(len(argument_lists))
    outcomes = []

    def run(args):
        try:
            barrier.wait()
            outcomes.append(function(*args))
        except Exception as exc:  # collected and asserted by the caller
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(args,)) for args in argument_lists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_concurrent_closings_one_wins(world, resident_case):
    case = advance(resident_case, world, "check_pass")
    second_chief = type(world.chief).objects.get(pk=world.chief.pk)
    outcomes = _race(lambda actor: act(case.pk, "close", actor), (world.chief,), (second_chief,))
    successes = [o for o in outcomes if not isinstance(o, Exception)]
    conflicts = [o for o in outcomes if isinstance(o, ActionNotAllowed)]
    assert len(successes) == 1 and len(conflicts) == 1, outcomes
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.events.filter(action="close").count() == 1


def test_case_numbers_stay_unique_under_concurrency(world):
    from cases.models import Case, CaseSource
    from cases.services import report
    from tests.factories import point_in

    lon, lat = point_in(world.home)

    def submit(index):
        return report(
            actor=None,
            source=CaseSource.HOTLINE,
            category=world.garbage,
            lon=lon,
            lat=lat,
            description=f"热线 {index}",
            reporter_phone="13600000000",
        )

    outcomes = _race(submit, *[(i,) for i in range(6)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    numbers = set(Case.objects.filter(description__startswith="热线").values_list("number", flat=True))
    assert len(numbers) == 6
