"""Deadline arithmetic in working hours (工作时) or calendar hours (自然时).

Working time is the office hours (the WorkingHours row, or settings.DEADLINES_WORKING_HOURS)
on working days: Monday to Friday, less the CalendarDay holidays, plus the CalendarDay
make-up working days (调休). Office hours are wall-clock times in settings.TIME_ZONE
(Asia/Shanghai). Every function rejects naive datetimes with ValueError and returns
datetimes in that zone.

The calendar rows are read into a process-wide cache, so stepping through days never
queries the database. Saving or deleting a row through the models drops the cache when
the transaction commits; other processes reread theirs once it is older than
settings.DEADLINES_CALENDAR_CACHE_SECONDS, which also picks up changes made without model
signals (bulk updates, data migrations).
"""

import math
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from deadlines.models import CalendarDay, TimeBasis, WorkingHours

__all__ = [
    "TimeBasis",
    "WorkingCalendar",
    "add_calendar_days_rolling",
    "add_duration",
    "add_working_days",
    "clear_calendar_cache",
    "current_calendar",
    "default_working_hours",
    "fraction_used",
    "hours_between",
    "is_working_day",
    "remaining",
    "working_hours_between",
]

_ONE_DAY = timedelta(days=1)
_NOTHING = timedelta()


@dataclass(frozen=True)
class WorkingCalendar:
    """Holidays, make-up working days and the daily office hours as (start, end) spans.

    The methods take aware datetimes already in the zone the office hours are read in."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    spans: tuple[tuple[clock_time, clock_time], ...]

    @property
    def working_day_length(self) -> timedelta:
        return sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start) for start, end in self.spans),
            _NOTHING,
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time has run, counting from `start` or, outside
        office hours, from the next span's start."""
        day = start.date()
        while True:
            for span_start, span_end in self._spans_on(day, start.tzinfo):
                begin = max(span_start, start)
                if begin >= span_end:
                    continue
                available = span_end - begin
                if duration <= available:
                    return begin + duration
                duration -= available
            day += _ONE_DAY

    def between(self, earlier: datetime, later: datetime) -> timedelta:
        """Working time from `earlier` to `later` (earlier <= later)."""
        first, last = earlier.date(), later.date()
        if first >= last:
            return self._overlap_on(first, earlier, later)
        # Only the first and the last day can be cut; the days between count whole, so a
        # deadline months away (or long past) costs no more than one a day away.
        ends = self._overlap_on(first, earlier, later) + self._overlap_on(last, earlier, later)
        return ends + self.working_days(first + _ONE_DAY, last - _ONE_DAY) * self.working_day_length

    def working_days(self, first: date, last: date) -> int:
        """How many working days there are from `first` to `last`, both included."""
        if last < first:
            return 0
        weeks, rest = divmod((last - first).days + 1, 7)
        count = weeks * 5 + sum((first + timedelta(days=n)).weekday() < 5 for n in range(rest))
        count -= sum(first <= day <= last and day.weekday() < 5 and day not in self.workdays for day in self.holidays)
        return count + sum(first <= day <= last and day.weekday() >= 5 for day in self.workdays)

    def _overlap_on(self, day, earlier, later) -> timedelta:
        total = _NOTHING
        for span_start, span_end in self._spans_on(day, earlier.tzinfo):
            overlap = min(span_end, later) - max(span_start, earlier)
            if overlap > _NOTHING:
                total += overlap
        return total

    def _spans_on(self, day, zone):
        if not self.is_working_day(day):
            return ()
        return tuple(
            (datetime.combine(day, start, zone), datetime.combine(day, end, zone)) for start, end in self.spans
        )


def add_duration(start: datetime, hours: float | Decimal, basis: TimeBasis | str) -> datetime:
    """The due time for a limit of `hours` from `start`.

    Calendar basis: start + hours of elapsed time. Working basis: office hours on working
    days are counted; a start outside them counts from the next span's start, and a limit
    that runs out exactly at a span's end is due at that end (17:30, not 08:30 next day)."""
    start = _local(start)
    duration = _duration(hours)
    if TimeBasis(basis) == TimeBasis.CALENDAR:
        return (start.astimezone(UTC) + duration).astimezone(start.tzinfo)
    return current_calendar().add(start, duration)


def add_working_days(start: datetime, days: float | Decimal) -> datetime:
    """`days` working days' worth of office hours from `start` (7 hours each with the
    default hours): from 10:00 on a working day, 10:00 `days` working days later; from the
    opening time, the closing time of the day before that."""
    calendar = current_calendar()
    duration = _duration(float(days) * calendar.working_day_length.total_seconds() / 3600)
    return calendar.add(_local(start), duration)


def working_hours_between(a: datetime, b: datetime) -> float:
    """Working hours from a to b; negative (the same amount) when b is before a."""
    a, b = _local(a), _local(b)
    calendar = current_calendar()
    if b < a:
        return -_hours(calendar.between(b, a))
    return _hours(calendar.between(a, b))


def hours_between(a: datetime, b: datetime, basis: TimeBasis | str) -> float:
    """Hours from a to b on the given basis; negative when b is before a."""
    if TimeBasis(basis) == TimeBasis.CALENDAR:
        return _hours(_local(b).astimezone(UTC) - _local(a).astimezone(UTC))
    return working_hours_between(a, b)


