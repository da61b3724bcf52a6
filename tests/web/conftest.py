"""View tests of the staff case pages. They reuse the cases tests' `world` (two grids in
different communities, a person for every post, two units)."""

import pytest

from cases.models import CaseSource
from cases.services import report
from deadlines.calendar import current_calendar
from tests.cases.conftest import resident_case, world  # noqa: F401  (fixtures)
from tests.factories import point_in


def resident_report(people, grid=None, description="小区门口垃圾堆积", category=None, **extra):
    """A resident's complaint in `people`'s home grid (or `grid`), through the service."""
    lon, lat = point_in(grid or people.home)
    return report(
        actor=people.resident,
        source=CaseSource.RESIDENT,
        category=category or people.garbage,
        lon=lon,
        lat=lat,
        description=description,
        **extra,
    )


@pytest.fixture(autouse=True)
def _calendar_loaded(db):
    # The working calendar is read once per process and cached: load it before a test
    # counts queries, so the count does not depend on which test ran first.
    current_calendar()
