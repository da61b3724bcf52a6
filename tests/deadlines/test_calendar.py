"""The working calendar against the migrated 2026/2027 holiday data, with the default
office hours 08:30-12:00 and 14:00-17:30 (7 hours a day). Every expected time is worked
out by hand in the comments."""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction

from deadlines.calendar import (
    TimeBasis,
    add_duration,
    add_working_days,
    clear_calendar_cache,
    current_calendar,
    fraction_used,
    is_working_day,
    remaining,
    working_hours_between,
)
from deadlines.models import CalendarDay, WorkingHours

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKING = TimeBasis.WORKING
CALENDAR = TimeBasis.CALENDAR


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def default_calendar(settings):
    settings.DEADLINES_WORKING_HOURS = ["08:30", "12:00", "14:00", "17:30"]
    settings.DEADLINES_CALENDAR_CACHE_SECONDS = 60
    yield
    # Tests change calendar rows inside transactions that roll back; a copy cached from
    # them must not reach the next test.
    clear_calendar_cache()


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Tue 10 Mar 2026, an ordinary week. Lunch break: 11-12 is 1 h, 14-15 the second.
        ("2026-03-10 11:00", 2, "2026-03-10 15:00"),
        ("2026-03-10 11:00", Decimal("1.5"), "2026-03-10 14:30"),
        # A limit running out at the end of a span is due then, not at the next start.
        ("2026-03-10 11:00", 1, "2026-03-10 12:00"),
        ("2026-03-10 16:30", 1, "2026-03-10 17:30"),
        # Reported in the lunch break: counting starts at 14:00.
        ("2026-03-10 12:30", 1, "2026-03-10 15:00"),
        # Evening: 17:00-17:30 then 08:30-09:00; reported at 19:00, from 08:30.
        ("2026-03-10 17:00", 1, "2026-03-11 09:00"),
        ("2026-03-10 19:00", 1, "2026-03-11 09:30"),
        ("2026-03-10 07:00", 0.5, "2026-03-10 09:00"),
        # Weekend: Fri 13 Mar 17:00-17:30, then Mon 16 Mar 08:30-09:00.
        ("2026-03-13 17:00", 1, "2026-03-16 09:00"),
        # Reported on Saturday: Mon 08:30 + 2 h.
        ("2026-03-14 10:00", 2, "2026-03-16 10:30"),
        # National Day, Thu 1 - Wed 7 Oct 2026 off: Wed 30 Sep 17:00-17:30, Thu 8 Oct to 09:00.
        ("2026-09-30 17:00", 1, "2026-10-08 09:00"),
        # Reported on Sat 3 Oct: 8 Oct 08:30-12:00 is 3.5 h, then 14:00-14:30.
        ("2026-10-03 10:00", 4, "2026-10-08 14:30"),
        # Sat 10 Oct 2026 is a make-up working day; Sun 11 Oct is not.
        ("2026-10-09 17:00", 1, "2026-10-10 09:00"),
        ("2026-10-10 17:00", 1, "2026-10-12 09:00"),
        # Sun 20 Sep 2026 is a make-up working day after an ordinary Saturday.
        ("2026-09-18 17:00", 1, "2026-09-20 09:00"),
        # Spring Festival: Sat 14 Feb works, 15-23 Feb off, back on Tue 24 Feb.
        ("2026-02-13 17:00", 1, "2026-02-14 09:00"),
        ("2026-02-14 17:00", 1, "2026-02-24 09:00"),
        # Year boundary: Thu 31 Dec 2026, then 1-3 Jan 2027 off, Mon 4 Jan.
        ("2026-12-31 17:00", 1, "2027-01-04 09:00"),
        # 31 Dec 16:00-17:30 is 1.5 h, 4 Jan morning 3.5 h, 2 h more from 14:00.
        ("2026-12-31 16:00", 7, "2027-01-04 16:00"),
    ],
)
def test_add_working_hours(start, hours, due):
    assert add_duration(at(start), hours, WORKING) == at(due)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Calendar time ignores office hours, weekends and holidays alike.
        ("2026-03-13 22:00", 6, "2026-03-14 04:00"),
        ("2026-03-13 17:00", 48, "2026-03-15 17:00"),
        ("2026-09-30 20:00", 24, "2026-10-01 20:00"),
        ("2026-12-31 23:30", Decimal("0.5"), "2027-01-01 00:00"),
    ],
)
def test_add_calendar_hours(start, hours, due):
    assert add_duration(at(start), hours, CALENDAR) == at(due)


