"""The timers of a dispute, all kept by the deadline engine: acceptance after registration,
the one-month mediation limit, the 30-day window for judicial confirmation of a written
agreement, and each follow-up visit. One open deadline per object: the dispute, the
agreement and each FollowUp carry their own."""

import calendar as month_calendar
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from deadlines.calendar import add_duration, is_working_day
from deadlines.models import TimeBasis
from deadlines.services import close_deadline, set_deadline
from mediation.models import DisputeState

ACCEPT_STAGE = "accept"
MEDIATION_STAGE = "mediation"
CONFIRMATION_STAGE = "confirmation"
FOLLOW_UP_STAGE = "follow_up"
# People's Mediation Law Art 33: within 30 days of the agreement taking effect.
CONFIRMATION_DAYS = 30

_TIMED = {
    DisputeState.REGISTERED: ACCEPT_STAGE,
    DisputeState.ACCEPTED: MEDIATION_STAGE,
    DisputeState.IN_MEDIATION: MEDIATION_STAGE,
}


def _days(start, days):
    return add_duration(start, float(days) * 24, TimeBasis.CALENDAR)


def enter_state(dispute, now):
    """Set `dispute.due_at` for the state it has just entered."""
    if dispute.state == DisputeState.REGISTERED:
        dispute.due_at = _days(now, settings.MEDIATION_ACCEPT_DAYS)
    elif dispute.state == DisputeState.ACCEPTED:
        dispute.due_at = _days(dispute.accepted_at, settings.MEDIATION_TIME_LIMIT_DAYS)
    elif dispute.state != DisputeState.IN_MEDIATION:  # in mediation the month runs on
        dispute.due_at = None


def sync_dispute(dispute, now):
    """Keep the deadline engine's clock on the dispute's current stage."""
    stage = _TIMED.get(dispute.state)
    if stage is None or dispute.due_at is None:
        close_deadline(dispute, at=now)
        return
    if stage == MEDIATION_STAGE:
        started = dispute.accepted_at
    else:
        started = dispute.due_at - timedelta(days=settings.MEDIATION_ACCEPT_DAYS)
    escalate = settings.MEDIATION_ESCALATE_AFTER_DAYS * 24 if stage == MEDIATION_STAGE else None
    set_deadline(dispute, stage, started, dispute.due_at, TimeBasis.CALENDAR, at=now, escalate_after_hours=escalate)


def confirmation_due(signed_at: datetime) -> datetime:
    """The end of the 30th day after signing; a last day that is a holiday or weekend rolls
    to the next working day, as periods in civil procedure do."""
    last_day = timezone.localdate(signed_at) + timedelta(days=CONFIRMATION_DAYS)
    while not is_working_day(last_day):
        last_day += timedelta(days=1)
    return end_of(last_day)


def end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def start_confirmation_window(agreement, now):
    agreement.confirmation_due_at = confirmation_due(agreement.signed_at)
    set_deadline(
        agreement, CONFIRMATION_STAGE, agreement.signed_at, agreement.confirmation_due_at, TimeBasis.CALENDAR, at=now
    )


def start_follow_up(follow_up, started_at, now):
    set_deadline(follow_up, FOLLOW_UP_STAGE, started_at, end_of(follow_up.due_on), TimeBasis.CALENDAR, at=now)


def stop(subject, now):
    close_deadline(subject, at=now)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))
