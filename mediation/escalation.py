"""What the deadline engine's crossings mean for mediation: who is told, and the line on
the dispute's timeline. Called inside the engine's transaction, possibly for many
crossings at once, so each handler reads what it needs in a few set-based queries."""

from collections import defaultdict

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from deadlines.models import Deadline
from mediation.models import Agreement, CommitteeMembership, Dispute, DisputeEvent, FollowUp
from notifications.services import notify_many

_LEVEL_ACTION = {
    Deadline.Level.WARNING: "deadline_warning",
    Deadline.Level.OVERDUE: "deadline_overdue",
    Deadline.Level.ESCALATED: "deadline_escalated",
}
_DISPUTE_FIELDS = ("id", "number", "state", "lead_mediator_id", "committee_id", "applicant_id", "summary")


class _People:
    """The committees' mediators and heads, and the supervisors, read once per batch."""

    def __init__(self, committee_ids):
        self.mediators, self.heads = defaultdict(set), defaultdict(set)
        rows = CommitteeMembership.objects.filter(committee_id__in=committee_ids, user__is_active=True)
        for committee_id, user_id, is_head in rows.values_list("committee_id", "user_id", "is_head"):
            self.mediators[committee_id].add(user_id)
            if is_head:
                self.heads[committee_id].add(user_id)
        self.supervisors = set(
            Group.objects.filter(name=Role.SUPERVISOR, user__is_active=True).values_list("user", flat=True)
        )

    def owners(self, dispute):
        """Who works the dispute now: its lead mediator, else its committee's mediators."""
        lead = dispute["lead_mediator_id"]
        return {lead} if lead else set(self.mediators[dispute["committee_id"]])


def _disputes(ids):
    return {row["id"]: row for row in Dispute.objects.filter(pk__in=ids).values(*_DISPUTE_FIELDS)}


def _write(notifications, events):
    DisputeEvent.objects.bulk_create(events)
    notify_many(notifications)


def _event(dispute, action, title, crossed_at):
    return DisputeEvent(
        dispute_id=dispute["id"],
        action=action,
        actor_role="system",
        from_state=dispute["state"],
        to_state=dispute["state"],
        note=title,
        created_at=crossed_at,
    )


def _link(dispute_id):
    return reverse("mediation:dispute", args=[dispute_id])


def on_dispute_crossings(crossings):
    """The acceptance and one-month mediation clocks of disputes."""
    disputes = _disputes({c.subject_id for c in crossings})
    people = _People({d["committee_id"] for d in disputes.values()})
    notifications, events = [], []
    for crossing in crossings:
        dispute = disputes.get(crossing.subject_id)
        if dispute is None:
            continue
        what = _("受理") if crossing.stage == "accept" else _("调解")
        title = _("【%(level)s】纠纷 %(number)s %(what)s期限 %(due)s") % {
            "level": Deadline.Level(crossing.level).label,
            "number": dispute["number"],
            "what": what,
            "due": f"{timezone.localtime(crossing.due_at):%Y-%m-%d %H:%M}",
        }
        recipients = people.owners(dispute)
        if crossing.level >= Deadline.Level.OVERDUE:
            recipients |= people.heads[dispute["committee_id"]]
        if crossing.level == Deadline.Level.ESCALATED:
            recipients |= people.supervisors
        notifications += [(user, title, dispute["summary"][:200], _link(dispute["id"])) for user in sorted(recipients)]
        events.append(_event(dispute, _LEVEL_ACTION[crossing.level], title, crossing.crossed_at))
    _write(notifications, events)


def on_agreement_crossings(crossings):
    """The 30-day window in which the parties may apply for judicial confirmation."""
    agreements = dict(
        Agreement.objects.filter(pk__in={c.subject_id for c in crossings}).values_list("id", "dispute_id")
    )
    disputes = _disputes(set(agreements.values()))
    people = _People({d["committee_id"] for d in disputes.values()})
    notifications, events = [], []
    for crossing in crossings:
        dispute = disputes.get(agreements.get(crossing.subject_id))
        if dispute is None:
            continue
        last_day = f"{timezone.localtime(crossing.due_at):%Y-%m-%d}"
        if crossing.level == Deadline.Level.WARNING:
            title = _("纠纷 %(number)s 的调解协议可在 %(day)s 前共同申请司法确认") % {
                "number": dispute["number"],
                "day": last_day,
            }
            action = "confirmation_reminder"
        else:
            title = _("纠纷 %(number)s 的司法确认申请期限已于 %(day)s 届满") % {
                "number": dispute["number"],
                "day": last_day,
            }
            action = "confirmation_window_closed"
        recipients = people.owners(dispute)
        link = _link(dispute["id"])
        notifications += [(user, title, "", link) for user in sorted(recipients)]
        if dispute["applicant_id"] and crossing.level == Deadline.Level.WARNING:
            notifications.append(
                (dispute["applicant_id"], title, "", reverse("mediation:my_dispute", args=[dispute["id"]]))
            )
        events.append(_event(dispute, action, title, crossing.crossed_at))
    _write(notifications, events)


def on_follow_up_crossings(crossings):
    """Follow-up visits coming due, then overdue."""
    follow_ups = {
        row["id"]: row
        for row in FollowUp.objects.filter(pk__in={c.subject_id for c in crossings}).values(
            "id", "dispute_id", "sequence", "due_on"
        )
    }
    disputes = _disputes({f["dispute_id"] for f in follow_ups.values()})
    people = _People({d["committee_id"] for d in disputes.values()})
    notifications, events = [], []
    for crossing in crossings:
        follow_up = follow_ups.get(crossing.subject_id)
        dispute = disputes.get(follow_up["dispute_id"]) if follow_up else None
        if dispute is None:
            continue
        title = _("【%(level)s】纠纷 %(number)s 第 %(n)s 次回访，应于 %(day)s 前完成") % {
            "level": Deadline.Level(crossing.level).label,
            "number": dispute["number"],
            "n": follow_up["sequence"],
            "day": f"{follow_up['due_on']:%Y-%m-%d}",
        }
        recipients = people.owners(dispute)
        if crossing.level >= Deadline.Level.OVERDUE:
            recipients |= people.heads[dispute["committee_id"]]
        notifications += [(user, title, "", _link(dispute["id"])) for user in sorted(recipients)]
        events.append(_event(dispute, f"follow_up_{_LEVEL_ACTION[crossing.level]}", title, crossing.crossed_at))
    _write(notifications, events)