def remaining(now: datetime, due: datetime, basis: TimeBasis | str) -> float:
    """Hours left until `due`, negative once past it. On the working basis a deadline
    passed outside office hours shows 0 until office hours resume, so decide "overdue"
    with `now > due` and use this for the amount."""
    return hours_between(now, due, basis)


def fraction_used(start: datetime, due: datetime, now: datetime, basis: TimeBasis | str) -> float:
    """Share of the time limit from `start` to `due` used by `now`: 0 before start, 1 at
    the due time, above 1 when overdue. A limit with no time in it (due at start, or no
    office hours between) counts as 0 before the due time and 1 from it."""
    start, due, now = _local(start), _local(due), _local(now)
    total = hours_between(start, due, basis)
    if total <= 0:
        return 1.0 if now >= due else 0.0
    return max(hours_between(start, now, basis) / total, 0.0)


def add_calendar_days_rolling(start: datetime, days: int) -> datetime:
    """The end (23:59:59) of the day `days` calendar days after `start`'s day, as statutes
    count periods: the starting day is not counted, and a period whose last day is not a
    working day (a weekend or public holiday) runs to the end of the next working day (a
    make-up working day counts as one)."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"a period must be a whole, non-negative number of days, got {days!r}")
    start = _local(start)
    last_day = start.date() + timedelta(days=days)
    calendar = current_calendar()
    while not calendar.is_working_day(last_day):
        last_day += _ONE_DAY
    return datetime.combine(last_day, clock_time(23, 59, 59), start.tzinfo)


def is_working_day(day: date) -> bool:
    return current_calendar().is_working_day(day)


def default_working_hours() -> tuple[clock_time, clock_time, clock_time, clock_time]:
    """settings.DEADLINES_WORKING_HOURS as times: morning start and end, afternoon start and end."""
    values = settings.DEADLINES_WORKING_HOURS
    try:
        morning_start, morning_end, afternoon_start, afternoon_end = (clock_time.fromisoformat(v) for v in values)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DEADLINES_WORKING_HOURS must be four HH:MM times (morning start, morning end, afternoon start,"
            f" afternoon end), got {values!r}"
        ) from exc
    if not morning_start < morning_end <= afternoon_start < afternoon_end:
        raise ImproperlyConfigured(f"DEADLINES_WORKING_HOURS must be in order through the day, got {values!r}")
    return morning_start, morning_end, afternoon_start, afternoon_end


# ---------------------------------------------------------------- the cached calendar

_cached: tuple[WorkingCalendar, float] | None = None
_generation = 0


def current_calendar() -> WorkingCalendar:
    """The calendar as this thread should see it, from the process cache when possible."""
    global _cached
    if _has_uncommitted_calendar_changes():
        # This thread must see its own edits, but nobody else may be served them from the
        # cache: the transaction can still roll back.
        return _load_calendar()
    cached = _cached
    if cached is not None and time.monotonic() - cached[1] < settings.DEADLINES_CALENDAR_CACHE_SECONDS:
        return cached[0]
    # A clear that lands while we read means what we read may be stale: don't keep it.
    generation, loaded_at = _generation, time.monotonic()
    calendar = _load_calendar()
    if generation == _generation:
        _cached = (calendar, loaded_at)
    return calendar


def clear_calendar_cache() -> None:
    """Forget this process's copy of the calendar; the next call reads the database."""
    global _cached, _generation
    _generation += 1
    _cached = None


def _load_calendar() -> WorkingCalendar:
    holidays, workdays = set(), set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (workdays if kind == CalendarDay.Kind.WORKDAY else holidays).add(day)
    hours = WorkingHours.objects.first()
    if hours is not None:
        spans = hours.spans
    else:
        morning_start, morning_end, afternoon_start, afternoon_end = default_working_hours()
        spans = ((morning_start, morning_end), (afternoon_start, afternoon_end))
    return WorkingCalendar(frozenset(holidays), frozenset(workdays), spans)


def _has_uncommitted_calendar_changes() -> bool:
    connection = transaction.get_connection()
    # Rolling back a transaction or savepoint drops the on_commit callbacks registered in
    # it, so a pending callback of ours means this thread holds calendar edits still open.
    return connection.in_atomic_block and any(
        callback is clear_calendar_cache for _savepoints, callback, _robust in connection.run_on_commit
    )


@receiver([post_save, post_delete], sender=CalendarDay)
@receiver([post_save, post_delete], sender=WorkingHours)
def _calendar_edited(sender, **kwargs):
    transaction.on_commit(clear_calendar_cache)


@receiver(setting_changed)
def _working_hours_setting_changed(setting, **kwargs):
    if setting == "DEADLINES_WORKING_HOURS":
        clear_calendar_cache()


def _local(value: datetime) -> datetime:
    if timezone.is_naive(value):
        raise ValueError(f"deadline arithmetic needs a timezone-aware datetime, got naive {value!r}")
    # The office hours are the district's, whatever zone a request has activated.
    return value.astimezone(timezone.get_default_timezone())


def _duration(hours: float | Decimal) -> timedelta:
    hours = float(hours)
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"a time limit must be a finite, non-negative number of hours, got {hours!r}")
    return timedelta(hours=hours)


def _hours(duration: timedelta) -> float:
    return duration.total_seconds() / 3600
