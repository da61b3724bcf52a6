"""The clocks of legal aid, all kept by the deadline engine. The statute counts calendar
days and a period ending on a non-working day runs to the end of the next working day
(deadlines.calendar.add_calendar_days_rolling); the district's green channel goes beyond
the statute in hours of office time and is a setting.

One open deadline per object, so each clock lives on its own object: the application
(decision, then assignment), its papers request, its objection and each assignment (the
aid agreement)."""

from django.conf import settings

from deadlines.calendar import add_calendar_days_rolling, add_duration
from deadlines.models import TimeBasis
from deadlines.services import close_deadline, set_deadline
from legalaid.models import ApplicationState, Channel, FastTrackReason

# Legal Aid Law 2021.
DECISION_DAYS = 7  # Art 43: decide within 7 days of a complete application
ASSIGN_DAYS = 3  # Art 43: assign within 3 days of deciding to give aid; Art 36: of a notice
OBJECTION_DAYS = 5  # Art 49: review an objection within 5 days of receiving it
# Ministry of Justice rules on handling legal-aid cases: the lawyer signs the aid
# agreement with the client within 5 days of the assignment.
AGREEMENT_DAYS = 5

DECIDE_STAGE = "decide"
ASSIGN_STAGE = "assign"
PAPERS_STAGE = "papers"
OBJECTION_STAGE = "objection"
AGREEMENT_STAGE = "agreement"


def decision_due(complete_at):
    return add_calendar_days_rolling(complete_at, DECISION_DAYS)


def assignment_due(application, start):
    """Half a day of office time in the green channel; otherwise the statutory 3 days,
    counted for a notice from the day it was received."""
    if application.green_channel and application.fast_track_reason == FastTrackReason.GREEN_CHANNEL:
        return add_duration(start, settings.LEGALAID_GREEN_ASSIGN_HOURS, TimeBasis.WORKING)
    return add_calendar_days_rolling(start, ASSIGN_DAYS)


def objection_due(received_at):
    return add_calendar_days_rolling(received_at, OBJECTION_DAYS)


def agreement_due(assigned_at):
    return add_calendar_days_rolling(assigned_at, AGREEMENT_DAYS)


def papers_due(application, start, *, fast_track):
    days = settings.LEGALAID_GREEN_PAPERS_DAYS if fast_track else settings.LEGALAID_PAPERS_DAYS
    return add_calendar_days_rolling(start, int(days))


def _basis(application):
    if application.state == ApplicationState.APPROVED and application.green_channel:
        return TimeBasis.WORKING
    return TimeBasis.CALENDAR


def enter_state(application, now):
    """Set the application's own clock for the state it has just entered."""
    application.stage_started_at = now
    if application.state == ApplicationState.SUBMITTED:
        application.due_at = decision_due(application.complete_at or now)
    elif application.state == ApplicationState.APPROVED:
        start = now
        if application.channel == Channel.NOTICE and application.first_assigned_at is None:
            start = application.notice_received_at or now
        application.stage_started_at = start
        application.due_at = assignment_due(application, start)
    else:  # awaiting papers, objected and assigned run on their own objects' clocks
        application.due_at = None


def stage_of(state):
    return {ApplicationState.SUBMITTED: DECIDE_STAGE, ApplicationState.APPROVED: ASSIGN_STAGE}.get(state)


def sync_application(application, now):
    """Keep the deadline engine's clock on the application's current stage."""
    stage = stage_of(application.state)
    if stage is None or application.due_at is None:
        close_deadline(application, at=now)
        return
    started = application.stage_started_at or now
    set_deadline(application, stage, min(started, application.due_at), application.due_at, _basis(application), at=now)


def start(subject, stage, started_at, due_at, now):
    set_deadline(subject, stage, min(started_at, due_at), due_at, TimeBasis.CALENDAR, at=now)


def stop(subject, now):
    close_deadline(subject, at=now)
