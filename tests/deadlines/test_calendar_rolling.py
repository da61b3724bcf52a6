"""Statutory periods in calendar days (add_calendar_days_rolling) against the migrated
2026 holidays: 国庆节 1-7 October is off, Sunday 20 September and Saturday 10 October
are make-up working days. The starting day is not counted; a period whose last day is
not a working day runs to the end of the next working day."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from deadlines.calendar import add_calendar_days_rolling

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-11-03 10:00", 7, "2026-11-10 23:59:59"),  # Tuesday + 7: a Tuesday, no roll
        ("2026-09-29 10:00", 7, "2026-10-08 23:59:59"),  # ends Tue 6 Oct, a holiday: Thu 8 Oct
        ("2026-09-30 16:00", 3, "2026-10-08 23:59:59"),  # ends Sat 3 Oct in the holiday
        ("2026-11-02 09:00", 5, "2026-11-09 23:59:59"),  # ends Sat 7 Nov: Monday
        ("2026-10-07 09:00", 3, "2026-10-10 23:59:59"),  # ends Sat 10 Oct, a make-up working day
        ("2026-09-17 09:00", 3, "2026-09-20 23:59:59"),  # ends Sun 20 Sep, a make-up working day
        ("2026-10-01 09:00", 0, "2026-10-08 23:59:59"),  # no days, from a holiday
    ],
)
def test_periods_end_at_the_end_of_a_working_day(start, days, due):
    assert add_calendar_days_rolling(at(start), days) == at(due)


def test_the_day_is_the_district_s_whatever_zone_the_start_is_in():
    # 23:30 on 2 November in Shanghai is still 2 November in UTC's 15:30.
    start = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
    assert add_calendar_days_rolling(start, 1) == at("2026-11-03 23:59:59")


@pytest.mark.parametrize("days", [-1, 1.5, True])
def test_a_period_is_a_whole_number_of_days(days):
    with pytest.raises(ValueError):
        add_calendar_days_rolling(at("2026-11-02 09:00"), days)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        add_calendar_days_rolling(datetime(2026, 11, 2, 9, 0), 3)
