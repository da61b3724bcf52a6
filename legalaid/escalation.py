"""What the deadline engine's crossings mean for legal aid: who is told, the line on the
application's timeline and, for papers never supplied, the consequence. Called inside
the engine's transaction, possibly for many crossings at once, so each handler reads
what it needs in a few set-based queries."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from deadlines.models import Deadline
from legalaid import services
from legalaid.models import Application, ApplicationEvent, Assignment, Objection, PapersRequest
from notifications.services import notify_many

_LEVEL_ACTION = {
    Deadline.Level.WARNING: "deadline_warning",
    Deadline.Level.OVERDUE: "deadline_overdue",
    Deadline.Level.ESCALATED: "deadline_escalated",
}
_STAGE_LABEL = {
    "decide": gettext_lazy("审查决定"),
    "assign": gettext_lazy("指派律师"),
    "papers": gettext_lazy("补充材料"),
    "objection": gettext_lazy("异议审查"),
    "agreement": gettext_lazy("签订委托协议"),
}
_FIELDS = ("id", "number", "state", "applicant_id", "lawyer__user_id", "green_channel")


def _applications(ids):
    return {row["id"]: row for row in Application.objects.filter(pk__in=ids).values(*_FIELDS)}


def _people(*roles):
    return set(services.role_members(*roles).values_list("pk", flat=True))


def _title(crossing, application):
    return _("【%(level)s】法律援助 %(number)s %(stage)s期限 %(due)s") % {
        "level": Deadline.Level(crossing.level).label,
        "number": application["number"],
        "stage": _STAGE_LABEL.get(crossing.stage, crossing.stage),
        "due": f"{timezone.localtime(crossing.due_at):%Y-%m-%d %H:%M}",
    }


def _event(application, action, title, crossed_at):
    return ApplicationEvent(
        application_id=application["id"],
        action=action,
        actor_role=services.SYSTEM_ACTOR,
        from_state=application["state"],
        to_state=application["state"],
        note=title,
        created_at=crossed_at,
    )


def _link(application):
    return reverse("legalaid:application", args=[application["id"]])


def _write(notifications, events):
    ApplicationEvent.objects.bulk_create(events)
    notify_many(notifications)


def on_application_crossings(crossings):
    """The 7 days to decide and the days (or, in the green channel, hours) to assign."""
    applications = _applications({c.subject_id for c in crossings})
    coordinators = _people(Role.LEGAL_AID_COORDINATOR)
    supervisors = _people(Role.SUPERVISOR)
    notifications, events = [], []
    for crossing in crossings:
        application = applications.get(crossing.subject_id)
        if application is None:
            continue
        title = _title(crossing, application)
        recipients = set(coordinators)
        if crossing.level >= Deadline.Level.OVERDUE:
            recipients |= supervisors
        notifications += [(user, title, "", _link(application)) for user in sorted(recipients)]
        events.append(_event(application, _LEVEL_ACTION[crossing.level], title, crossing.crossed_at))
    _write(notifications, events)


def on_papers_crossings(crossings):
    """Papers coming due remind the applicant; papers overdue lapse or are chased."""
    requests = dict(
        PapersRequest.objects.filter(pk__in={c.subject_id for c in crossings}).values_list("id", "application_id")
    )
    applications = _applications(set(requests.values()))
    notifications, events, overdue = [], [], []
    for crossing in crossings:
        application = applications.get(requests.get(crossing.subject_id))
        if application is None:
            continue
        if crossing.level >= Deadline.Level.OVERDUE:
            overdue.append(crossing.subject_id)
            continue
        title = _("请于 %(due)s 前补交法律援助申请 %(number)s 的材料") % {
            "due": f"{timezone.localtime(crossing.due_at):%Y-%m-%d}",
            "number": application["number"],
        }
        if application["applicant_id"]:
            link = reverse("legalaid:my_application", args=[application["id"]])
            notifications.append((application["applicant_id"], title, "", link))
        events.append(_event(application, "papers_reminder", title, crossing.crossed_at))
    _write(notifications, events)
    if overdue:
        services.lapse_papers(overdue, max(c.crossed_at for c in crossings))


def on_objection_crossings(crossings):
    """The 5 days to review an objection."""
    objections = dict(
        Objection.objects.filter(pk__in={c.subject_id for c in crossings}).values_list("id", "application_id")
    )
    applications = _applications(set(objections.values()))
    reviewers = _people(Role.LEGAL_AID_COORDINATOR, Role.SUPERVISOR)
    notifications, events = [], []
    for crossing in crossings:
        application = applications.get(objections.get(crossing.subject_id))
        if application is None:
            continue
        title = _title(crossing, application)
        notifications += [(user, title, "", _link(application)) for user in sorted(reviewers)]
        events.append(_event(application, f"objection_{_LEVEL_ACTION[crossing.level]}", title, crossing.crossed_at))
    _write(notifications, events)


def on_assignment_crossings(crossings):
    """The 5 days to sign the aid agreement after an assignment."""
    assignments = {
        row["id"]: row
        for row in Assignment.objects.filter(pk__in={c.subject_id for c in crossings}).values(
            "id", "application_id", "lawyer__user_id"
        )
    }
    applications = _applications({a["application_id"] for a in assignments.values()})
    coordinators = _people(Role.LEGAL_AID_COORDINATOR)
    notifications, events = [], []
    for crossing in crossings:
        assignment = assignments.get(crossing.subject_id)
        application = applications.get(assignment["application_id"]) if assignment else None
        if application is None:
            continue
        title = _title(crossing, application)
        recipients = {assignment["lawyer__user_id"]} - {None}
        if crossing.level >= Deadline.Level.OVERDUE:
            recipients |= coordinators
        notifications += [(user, title, "", _link(application)) for user in sorted(recipients)]
        events.append(_event(application, f"agreement_{_LEVEL_ACTION[crossing.level]}", title, crossing.crossed_at))
    _write(notifications, events)
