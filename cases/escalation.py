"""What a deadline crossing means for a case: the escalation ladder (data, in the admin)
says who is told at each level, and the crossing appears on the case's timeline. Called
by the deadline engine inside its transaction, for thousands of crossings at a time, so
everything here is a handful of set-based queries."""

from collections import defaultdict

from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from accounts.roles import Role
from cases.models import Case, CaseState, EscalationStep, Unit
from deadlines.models import Deadline
from gaoxin.db import copy_insert
from grid.models import GridAssignment

HANDLING_STAGE = "handle"

# Who acts on a case in each timed state (the stage owners of the ladder).
_GRID_STATES = {CaseState.TO_VERIFY, CaseState.TO_CHECK}
_UNIT_STATES = {CaseState.DISPATCHED, CaseState.HANDLING}
_POST_OF_STATE = {
    CaseState.TO_FILE: Role.DUTY_CHIEF,
    CaseState.TO_DISPATCH: Role.DISPATCHER,
    CaseState.TO_CLOSE: Role.DUTY_CHIEF,
}

_EVENT_ACTION = {
    Deadline.Level.WARNING: "deadline_warning",
    Deadline.Level.OVERDUE: "deadline_overdue",
    Deadline.Level.ESCALATED: "deadline_escalated",
}


def stage_of(state) -> str:
    """The clock a state runs on: the handling clock spans dispatch and acceptance."""
    return HANDLING_STAGE if state in _UNIT_STATES else state


def escalation_delay_hours():
    step = EscalationStep.objects.filter(level=Deadline.Level.ESCALATED).first()
    return step.after_hours if step else None


def on_crossings(crossings):
    ladder = {step.level: step for step in EscalationStep.objects.all()}
    cases = {
        row["id"]: row
        for row in Case.objects.filter(pk__in=[c.subject_id for c in crossings]).values(
            "id", "number", "state", "unit_id", "grid_id", "unit__head_id", "description"
        )
    }
    directory = _Directory(cases.values(), ladder.values())
    headings = _Headings()
    notifications, events = [], []
    for crossing in crossings:
        case = cases.get(crossing.subject_id)
        step = ladder.get(crossing.level)
        if case is None:
            continue
        title = headings.title(crossing.level, case["state"], case["number"])
        recipients = directory.recipients(case, step) if step else set()
        link = f"/cases/{case['id']}/"
        notifications.extend((user, title, case["description"][:200], link) for user in sorted(recipients))
        events.append((case["id"], _EVENT_ACTION[crossing.level], case["state"], title, crossing.crossed_at))
    _insert_events(events)
    if notifications:
        from notifications.services import notify_many

        notify_many(notifications)


class _Headings:
    """Translated title templates, made once per (level, state) rather than per case."""

    def __init__(self):
        self._templates = {}

    def title(self, level, state, number):
        key = (level, state)
        if key not in self._templates:
            self._templates[key] = _("【%(level)s】案件 %(number)s（%(state)s）") % {
                "level": Deadline.Level(level).label,
                "number": "{number}",
                "state": CaseState(state).label,
            }
        return self._templates[key].format(number=number)


class _Directory:
    """Everyone the ladder may name for these cases, read in a few queries."""

    def __init__(self, cases, steps):
        cases = list(cases)
        self.unit_members = defaultdict(set)
        for unit_id, user_id in Unit.members.through.objects.filter(
            unit_id__in={c["unit_id"] for c in cases if c["unit_id"]}
        ).values_list("unit_id", "user_id"):
            self.unit_members[unit_id].add(user_id)
        self.grid_officers = defaultdict(set)
        for grid_id, officer_id in GridAssignment.objects.filter(grid_id__in={c["grid_id"] for c in cases}).values_list(
            "grid_id", "officer_id"
        ):
            self.grid_officers[grid_id].add(officer_id)
        roles = {role for step in steps for role in step.roles} | set(_POST_OF_STATE.values())
        self.role_members = defaultdict(set)
        for role, user_id in Group.objects.filter(name__in=roles, user__is_active=True).values_list("name", "user"):
            self.role_members[role].add(user_id)

    def recipients(self, case, step):
        people = set()
        if step.notify_stage_owners:
            if case["state"] in _UNIT_STATES:
                people |= self.unit_members[case["unit_id"]]
            elif case["state"] in _GRID_STATES:
                people |= self.grid_officers[case["grid_id"]]
            elif case["state"] in _POST_OF_STATE:
                people |= self.role_members[_POST_OF_STATE[case["state"]]]
        if step.notify_unit_head and case["unit__head_id"]:
            people.add(case["unit__head_id"])
        for role in step.roles:
            people |= self.role_members[role]
        return people


def _insert_events(events):
    copy_insert(
        "cases_caseevent",
        ("case_id", "action", "actor_role", "from_state", "to_state", "note", "data", "created_at"),
        ((case, action, "system", state, state, note, "{}", at) for case, action, state, note, at in events),
    )