def test_results_are_in_shanghai_time_whatever_the_input_zone():
    # 03:00 UTC is 11:00 in Shanghai: 11-12 and 14-15.
    due = add_duration(datetime(2026, 3, 10, 3, 0, tzinfo=UTC), 2, WORKING)
    assert due == at("2026-03-10 15:00")
    assert due.tzinfo.key == "Asia/Shanghai"
    # 14:00 UTC Friday is 22:00 Friday in Shanghai.
    assert add_duration(datetime(2026, 3, 13, 14, 0, tzinfo=UTC), 6, "calendar") == at("2026-03-14 04:00")


def test_twenty_working_days_in_an_ordinary_month():
    # 20 x 7 h from Mon 2 Mar 09:00 lands at the same clock time four weeks on (no
    # holidays in March 2026).
    assert add_duration(at("2026-03-02 09:00"), 140, WORKING) == at("2026-03-30 09:00")
    assert add_working_days(at("2026-03-02 09:00"), 20) == at("2026-03-30 09:00")


def test_twenty_working_days_across_mid_autumn_and_national_day():
    # After Mon 21 Sep: 22, 23, 24 (1-3), 25-27 off, 28, 29, 30 (4-6), 1-7 Oct off,
    # 8, 9 (7-8), Sat 10 make-up (9), 12-16 (10-14), 19-23 (15-19), Mon 26 Oct (20).
    assert add_working_days(at("2026-09-21 09:00"), 20) == at("2026-10-26 09:00")
    assert add_duration(at("2026-09-21 09:00"), 140, WORKING) == at("2026-10-26 09:00")


def test_a_working_day_from_the_opening_time_ends_at_that_days_close():
    assert add_working_days(at("2026-03-10 08:30"), 1) == at("2026-03-10 17:30")


def test_working_days_across_the_year_boundary():
    # Thu 31 Dec 10:00; 1-3 Jan off; 4, 5, 6 Jan are working days 1-3.
    assert add_working_days(at("2026-12-31 10:00"), 3) == at("2027-01-06 10:00")


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        ("2026-03-09 09:00", "2026-03-10 09:00", 7.0),
        ("2026-03-13 17:00", "2026-03-16 09:00", 1.0),
        ("2026-03-16 09:00", "2026-03-13 17:00", -1.0),
        ("2026-03-10 12:15", "2026-03-10 13:45", 0.0),
        ("2026-03-10 10:00", "2026-03-10 10:00", 0.0),
        # 30 Sep 09:00-17:30 minus lunch is 6.5 h, 8 Oct 08:30-09:00 0.5 h.
        ("2026-09-30 09:00", "2026-10-08 09:00", 7.0),
        # 2026: 261 weekdays, 19 of them holidays (2 + 6 + 1 + 3 + 1 + 1 + 5), 6 make-up
        # days: 248 working days of 7 h.
        ("2026-01-01 00:00", "2027-01-01 00:00", 1736.0),
    ],
)
def test_working_hours_between(a, b, hours):
    assert working_hours_between(at(a), at(b)) == hours


@pytest.mark.parametrize(
    ("now", "due", "basis", "hours"),
    [
        # 10-12 and 14-15.
        ("2026-03-10 10:00", "2026-03-10 15:00", WORKING, 3.0),
        # Overdue: 15:00-17:30 and 08:30-09:00 next morning.
        ("2026-03-11 09:00", "2026-03-10 15:00", WORKING, -3.0),
        # Passed at 17:30, no office hours since: overdue by no working time yet.
        ("2026-03-10 19:00", "2026-03-10 17:30", WORKING, 0.0),
        ("2026-03-10 10:00", "2026-03-10 15:00", CALENDAR, 5.0),
        ("2026-03-11 09:00", "2026-03-10 15:00", CALENDAR, -18.0),
    ],
)
def test_remaining(now, due, basis, hours):
    assert remaining(at(now), at(due), basis) == hours


