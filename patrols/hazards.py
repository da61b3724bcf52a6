"""What a hazard's rectification clock crossing means: who is told. Called by the deadline
engine inside its transaction, for any number of crossings at once, so it reads everything
it needs in a few set-based queries and writes one bulk insert of notifications.

    warning   (80 % of the time used)      the officer who found it and the grid's officers: re-inspect soon
    overdue   (past the rectification due) the same, and the community's first responsible person
    escalated (HAZARD_ESCALATE_AFTER_HOURS later) the same, and every supervisor

An overdue hazard is not turned into a case automatically: the officer or a supervisor
does that with one action (patrols.services.escalate_hazard_to_case), after seeing why it
was not rectified. A serious hazard becomes a case when it is recorded.
"""

from collections import defaultdict

from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from deadlines.models import Deadline
from grid.models import GridAssignment
from patrols.models import Hazard, HazardState

RECTIFY_STAGE = "rectify"

_TITLES = {
    Deadline.Level.WARNING: gettext_lazy("【整改预警】%(grid)s：%(text)s"),
    Deadline.Level.OVERDUE: gettext_lazy("【整改超期】%(grid)s：%(text)s"),
    Deadline.Level.ESCALATED: gettext_lazy("【超期升级】%(grid)s：%(text)s"),
}


def hazard_link(hazard_id) -> str:
    return f"/patrols/hazards/{hazard_id}/"


def on_rectify_crossings(crossings):
    hazards = {
        row["id"]: row
        for row in Hazard.objects.filter(
            pk__in=[c.subject_id for c in crossings if c.stage == RECTIFY_STAGE], state=HazardState.OPEN
        ).values(
            "id", "description", "found_by_id", "grid_id", "grid__name", "grid__community__first_responsible_user_id"
        )
    }
    if not hazards:
        return
    officers = defaultdict(set)
    for grid_id, officer_id in GridAssignment.objects.filter(
        grid_id__in={h["grid_id"] for h in hazards.values()}
    ).values_list("grid_id", "officer_id"):
        officers[grid_id].add(officer_id)
    supervisors = None
    rows = []
    for crossing in crossings:
        hazard = hazards.get(crossing.subject_id)
        if hazard is None or crossing.level not in _TITLES:
            continue
        people = {hazard["found_by_id"], *officers[hazard["grid_id"]]}
        if crossing.level >= Deadline.Level.OVERDUE:
            people.add(hazard["grid__community__first_responsible_user_id"])
        if crossing.level == Deadline.Level.ESCALATED:
            if supervisors is None:
                supervisors = set(
                    Group.objects.filter(name=Role.SUPERVISOR, user__is_active=True).values_list("user", flat=True)
                )
            people |= supervisors
        title = str(_TITLES[crossing.level]) % {"grid": hazard["grid__name"], "text": hazard["description"][:40]}
        body = _("整改期限：%(due)s") % {"due": f"{timezone.localtime(crossing.due_at):%Y-%m-%d %H:%M}"}
        rows.extend((user_id, title, body, hazard_link(hazard["id"])) for user_id in sorted(people - {None}))
    if rows:
        from notifications.services import notify_many

        notify_many(rows)