@pytest.mark.parametrize(
    ("now", "basis", "fraction"),
    [
        # Limit Tue 11:00 -> 15:00: 2 working hours, or 4 calendar hours.
        ("2026-03-10 10:00", WORKING, 0.0),
        ("2026-03-10 12:30", WORKING, 0.5),
        ("2026-03-10 14:00", WORKING, 0.5),
        ("2026-03-10 15:00", WORKING, 1.0),
        # 11-12 and 14-17: 4 h used of 2.
        ("2026-03-10 17:00", WORKING, 2.0),
        ("2026-03-10 13:00", CALENDAR, 0.5),
        ("2026-03-10 19:00", CALENDAR, 2.0),
    ],
)
def test_fraction_used(now, basis, fraction):
    assert fraction_used(at("2026-03-10 11:00"), at("2026-03-10 15:00"), at(now), basis) == fraction


def test_fraction_used_of_an_empty_limit():
    start = at("2026-03-10 11:00")
    assert fraction_used(start, start, at("2026-03-10 10:00"), WORKING) == 0.0
    assert fraction_used(start, start, start, WORKING) == 1.0


def test_naive_datetimes_are_rejected():
    naive = datetime(2026, 3, 10, 11, 0)
    aware = at("2026-03-10 11:00")
    with pytest.raises(ValueError, match="naive"):
        add_duration(naive, 1, WORKING)
    with pytest.raises(ValueError, match="naive"):
        add_duration(naive, 1, CALENDAR)
    with pytest.raises(ValueError, match="naive"):
        working_hours_between(aware, naive)
    with pytest.raises(ValueError, match="naive"):
        remaining(naive, aware, CALENDAR)
    with pytest.raises(ValueError, match="naive"):
        fraction_used(aware, aware, naive, WORKING)


@pytest.mark.parametrize("hours", [-1, float("nan"), float("inf")])
def test_bad_durations_are_rejected(hours):
    with pytest.raises(ValueError):
        add_duration(at("2026-03-10 11:00"), hours, WORKING)


def test_unknown_basis_is_rejected():
    with pytest.raises(ValueError):
        add_duration(at("2026-03-10 11:00"), 1, "hourly")


def test_migrated_2026_schedule():
    days_2026 = CalendarDay.objects.filter(date__year=2026)
    assert days_2026.filter(kind=CalendarDay.Kind.HOLIDAY).count() == 33
    assert sorted(days_2026.filter(kind=CalendarDay.Kind.WORKDAY).values_list("date", flat=True)) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert not is_working_day(date(2026, 10, 1))
    assert is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 11))
    assert not is_working_day(date(2027, 1, 1))
    assert not is_working_day(date(2027, 2, 5))
    assert is_working_day(date(2027, 1, 4))


def test_a_new_holiday_changes_results_and_deleting_it_restores_them():
    start = at("2026-03-10 17:00")
    assert add_duration(start, 1, WORKING) == at("2026-03-11 09:00")
    extra = CalendarDay.objects.create(date=date(2026, 3, 11), kind=CalendarDay.Kind.HOLIDAY, name="临时休假")
    assert add_duration(start, 1, WORKING) == at("2026-03-12 09:00")
    extra.delete()
    assert add_duration(start, 1, WORKING) == at("2026-03-11 09:00")


def test_turning_a_make_up_day_into_a_holiday():
    assert add_duration(at("2026-10-09 17:00"), 1, WORKING) == at("2026-10-10 09:00")
    day = CalendarDay.objects.get(date=date(2026, 10, 10))
    day.kind = CalendarDay.Kind.HOLIDAY
    day.save()
    assert add_duration(at("2026-10-09 17:00"), 1, WORKING) == at("2026-10-12 09:00")


def working_hours(*times):
    names = ("morning_start", "morning_end", "afternoon_start", "afternoon_end")
    return WorkingHours(**{name: time.fromisoformat(value) for name, value in zip(names, times, strict=True)})


def test_working_hours_row_replaces_the_settings():
    working_hours("09:00", "12:00", "13:00", "18:00").save()
    # 11-12 and 13-14.
    assert add_duration(at("2026-03-10 11:00"), 2, WORKING) == at("2026-03-10 14:00")
    assert working_hours_between(at("2026-03-10 00:00"), at("2026-03-11 00:00")) == 8.0
    # 10-12, 13-18 and 09-10 next day.
    assert add_working_days(at("2026-03-10 10:00"), 1) == at("2026-03-11 10:00")


def test_working_hours_is_one_row_in_order():
    working_hours("08:30", "12:00", "14:00", "17:30").save()
    working_hours("09:00", "12:00", "13:00", "17:00").save()
    assert WorkingHours.objects.count() == 1
    assert str(WorkingHours.objects.get()) == "09:00-12:00 / 13:00-17:00"
    with pytest.raises(ValidationError):
        working_hours("09:00", "12:00", "11:00", "17:00").full_clean()


def test_working_hours_from_settings(settings):
    settings.DEADLINES_WORKING_HOURS = ["09:00", "12:00", "13:00", "17:00"]
    # Fri 16:00-17:00, Mon 09:00-10:00.
    assert add_duration(at("2026-03-13 16:00"), 2, WORKING) == at("2026-03-16 10:00")
    settings.DEADLINES_WORKING_HOURS = ["09:00", "12:00", "11:00", "17:00"]
    with pytest.raises(ImproperlyConfigured):
        add_duration(at("2026-03-13 16:00"), 2, WORKING)


def test_a_rolled_back_edit_is_forgotten():
    start = at("2026-03-10 17:00")
    assert add_duration(start, 1, WORKING) == at("2026-03-11 09:00")
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=date(2026, 3, 11), kind=CalendarDay.Kind.HOLIDAY)
        assert add_duration(start, 1, WORKING) == at("2026-03-12 09:00")
        raise RuntimeError("roll back")
    assert add_duration(start, 1, WORKING) == at("2026-03-11 09:00")


def test_stepping_through_days_reads_the_database_once(django_assert_max_num_queries, django_assert_num_queries):
    with django_assert_max_num_queries(2):
        add_duration(at("2026-03-10 11:00"), 2, WORKING)
    with django_assert_num_queries(0):
        assert add_working_days(at("2026-09-21 09:00"), 20) == at("2026-10-26 09:00")
        assert working_hours_between(at("2026-01-01 00:00"), at("2027-01-01 00:00")) == 1736.0


def test_changes_made_without_signals_are_seen_once_the_cache_ages(settings):
    assert add_duration(at("2026-10-09 17:00"), 1, WORKING) == at("2026-10-10 09:00")
    # A bulk update (or another process's edit) sends no signal to this process.
    CalendarDay.objects.filter(date=date(2026, 10, 10)).update(kind=CalendarDay.Kind.HOLIDAY)
    assert add_duration(at("2026-10-09 17:00"), 1, WORKING) == at("2026-10-10 09:00")
    settings.DEADLINES_CALENDAR_CACHE_SECONDS = 0
    assert add_duration(at("2026-10-09 17:00"), 1, WORKING) == at("2026-10-12 09:00")


def test_long_ranges_count_whole_days_as_stepping_day_by_day_would():
    """Between the first and the last day the count goes by whole days (holidays and
    make-up days included), not day by day: it must agree with the day-by-day sum."""
    calendar = current_calendar()

    def day_by_day(earlier, later):
        total, day = timedelta(), earlier.date()
        while day <= later.date():
            for start, end in calendar.spans if calendar.is_working_day(day) else ():
                span_start, span_end = datetime.combine(day, start, SHANGHAI), datetime.combine(day, end, SHANGHAI)
                total += max(min(span_end, later) - max(span_start, earlier), timedelta())
            day += timedelta(days=1)
        return total

    rng = random.Random(20261127)
    for _ in range(400):
        earlier = at("2025-12-20 00:00") + timedelta(minutes=rng.randrange(60 * 24 * 400))
        later = earlier + timedelta(minutes=rng.randrange(60 * 24 * rng.choice((2, 20, 400))))
        assert calendar.between(earlier, later) == day_by_day(earlier, later), (earlier, later)
    assert calendar.working_days(date(2026, 1, 1), date(2026, 12, 31)) == 248
